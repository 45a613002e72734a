// casesyncd as a whole: the agency's replica, its link to the board, and the
// local API on a Unix socket for the agency's authors; run from main() by
// RunDaemonUntilSignal (common/daemon/run_daemon.h).
//
// Thread-safety: Start and Shutdown from one thread.
#ifndef CASESYNC_CLIENT_AGENCY_AGENCY_DAEMON_H_
#define CASESYNC_CLIENT_AGENCY_AGENCY_DAEMON_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/agency/board_link.h"
#include "common/api/local_api_service.h"
#include "common/api/record_service.h"
#include "common/daemon/metrics.h"
#include "common/daemon/metrics_server.h"
#include "common/daemon/run_daemon.h"
#include "common/daemon/statutory_flags.h"
#include "common/replica/replica.h"
#include "grpcpp/server.h"

namespace casesync {

struct AgencyDaemonOptions {
  // Directory of the agency's store; created if missing.
  std::string data_dir;
  // The agency's id (its certificate's common name).
  std::string agency;
  // Path of the local API's Unix socket.
  std::string socket;
  // The board link's settings (address, transport, backoff).
  BoardLinkOptions link;
  // Sync every commit to disk (the default); false only for tests.
  bool sync = true;
  // Where to serve Prometheus metrics (MetricsServer::Start's address
  // forms); empty: not served.
  std::string metrics_listen;
  // What the statutory clock counts with (docs/statutory_process.md).
  StatutoryFlags statutory;
};

class AgencyDaemon : public RunningDaemon {
 public:
  // Opens the store, starts the link and the local API. Errors from opening
  // the store, INVALID_ARGUMENT for a transport CheckTransport refuses or a
  // certificate that does not certify --agency, and as BoardLink::Start,
  // ServeLocalApi and ServeDaemonMetrics.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<AgencyDaemon>> Start(
      const AgencyDaemonOptions& options);
  ~AgencyDaemon() override;

  // The metrics listener's address with the port bound; empty if none.
  std::string metrics_address() const {
    return metrics_server_ != nullptr ? metrics_server_->address() : "";
  }

  // RunningDaemon: "agency ID serving on SOCKET; syncing with ADDRESS", and
  // "; metrics on http://ADDRESS/metrics" when they are served.
  std::string ReadyLine() const override;

  // Stops the local API and the link (waiting up to `grace` for calls in
  // progress), then closes the store. Idempotent.
  void Shutdown(absl::Duration grace) override;

 private:
  explicit AgencyDaemon(const AgencyDaemonOptions& options)
      : options_(options) {}

  // Opens the agency's replica.
  [[nodiscard]] absl::Status OpenReplica();
  // Starts the link, taking in a restore from a backup if the data
  // directory holds one (and forgetting it once the link has recorded it).
  [[nodiscard]] absl::Status StartLink();
  // The record service and the local API on the socket.
  [[nodiscard]] absl::Status StartLocalApi();
  // Metrics over HTTP, if asked for.
  [[nodiscard]] absl::Status StartMetrics();

  const AgencyDaemonOptions options_;
  SyncMetrics metrics_;
  std::unique_ptr<Replica> replica_;
  std::unique_ptr<BoardLink> link_;
  std::unique_ptr<RecordService> records_;
  std::unique_ptr<PartnershipClock> clock_;  // read by local_service_
  std::unique_ptr<LocalApiService> local_service_;
  std::unique_ptr<grpc::Server> local_server_;
  std::unique_ptr<MetricsServer> metrics_server_;
};

}  // namespace casesync

#endif  // CASESYNC_CLIENT_AGENCY_AGENCY_DAEMON_H_
