// One sync stream between this agency and the board (docs/sync_protocol.md),
// the agency's side of server/sync_service.h: Hello and the board's
// Welcome; then pushes of every change the board has not acknowledged (a
// window of them in flight, the first small and growing to the limit) and
// pings for `sync --wait` on this thread, while a second thread reads the
// board's acknowledgements, feed and pongs. Ends when either side fails or
// the session is cancelled.
//
// Thread-safety: Run from one thread, once; Cancel, LocalWrite,
// RequestPing and Acknowledged from any thread. Locks: mu_ is taken after
// the link's own lock and the link state's apply lock, and nothing is
// called holding it; the events are called holding no lock of the session.
#ifndef CASESYNC_CLIENT_AGENCY_SYNC_SESSION_H_
#define CASESYNC_CLIENT_AGENCY_SYNC_SESSION_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "casesync/v1/sync.grpc.pb.h"
#include "client/agency/board_link_options.h"
#include "client/agency/feed_apply.h"
#include "client/agency/link_state.h"
#include "client/agency/receipts.h"
#include "common/replica/replica.h"

namespace casesync {

class SyncSession {
 public:
  // What a session works with; no pointer is owned, and each must outlive
  // the session.
  struct Parts {
    const BoardLinkOptions* options = nullptr;
    v1::BoardSync::Stub* stub = nullptr;
    Replica* replica = nullptr;
    LinkState* link_state = nullptr;
    FeedApplier* feed = nullptr;
    Receipts* receipts = nullptr;
  };
  // What the session tells the link that runs it.
  struct Events {
    // The board's Welcome was taken in: the session is connected.
    std::function<void()> welcomed;
    // The board answered the ping with this id (and every one before it).
    std::function<void(uint64_t ping)> answered;
  };

  // Changes in a stream's first push (then twice as many in each next one,
  // up to the push limit).
  static constexpr size_t kFirstPushChanges = 125;

  // Prepares the call (its deadline, and the agency's name when insecure).
  SyncSession(Parts parts, Events events);
  SyncSession(const SyncSession&) = delete;
  SyncSession& operator=(const SyncSession&) = delete;

  // Opens the stream and runs it until it ends: the network or the board
  // closed it, or Cancel(). UNAVAILABLE saying whether the board was never
  // reached or the connection was lost (so too when cancelled, or ended by
  // the board once welcomed); FAILED_PRECONDITION if the board did not
  // answer Hello with a Welcome, answers under another board id than the
  // one this agency knows, or sends a frame out of turn; otherwise the
  // error of taking in what the board sent or of reading the store, or the
  // status the board ended the stream with.
  [[nodiscard]] absl::Status Run();

  // Ends the session promptly (at Stop). Idempotent; may come before Run.
  void Cancel();
  // A local change was committed: push it soon.
  void LocalWrite();
  // Sends a ping with `id` (ids only grow; a lower one is ignored).
  void RequestPing(uint64_t id);
  // Push frames up to `acknowledged` are no longer in flight (the board's
  // acknowledgement came here or in a receipt bundle).
  void Acknowledged(uint64_t acknowledged);

 private:
  using Stream = grpc::ClientReaderWriter<v1::AgencyFrame, v1::BoardFrame>;
  // What the writer should do next.
  struct Work {
    bool done = false;
    bool push = false;
    uint64_t ping = 0;
  };

  // Writes one frame (the reader acknowledges feed frames as the writer
  // pushes). False if the stream is broken.
  bool Write(const v1::AgencyFrame& frame);
  // Sends Hello and takes in the board's Welcome; on success sets welcomed_
  // and the push limits. OK without welcomed_ if the stream broke first.
  [[nodiscard]] absl::Status Greet();
  v1::AgencyFrame Hello() const;
  // The Welcome staged and committed into the link state.
  [[nodiscard]] absl::Status TakeWelcome(const v1::Welcome& welcome);
  // The reader thread: every frame from the board until the stream or a
  // frame fails; sets reader_status_ and reader_done_.
  void ReadFrames();
  [[nodiscard]] absl::Status OnFrame(const v1::BoardFrame& frame);
  [[nodiscard]] absl::Status OnPushAck(const v1::PushAck& ack);
  // The writer: pushes and pings until the session ends. OK when the stream
  // broke, the reader stopped or the session was cancelled; errors from
  // reading the store.
  [[nodiscard]] absl::Status PushUntilDone();
  // Waits (up to a second) until there is something to do, given the own
  // `frontier`.
  Work AwaitWork(uint64_t frontier);
  bool CanPush(uint64_t frontier) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Sends the next push; false if the stream is broken. Errors from reading
  // the store.
  [[nodiscard]] absl::StatusOr<bool> PushNext();
  // Closes the stream and says why it ended: `error` if set, else the
  // stream's status, told as Run says.
  [[nodiscard]] absl::Status Finish(absl::Status error);

  const Parts parts_;
  const Events events_;
  grpc::ClientContext context_;
  std::unique_ptr<Stream> stream_;
  absl::Mutex write_mu_;

  // The writer's, on Run's thread only.
  bool welcomed_ = false;
  size_t push_changes_ = 0;
  size_t push_bytes_ = 0;
  uint64_t next_to_send_ = 0;
  size_t next_push_changes_ = 0;
  uint64_t pings_sent_ = 0;
  // The reader's; read by Run once the reader has been joined.
  absl::Status reader_status_;
  // The stream ended from the board's side (Greet's or the reader's Read
  // returned false): Finish then reads its status without cancelling. Set
  // by Greet, or by the reader before Run joins it.
  bool board_ended_ = false;

  absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool reader_done_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t local_writes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t pings_requested_ ABSL_GUARDED_BY(mu_) = 0;
  // Pushes sent and not yet acknowledged: their last counter, and when
  // each was sent.
  struct InFlight {
    uint64_t last_counter;
    absl::Time sent;
  };
  std::deque<InFlight> in_flight_ ABSL_GUARDED_BY(mu_);
};

}  // namespace casesync

#endif  // CASESYNC_CLIENT_AGENCY_SYNC_SESSION_H_
