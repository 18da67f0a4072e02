#include "tollgate/egress/flow.h"
#include "tollgate/util/json.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>

namespace tollgate::egress {
namespace {

std::string rfc3339ms(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t s = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

std::optional<std::chrono::system_clock::time_point> parseTime(const std::string& s) {
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end) return std::nullopt;
  int ms = 0;
  if (*end == '.') {
    ms = std::atoi(end + 1);
  }
  auto t = timegm(&tm);
  return std::chrono::system_clock::from_time_t(t) + std::chrono::milliseconds(ms);
}

void put(nlohmann::json& j, const char* k, const std::string& v) {
  if (!v.empty()) j[k] = v;
}

}  // namespace

nlohmann::json toJson(const Flow& f) {
  nlohmann::json j;
  j["id"] = f.id;
  j["start"] = rfc3339ms(f.start);
  j["duration_ms"] = static_cast<double>(f.duration.count()) / 1000.0;
  put(j, "exe", f.exe);
  if (f.pid) j["pid"] = f.pid;
  put(j, "package", f.package);
  put(j, "user", f.user);
  j["client"] = f.client;
  j["kind"] = f.kind;
  j["host"] = f.host;
  put(j, "ip", f.ip);
  j["port"] = f.port;
  put(j, "sni", f.sni);
  put(j, "alpn", f.alpn);
  put(j, "ja3", f.ja3);
  put(j, "ja4", f.ja4);
  if (f.intercepted) j["intercepted"] = true;
  put(j, "method", f.method);
  put(j, "url", f.url);
  if (f.status) j["status"] = f.status;
  j["bytes_up"] = f.bytesUp;
  j["bytes_down"] = f.bytesDown;
  nlohmann::json classes = nlohmann::json::object();
  for (const auto& [id, c] : f.classes)
    classes[id] = {{"count", c.count},
                   {"class", c.cls},
                   {"severity", c.severity},
                   {"samples", c.samples},
                   {"where", c.where}};
  j["classes"] = classes;
  put(j, "vendor", f.vendor);
  j["verdict"] = f.verdict;
  put(j, "error", f.error);
  if (!f.alerts.empty()) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& x : f.alerts)
      a.push_back({{"id", x.id},
                   {"severity", std::string(report::toString(x.severity))},
                   {"subject", x.subject},
                   {"message", x.message},
                   {"evidence", x.evidence}});
    j["alerts"] = a;
  }
  return j;
}

Result<Flow> flowFromJson(const nlohmann::json& j) {
  try {
    Flow f;
    f.id = j.at("id").get<std::string>();
    auto t = parseTime(j.at("start").get<std::string>());
    if (!t) return fail(ErrorCode::kInvalidInput, "bad start time");
    f.start = *t;
    f.duration =
        std::chrono::microseconds(static_cast<std::int64_t>(j.value("duration_ms", 0.0) * 1000.0));
    f.exe = j.value("exe", "");
    f.pid = j.value("pid", std::int64_t{0});
    f.package = j.value("package", "");
    f.user = j.value("user", "");
    f.client = j.value("client", "");
    f.kind = j.value("kind", "");
    f.host = j.value("host", "");
    f.ip = j.value("ip", "");
    f.port = j.value("port", std::uint16_t{0});
    f.sni = j.value("sni", "");
    f.alpn = j.value("alpn", "");
    f.ja3 = j.value("ja3", "");
    f.ja4 = j.value("ja4", "");
    f.intercepted = j.value("intercepted", false);
    f.method = j.value("method", "");
    f.url = j.value("url", "");
    f.status = j.value("status", 0u);
    f.bytesUp = j.value("bytes_up", std::uint64_t{0});
    f.bytesDown = j.value("bytes_down", std::uint64_t{0});
    if (auto c = j.find("classes"); c != j.end() && c->is_object())
      for (const auto& [id, v] : c->items()) {
        DataClassCount d;
        d.count = v.value("count", std::uint64_t{0});
        d.cls = v.value("class", "");
        d.severity = v.value("severity", "");
        d.samples = v.value("samples", std::vector<std::string>{});
        d.where = v.value("where", std::vector<std::string>{});
        f.classes[id] = std::move(d);
      }
    f.vendor = j.value("vendor", "");
    f.verdict = j.value("verdict", "");
    f.error = j.value("error", "");
    if (auto a = j.find("alerts"); a != j.end() && a->is_array())
      for (const auto& x : *a) {
        report::Finding fd;
        fd.id = x.value("id", "");
        fd.severity =
            report::parseSeverity(x.value("severity", "info")).value_or(report::Severity::kInfo);
        fd.subject = x.value("subject", "");
        fd.message = x.value("message", "");
        if (auto e = x.find("evidence"); e != x.end()) fd.evidence = *e;
        f.alerts.push_back(std::move(fd));
      }
    return f;
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorCode::kInvalidInput, std::string("bad flow record: ") + e.what());
  }
}

