#include "server/sync_service.h"

#include <deque>
#include <functional>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/base/status_macros.h"
#include "common/program/grpc_status.h"
#include "common/sync/frame_codec.h"
#include "google/protobuf/arena.h"
#include "server/caller_identity.h"
#include "server/ingest.h"
#include "spdlog/spdlog.h"

namespace casesync {
namespace {

using Stream = grpc::ServerReaderWriter<v1::BoardFrame, v1::AgencyFrame>;

// Whether the agency at the other end is still to be trusted (its
// certificate not revoked since the stream opened): OK, or why not.
using TrustCheck = std::function<absl::Status()>;

// One agency's open stream: serialises the two threads' writes and hands
// pings from the reading thread to the feed thread.
class Session {
 public:
  Session(Board* board, std::string agency, Stream* stream, size_t max_bytes,
          const std::atomic<bool>* stopping, SyncMetrics* metrics,
          TrustCheck trusted)
      : board_(board),
        agency_(std::move(agency)),
        stream_(stream),
        max_bytes_(max_bytes),
        stopping_(stopping),
        metrics_(metrics),
        trusted_(std::move(trusted)) {}

  bool Write(const v1::BoardFrame& frame) {
    absl::MutexLock lock(&write_mu_);
    return stream_->Write(frame);
  }

  // The agency asked for a Pong once the feed up to `head` was sent.
  void RequestPong(uint64_t id, uint64_t head) {
    {
      absl::MutexLock lock(&mu_);
      v1::Pong pong;
      pong.set_id(id);
      pong.set_feed_head(head);
      pings_.push_back(std::move(pong));
    }
    board_->feed()->Wake();
  }

  // The reading side is done: the feed thread should end.
  void Finish() {
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
    }
    board_->feed()->Wake();
  }

  // Sends the agency's own changes in `own` back with the feed (call before
  // TailFeed).
  void SendOwnBack(OwnChangesBack own) { own_back_ = own; }

  // Sends the feed from `cursor` on, live, until Finish() or a failed write.
  [[nodiscard]] absl::Status TailFeed(uint64_t cursor) {
    Feed* feed = board_->feed();
    while (!stopping_->load()) {
      // Checked at least once a second (the wait below), so that an idle
      // stream of a revoked agency ends too.
      RETURN_IF_ERROR(trusted_());
      const uint64_t wakes = feed->wake_count();
      const absl::Time started = absl::Now();
      absl::StatusOr<FeedRead> read =
          feed->Read(agency_, cursor, max_bytes_, own_back_);
      if (!read.ok()) return read.status();
      const bool sent = read->cursor > cursor;
      if (sent) {
        cursor = read->cursor;
        v1::BoardFrame frame;
        v1::FeedBatch* feed = frame.mutable_feed();
        feed->set_cursor(read->cursor);
        feed->set_feed_head(read->feed_head);
        if (read->entries > 0) {
          // Logged before it leaves: a disclosure the log does not hold
          // never happened.
          RETURN_IF_ERROR(
              board_->audit()->RecordDisclosure(std::move(read->disclosure)));
          feed->set_zstd(CompressSerialized(read->entries_wire));
        }
        if (!Write(frame)) return absl::OkStatus();  // the agency went away
        if (metrics_ != nullptr) metrics_->pull.Observe(absl::Now() - started);
      }
      bool done;
      std::vector<v1::Pong> pongs;
      {
        absl::MutexLock lock(&mu_);
        done = done_;
        while (!pings_.empty() && pings_.front().feed_head() <= cursor) {
          pongs.push_back(pings_.front());
          pings_.pop_front();
        }
      }
      if (done) return absl::OkStatus();
      for (v1::Pong& pong : pongs) {
        v1::BoardFrame frame;
        pong.set_feed_head(cursor);
        *frame.mutable_pong() = std::move(pong);
        if (!Write(frame)) return absl::OkStatus();
      }
      // A backlog (the read stopped at the frame limit) is sent at once.
      if (cursor < read->feed_head) continue;
      if (sent && GatherUntil(started + kGatherFor)) return absl::OkStatus();
      if (cursor < feed->head()) continue;  // more to send already
      feed->WaitBeyond(cursor, wakes, absl::Seconds(1));
    }
    return absl::OkStatus();
  }

