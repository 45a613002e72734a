// casesync-board as a whole: the board, its sync service on TCP for the
// agencies, and the local API on a Unix socket for the review team. main()
// runs it with RunDaemonUntilSignal (common/daemon/run_daemon.h).
//
// Thread-safety: Start, ReadyLine and Shutdown from one thread.
#ifndef CASESYNC_SERVER_BOARD_SERVER_H_
#define CASESYNC_SERVER_BOARD_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/api/local_api_service.h"
#include "common/daemon/metrics.h"
#include "common/daemon/metrics_server.h"
#include "common/daemon/run_daemon.h"
#include "common/daemon/statutory_flags.h"
#include "common/program/command_line.h"
#include "common/security/transport.h"
#include "grpcpp/server.h"
#include "server/board.h"
#include "server/sync_service.h"

namespace casesync {

struct BoardServerOptions {
  BoardOptions board;
  // host:port for the sync service; port 0 picks a free one.
  std::string listen;
  // Path of the local API's Unix socket.
  std::string socket;
  // Mutual TLS for the sync service, or plain text with self-declared agency
  // ids (development only; logged as a warning).
  TransportOptions transport;
  // The largest message the sync service takes from an agency (gRPC's
  // receive limit). Agencies keep pushes to half of it, uncompressed, so a
  // change may be at most that large (board.limits.max_change_bytes).
  size_t max_message_bytes = kMaxGrpcMessageBytes;
  // Where to serve Prometheus metrics (MetricsServer::Start's address
  // forms); empty: not served.
  std::string metrics_listen;
  // What the statutory clock counts with (docs/statutory_process.md).
  StatutoryFlags statutory;
  // How Word and PDF exports are made (common/document/office_formats.h).
  OfficeFormatOptions office_formats;
};

class BoardServer final : public RunningDaemon {
 public:
  // Opens the board and starts both servers. Errors from opening the store,
  // INVALID_ARGUMENT for a transport CheckTransport refuses, UNAVAILABLE when
  // an address cannot be listened on.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<BoardServer>> Start(
      const BoardServerOptions& options);
  ~BoardServer() override;

  // "listening for agencies on ADDRESS; local API on SOCKET", then "; metrics
  // on http://ADDRESS/metrics" if they are served: the addresses with the
  // ports bound. Tests read the line for the ports.
  std::string ReadyLine() const override;

  // The sync service's address with the port actually bound.
  const std::string& listen_address() const { return listen_address_; }
  // The metrics listener's address with the port bound; empty if none.
  std::string metrics_address() const {
    return metrics_server_ != nullptr ? metrics_server_->address() : "";
  }
  Board* board() { return board_.get(); }

  // Stops taking calls, ends open streams (waiting up to `grace`), closes
  // the store. A second call does nothing.
  void Shutdown(absl::Duration grace) override;

 private:
  BoardServer() = default;

  // Serves the board's sync service on options.listen (with health checking
  // and reflection). UNAVAILABLE if the address cannot be listened on.
  [[nodiscard]] absl::Status StartSyncServer(const BoardServerOptions& options);
  // Serves the local API on options.socket, and the metrics on
  // options.metrics_listen if set. Errors as ServeLocalApi and
  // ServeDaemonMetrics.
  [[nodiscard]] absl::Status StartLocalServers(
      const BoardServerOptions& options);

  SyncMetrics metrics_;
  std::unique_ptr<Board> board_;
  std::unique_ptr<RevocationWatch> revocation_;  // read by sync_service_
  std::unique_ptr<SyncService> sync_service_;
  std::unique_ptr<PartnershipClock> clock_;  // read by local_service_
  std::unique_ptr<LocalApiService> local_service_;
  std::unique_ptr<grpc::Server> sync_server_;
  std::unique_ptr<grpc::Server> local_server_;
  std::string listen_address_;
  std::string socket_;
  std::unique_ptr<MetricsServer> metrics_server_;
};

}  // namespace casesync

#endif  // CASESYNC_SERVER_BOARD_SERVER_H_