Result<std::unique_ptr<JsonLinesFlowSink>> JsonLinesFlowSink::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0)
    return fail(ErrorCode::kIo, std::string("cannot open: ") + std::strerror(errno), path);
  return std::unique_ptr<JsonLinesFlowSink>(new JsonLinesFlowSink(fd, path));
}

JsonLinesFlowSink::~JsonLinesFlowSink() { ::close(fd_); }

Status JsonLinesFlowSink::write(const Flow& flow) {
  std::string line = jsonText(toJson(flow));
  line.push_back('\n');
  std::size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(fd_, line.data() + off, line.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ErrorCode::kIo, std::string("write: ") + std::strerror(errno), path_);
    }
    off += static_cast<std::size_t>(n);
  }
  return {};
}

Status JsonLinesFlowSink::flush() {
  if (::fdatasync(fd_) != 0 && errno != EINVAL)
    return fail(ErrorCode::kIo, std::string("fdatasync: ") + std::strerror(errno), path_);
  return {};
}

Result<std::vector<Flow>> readFlowsFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(ErrorCode::kIo, "cannot open", path);
  std::vector<Flow> out;
  std::string line;
  std::uint64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded())
      return fail(ErrorCode::kInvalidInput, "line " + std::to_string(n) + ": not JSON", path);
    auto f = flowFromJson(j);
    if (!f) return std::unexpected(f.error().within(path + " line " + std::to_string(n)));
    out.push_back(std::move(*f));
  }
  return out;
}

QueuedFlowSink::QueuedFlowSink(FlowSink& backend, std::size_t capacity,
                               std::function<void(const Error&)> onError)
    : backend_(backend), capacity_(capacity), onError_(std::move(onError)) {
  thread_ = std::thread([this] { run(); });
}

QueuedFlowSink::~QueuedFlowSink() { close(); }

bool QueuedFlowSink::write(Flow flow) {
  {
    std::lock_guard lock(mu_);
    if (closed_ || queue_.size() >= capacity_) {
      dropped_.fetch_add(1);
      return false;
    }
    queue_.push_back(std::move(flow));
  }
  cv_.notify_one();
  return true;
}

void QueuedFlowSink::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::size_t QueuedFlowSink::depth() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void QueuedFlowSink::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return closed_ || !queue_.empty(); });
    if (queue_.empty() && closed_) break;
    std::deque<Flow> batch;
    batch.swap(queue_);
    lock.unlock();
    for (const auto& f : batch) {
      if (auto st = backend_.write(f); !st) {
        if (onError_) onError_(st.error());
      } else {
        written_.fetch_add(1);
      }
    }
    // One durable step per batch (a transaction per batch for the store).
    if (auto st = backend_.flush(); !st && onError_) onError_(st.error());
    lock.lock();
  }
  lock.unlock();
  if (auto st = backend_.flush(); !st && onError_) onError_(st.error());
}

}  // namespace tollgate::egress
