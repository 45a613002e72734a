#include "client/agency/board_link.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/role.h"
#include "common/base/status_macros.h"
#include "common/program/command_line.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/channel.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "spdlog/spdlog.h"

namespace casesync {
namespace {

constexpr int kMaxRejectionsShown = 20;

google::protobuf::Timestamp MillisToTimestamp(uint64_t ms) {
  return google::protobuf::util::TimeUtil::MillisecondsToTimestamp(
      static_cast<int64_t>(ms));
}

}  // namespace

absl::StatusOr<std::unique_ptr<BoardLink>> BoardLink::Start(
    Replica* replica, BoardLinkOptions options) {
  std::unique_ptr<KeyPairSigner> signer;
  if (!options.transport.insecure) {
    ASSIGN_OR_RETURN(signer, KeyPairSigner::Load(options.transport.tls_cert,
                                                 options.transport.tls_key));
    // Read again at each bundle import (a rotated CA); here only to refuse
    // to start with a file that cannot be read.
    RETURN_IF_ERROR(CertificateTrust::Load(options.transport.tls_ca).status());
  }
  auto link =
      std::unique_ptr<BoardLink>(new BoardLink(replica, std::move(options)));
  LinkStateOptions state_options;
  state_options.board_id = link->options_.board_id;
  state_options.restored_from_backup_ms =
      link->options_.restored_from_backup_ms;
  state_options.clock = link->options_.clock;
  state_options.on_commit = [raw = link.get()] { raw->StateCommitted(); };
  ASSIGN_OR_RETURN(link->state_,
                   LinkState::Load(replica, std::move(state_options)));
  link->signer_ = std::move(signer);
  link->feed_ =
      std::make_unique<FeedApplier>(link->state_.get(), link->options_.metrics);
  link->receipts_ =
      std::make_unique<Receipts>(replica, link->options_.transport);
  AgencyBundles::Parts bundle_parts;
  bundle_parts.replica = replica;
  bundle_parts.link_state = link->state_.get();
  bundle_parts.feed = link->feed_.get();
  bundle_parts.receipts = link->receipts_.get();
  bundle_parts.signer = link->signer_.get();
  link->bundles_ =
      std::make_unique<AgencyBundles>(bundle_parts, link->options_);
  link->thread_ = std::thread([raw = link.get()] { raw->Run(); });
  return link;
}

BoardLink::BoardLink(Replica* replica, BoardLinkOptions options)
    : replica_(replica), options_(std::move(options)) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxGrpcMessageBytes);
  args.SetMaxSendMessageSize(kMaxGrpcMessageBytes);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  // Reconnection pacing is the link's own (with jitter); keep gRPC's short.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  channel_ = grpc::CreateCustomChannel(
      options_.board_address, AgencyCredentials(options_.transport), args);
  stub_ = v1::BoardSync::NewStub(channel_);
}

BoardLink::~BoardLink() { Stop(); }

void BoardLink::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    if (session_ != nullptr) session_->Cancel();
    cv_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
}

void BoardLink::LocalWrite() {
  absl::MutexLock lock(&mu_);
  if (session_ != nullptr) session_->LocalWrite();
}

absl::Status BoardLink::MayWrite() const { return state_->MayWrite(); }

void BoardLink::Run() {
  absl::BitGen bitgen;
  int attempt = 0;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
      connect_now_ = false;
      ++sessions_started_;
    }
    absl::Status status = RunSession();
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
      // A session that got as far as the board's Welcome resets the backoff.
      if (session_welcomed_) attempt = 0;
      last_failed_session_ = sessions_started_;
      std::string error = status.ok() ? "the board closed the stream"
                                      : std::string(status.message());
      // Say it once, not at every attempt while the board stays away.
      if (error != last_error_) spdlog::warn("sync with the board: {}", error);
      last_error_ = std::move(error);
      cv_.SignalAll();
    }
    AwaitRetry(attempt, bitgen);
    ++attempt;
  }
}

void BoardLink::AwaitRetry(int attempt, absl::BitGen& bitgen) {
  const absl::Duration nominal =
      std::min(options_.max_backoff,
               options_.min_backoff * (int64_t{1} << std::min(attempt, 20)));
  const absl::Duration wait = nominal * absl::Uniform(bitgen, 0.5, 1.5);
  const absl::Time deadline = absl::Now() + wait;
  absl::MutexLock lock(&mu_);
  while (!stop_ && !connect_now_) {
    if (cv_.WaitWithDeadline(&mu_, deadline)) break;
  }
}

