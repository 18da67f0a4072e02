#include "tollgate/egress/flow.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "tollgate/egress/flow_store.h"

namespace tollgate::egress {
namespace {

Flow sampleFlow(std::string id, std::int64_t ms, std::string exe, std::string vendor = {}) {
  Flow f;
  f.id = std::move(id);
  f.start = std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
  f.duration = std::chrono::microseconds(1500);
  f.exe = std::move(exe);
  f.pid = 42;
  f.client = "127.0.0.1:5000";
  f.kind = "http";
  f.host = "api.example.com";
  f.port = 80;
  f.method = "POST";
  f.url = "http://api.example.com/x";
  f.status = 200;
  f.bytesUp = 10;
  f.vendor = std::move(vendor);
  f.classes["email"] = {.count = 2,
                        .cls = "personal",
                        .severity = "medium",
                        .samples = {"ja***om"},
                        .where = {"body:json"}};
  return f;
}

// A backend that records what it got, and can be made slow.
class Recorder final : public FlowSink {
 public:
  std::mutex mu;
  std::vector<std::string> ids;
  int flushes = 0;
  std::chrono::milliseconds delay{0};
  Status write(const Flow& f) override {
    std::this_thread::sleep_for(delay);
    std::lock_guard lock(mu);
    ids.push_back(f.id);
    return {};
  }
  Status flush() override {
    ++flushes;
    return {};
  }
};

TEST(QueuedFlowSink, CloseDrainsEverythingQueued) {
  Recorder r;
  r.delay = std::chrono::milliseconds(1);
  QueuedFlowSink q(r, 1000);
  for (int i = 0; i < 200; ++i) EXPECT_TRUE(q.write(sampleFlow(std::to_string(i), i, "/bin/x")));
  q.close();
  EXPECT_EQ(r.ids.size(), 200u);
  EXPECT_EQ(q.written(), 200u);
  EXPECT_EQ(q.dropped(), 0u);
  EXPECT_GE(r.flushes, 1);
  EXPECT_FALSE(q.write(sampleFlow("late", 0, "")));
  EXPECT_EQ(q.dropped(), 1u);
}

TEST(QueuedFlowSink, FullQueueDropsInsteadOfBlocking) {
  Recorder r;
  r.delay = std::chrono::milliseconds(50);
  QueuedFlowSink q(r, 2);
  int accepted = 0;
  for (int i = 0; i < 50; ++i) accepted += q.write(sampleFlow(std::to_string(i), i, "")) ? 1 : 0;
  EXPECT_LT(accepted, 50);
  EXPECT_EQ(q.dropped(), static_cast<std::uint64_t>(50 - accepted));
  q.close();
  EXPECT_EQ(r.ids.size(), static_cast<std::size_t>(accepted));
}

TEST(Flow, JsonRoundTrip) {
  Flow f = sampleFlow("1-1", 1'700'000'000'123, "/usr/bin/curl", "acme");
  f.sni = "api.example.com";
  f.ja4 = "t13d1516h2_8daaf6152771_e5627efa2ab1";
  report::Finding a;
  a.id = "egress-ioc-domain";
  a.severity = report::Severity::kCritical;
  a.subject = f.id;
  a.message = "m";
  f.alerts.push_back(a);
  auto back = flowFromJson(toJson(f));
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(toJson(*back), toJson(f));
}

TEST(StoreFlowSink, WritesAndQueries) {
  auto url = store::parseUrl("sqlite::memory:");
  ASSERT_TRUE(url);
  auto s = store::open(*url);
  ASSERT_TRUE(s) << s.error().describe();
  ASSERT_TRUE((*s)->migrate(migrations()));
  {
    StoreFlowSink sink(**s);
    Flow a = sampleFlow("a", 1000, "/usr/bin/curl", "acme");
    report::Finding alert;
    alert.id = "egress-ioc-domain";
    alert.severity = report::Severity::kCritical;
    alert.subject = "a";
    alert.message = "listed";
    alert.evidence = {{"host", "evil.test"}};
    a.alerts.push_back(alert);
    ASSERT_TRUE(sink.write(a));
    ASSERT_TRUE(sink.write(sampleFlow("b", 2000, "/usr/bin/wget", "other")));
    ASSERT_TRUE(sink.write(sampleFlow("c", 3000, "/opt/app/curl", "acme")));
    ASSERT_TRUE(sink.flush());
  }
  auto all = queryFlows(**s, {});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].classes.at("email").count, 2u);
  FlowQuery q;
  q.since = std::chrono::system_clock::time_point(std::chrono::milliseconds(1500));
  auto since = queryFlows(**s, q);
  ASSERT_TRUE(since);
  EXPECT_EQ(since->size(), 2u);
  q = {};
  q.vendor = "acme";
  auto vendor = queryFlows(**s, q);
  ASSERT_TRUE(vendor);
  EXPECT_EQ(vendor->size(), 2u);
  q = {};
  q.app = "curl";
  auto app = queryFlows(**s, q);
  ASSERT_TRUE(app);
  EXPECT_EQ(app->size(), 2u) << "file name matches both curls";
  q.app = "/usr/bin/curl";
  auto exact = queryFlows(**s, q);
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->size(), 1u);
  auto alerts = queryAlerts(**s, std::nullopt);
  ASSERT_TRUE(alerts);
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ((*alerts)[0].flowId, "a");
  EXPECT_EQ((*alerts)[0].finding.severity, report::Severity::kCritical);
  EXPECT_EQ((*alerts)[0].finding.evidence["host"], "evil.test");
}

}  // namespace
}  // namespace tollgate::egress