 private:
  // After a frame that caught the agency up, the feed is read again no
  // sooner than this: on a busy board the next frame then carries every
  // push of the interval (one disclosure, one compression, one
  // acknowledgement) rather than a frame per push per agency. A quiet board
  // sends a change as soon as it lands; a backlog goes out frame after
  // frame.
  static constexpr absl::Duration kGatherFor = absl::Milliseconds(100);

  // Waits until `deadline`, a Ping (its Pong should not wait) or Finish();
  // true if finished.
  bool GatherUntil(absl::Time deadline) {
    absl::MutexLock lock(&mu_);
    auto interrupted = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return done_ || !pings_.empty();
    };
    mu_.AwaitWithDeadline(absl::Condition(&interrupted), deadline);
    return done_;
  }

  Board* const board_;
  const std::string agency_;
  Stream* const stream_;
  const size_t max_bytes_;
  const std::atomic<bool>* const stopping_;
  SyncMetrics* const metrics_;
  const TrustCheck trusted_;
  OwnChangesBack own_back_;
  absl::Mutex write_mu_;
  absl::Mutex mu_;
  std::deque<v1::Pong> pings_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

// A frame as the reading thread hands it over: a push already decompressed
// and parsed (on an arena: one allocation for thousands of small objects,
// freed at once), so that decoding overlaps applying the previous push.
struct Incoming {
  v1::AgencyFrame frame;
  std::unique_ptr<google::protobuf::Arena> arena;
  // The push's changes: frame.push() itself, or the decompressed batch.
  const v1::PushBatch* push = nullptr;
  // Each change of `push` checked and serialized (CheckAndSerialize).
  std::vector<CheckedChange> checked;
  absl::Status decode_status;
  // When the frame was read off the stream.
  absl::Time arrived;
};

// Reads the next frame; false at the end of the stream. A push is
// decompressed, parsed, and its changes checked and serialized here, off the
// applying thread.
bool ReadIncoming(Stream* stream, const ChangeLimits& limits,
                  Incoming* incoming) {
  if (!stream->Read(&incoming->frame)) return false;
  incoming->arrived = absl::Now();
  if (incoming->frame.has_push()) {
    incoming->push = &incoming->frame.push();
    if (!incoming->frame.push().zstd().empty()) {
      incoming->arena = std::make_unique<google::protobuf::Arena>();
      auto* batch = google::protobuf::Arena::CreateMessage<v1::PushBatch>(
          incoming->arena.get());
      incoming->decode_status =
          DecompressMessage(incoming->frame.push().zstd(), batch);
      incoming->push = batch;
    }
    if (incoming->decode_status.ok()) {
      incoming->checked.reserve(
          static_cast<size_t>(incoming->push->changes_size()));
      for (const v1::Change& change : incoming->push->changes()) {
        // The audit chain's hash too, here rather than on the applying
        // thread.
        incoming->checked.push_back(CheckForIngest(change, limits));
      }
    }
  }
  return true;
}

// A small queue between two of a stream's threads (the reading and the
// applying one; the applying and the acknowledging one); Push blocks while
// it is full.
template <typename T>
class HandoffQueue {
 public:
  // False if the queue was closed.
  bool Push(T item) {
    absl::MutexLock lock(&mu_);
    auto room = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return closed_ || items_.size() < kCapacity;
    };
    mu_.Await(absl::Condition(&room));
    if (closed_) return false;
    items_.push_back(std::move(item));
    return true;
  }
  // False once closed and drained.
  bool Pop(T* item) {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return closed_ || !items_.empty();
    };
    mu_.Await(absl::Condition(&ready));
    if (items_.empty()) return false;
    *item = std::move(items_.front());
    items_.pop_front();
    return true;
  }
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }

 private:
  static constexpr size_t kCapacity = 2;
  absl::Mutex mu_;
  std::deque<T> items_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

