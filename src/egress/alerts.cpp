#include "tollgate/egress/alerts.h"
#include "tollgate/util/json.h"

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tollgate::egress {

Result<std::unique_ptr<AlertOutputs>> AlertOutputs::open(const AlertOutputOptions& o) {
  int fd = -1;
  if (!o.file.empty()) {
    fd = ::open(o.file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
      return fail(ErrorCode::kIo, std::string("cannot open: ") + std::strerror(errno), o.file);
  }
  // LOG_NDELAY: connect to the log socket now, so that a missing syslog daemon shows at start
  // (syslog(3) itself reports nothing).
  if (o.syslog) ::openlog("tollgate-proxy", LOG_PID | LOG_NDELAY, LOG_DAEMON);
  return std::unique_ptr<AlertOutputs>(new AlertOutputs(fd, o.file, o.syslog));
}

AlertOutputs::~AlertOutputs() {
  if (fd_ >= 0) ::close(fd_);
  if (syslog_) ::closelog();
}

namespace {

int priority(report::Severity s) {
  switch (s) {
    case report::Severity::kMalicious:
    case report::Severity::kCritical:
      return LOG_CRIT;
    case report::Severity::kHigh:
      return LOG_ERR;
    case report::Severity::kMedium:
      return LOG_WARNING;
    default:
      return LOG_NOTICE;
  }
}

}  // namespace

Status AlertOutputs::write(const Flow& flow) {
  for (const auto& a : flow.alerts) {
    nlohmann::json j = toJson(flow);
    nlohmann::json line{{"time", j.value("start", "")},
                        {"flow", flow.id},
                        {"id", a.id},
                        {"severity", std::string(report::toString(a.severity))},
                        {"subject", a.subject},
                        {"message", a.message},
                        {"evidence", a.evidence}};
    std::string text = jsonText(line);
    if (syslog_) ::syslog(LOG_DAEMON | priority(a.severity), "%s", text.c_str());
    if (fd_ < 0) continue;
    text.push_back('\n');
    std::size_t off = 0;
    while (off < text.size()) {
      ssize_t n = ::write(fd_, text.data() + off, text.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(ErrorCode::kIo, std::string("cannot write: ") + std::strerror(errno), path_);
      }
      off += static_cast<std::size_t>(n);
    }
  }
  return {};
}

Status AlertFanoutSink::write(const Flow& flow) {
  auto st = inner_.write(flow);
  if (!flow.alerts.empty()) {
    auto a = outputs_.write(flow);
    if (st && !a) return a;
  }
  return st;
}

}  // namespace tollgate::egress
