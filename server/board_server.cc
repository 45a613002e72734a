#include "server/board_server.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/daemon/daemon.h"
#include "common/program/command_line.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "spdlog/spdlog.h"

namespace casesync {
namespace {

// INVALID_ARGUMENT for options the board cannot run with: a transport
// CheckTransport refuses, a change limit no push could carry, a board id
// other than its certificate's name.
[[nodiscard]] absl::Status CheckServerOptions(
    const BoardServerOptions& options) {
  RETURN_IF_ERROR(CheckTransport(options.transport));
  if (options.board.limits.max_change_bytes > options.max_message_bytes / 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a change may be up to ", options.board.limits.max_change_bytes,
        " bytes (--max_change_bytes), more than fits in a push under "
        "--max_message_bytes ",
        options.max_message_bytes, " (at most half of it)"));
  }
  // The board's certificate names it, and its key signs receipts.
  return CheckCertifiedAs(options.transport, options.board.board_id,
                          "board's id", "--board_id");
}

// The board's own options: with TLS, its certificate signs receipts and the
// CA checks agencies' bundles; without, bundles are taken unsigned.
BoardOptions BoardOptionsFor(const BoardServerOptions& options) {
  BoardOptions board_options = options.board;
  board_options.allow_unsigned_bundles = options.transport.insecure;
  if (!options.transport.insecure) {
    board_options.receipt_cert_file = options.transport.tls_cert;
    board_options.receipt_key_file = options.transport.tls_key;
    board_options.bundle_ca_file = options.transport.tls_ca;
    board_options.bundle_crl_dir = options.transport.tls_crl_dir;
  }
  return board_options;
}

// The listening port, its limits and keepalives for the sync service.
void ConfigureSyncPort(const BoardServerOptions& options,
                       grpc::ServerBuilder* builder, int* port) {
  builder->AddListeningPort(options.listen, BoardCredentials(options.transport),
                            port);
  builder->SetMaxReceiveMessageSize(
      static_cast<int>(options.max_message_bytes));
  builder->SetMaxSendMessageSize(kMaxGrpcMessageBytes);
  // Notice agencies that vanish without closing their stream.
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 20'000);
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  builder->AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5'000);
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Never share the port with another process (a second board, or this one
  // still shutting down).
  builder->AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
}

void LogSyncTransport(const std::string& address,
                      const TransportOptions& transport) {
  if (transport.insecure) {
    spdlog::warn(
        "INSECURE: the sync service on {} uses plain text and believes "
        "whatever agency id a caller sends; use only on a development machine",
        address);
  } else {
    spdlog::info(
        "sync service on {}: mutual TLS, agencies identified by certificate "
        "(CA {}, revocation lists {})",
        address, transport.tls_ca,
        transport.tls_crl_dir.empty() ? "not checked" : transport.tls_crl_dir);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<BoardServer>> BoardServer::Start(
    const BoardServerOptions& options) {
  RETURN_IF_ERROR(CheckServerOptions(options));
  RETURN_IF_ERROR(PrepareDataDir(options.board.data_dir));
  auto server = std::unique_ptr<BoardServer>(new BoardServer());
  ASSIGN_OR_RETURN(server->board_, Board::Open(BoardOptionsFor(options)));
  RETURN_IF_ERROR(server->StartSyncServer(options));
  RETURN_IF_ERROR(server->StartLocalServers(options));
  return server;
}

absl::Status BoardServer::StartSyncServer(const BoardServerOptions& options) {
  SyncServiceOptions sync_options;
  sync_options.insecure = options.transport.insecure;
  sync_options.max_push_bytes = options.max_message_bytes / 2;
  sync_options.metrics = &metrics_;
  if (!options.transport.insecure && !options.transport.tls_crl_dir.empty()) {
    revocation_ = std::make_unique<RevocationWatch>(
        options.transport.tls_ca, options.transport.tls_crl_dir);
    sync_options.revocation = revocation_.get();
  }
  sync_service_ = std::make_unique<SyncService>(board_.get(), sync_options);
  // Standard gRPC health checking (grpc.health.v1) and server reflection,
  // so that an operator's usual gRPC tools can ask the sync port whether it
  // serves and what. Both sit behind the same mutual TLS as the sync
  // service itself.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  ConfigureSyncPort(options, &builder, &port);
  builder.RegisterService(sync_service_.get());
  sync_server_ = builder.BuildAndStart();
  if (sync_server_ == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for agencies on ", options.listen));
  }
  sync_server_->GetHealthCheckService()->SetServingStatus(
      v1::BoardSync::service_full_name(), true);
  const size_t colon = options.listen.rfind(':');
  listen_address_ = absl::StrCat(options.listen.substr(0, colon), ":", port);
  LogSyncTransport(listen_address_, options.transport);
  return absl::OkStatus();
}

absl::Status BoardServer::StartLocalServers(const BoardServerOptions& options) {
  LocalApiParts parts;
  parts.records = board_->records();
  parts.sync = board_.get();
  parts.audit = board_.get();
  ASSIGN_OR_RETURN(PartnershipClock clock,
                   LoadPartnershipClock(options.statutory));
  clock_ = std::make_unique<PartnershipClock>(std::move(clock));
  parts.clock = clock_.get();
  parts.office_formats = options.office_formats;
  local_service_ = std::make_unique<LocalApiService>(parts);
  socket_ = options.socket;
  ASSIGN_OR_RETURN(local_server_,
                   ServeLocalApi(options.socket, local_service_.get()));
  if (options.metrics_listen.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(metrics_server_,
                   ServeDaemonMetrics(
                       options.metrics_listen, "casesync-board", board_.get(),
                       &metrics_, options.board.data_dir,
                       [board = board_.get()] {
                         std::vector<MemoryUse> uses = StoreMemoryUses(
                             board->replica()->store()->Memory());
                         uses.push_back(board->feed()->CacheMemory());
                         return uses;
                       },
                       local_service_->statutory()));
  return absl::OkStatus();
}

std::string BoardServer::ReadyLine() const {
  std::string ready = "listening for agencies on " + listen_address_ +
                      "; local API on " + socket_;
  if (!metrics_address().empty()) {
    ready += "; metrics on http://" + metrics_address() + "/metrics";
  }
  return ready;
}

BoardServer::~BoardServer() { Shutdown(absl::ZeroDuration()); }

void BoardServer::Shutdown(absl::Duration grace) {
  metrics_server_.reset();  // it reads the board
  if (sync_service_ != nullptr) sync_service_->Stop();
  const auto deadline =
      std::chrono::system_clock::now() + absl::ToChronoMilliseconds(grace);
  if (sync_server_ != nullptr) {
    sync_server_->GetHealthCheckService()->Shutdown();
    // Sync streams are long-lived and everything in them can be repeated:
    // end them at once rather than wait out the grace period.
    sync_server_->Shutdown(std::chrono::system_clock::now());
    sync_server_->Wait();
    sync_server_.reset();
  }
  if (local_server_ != nullptr) {
    local_server_->Shutdown(deadline);
    local_server_->Wait();
    local_server_.reset();
  }
  // The services hold the board: gone before it, so that a second Shutdown
  // (the destructor's, after main's) touches nothing freed.
  sync_service_.reset();
  local_service_.reset();
  board_.reset();
}

}  // namespace casesync
