// Flow records: one per proxied request or tunnel, and where they go.
//
//   egress::JsonLinesFlowSink file = *egress::JsonLinesFlowSink::open("flows.jsonl");
//   egress::QueuedFlowSink queue(file, 4096);     // writer thread behind a bounded queue
//   queue.write(flow);                            // never blocks the data path
//   queue.close();                                // drains, then joins the writer (SIGTERM)
//
// The proxy's data path only ever calls QueuedFlowSink::write, which copies the record into a
// bounded queue (a full queue drops the record and counts it, so a slow disk never stalls
// traffic); the writer thread hands records to the backend. The backend is a FlowSink: a
// JSON-lines file today, the SQLite store's flow table once src/store provides one.
//
// Thread safety: QueuedFlowSink::write may be called from any thread; backends are called only
// from the writer thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tollgate/report/finding.h"
#include "tollgate/util/result.h"

namespace tollgate::egress {

struct DataClassCount {
  std::uint64_t count = 0;
  std::string cls;                   // personal | secret | host
  std::string severity;              // classify's severity name
  std::vector<std::string> samples;  // masked values only (at most 3)
  std::vector<std::string> where;    // "url", "body" (and the decoding path)
};

struct Flow {
  std::string id;  // unique per proxy run: "<start ms>-<sequence>"
  std::chrono::system_clock::time_point start;
  std::chrono::microseconds duration{0};
  // The application: from /proc when the client is local, else empty.
  std::string exe;
  std::int64_t pid = 0;
  std::string package;
  std::string user;    // Proxy-Authorization user, when sent
  std::string client;  // "addr:port"
  std::string kind;    // "http", "connect", or "https" (a request inside an intercepted tunnel)
  std::string host;    // destination host as asked
  std::string ip;      // destination address connected to
  std::uint16_t port = 0;
  std::string sni, alpn, ja3, ja4;
  // Decrypted with the local CA (`tollgate ca`): the tunnel, and the requests seen inside it
  // (kind "https").
  bool intercepted = false;
  std::string method, url;
  unsigned status = 0;                            // upstream status (or the proxy's own 4xx/5xx)
  std::uint64_t bytesUp = 0;                      // client to server, on the wire after the head
  std::uint64_t bytesDown = 0;                    // server to client
  std::map<std::string, DataClassCount> classes;  // by detector id
  std::string vendor;
  std::string verdict = "allow";        // allow | alert | redact | block | error
  std::string error;                    // what went wrong, "" when nothing did
  std::vector<report::Finding> alerts;  // raised on this flow (subject: the flow id)
};

// {"id":..., "start":"RFC 3339", "duration_ms":..., ...}; empty fields are left out.
[[nodiscard]] nlohmann::json toJson(const Flow& f);
[[nodiscard]] Result<Flow> flowFromJson(const nlohmann::json& j);

class FlowSink {
 public:
  virtual ~FlowSink() = default;
  // Stores one record. Errors are reported, never thrown.
  [[nodiscard]] virtual Status write(const Flow& flow) = 0;
  // Makes what was written durable.
  [[nodiscard]] virtual Status flush() = 0;
};

// Appends one JSON object per line (O_APPEND; each line written with one write call).
class JsonLinesFlowSink final : public FlowSink {
 public:
  // Errors: kIo naming the path.
  [[nodiscard]] static Result<std::unique_ptr<JsonLinesFlowSink>> open(const std::string& path);
  ~JsonLinesFlowSink() override;
  Status write(const Flow& flow) override;
  Status flush() override;

 private:
  JsonLinesFlowSink(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

// Reads a JSON-lines flow file (for `tollgate flows`). Errors: kIo, kInvalidInput with the line.
[[nodiscard]] Result<std::vector<Flow>> readFlowsFile(const std::string& path);

class QueuedFlowSink {
 public:
  // `backend` must outlive this object. `onError` is called on the writer thread.
  QueuedFlowSink(FlowSink& backend, std::size_t capacity,
                 std::function<void(const Error&)> onError = {});
  ~QueuedFlowSink();
  QueuedFlowSink(const QueuedFlowSink&) = delete;
  QueuedFlowSink& operator=(const QueuedFlowSink&) = delete;

  // Queues a copy; false (and counted in dropped()) when the queue is full or closed.
  bool write(Flow flow);
  // Stops accepting, writes everything queued, flushes, joins the writer. Idempotent.
  void close();

  [[nodiscard]] std::size_t depth() const;
  [[nodiscard]] std::uint64_t written() const noexcept { return written_.load(); }
  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_.load(); }

 private:
  void run();
  FlowSink& backend_;
  std::size_t capacity_;
  std::function<void(const Error&)> onError_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Flow> queue_;
  bool closed_ = false;
  std::atomic<std::uint64_t> written_{0}, dropped_{0};
  std::thread thread_;
};

}  // namespace tollgate::egress
