#include "client/agency/board_link.h"

#include <algorithm>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "client/agency/feed_apply.h"
#include "common/base/role.h"
#include "common/base/status_macros.h"
#include "common/program/command_line.h"
#include "common/program/grpc_status.h"
#include "common/replica/storage_keys.h"
#include "common/security/receipt.h"
#include "common/sync/frame_codec.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/util/time_util.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/channel.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "spdlog/spdlog.h"

namespace casesync {
namespace {

constexpr absl::string_view kStateKey = "board";
constexpr char kAgencyMetadata[] = "casesync-agency";
constexpr int kMaxRejectionsShown = 20;

using Stream = grpc::ClientReaderWriter<v1::AgencyFrame, v1::BoardFrame>;

google::protobuf::Timestamp MillisToTimestamp(uint64_t ms) {
  return google::protobuf::util::TimeUtil::MillisecondsToTimestamp(
      static_cast<int64_t>(ms));
}

}  // namespace

absl::StatusOr<std::unique_ptr<BoardLink>> BoardLink::Start(
    Replica* replica, BoardLinkOptions options) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   replica->store()->Get(Family::kSyncState, kStateKey));
  v1::BoardLinkState state;
  if (bytes.has_value() && !state.ParseFromString(*bytes)) {
    return absl::DataLossError("unreadable board link state");
  }
  if (!options.board_id.empty() && !state.board_id().empty() &&
      options.board_id != state.board_id()) {
    return absl::FailedPreconditionError(
        absl::StrCat("--board_id is '", options.board_id,
                     "', but this agency's store has "
                     "synced with board '",
                     state.board_id(), "'"));
  }
  std::unique_ptr<KeyPairSigner> signer;
  if (!options.transport.insecure) {
    ASSIGN_OR_RETURN(signer, KeyPairSigner::Load(options.transport.tls_cert,
                                                 options.transport.tls_key));
    // Read again at each bundle import (a rotated CA); here only to refuse
    // to start with a file that cannot be read.
    RETURN_IF_ERROR(CertificateTrust::Load(options.transport.tls_ca).status());
  }
  if (options.restored_from_backup_ms != 0) {
    // Durably, before the caller forgets the backup's manifest.
    state.set_restored_from_backup_ms(options.restored_from_backup_ms);
    std::unique_ptr<Replica::Batch> batch = replica->NewBatch();
    batch->Put(Family::kSyncState, kStateKey, state.SerializeAsString());
    RETURN_IF_ERROR(batch->Commit());
  }
  auto link = std::unique_ptr<BoardLink>(
      new BoardLink(replica, std::move(options), std::move(state)));
  link->signer_ = std::move(signer);
  link->thread_ = std::thread([raw = link.get()] { raw->Run(); });
  return link;
}

BoardLink::BoardLink(Replica* replica, BoardLinkOptions options,
                     v1::BoardLinkState state)
    : replica_(replica),
      options_(std::move(options)),
      state_(std::move(state)) {
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

BoardLink::~BoardLink() { Stop(); }

void BoardLink::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    if (session_context_ != nullptr) session_context_->TryCancel();
    cv_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
}

void BoardLink::LocalWrite() {
  absl::MutexLock lock(&mu_);
  ++local_writes_;
  cv_.SignalAll();
}

v1::BoardLinkState BoardLink::state() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

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
    const absl::Duration nominal =
        std::min(options_.max_backoff,
                 options_.min_backoff * (int64_t{1} << std::min(attempt, 20)));
    ++attempt;
    const absl::Duration wait = nominal * absl::Uniform(bitgen, 0.5, 1.5);
    const absl::Time deadline = absl::Now() + wait;
    absl::MutexLock lock(&mu_);
    while (!stop_ && !connect_now_) {
      if (cv_.WaitWithDeadline(&mu_, deadline)) break;
    }
  }
}

