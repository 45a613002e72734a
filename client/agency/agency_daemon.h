// casesyncd as a whole: the agency's replica, its link to the board, and the
// local API on a Unix socket for the agency's authors.
//
// Thread-safety: Start and Shutdown from one thread.
#ifndef CASESYNC_CLIENT_AGENCY_AGENCY_DAEMON_H_
#define CASESYNC_CLIENT_AGENCY_AGENCY_DAEMON_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/agency/board_link.h"
#include "common/api/local_api_service.h"
#include "common/api/record_service.h"
#include "common/daemon/metrics.h"
#include "common/daemon/metrics_server.h"
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
};

class AgencyDaemon {
 public:
  // Opens the store, starts the link and the local API. Errors from opening
  // the store, INVALID_ARGUMENT for a transport CheckTransport refuses or a
  // certificate that does not certify --agency, and as ServeLocalApi.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<AgencyDaemon>> Start(
      const AgencyDaemonOptions& options);
  ~AgencyDaemon();

  // The metrics listener's address with the port bound; empty if none.
  std::string metrics_address() const {
    return metrics_server_ != nullptr ? metrics_server_->address() : "";
  }

  // Stops the local API and the link (waiting up to `grace` for calls in
  // progress), then closes the store.
  void Shutdown(absl::Duration grace);

 private:
  AgencyDaemon() = default;

  SyncMetrics metrics_;
  std::unique_ptr<Replica> replica_;
  std::unique_ptr<BoardLink> link_;
  std::unique_ptr<RecordService> records_;
  std::unique_ptr<LocalApiService> local_service_;
  std::unique_ptr<grpc::Server> local_server_;
  std::unique_ptr<MetricsServer> metrics_server_;
};

}  // namespace casesync

#endif  // CASESYNC_CLIENT_AGENCY_AGENCY_DAEMON_H_
