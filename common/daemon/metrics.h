// Prometheus metrics of a daemon, in the text exposition format (version
// 0.0.4): what `casesync status` answers, as numbers a monitoring system can
// keep and alert on, plus push and pull latency histograms, the store's size
// on disk and build info. docs/operations.md lists the families.
//
// Debian ships no Prometheus client library for C++; the format is a few
// lines of text per family, written here.
//
// Thread-safety: LatencyHistogram is thread-safe (atomics); the rest are
// pure functions.
#ifndef CASESYNC_COMMON_DAEMON_METRICS_H_
#define CASESYNC_COMMON_DAEMON_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casesync/v1/local_api.pb.h"
#include "common/api/statutory_service.h"
#include "common/replica/store.h"

namespace casesync {

// A Prometheus histogram of durations, in seconds.
class LatencyHistogram {
 public:
  // Upper bounds of the buckets, seconds (then +Inf).
  static constexpr std::array<double, 14> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,  0.5,    1,     2.5,  5,     10};

  void Observe(absl::Duration duration);

  // Appends the family `name` (with `help`) to `out`.
  void AppendText(absl::string_view name, absl::string_view help,
                  std::string* out) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size()> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

// The latencies a daemon's sync side records. On an agency, push: from a
// push leaving to its (durable) acknowledgement; pull: from a feed frame's
// arrival to its durable apply. On the board, push: from a push's arrival
// to its durable acknowledgement being sent; pull: from reading a feed frame
// to sending it.
struct SyncMetrics {
  LatencyHistogram push;
  LatencyHistogram pull;
};

// One of a daemon's bounded consumers of memory: what it holds now and the
// bound it keeps to (casesync_memory_bytes and casesync_memory_limit_bytes,
// labelled consumer="...").
struct MemoryUse {
  std::string consumer;
  uint64_t bytes = 0;
  uint64_t limit = 0;
};

// The store's consumers: "memtables" (limit: the size at which they are
// flushed), "block_cache" and "table_readers" (no limit of its own: 0).
std::vector<MemoryUse> StoreMemoryUses(const StoreMemory& memory);

// The whole exposition of a daemon: build info for `program`, what
// `status` says (per agency rows on the board, the agency's own numbers on
// an agency daemon), `sync`'s histograms, the store's `store_bytes` and
// `memory`.
std::string RenderMetrics(absl::string_view program,
                          const v1::StatusReply& status,
                          const SyncMetrics& sync, uint64_t store_bytes,
                          const std::vector<MemoryUse>& memory);

// The family casesync_overdue_items{kind="deadline|request|action"}: the
// statutory deadlines, contribution requests and actions past their due date
// and not done (docs/statutory_process.md), as the daemon sees them.
std::string RenderOverdueMetrics(const OverdueCounts& overdue);

// Bytes of the files under `dir`, recursively (0 for what cannot be read).
uint64_t DirectoryBytes(const std::string& dir);

}  // namespace casesync

#endif  // CASESYNC_COMMON_DAEMON_METRICS_H_