// An applied push, or a Ping, on its way to the acknowledging thread: a
// Ping is answered after the pushes before it, as the agency sent them.
struct Applied {
  // Empty for a Ping.
  std::optional<Ingest::AppliedPush> push;
  // The frame it came in, freed by the acknowledging thread (a push's
  // thousands of strings) rather than the applying one.
  Incoming frame;
};

// The Welcome answering `agency`'s Hello, with the rejections since the
// frontier it reports; tells `session` to send back the agency's own changes
// it lost. Errors from the board's store.
[[nodiscard]] absl::StatusOr<v1::BoardFrame> WelcomeFor(
    Board* board, uint64_t max_push_bytes, const std::string& agency,
    const v1::Hello& hello, Session* session) {
  // After a restore of the board, a cursor from an earlier epoch counts in
  // a history that differs past the backup: stream from where they agree.
  const uint64_t start_cursor =
      board->feed_epochs().StartCursor(hello.feed_epoch(), hello.feed_cursor());
  Ingest::AgencyReport report;
  report.feed_cursor = start_cursor;
  report.acknowledged = hello.acknowledged();
  if (hello.local_changes() > 0) report.changes = hello.local_changes();
  RETURN_IF_ERROR(board->ingest()->Touch(agency, report));
  // Durable: an earlier stream of this agency may still be waiting for its
  // last pushes' sync, and the acknowledged frontier told here must hold.
  ASSIGN_OR_RETURN(const v1::AgencySyncState state,
                   board->ingest()->DurableState(agency));

  v1::BoardFrame frame;
  v1::Welcome* welcome = frame.mutable_welcome();
  welcome->set_board_id(board->id());
  welcome->set_acknowledged(state.acknowledged());
  welcome->set_feed_head(board->feed()->head());
  welcome->set_max_push_changes(
      static_cast<uint32_t>(board->ingest()->limits().max_push_changes));
  welcome->set_max_push_bytes(max_push_bytes);
  welcome->set_feed_epoch(board->feed_epochs().current());
  welcome->set_feed_epoch_started_ms(board->feed_epochs().current_started_ms());
  welcome->set_feed_cursor(start_cursor);
  if (start_cursor < hello.feed_cursor()) {
    spdlog::warn(
        "agency {} reads the feed from {} rather than its cursor {}: the "
        "board was restored from a backup since it last synced",
        agency, start_cursor, hello.feed_cursor());
  }
  // An agency holding fewer of its own changes than the board acknowledged
  // lost them (its store was restored from a backup): they go back to it
  // with the feed.
  if (hello.local_changes() < state.acknowledged()) {
    session->SendOwnBack({hello.local_changes(), state.acknowledged()});
    spdlog::warn(
        "agency {} holds its changes up to {} only, the board up to {}: "
        "sending the rest back with the feed",
        agency, hello.local_changes(), state.acknowledged());
  }
  if (hello.acknowledged() < state.acknowledged()) {
    ASSIGN_OR_RETURN(
        std::vector<v1::Verdict> rejections,
        board->ingest()->RejectionsAfter(agency, hello.acknowledged()));
    for (v1::Verdict& verdict : rejections) {
      *welcome->add_rejected() = std::move(verdict);
    }
  }
  return frame;
}

// The reading thread: reads (and decodes) frames into `frames` until the
// stream ends or the queue is closed, then closes it.
void ReadFrames(Stream* stream, const ChangeLimits& limits,
                HandoffQueue<Incoming>* frames) {
  while (true) {
    Incoming incoming;
    if (!ReadIncoming(stream, limits, &incoming) ||
        !frames->Push(std::move(incoming))) {
      break;
    }
  }
  frames->Close();
}