absl::Status BoardLink::RunSession() {
  RETURN_IF_ERROR(Connect());
  grpc::ClientContext context;
  if (options_.transport.insecure) {
    context.AddMetadata(kAgencyMetadata, replica_->id());
  }
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(options_.stream_lifetime));
  {
    absl::MutexLock lock(&mu_);
    if (stop_) return absl::OkStatus();
    session_context_ = &context;
    session_welcomed_ = false;
    in_flight_.clear();
    reader_done_ = false;
  }
  std::unique_ptr<Stream> stream = stub_->Sync(&context);
  absl::Mutex write_mu;
  auto write = [&](const v1::AgencyFrame& frame) {
    absl::MutexLock lock(&write_mu);
    return stream->Write(frame);
  };
  auto finish = [&](absl::Status error) {
    context.TryCancel();
    grpc::Status grpc_status = stream->Finish();
    absl::MutexLock lock(&mu_);
    session_context_ = nullptr;
    connected_ = false;
    cv_.SignalAll();
    if (!error.ok()) return error;
    absl::Status status = FromGrpcStatus(grpc_status);
    if (absl::IsUnavailable(status) && !session_welcomed_) {
      return absl::UnavailableError(absl::StrCat("cannot reach the board at ",
                                                 options_.board_address, ": ",
                                                 status.message()));
    }
    if (absl::IsUnavailable(status) || absl::IsCancelled(status)) {
      return absl::UnavailableError(
          absl::StrCat("lost the connection to the board at ",
                       options_.board_address, " (", status.message(), ")"));
    }
    return status;
  };

  v1::AgencyFrame hello;
  const v1::BoardLinkState start = state();
  hello.mutable_hello()->set_protocol_version(1);
  hello.mutable_hello()->set_feed_cursor(start.feed_cursor());
  hello.mutable_hello()->set_acknowledged(start.acknowledged());
  hello.mutable_hello()->set_feed_epoch(start.feed_epoch());
  if (start.recover_until_feed() > 0) {
    // Still taking back lost changes: ask for them again from where the
    // store stood before its frontier was raised.
    hello.mutable_hello()->set_local_changes(start.recover_from());
  } else if (absl::StatusOr<uint64_t> own = replica_->Frontier(replica_->id());
             own.ok()) {
    hello.mutable_hello()->set_local_changes(*own);
  }
  v1::BoardFrame frame;
  if (!write(hello) || !stream->Read(&frame)) return finish(absl::OkStatus());
  if (!frame.has_welcome()) {
    return finish(
        absl::FailedPreconditionError("the board did not answer Hello"));
  }
  if (absl::Status welcomed = OnWelcome(frame.welcome()); !welcomed.ok()) {
    return finish(welcomed);
  }
  // Pushes keep to the board's limits as well as this daemon's own.
  const v1::Welcome& welcome = frame.welcome();
  const size_t push_changes =
      welcome.max_push_changes() == 0
          ? options_.max_push_changes
          : std::min<size_t>(options_.max_push_changes,
                             welcome.max_push_changes());
  const size_t push_bytes =
      welcome.max_push_bytes() == 0
          ? options_.max_push_bytes
          : std::min<size_t>(options_.max_push_bytes, welcome.max_push_bytes());
  uint64_t next_to_send;
  {
    absl::MutexLock lock(&mu_);
    connected_ = true;
    session_welcomed_ = true;
    last_error_.clear();
    next_to_send = state_.acknowledged() + 1;
    cv_.SignalAll();
  }
  spdlog::info("connected to the board at {}", options_.board_address);

  absl::Status reader_status;
  std::thread reader([&] {
    v1::BoardFrame incoming;
    while (reader_status.ok() && stream->Read(&incoming)) {
      switch (incoming.frame_case()) {
        case v1::BoardFrame::kPushAck:
          reader_status = OnPushAck(incoming.push_ack());
          break;
        case v1::BoardFrame::kFeed: {
          reader_status = OnFeed(incoming.feed());
          if (reader_status.ok()) {
            v1::AgencyFrame ack;
            ack.mutable_feed_ack()->set_cursor(incoming.feed().cursor());
            write(ack);
          }
          break;
        }
        case v1::BoardFrame::kPong: {
          absl::MutexLock lock(&mu_);
          pings_answered_ = std::max(pings_answered_, incoming.pong().id());
          cv_.SignalAll();
          break;
        }
        default:
          reader_status =
              absl::FailedPreconditionError("unexpected frame from the board");
      }
    }
    if (!reader_status.ok()) context.TryCancel();
    absl::MutexLock lock(&mu_);
    reader_done_ = true;
    cv_.SignalAll();
  });

  uint64_t pings_sent = 0;
  // The first pushes of a backlog are small and grow to the limit, so that
  // the board starts applying while the next are still being read and
  // packed (with one large first push, each end waits for the other).
  size_t next_push_changes = std::min(push_changes, kFirstPushChanges);
  absl::Status writer_status;
  while (writer_status.ok()) {
    absl::StatusOr<uint64_t> frontier = replica_->Frontier(replica_->id());
    if (!frontier.ok()) {
      writer_status = frontier.status();
      break;
    }
    uint64_t ping_to_send = 0;
    bool can_push;
    {
      absl::MutexLock lock(&mu_);
      const uint64_t writes_seen = local_writes_;
      auto ready = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stop_ || reader_done_ || pings_requested_ > pings_sent ||
               local_writes_ != writes_seen ||
               (next_to_send <= *frontier &&
                in_flight_.size() < static_cast<size_t>(options_.push_window));
      };
      mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Seconds(1));
      if (stop_ || reader_done_) break;
      if (pings_requested_ > pings_sent) ping_to_send = pings_requested_;
      can_push = next_to_send <= *frontier &&
                 in_flight_.size() < static_cast<size_t>(options_.push_window);
    }
    if (can_push) {
      // Stored change bytes go out as they are: a serialized PushBatch is
      // its changes, each as field 1, so there is nothing to parse.
      absl::StatusOr<std::vector<Replica::EncodedChange>> changes =
          replica_->ChangesAfter(replica_->id(), next_to_send - 1,
                                 next_push_changes, push_bytes);
      if (!changes.ok()) {
        writer_status = changes.status();
        break;
      }
      if (!changes->empty()) {
        const uint64_t last = changes->back().counter;
        v1::AgencyFrame push;
        push.mutable_push()->set_zstd(
            CompressSerialized(SerializedPush(*changes)));
        {
          absl::MutexLock lock(&mu_);
          in_flight_.push_back({last, absl::Now()});
        }
        if (!write(push)) break;
        next_to_send = last + 1;
        next_push_changes = std::min(push_changes, 2 * next_push_changes);
      }
    }
    if (ping_to_send > 0) {
      v1::AgencyFrame ping;
      ping.mutable_ping()->set_id(ping_to_send);
      if (!write(ping)) break;
      pings_sent = ping_to_send;
    }
  }
  context.TryCancel();
  reader.join();
  return finish(!writer_status.ok() ? writer_status : reader_status);
}