absl::Status BoardLink::Connect() {
  // Whatever gRPC's own reconnection pacing says after the last failure, the
  // link has already waited its backoff (or was asked to sync now): try at
  // once.
  grpc::experimental::ChannelResetConnectionBackoff(channel_.get());
  const absl::Time deadline = absl::Now() + options_.connect_timeout;
  while (absl::Now() < deadline) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return absl::CancelledError("stopping");
    }
    // In short steps, so that Stop() is not kept waiting.
    const absl::Time step =
        std::min(deadline, absl::Now() + absl::Milliseconds(250));
    if (channel_->WaitForConnected(absl::ToChronoTime(step)))
      return absl::OkStatus();
    // An attempt failed outright (refused, or a TLS handshake the board or
    // this agency rejected): opening the stream now fails at once with
    // gRPC's reason, which says more than waiting out the deadline would.
    if (channel_->GetState(false) == GRPC_CHANNEL_TRANSIENT_FAILURE) {
      return absl::OkStatus();
    }
  }
  return absl::UnavailableError(
      absl::StrCat("cannot reach the board at ", options_.board_address,
                   " (nothing answered within ",
                   absl::FormatDuration(options_.connect_timeout), ")"));
}

absl::Status BoardLink::RunSession() {
  RETURN_IF_ERROR(Connect());
  SyncSession::Parts parts;
  parts.options = &options_;
  parts.stub = stub_.get();
  parts.replica = replica_;
  parts.link_state = state_.get();
  parts.feed = feed_.get();
  parts.receipts = receipts_.get();
  SyncSession::Events events;
  events.welcomed = [this] { Welcomed(); };
  events.answered = [this](uint64_t ping) { Answered(ping); };
  SyncSession session(parts, std::move(events));
  {
    absl::MutexLock lock(&mu_);
    if (stop_) return absl::OkStatus();
    session_ = &session;
    session_welcomed_ = false;
    session.RequestPing(pings_requested_);
  }
  absl::Status status = session.Run();
  absl::MutexLock lock(&mu_);
  session_ = nullptr;
  connected_ = false;
  cv_.SignalAll();
  return status;
}

void BoardLink::Welcomed() {
  absl::MutexLock lock(&mu_);
  connected_ = true;
  session_welcomed_ = true;
  last_error_.clear();
  cv_.SignalAll();
}

void BoardLink::Answered(uint64_t ping) {
  absl::MutexLock lock(&mu_);
  pings_answered_ = std::max(pings_answered_, ping);
  cv_.SignalAll();
}

void BoardLink::StateCommitted() {
  absl::MutexLock lock(&mu_);
  cv_.SignalAll();
}

absl::StatusOr<v1::StatusReply> BoardLink::Status() {
  v1::StatusReply reply;
  v1::AgencyStatus* status = reply.mutable_agency();
  status->set_agency(replica_->id());
  status->set_board(options_.board_address);
  ASSIGN_OR_RETURN(uint64_t own, replica_->Frontier(replica_->id()));
  ASSIGN_OR_RETURN(uint64_t conflicts, replica_->CountConflicts());
  {
    absl::MutexLock lock(&mu_);
    status->set_connected(connected_);
    status->set_last_error(last_error_);
  }
  const v1::BoardLinkState state = state_->Get();
  status->set_local_changes(own);
  status->set_pending(
      static_cast<uint32_t>(own - std::min(own, state.acknowledged())));
  if (status->pending() > 0) {
    v1::Dot oldest;
    oldest.set_replica(replica_->id());
    oldest.set_counter(state.acknowledged() + 1);
    ASSIGN_OR_RETURN(std::optional<v1::Change> change,
                     replica_->ReadChange(oldest));
    if (change.has_value()) {
      *status->mutable_oldest_pending() =
          MillisToTimestamp(change->hlc().wall_time_ms());
    }
  }
  ReportState(state, status);
  status->set_conflicts(static_cast<uint32_t>(conflicts));
  // The newest rejections, newest first.
  ASSIGN_OR_RETURN(std::vector<v1::Verdict> rejections,
                   state_->NewestRejections(kMaxRejectionsShown));
  for (v1::Verdict& verdict : rejections)
    *status->add_rejections() = std::move(verdict);
  return reply;
}

