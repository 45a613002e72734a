// The opt-in HTTP listener Prometheus scrapes: GET /metrics answers the
// text exposition a callback renders; anything else is 404 (another path)
// or 405 (another method). Served by libmicrohttpd on a thread of its own.
//
// Thread-safety: `render` is called from libmicrohttpd's thread, one request
// at a time; Start and the destructor from one thread.
#ifndef CASESYNC_COMMON_DAEMON_METRICS_SERVER_H_
#define CASESYNC_COMMON_DAEMON_METRICS_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "common/api/sync_control.h"
#include "common/daemon/metrics.h"

struct MHD_Daemon;

namespace casesync {

class MetricsServer {
 public:
  // Returns the exposition, or an error (answered as 500 with its message).
  using RenderFn = std::function<absl::StatusOr<std::string>()>;

  // Listens on `address`: "HOST:PORT" with an IPv4 or bracketed IPv6
  // literal, or "PORT" alone for 127.0.0.1 (loopback unless said
  // otherwise); port 0 picks a free one. INVALID_ARGUMENT for an address
  // that is not of that form; UNAVAILABLE if it cannot be listened on.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const std::string& address, RenderFn render);
  // Stops listening; waits for a request being answered.
  ~MetricsServer();

  // The address with the port actually bound, e.g. "127.0.0.1:9464".
  const std::string& address() const { return address_; }

 private:
  MetricsServer() = default;

  RenderFn render_;
  MHD_Daemon* daemon_ = nullptr;
  std::string address_;
};

// Adds `--metrics_listen ADDRESS` (the forms Start takes) to `app`.
void AddMetricsFlag(CLI::App& app, std::string* address);

// What a daemon's bounded consumers of memory hold now (called on each
// scrape, from the server's thread).
using MemoryFn = std::function<std::vector<MemoryUse>()>;

// A daemon's metrics on `address`: RenderMetrics for `program` from
// `sync`'s status, `metrics`, the size of `data_dir` and `memory`; `sync`,
// `metrics` and what `memory` reads must outlive the server. With
// `statutory` (which must outlive it too), the overdue items as well. Errors as
// Start. Logs the address.
[[nodiscard]] absl::StatusOr<std::unique_ptr<MetricsServer>> ServeDaemonMetrics(
    const std::string& address, const std::string& program, SyncControl* sync,
    const SyncMetrics* metrics, const std::string& data_dir, MemoryFn memory,
    StatutoryService* statutory = nullptr);

}  // namespace casesync

#endif  // CASESYNC_COMMON_DAEMON_METRICS_SERVER_H_