std::string BoardLink::KnownBoardId() const {
  absl::MutexLock lock(&mu_);
  return state_.board_id().empty() ? options_.board_id : state_.board_id();
}

std::string BoardLink::SerializedPush(
    const std::vector<Replica::EncodedChange>& changes) {
  using google::protobuf::internal::WireFormatLite;
  using google::protobuf::io::CodedOutputStream;
  // Sized once and written in place: grown as it goes (a StringOutputStream)
  // the megabyte of a push was copied and zeroed several times over.
  const uint32_t tag =
      WireFormatLite::MakeTag(v1::PushBatch::kChangesFieldNumber,
                              WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  size_t size = 0;
  for (const Replica::EncodedChange& change : changes) {
    size += CodedOutputStream::VarintSize32(tag) +
            CodedOutputStream::VarintSize32(
                static_cast<uint32_t>(change.bytes.size())) +
            change.bytes.size();
  }
  std::string plain(size, '\0');
  auto* out = reinterpret_cast<uint8_t*>(plain.data());
  for (const Replica::EncodedChange& change : changes) {
    out = WireFormatLite::WriteBytesToArray(v1::PushBatch::kChangesFieldNumber,
                                            change.bytes, out);
  }
  return plain;
}

absl::Status BoardLink::OnWelcome(const v1::Welcome& welcome) {
  absl::MutexLock apply(&apply_mu_);
  v1::BoardLinkState state = this->state();
  if (const std::string known = KnownBoardId();
      !known.empty() && known != welcome.board_id()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this agency syncs with board '", known, "', but '", welcome.board_id(),
        "' answered at ", options_.board_address));
  }
  std::unique_ptr<Replica::Batch> batch = replica_->NewBatch();
  // Read through the batch: no local write can land in between.
  ASSIGN_OR_RETURN(uint64_t own, batch->Frontier(replica_->id()));
  if (welcome.acknowledged() > own) {
    // The board holds changes of this agency the store does not: it was
    // restored from a backup (or started empty). Later own changes are
    // numbered after the board's; the board sends back those it accepted.
    // A store that wrote changes of its own since, not knowing, has used
    // numbers the board holds for others: that cannot be mended here.
    if (state.restored_from_backup_ms() == 0 && own > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the board has acknowledged ", welcome.acknowledged(),
          " changes from this agency, but this store holds only ", own,
          ": was the data directory replaced by an old copy? Restore it "
          "from a backup made with casesync admin backup (docs/"
          "operations.md), which knows to take the rest back from the "
          "board"));
    }
    RETURN_IF_ERROR(batch->RaiseOwnFrontier(welcome.acknowledged()));
    // All of them are in the feed by its head now; until the cursor gets
    // there, a new stream asks for them again from `own`.
    if (state.recover_until_feed() == 0) state.set_recover_from(own);
    state.set_recover_until_feed(
        std::max(state.recover_until_feed(), welcome.feed_head()));
    if (state.restored_from_backup_ms() == 0) {
      state.set_restored_from_backup_ms(options_.clock->NowMillis());
    }
    spdlog::warn(
        "the board holds this agency's changes up to {}, this store up to "
        "{}: taking back those the board accepted; new changes are "
        "numbered from {}",
        welcome.acknowledged(), own, welcome.acknowledged() + 1);
  } else if (state.recover_until_feed() > 0) {
    // A stream broke while taking them back: the board's feed head now
    // covers the rest as well.
    state.set_recover_until_feed(
        std::max(state.recover_until_feed(), welcome.feed_head()));
  }
  AdoptFeedEpoch(welcome.feed_epoch(), welcome.feed_epoch_started_ms(),
                 welcome.feed_cursor(), &state);
  FinishRecoveryIfDone(&state);
  state.set_board_id(welcome.board_id());
  ASSIGN_OR_RETURN(uint64_t new_rejections,
                   StoreRejections(batch.get(), welcome.rejected()));
  state.set_rejected(state.rejected() + new_rejections);
  // The board's word is the truth: lower (it was restored) means resend.
  state.set_acknowledged(welcome.acknowledged());
  state.set_feed_head(welcome.feed_head());
  state.set_last_contact_ms(options_.clock->NowMillis());
  return CommitState(batch.get(), std::move(state));
}