void BoardLink::ReportState(const v1::BoardLinkState& state,
                            v1::AgencyStatus* status) {
  if (state.last_contact_ms() > 0) {
    *status->mutable_last_contact() =
        MillisToTimestamp(state.last_contact_ms());
  }
  status->set_rejected(static_cast<uint32_t>(state.rejected()));
  status->set_accepted(static_cast<uint32_t>(
      state.acknowledged() - std::min(state.acknowledged(), state.rejected())));
  status->set_feed_cursor(state.feed_cursor());
  status->set_pull_lag(
      static_cast<uint32_t>(state.feed_head() > state.feed_cursor()
                                ? state.feed_head() - state.feed_cursor()
                                : 0));
}

absl::StatusOr<v1::SyncReply> BoardLink::Sync(const v1::SyncRequest& request) {
  const absl::Duration timeout = request.timeout_ms() > 0
                                     ? absl::Milliseconds(request.timeout_ms())
                                     : absl::Seconds(30);
  ASSIGN_OR_RETURN(uint64_t target, replica_->Frontier(replica_->id()));
  // A connection attempt in progress should not sit out gRPC's backoff.
  grpc::experimental::ChannelResetConnectionBackoff(channel_.get());
  {
    absl::MutexLock lock(&mu_);
    connect_now_ = true;
    // Only a session begun after this request can say the board is
    // unreachable now: one already trying may have started before the board
    // came back.
    const uint64_t sessions_at_start = sessions_started_;
    const uint64_t ping = request.wait() ? ++pings_requested_ : 0;
    if (ping > 0 && session_ != nullptr) session_->RequestPing(ping);
    cv_.SignalAll();
    if (request.wait()) {
      RETURN_IF_ERROR(AwaitSynced(target, ping, sessions_at_start, timeout));
    }
  }
  v1::SyncReply reply;
  ASSIGN_OR_RETURN(v1::StatusReply status, Status());
  *reply.mutable_status() = status.agency();
  if (request.wait()) {
    ASSIGN_OR_RETURN(*reply.mutable_new_rejections(),
                     state_->TakeNewRejections());
  }
  return reply;
}

absl::Status BoardLink::AwaitSynced(uint64_t target, uint64_t ping,
                                    uint64_t sessions_at_start,
                                    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!(state_->Get().acknowledged() >= target && pings_answered_ >= ping)) {
    if (stop_) return absl::UnavailableError("the daemon is shutting down");
    if (last_failed_session_ > sessions_at_start && !connected_) {
      return absl::UnavailableError(
          last_error_.empty() ? absl::StrCat("cannot reach the board at ",
                                             options_.board_address)
                              : last_error_);
    }
    if (cv_.WaitWithDeadline(&mu_, deadline)) {
      if (!connected_) {
        return absl::DeadlineExceededError(absl::StrCat(
            "not connected to the board at ", options_.board_address,
            last_error_.empty() ? "" : ": ", last_error_));
      }
      const uint64_t acknowledged = state_->Get().acknowledged();
      return absl::DeadlineExceededError(
          absl::StrCat("timed out: ", target - std::min(target, acknowledged),
                       " changes still await the board's acknowledgement"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::ListReceiptsReply> BoardLink::ListReceipts() {
  return receipts_->List();
}

absl::StatusOr<ExportedBundle> BoardLink::ExportBundle(
    const v1::ExportBundleRequest& request, const BundleProgressFn& progress) {
  return bundles_->Export(request, progress);
}

absl::StatusOr<v1::BundleSummary> BoardLink::ImportBundle(
    absl::string_view bytes, const BundleProgressFn& progress) {
  ASSIGN_OR_RETURN(v1::BundleSummary summary,
                   bundles_->Import(bytes, progress));
  // Pushes the bundle acknowledged are no longer awaited on the stream.
  absl::MutexLock lock(&mu_);
  if (session_ != nullptr) {
    session_->Acknowledged(summary.header().acknowledged());
  }
  return summary;
}

absl::Status BoardLink::Backup(const BackupChunkFn& send) {
  v1::BackupManifest manifest;
  manifest.set_role(RoleName(Role::kAgency));
  manifest.set_replica_id(replica_->id());
  return StreamBackup(
      replica_, std::move(manifest),
      [](Replica::Batch* hold, v1::BackupManifest* m) -> absl::Status {
        ASSIGN_OR_RETURN(const v1::BoardLinkState state,
                         LinkState::ReadThrough(hold));
        m->set_feed_position(state.feed_cursor());
        return absl::OkStatus();
      },
      send);
}

}  // namespace casesync
