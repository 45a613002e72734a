#include "client/agency/sync_session.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/agency/serialized_push.h"
#include "common/base/status_macros.h"
#include "common/program/grpc_status.h"
#include "common/sync/frame_codec.h"
#include "spdlog/spdlog.h"

namespace casesync {
namespace {

constexpr char kAgencyMetadata[] = "casesync-agency";

}  // namespace

SyncSession::SyncSession(Parts parts, Events events)
    : parts_(parts), events_(std::move(events)) {
  const BoardLinkOptions& options = *parts_.options;
  if (options.transport.insecure) {
    context_.AddMetadata(kAgencyMetadata, parts_.replica->id());
  }
  context_.set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(options.stream_lifetime));
}

absl::Status SyncSession::Run() {
  stream_ = parts_.stub->Sync(&context_);
  const absl::Status greeted = Greet();
  if (!greeted.ok() || !welcomed_) return Finish(greeted);
  std::thread reader([this] { ReadFrames(); });
  const absl::Status pushed = PushUntilDone();
  {
    // The reader may still be waiting on the board: end its Read. A stream
    // the board ended is left alone, so that Finish has the board's status
    // (a refusal's reason), not CANCELLED.
    absl::MutexLock lock(&mu_);
    if (!reader_done_) context_.TryCancel();
  }
  reader.join();
  return Finish(!pushed.ok() ? pushed : reader_status_);
}

void SyncSession::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  context_.TryCancel();
}

void SyncSession::LocalWrite() {
  absl::MutexLock lock(&mu_);
  ++local_writes_;
}

void SyncSession::RequestPing(uint64_t id) {
  absl::MutexLock lock(&mu_);
  pings_requested_ = std::max(pings_requested_, id);
}

void SyncSession::Acknowledged(uint64_t acknowledged) {
  absl::MutexLock lock(&mu_);
  const absl::Time now = absl::Now();
  while (!in_flight_.empty() &&
         in_flight_.front().last_counter <= acknowledged) {
    if (parts_.options->metrics != nullptr) {
      parts_.options->metrics->push.Observe(now - in_flight_.front().sent);
    }
    in_flight_.pop_front();
  }
}

bool SyncSession::Write(const v1::AgencyFrame& frame) {
  absl::MutexLock lock(&write_mu_);
  return stream_->Write(frame);
}

absl::Status SyncSession::Greet() {
  v1::BoardFrame frame;
  if (!Write(Hello()) || !stream_->Read(&frame)) {
    board_ended_ = true;
    return absl::OkStatus();
  }
  if (!frame.has_welcome()) {
    return absl::FailedPreconditionError("the board did not answer Hello");
  }
  const v1::Welcome& welcome = frame.welcome();
  RETURN_IF_ERROR(TakeWelcome(welcome));
  // Pushes keep to the board's limits as well as this daemon's own.
  const BoardLinkOptions& options = *parts_.options;
  push_changes_ = welcome.max_push_changes() == 0
                      ? options.max_push_changes
                      : std::min<size_t>(options.max_push_changes,
                                         welcome.max_push_changes());
  push_bytes_ =
      welcome.max_push_bytes() == 0
          ? options.max_push_bytes
          : std::min<size_t>(options.max_push_bytes, welcome.max_push_bytes());
  // The first pushes of a backlog are small and grow to the limit, so that
  // the board starts applying while the next are still being read and
  // packed (with one large first push, each end waits for the other).
  next_push_changes_ = std::min(push_changes_, kFirstPushChanges);
  welcomed_ = true;
  events_.welcomed();
  next_to_send_ = parts_.link_state->Get().acknowledged() + 1;
  spdlog::info("connected to the board at {}", options.board_address);
  return absl::OkStatus();
}

v1::AgencyFrame SyncSession::Hello() const {
  v1::AgencyFrame frame;
  v1::Hello* hello = frame.mutable_hello();
  const v1::BoardLinkState start = parts_.link_state->Get();
  hello->set_protocol_version(kSyncProtocolVersion);
  hello->set_feed_cursor(start.feed_cursor());
  hello->set_acknowledged(start.acknowledged());
  hello->set_feed_epoch(start.feed_epoch());
  Replica* const replica = parts_.replica;
  if (start.recover_until_feed() > 0) {
    // Still taking back lost changes: ask for them again from where the
    // store stood before its frontier was raised.
    hello->set_local_changes(start.recover_from());
  } else if (absl::StatusOr<uint64_t> own = replica->Frontier(replica->id());
             own.ok()) {
    hello->set_local_changes(*own);
  }
  return frame;
}

absl::Status SyncSession::TakeWelcome(const v1::Welcome& welcome) {
  LinkState* const link_state = parts_.link_state;
  LinkState::Change change(link_state);
  if (const std::string known = link_state->KnownBoardId();
      !known.empty() && known != welcome.board_id()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this agency syncs with board '", known, "', but '", welcome.board_id(),
        "' answered at ", parts_.options->board_address));
  }
  RETURN_IF_ERROR(link_state->StageWelcome(welcome, &change));
  return change.Commit();
}