absl::Status BoardLink::MayWrite() const {
  absl::MutexLock lock(&mu_);
  if (state_.restored_from_backup_ms() == 0) return absl::OkStatus();
  return absl::FailedPreconditionError(
      "this store was restored from a backup and has not yet taken back from "
      "the board the changes made after it: it takes changes again once it "
      "has (casesync sync --wait), so that none takes a number the board "
      "already holds");
}

absl::Status BoardLink::Backup(const BackupChunkFn& send) {
  v1::BackupManifest manifest;
  manifest.set_role(RoleName(Role::kAgency));
  manifest.set_replica_id(replica_->id());
  return StreamBackup(
      replica_, std::move(manifest),
      [](Replica::Batch* hold, v1::BackupManifest* m) -> absl::Status {
        ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                         hold->Get(Family::kSyncState, kStateKey));
        v1::BoardLinkState state;
        if (bytes.has_value() && !state.ParseFromString(*bytes)) {
          return absl::DataLossError("unreadable board link state");
        }
        m->set_feed_position(state.feed_cursor());
        return absl::OkStatus();
      },
      send);
}

absl::StatusOr<uint64_t> BoardLink::StoreRejections(
    Replica::Batch* batch,
    const google::protobuf::RepeatedPtrField<v1::Verdict>& verdicts) {
  uint64_t added = 0;
  for (const v1::Verdict& verdict : verdicts) {
    if (verdict.dot().replica() != replica_->id()) continue;
    const std::string key = keys::Change(verdict.dot());
    ASSIGN_OR_RETURN(std::optional<std::string> held,
                     batch->Get(Family::kVerdicts, key));
    if (held.has_value()) continue;
    batch->Put(Family::kVerdicts, key, verdict.SerializeAsString());
    ++added;
    // The reason's name only: a verdict's sentence may quote part of the
    // value it refused, and record contents stay out of logs.
    // `casesync status` shows the sentence.
    spdlog::warn(
        "the board rejected change {}:{} ({}); casesync status says "
        "why",
        verdict.dot().replica(), verdict.dot().counter(),
        v1::Verdict::Reason_Name(verdict.reason()));
  }
  return added;
}

