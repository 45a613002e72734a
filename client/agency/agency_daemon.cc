#include "client/agency/agency_daemon.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

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
  auto daemon = std::unique_ptr<AgencyDaemon>(new AgencyDaemon(options));
  RETURN_IF_ERROR(daemon->OpenReplica());
  if (transport.insecure) {
    spdlog::warn(
        "INSECURE: syncing with {} in plain text, naming this agency in call "
        "metadata; use only on a development machine",
        options.link.board_address);
  } else {
    spdlog::info("syncing with {} over mutual TLS as {} (CA {})",
                 options.link.board_address, options.agency, transport.tls_ca);
  }
  RETURN_IF_ERROR(daemon->StartLink());
  RETURN_IF_ERROR(daemon->StartLocalApi());
  RETURN_IF_ERROR(daemon->StartMetrics());
  return daemon;
}

absl::Status AgencyDaemon::OpenReplica() {
  ReplicaOptions replica_options;
  replica_options.path = options_.data_dir;
  replica_options.replica_id = options_.agency;
  replica_options.clock = options_.link.clock;
  replica_options.sync = options_.sync;
  ASSIGN_OR_RETURN(replica_, Replica::Open(replica_options));
  return absl::OkStatus();
}

absl::Status AgencyDaemon::StartLink() {
  BoardLinkOptions link_options = options_.link;
  link_options.metrics = &metrics_;
  ASSIGN_OR_RETURN(
      std::optional<v1::BackupManifest> restored,
      FindRestoredBackup(options_.data_dir, "agency", options_.agency));
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
  ASSIGN_OR_RETURN(link_, BoardLink::Start(replica_.get(), link_options));
  // The link has recorded the restore durably.
  if (restored.has_value()) {
    RETURN_IF_ERROR(ForgetRestoredBackup(options_.data_dir));
  }
  return absl::OkStatus();
}

absl::Status AgencyDaemon::StartLocalApi() {
  RecordServiceOptions record_options;
  record_options.replica = replica_.get();
  record_options.role = Role::kAgency;
  record_options.agency = options_.agency;
  record_options.on_write = [link = link_.get()] { link->LocalWrite(); };
  record_options.may_write = [link = link_.get()] { return link->MayWrite(); };
  records_ = std::make_unique<RecordService>(std::move(record_options));
  LocalApiParts parts;
  parts.records = records_.get();
  parts.sync = link_.get();
  parts.receipts = link_.get();
  ASSIGN_OR_RETURN(PartnershipClock clock,
                   LoadPartnershipClock(options_.statutory));
  clock_ = std::make_unique<PartnershipClock>(std::move(clock));
  parts.clock = clock_.get();
  local_service_ = std::make_unique<LocalApiService>(parts);
  ASSIGN_OR_RETURN(local_server_,
                   ServeLocalApi(options_.socket, local_service_.get()));
  return absl::OkStatus();
}

absl::Status AgencyDaemon::StartMetrics() {
  if (options_.metrics_listen.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(metrics_server_,
                   ServeDaemonMetrics(
                       options_.metrics_listen, "casesyncd", link_.get(),
                       &metrics_, options_.data_dir,
                       [replica = replica_.get()] {
                         return StoreMemoryUses(replica->store()->Memory());
                       },
                       local_service_->statutory()));
  return absl::OkStatus();
}

AgencyDaemon::~AgencyDaemon() { Shutdown(absl::ZeroDuration()); }

std::string AgencyDaemon::ReadyLine() const {
  std::string ready =
      absl::StrCat("agency ", options_.agency, " serving on ", options_.socket,
                   "; syncing with ", options_.link.board_address);
  if (!metrics_address().empty()) {
    absl::StrAppend(&ready, "; metrics on http://", metrics_address(),
                    "/metrics");
  }
  return ready;
}

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
