// Where alerts go besides the store: a JSON-lines file and/or syslog(3).
//
//   auto out = egress::AlertOutputs::open({.file = "alerts.jsonl", .syslog = true}).value();
//   egress::AlertFanoutSink sink(storeSink, *out);   // a FlowSink: flows to the store as before,
//   egress::QueuedFlowSink queue(sink, 65536);        // each alert also to the file and syslog
//
// Every alert of a flow becomes one JSON object per line, the one finding shape plus the time and
// the flow id: {"time":"RFC 3339","flow":"<id>","id":...,"severity":...,"subject":...,
// "message":...,"evidence":{...}}. Syslog gets the same JSON as the message (ident
// "tollgate-proxy", facility daemon; priority from the severity: critical/malicious LOG_CRIT,
// high LOG_ERR, medium LOG_WARNING, low/info LOG_NOTICE).
//
// Thread safety: called only from the flow writer thread (through the FlowSink). syslog(3)'s
// openlog is process-wide: open() calls it once, the destructor closelog().
#pragma once

#include <memory>
#include <string>

#include "tollgate/egress/flow.h"
#include "tollgate/util/result.h"

namespace tollgate::egress {

struct AlertOutputOptions {
  std::string file;     // "" none; appended to (O_APPEND, one write per line)
  bool syslog = false;  // syslog(3)
};

class AlertOutputs {
 public:
  // Errors: kIo naming the file.
  [[nodiscard]] static Result<std::unique_ptr<AlertOutputs>> open(const AlertOutputOptions& o);
  ~AlertOutputs();
  AlertOutputs(const AlertOutputs&) = delete;
  AlertOutputs& operator=(const AlertOutputs&) = delete;
  [[nodiscard]] Status write(const Flow& flow);

 private:
  AlertOutputs(int fd, std::string path, bool syslog)
      : fd_(fd), path_(std::move(path)), syslog_(syslog) {}
  int fd_;
  std::string path_;
  bool syslog_;
};

// Passes flows to `inner` and their alerts to `outputs`. Both must outlive it.
class AlertFanoutSink final : public FlowSink {
 public:
  AlertFanoutSink(FlowSink& inner, AlertOutputs& outputs) : inner_(inner), outputs_(outputs) {}
  Status write(const Flow& flow) override;
  Status flush() override { return inner_.flush(); }

 private:
  FlowSink& inner_;
  AlertOutputs& outputs_;
};

}  // namespace tollgate::egress