absl::Status BoardLink::OnPushAck(const v1::PushAck& ack) {
  absl::MutexLock apply(&apply_mu_);
  v1::BoardLinkState state = this->state();
  std::unique_ptr<Replica::Batch> batch = replica_->NewBatch();
  RETURN_IF_ERROR(StagePushAck(ack, batch.get(), &state));
  RETURN_IF_ERROR(CommitState(batch.get(), std::move(state)));
  Acknowledged(ack.acknowledged());
  return absl::OkStatus();
}

absl::Status BoardLink::StagePushAck(const v1::PushAck& ack,
                                     Replica::Batch* batch,
                                     v1::BoardLinkState* state) {
  ASSIGN_OR_RETURN(uint64_t new_rejections,
                   StoreRejections(batch, ack.rejected()));
  state->set_rejected(state->rejected() + new_rejections);
  state->set_acknowledged(std::max(state->acknowledged(), ack.acknowledged()));
  state->set_last_contact_ms(options_.clock->NowMillis());
  if (ack.has_receipt()) {
    // Kept as received; `casesync audit receipts` checks them. The first
    // receipt for a push stays: after a restore of the board, the same
    // range is acknowledged again, and the first receipt is the evidence of
    // what the board had acknowledged before it lost it.
    std::string key;
    keys::AppendU64(ack.acknowledged(), &key);
    ASSIGN_OR_RETURN(std::optional<std::string> kept,
                     batch->Get(Family::kReceipts, key));
    if (!kept.has_value()) {
      batch->Put(Family::kReceipts, key, ack.receipt().SerializeAsString());
    }
  }
  return absl::OkStatus();
}

void BoardLink::Acknowledged(uint64_t acknowledged) {
  absl::MutexLock lock(&mu_);
  const absl::Time now = absl::Now();
  while (!in_flight_.empty() &&
         in_flight_.front().last_counter <= acknowledged) {
    if (options_.metrics != nullptr) {
      options_.metrics->push.Observe(now - in_flight_.front().sent);
    }
    in_flight_.pop_front();
  }
  cv_.SignalAll();
}

absl::StatusOr<v1::ListReceiptsReply> BoardLink::ListReceipts() {
  if (options_.transport.insecure) {
    return absl::FailedPreconditionError(
        "this daemon runs with --insecure: a board on a plain-text link signs "
        "no receipts, and there is no CA to check them against");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ReceiptVerifier> verifier,
                   ReceiptVerifier::Load(options_.transport.tls_ca));
  v1::ListReceiptsReply reply;
  reply.set_ca_file(options_.transport.tls_ca);
  uint64_t audit_seq = 0;
  std::unique_ptr<rocksdb::Iterator> it =
      replica_->store()->NewPrefixIterator(Family::kReceipts, "");
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    v1::CheckedReceipt* checked = reply.add_receipts();
    v1::Receipt receipt;
    const absl::string_view key = ToView(it->key());
    const absl::string_view bytes = ToView(it->value());
    if (!receipt.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      checked->set_problem("the stored receipt is unreadable");
      continue;
    }
    absl::StatusOr<v1::ReceiptBody> body = verifier->Check(receipt);
    if (!body.ok()) {
      // Shown as stored, though it does not check out.
      checked->mutable_body()->ParseFromString(receipt.body());
      checked->set_problem(std::string(body.status().message()));
      continue;
    }
    *checked->mutable_body() = *body;
    if (body->agency() != replica_->id()) {
      checked->set_problem(absl::StrCat("it was made out to agency '",
                                        body->agency(), "', not this one"));
    } else if (key.size() != 8 || keys::ReadU64(key) != body->acknowledged()) {
      checked->set_problem(
          "it is stored under another push than the one it acknowledges");
    } else if (body->audit_seq() < audit_seq) {
      checked->set_problem(
          absl::StrCat("the board's audit chain went back from entry ",
                       audit_seq, " (an earlier receipt) to entry ",
                       body->audit_seq(), ": the chain was replaced"));
    } else {
      checked->set_valid(true);
      audit_seq = body->audit_seq();
    }
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "reading the receipts"));
  return reply;
}