// The acknowledging thread: acknowledges each applied push once its sync is
// done and asks for the Pong of each Ping, in order, until `applied` is
// closed and drained. Every applied push is acknowledged, even after the
// stream failed: what the next Welcome says must be on disk. Returns the
// first failure (the stream is cancelled then): the acknowledgement's error,
// or CANCELLED when the stream would take no more.
[[nodiscard]] absl::Status AcknowledgePushes(Board* board, Session* session,
                                             SyncMetrics* metrics,
                                             grpc::ServerContext* context,
                                             HandoffQueue<Applied>* applied) {
  absl::Status status;
  Applied next;
  while (applied->Pop(&next)) {
    // (Pop's assignment frees the previous frame, on this thread.)
    if (!next.push.has_value()) {
      const v1::Ping& ping = next.frame.frame.ping();
      session->RequestPong(ping.id(), board->feed()->head());
      continue;
    }
    absl::StatusOr<v1::PushAck> ack =
        board->ingest()->Acknowledge(*std::move(next.push));
    if (!status.ok()) continue;  // the stream is failing: sync only
    if (!ack.ok()) {
      status = ack.status();
      context->TryCancel();
      continue;
    }
    v1::BoardFrame reply;
    *reply.mutable_push_ack() = *std::move(ack);
    if (!session->Write(reply)) {
      status = absl::CancelledError("stream closed");
      context->TryCancel();
    } else if (metrics != nullptr) {
      metrics->push.Observe(absl::Now() - next.frame.arrived);
    }
  }
  return status;
}

// The applying thread (the stream's own): applies each push from `frames`
// and hands it on to be acknowledged, Pings after it, until the stream ends.
// Returns why it stopped early: a push that could not be applied or
// decoded, an unexpected frame, or CANCELLED when the stream would take no
// more.
[[nodiscard]] absl::Status ApplyFrames(Ingest* ingest,
                                       const std::string& agency,
                                       HandoffQueue<Incoming>* frames,
                                       HandoffQueue<Applied>* applied,
                                       const TrustCheck& trusted) {
  Incoming incoming;
  while (frames->Pop(&incoming)) {
    // Nothing is taken from an agency whose certificate was revoked since
    // its stream opened.
    RETURN_IF_ERROR(trusted());
    const v1::AgencyFrame& frame = incoming.frame;
    switch (frame.frame_case()) {
      case v1::AgencyFrame::kPush: {
        RETURN_IF_ERROR(incoming.decode_status);
        ASSIGN_OR_RETURN(
            Ingest::AppliedPush push,
            ingest->Apply(agency, *incoming.push, incoming.checked));
        if (!applied->Push({std::move(push), std::move(incoming)})) {
          return absl::CancelledError("stream closed");
        }
        break;
      }
      case v1::AgencyFrame::kFeedAck:
        ingest->NoteFeedAck(agency, frame.feed_ack().cursor());
        break;
      case v1::AgencyFrame::kPing:
        if (!applied->Push({std::nullopt, std::move(incoming)})) {
          return absl::CancelledError("stream closed");
        }
        break;
      default:
        return absl::FailedPreconditionError(
            "unexpected frame: Hello only once, at the start");
    }
  }
  return absl::OkStatus();
}

// The trust check of the call's peer: its TLS certificate against
// `revocation`; always OK without a revocation directory (or in insecure
// mode, which has none). A peer with no single certificate to check is
// refused.
TrustCheck TrustCheckFor(const grpc::ServerContext& context,
                         RevocationWatch* revocation) {
  if (revocation == nullptr) return [] { return absl::OkStatus(); };
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  std::vector<grpc::string_ref> pems;
  if (auth != nullptr) pems = auth->FindPropertyValues("x509_pem_cert");
  if (pems.size() != 1) {
    return [] {
      return absl::PermissionDeniedError(
          "the board has no single client certificate of this agency to "
          "check against its revocation lists");
    };
  }
  return [revocation, pem = std::string(pems[0].data(), pems[0].size())] {
    return revocation->Check(pem);
  };
}