void SyncSession::ReadFrames() {
  v1::BoardFrame frame;
  while (reader_status_.ok() && stream_->Read(&frame)) {
    reader_status_ = OnFrame(frame);
  }
  if (!reader_status_.ok()) context_.TryCancel();
  absl::MutexLock lock(&mu_);
  // Read ended without a bad frame: the board (or the network) ended it.
  board_ended_ = reader_status_.ok() && !cancelled_;
  reader_done_ = true;
}

absl::Status SyncSession::OnFrame(const v1::BoardFrame& frame) {
  switch (frame.frame_case()) {
    case v1::BoardFrame::kPushAck:
      return OnPushAck(frame.push_ack());
    case v1::BoardFrame::kFeed: {
      RETURN_IF_ERROR(parts_.feed->Apply(frame.feed()));
      v1::AgencyFrame ack;
      ack.mutable_feed_ack()->set_cursor(frame.feed().cursor());
      Write(ack);
      return absl::OkStatus();
    }
    case v1::BoardFrame::kPong:
      events_.answered(frame.pong().id());
      return absl::OkStatus();
    default:
      return absl::FailedPreconditionError("unexpected frame from the board");
  }
}

absl::Status SyncSession::OnPushAck(const v1::PushAck& ack) {
  LinkState::Change change(parts_.link_state);
  RETURN_IF_ERROR(parts_.link_state->StageAck(ack, &change));
  RETURN_IF_ERROR(parts_.receipts->Keep(ack, change.batch()));
  RETURN_IF_ERROR(change.Commit());
  Acknowledged(ack.acknowledged());
  return absl::OkStatus();
}

absl::Status SyncSession::PushUntilDone() {
  Replica* const replica = parts_.replica;
  while (true) {
    ASSIGN_OR_RETURN(const uint64_t frontier, replica->Frontier(replica->id()));
    const Work work = AwaitWork(frontier);
    if (work.done) return absl::OkStatus();
    if (work.push) {
      ASSIGN_OR_RETURN(const bool written, PushNext());
      if (!written) return absl::OkStatus();
    }
    if (work.ping > 0) {
      v1::AgencyFrame ping;
      ping.mutable_ping()->set_id(work.ping);
      if (!Write(ping)) return absl::OkStatus();
      pings_sent_ = work.ping;
    }
  }
}

SyncSession::Work SyncSession::AwaitWork(uint64_t frontier) {
  absl::MutexLock lock(&mu_);
  const uint64_t writes_seen = local_writes_;
  auto ready = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return cancelled_ || reader_done_ || pings_requested_ > pings_sent_ ||
           local_writes_ != writes_seen || CanPush(frontier);
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Seconds(1));
  Work work;
  work.done = cancelled_ || reader_done_;
  if (work.done) return work;
  if (pings_requested_ > pings_sent_) work.ping = pings_requested_;
  work.push = CanPush(frontier);
  return work;
}

bool SyncSession::CanPush(uint64_t frontier) const {
  return next_to_send_ <= frontier &&
         in_flight_.size() < static_cast<size_t>(parts_.options->push_window);
}

absl::StatusOr<bool> SyncSession::PushNext() {
  Replica* const replica = parts_.replica;
  // Stored change bytes go out as they are: a serialized PushBatch is
  // its changes, each as field 1, so there is nothing to parse.
  ASSIGN_OR_RETURN(std::vector<Replica::EncodedChange> changes,
                   replica->ChangesAfter(replica->id(), next_to_send_ - 1,
                                         next_push_changes_, push_bytes_));
  if (changes.empty()) return true;
  const uint64_t last = changes.back().counter;
  v1::AgencyFrame push;
  push.mutable_push()->set_zstd(CompressSerialized(SerializedPush(changes)));
  {
    absl::MutexLock lock(&mu_);
    in_flight_.push_back({last, absl::Now()});
  }
  if (!Write(push)) return false;
  next_to_send_ = last + 1;
  next_push_changes_ = std::min(push_changes_, 2 * next_push_changes_);
  return true;
}

absl::Status SyncSession::Finish(absl::Status error) {
  if (!board_ended_ || !error.ok()) context_.TryCancel();
  const grpc::Status grpc_status = stream_->Finish();
  if (!error.ok()) return error;
  const absl::Status status = FromGrpcStatus(grpc_status);
  const std::string& address = parts_.options->board_address;
  if (absl::IsUnavailable(status) && !welcomed_) {
    return absl::UnavailableError(absl::StrCat(
        "cannot reach the board at ", address, ": ", status.message()));
  }
  if (status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("lost the connection to the board at ", address,
                     " (the board closed the stream)"));
  }
  if (absl::IsUnavailable(status) || absl::IsCancelled(status)) {
    return absl::UnavailableError(
        absl::StrCat("lost the connection to the board at ", address, " (",
                     status.message(), ")"));
  }
  return status;
}

}  // namespace casesync