absl::Status BoardLink::OnFeed(const v1::FeedBatch& frame) {
  const absl::Time arrived = absl::Now();
  ASSIGN_OR_RETURN(const v1::FeedBatch feed, Unwrapped(frame));
  absl::MutexLock apply(&apply_mu_);
  v1::BoardLinkState state = this->state();
  std::unique_ptr<Replica::Batch> batch = replica_->NewBatch();
  RETURN_IF_ERROR(StageFeedFrame(feed, frame.cursor(), frame.feed_head(),
                                 batch.get(), &state)
                      .status());
  RETURN_IF_ERROR(CommitState(batch.get(), std::move(state)));
  if (options_.metrics != nullptr && feed.entries_size() > 0) {
    options_.metrics->pull.Observe(absl::Now() - arrived);
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> BoardLink::StageFeedFrame(const v1::FeedBatch& entries,
                                                   uint64_t cursor,
                                                   uint64_t head,
                                                   Replica::Batch* batch,
                                                   v1::BoardLinkState* state) {
  ASSIGN_OR_RETURN(uint64_t applied,
                   StageFeed(entries, state->feed_cursor(), batch));
  state->set_feed_cursor(std::max(state->feed_cursor(), cursor));
  state->set_feed_head(std::max({state->feed_head(), head, cursor}));
  state->set_last_contact_ms(options_.clock->NowMillis());
  FinishRecoveryIfDone(state);
  return applied;
}

void BoardLink::AdoptFeedEpoch(uint64_t epoch, int64_t started_ms,
                               uint64_t start_cursor,
                               v1::BoardLinkState* state) {
  if (epoch == state->feed_epoch()) return;
  state->set_feed_epoch_started_ms(started_ms);
  // The board was restored from a backup: its feed numbers past the backup
  // count anew, and it sends the feed from where the histories agree.
  if (start_cursor < state->feed_cursor()) {
    spdlog::warn(
        "the board was restored from a backup: reading its feed again from "
        "{} (this agency had {})",
        start_cursor, state->feed_cursor());
    state->set_feed_cursor(start_cursor);
  }
  state->set_feed_epoch(epoch);
}

void BoardLink::FinishRecoveryIfDone(v1::BoardLinkState* state) const {
  if (state->restored_from_backup_ms() == 0) return;
  if (state->recover_until_feed() > 0 &&
      state->feed_cursor() < state->recover_until_feed()) {
    return;
  }
  if (state->recover_until_feed() > 0) {
    spdlog::info(
        "took back from the board every change of this agency's it held; "
        "local changes are open again");
  }
  state->clear_restored_from_backup_ms();
  state->clear_recover_from();
  state->clear_recover_until_feed();
}

absl::Status BoardLink::CommitState(Replica::Batch* batch,
                                    v1::BoardLinkState state) {
  batch->Put(Family::kSyncState, kStateKey, state.SerializeAsString());
  // Everything the link records can be had from the board again: a lost
  // acknowledgement means a harmless resend, a lost feed cursor a harmless
  // re-pull, lost rejections come back in the next Welcome. So the link does
  // not wait for the disk.
  RETURN_IF_ERROR(batch->Commit(Store::Durability::kBuffered));
  absl::MutexLock lock(&mu_);
  state_ = std::move(state);
  cv_.SignalAll();
  return absl::OkStatus();
}

absl::StatusOr<v1::StatusReply> BoardLink::Status() {
  v1::StatusReply reply;
  v1::AgencyStatus* status = reply.mutable_agency();
  status->set_agency(replica_->id());
  status->set_board(options_.board_address);
  ASSIGN_OR_RETURN(uint64_t own, replica_->Frontier(replica_->id()));
  ASSIGN_OR_RETURN(uint64_t conflicts, replica_->CountConflicts());
  v1::BoardLinkState state;
  {
    absl::MutexLock lock(&mu_);
    state = state_;
    status->set_connected(connected_);
    status->set_last_error(last_error_);
  }
  if (state.last_contact_ms() > 0) {
    *status->mutable_last_contact() =
        MillisToTimestamp(state.last_contact_ms());
  }
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
  status->set_rejected(static_cast<uint32_t>(state.rejected()));
  status->set_accepted(static_cast<uint32_t>(
      state.acknowledged() - std::min(state.acknowledged(), state.rejected())));
  status->set_feed_cursor(state.feed_cursor());
  status->set_pull_lag(
      static_cast<uint32_t>(state.feed_head() > state.feed_cursor()
                                ? state.feed_head() - state.feed_cursor()
                                : 0));
  status->set_conflicts(static_cast<uint32_t>(conflicts));
  // The newest rejections, newest first.
  std::vector<v1::Verdict> rejections;
  auto it = replica_->store()->NewPrefixIterator(
      Family::kVerdicts, keys::ChangePrefix(replica_->id()));
  for (it->SeekToLast(); it->Valid() && rejections.size() < kMaxRejectionsShown;
       it->Prev()) {
    v1::Verdict verdict;
    if (verdict.ParseFromArray(it->value().data(),
                               static_cast<int>(it->value().size()))) {
      rejections.push_back(std::move(verdict));
    }
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "reading verdicts"));
  for (v1::Verdict& verdict : rejections)
    *status->add_rejections() = std::move(verdict);
  return reply;
}

absl::StatusOr<google::protobuf::RepeatedPtrField<v1::Verdict>>
BoardLink::TakeNewRejections() {
  absl::MutexLock apply(&apply_mu_);
  google::protobuf::RepeatedPtrField<v1::Verdict> rejections;
  std::unique_ptr<Replica::Batch> batch = replica_->NewBatch();
  v1::BoardLinkState state = this->state();
  v1::Dot start;
  start.set_replica(replica_->id());
  start.set_counter(state.rejections_reported() + 1);
  auto it = replica_->store()->NewPrefixIterator(
      Family::kVerdicts, keys::ChangePrefix(replica_->id()));
  for (it->Seek(ToSlice(keys::Change(start))); it->Valid(); it->Next()) {
    v1::Verdict* verdict = rejections.Add();
    if (!verdict->ParseFromArray(it->value().data(),
                                 static_cast<int>(it->value().size()))) {
      return absl::DataLossError("unreadable verdict");
    }
    state.set_rejections_reported(verdict->dot().counter());
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "reading verdicts"));
  if (rejections.empty()) return rejections;
  RETURN_IF_ERROR(CommitState(batch.get(), std::move(state)));
  return rejections;
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
    cv_.SignalAll();
    if (request.wait()) {
      const absl::Time deadline = absl::Now() + timeout;
      while (!(state_.acknowledged() >= target && pings_answered_ >= ping)) {
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
          return absl::DeadlineExceededError(absl::StrCat(
              "timed out: ", target - std::min(target, state_.acknowledged()),
              " changes still await the board's acknowledgement"));
        }
      }
    }
  }
  v1::SyncReply reply;
  ASSIGN_OR_RETURN(v1::StatusReply status, Status());
  *reply.mutable_status() = status.agency();
  if (request.wait()) {
    ASSIGN_OR_RETURN(*reply.mutable_new_rejections(), TakeNewRejections());
  }
  return reply;
}

}  // namespace casesync