// What the stream returns once it ended with `status`, logged.
grpc::Status StreamEnded(const std::string& agency,
                         const absl::Status& status) {
  if (status.ok() || absl::IsCancelled(status)) {
    spdlog::info("agency {} disconnected", agency);
    return grpc::Status::OK;
  }
  spdlog::warn("agency {} stream ended: {}", agency,
               std::string(status.message()));
  return ToGrpcStatus(status);
}

}  // namespace

void SyncService::Stop() {
  stopping_.store(true);
  board_->feed()->Wake();
}

grpc::Status SyncService::Sync(grpc::ServerContext* context, Stream* stream) {
  absl::StatusOr<std::string> caller =
      CallerAgency(*context, options_.insecure);
  if (!caller.ok()) {
    spdlog::warn("sync refused from {}: {}", context->peer(),
                 std::string(caller.status().message()));
    return ToGrpcStatus(caller.status());
  }
  const std::string& agency = *caller;
  const TrustCheck trusted = TrustCheckFor(*context, options_.revocation);
  if (absl::Status status = trusted(); !status.ok()) {
    spdlog::warn("sync refused from agency {}: {}", agency,
                 std::string(status.message()));
    return ToGrpcStatus(status);
  }
  v1::AgencyFrame first;
  if (!stream->Read(&first)) return grpc::Status::OK;
  if (!first.has_hello() ||
      first.hello().protocol_version() != kSyncProtocolVersion) {
    spdlog::warn(
        "sync refused from agency {}: it speaks protocol version {}, this "
        "board {} (upgrade the agency)",
        agency, first.hello().protocol_version(), kSyncProtocolVersion);
    return ToGrpcStatus(absl::FailedPreconditionError(absl::StrCat(
        "the first frame must be a Hello with protocol_version ",
        kSyncProtocolVersion,
        " (an agency of an earlier release: upgrade it, docs/operations.md)")));
  }
  Session session(board_, agency, stream, options_.max_feed_frame_bytes,
                  &stopping_, options_.metrics, trusted);
  absl::StatusOr<v1::BoardFrame> welcome = WelcomeFor(
      board_, options_.max_push_bytes, agency, first.hello(), &session);
  if (!welcome.ok()) return ToGrpcStatus(welcome.status());
  if (!session.Write(*welcome)) return grpc::Status::OK;
  const uint64_t start_cursor = welcome->welcome().feed_cursor();

  board_->StreamOpened(agency);
  spdlog::info("agency {} connected from {} (acknowledged {}, feed cursor {})",
               agency, context->peer(), welcome->welcome().acknowledged(),
               start_cursor);
  absl::Status tail_status;
  std::thread tail([&] {
    tail_status = session.TailFeed(start_cursor);
    if (!tail_status.ok()) context->TryCancel();
  });
  // Frames are read (and parsed) in a thread of their own, so that the next
  // push is decoded while this one is being applied.
  HandoffQueue<Incoming> frames;
  std::thread reader([&] {
    ReadFrames(stream, board_->replica()->options().limits, &frames);
  });
  // A push is acknowledged by a thread of its own once its sync is done,
  // while this one applies the next (Ingest::Apply, Ingest::Acknowledge).
  HandoffQueue<Applied> applied;
  absl::Status ack_status;
  std::thread acknowledger([&] {
    ack_status = AcknowledgePushes(board_, &session, options_.metrics, context,
                                   &applied);
  });
  absl::Status status =
      ApplyFrames(board_->ingest(), agency, &frames, &applied, trusted);
  if (!status.ok()) context->TryCancel();  // ends the reader's Read
  frames.Close();
  reader.join();
  applied.Close();
  acknowledger.join();
  if (status.ok()) status = ack_status;
  session.Finish();
  tail.join();
  if (absl::Status flushed = board_->ingest()->FlushFeedAck(agency);
      !flushed.ok()) {
    spdlog::warn("agency {}: could not store its feed acknowledgement: {}",
                 agency, std::string(flushed.message()));
  }
  board_->StreamClosed(agency);
  if (status.ok()) status = tail_status;
  return StreamEnded(agency, status);
}

}  // namespace casesync
