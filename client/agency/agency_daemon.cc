#include "client/agency/agency_daemon.h"

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/daemon/daemon.h"
#include "common/replica/backup.h"
#include "common/security/transport.h"
#include "google/protobuf/util/time_util.h"
#include "spdlog/spdlog.h"

namespace casesync {

absl::StatusOr<std::unique_ptr<AgencyDaemon>> AgencyDaemon::Start(
    const AgencyDaemonOptions& options) {
  const TransportOptions& transport = options.link.transport;
  RETURN_IF_ERROR(CheckTransport(transport));
  RETURN_IF_ERROR(PrepareDataDir(options.data_dir));
  // The board knows this agency by its certificate: a daemon running under
  // another id would have every change it pushes rejected.
  RETURN_IF_ERROR(CheckCertifiedAs(transport, options.agency, "daemon's agency",
                                   "--agency"));
  auto daemon = std::unique_ptr<AgencyDaemon>(new AgencyDaemon());
  ReplicaOptions replica_options;
  replica_options.path = options.data_dir;
  replica_options.replica_id = options.agency;
  replica_options.clock = options.link.clock;
  replica_options.sync = options.sync;
  ASSIGN_OR_RETURN(daemon->replica_, Replica::Open(replica_options));
  if (transport.insecure) {
    spdlog::warn(
        "INSECURE: syncing with {} in plain text, naming this agency in call "
        "metadata; use only on a development machine",
        options.link.board_address);
  } else {
    spdlog::info("syncing with {} over mutual TLS as {} (CA {})",
                 options.link.board_address, options.agency, transport.tls_ca);
  }
  BoardLinkOptions link_options = options.link;
  link_options.metrics = &daemon->metrics_;
  ASSIGN_OR_RETURN(
      std::optional<v1::BackupManifest> restored,
      FindRestoredBackup(options.data_dir, "agency", options.agency));
  if (restored.has_value()) {
    link_options.restored_from_backup_ms = std::max<int64_t>(
        1, google::protobuf::util::TimeUtil::TimestampToMilliseconds(
               restored->taken_at()));
    spdlog::warn(
        "store restored from a backup taken at {}: local changes wait until "
        "the board has been reached and has sent back what it holds from "
        "after the backup",
        google::protobuf::util::TimeUtil::ToString(restored->taken_at()));
  }
  ASSIGN_OR_RETURN(daemon->link_,
                   BoardLink::Start(daemon->replica_.get(), link_options));
  // The link has recorded the restore durably.
  if (restored.has_value())
    RETURN_IF_ERROR(ForgetRestoredBackup(options.data_dir));
  RecordServiceOptions record_options;
  record_options.replica = daemon->replica_.get();
  record_options.role = Role::kAgency;
  record_options.agency = options.agency;
  record_options.on_write = [link = daemon->link_.get()] {
    link->LocalWrite();
  };
  record_options.may_write = [link = daemon->link_.get()] {
    return link->MayWrite();
  };
  daemon->records_ = std::make_unique<RecordService>(std::move(record_options));
  LocalApiParts parts;
  parts.records = daemon->records_.get();
  parts.sync = daemon->link_.get();
  parts.receipts = daemon->link_.get();
  daemon->local_service_ = std::make_unique<LocalApiService>(parts);
  ASSIGN_OR_RETURN(daemon->local_server_,
                   ServeLocalApi(options.socket, daemon->local_service_.get()));
  if (!options.metrics_listen.empty()) {
    ASSIGN_OR_RETURN(daemon->metrics_server_,
                     ServeDaemonMetrics(
                         options.metrics_listen, "casesyncd",
                         daemon->link_.get(), &daemon->metrics_,
                         options.data_dir, [replica = daemon->replica_.get()] {
                           return StoreMemoryUses(replica->store()->Memory());
                         }));
  }
  return daemon;
}

AgencyDaemon::~AgencyDaemon() { Shutdown(absl::ZeroDuration()); }

void AgencyDaemon::Shutdown(absl::Duration grace) {
  metrics_server_.reset();  // it reads the link
  if (local_server_ != nullptr) {
    local_server_->Shutdown(std::chrono::system_clock::now() +
                            absl::ToChronoMilliseconds(grace));
    local_server_->Wait();
    local_server_.reset();
  }
  if (link_ != nullptr) link_->Stop();
  local_service_.reset();
  records_.reset();
  link_.reset();
  replica_.reset();
}

}  // namespace casesync
