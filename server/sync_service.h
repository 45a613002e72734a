// The gRPC adapter of the board's sync service (sync.proto): one stream per
// connected agency. The reading side takes pushes and acknowledges them once
// durable; a second thread per stream sends the feed the agency may see,
// live, and answers pings once everything before them was sent.
// docs/sync_protocol.md describes the frames and their order.
//
// Uses gRPC's synchronous API: each open stream holds a thread while it
// reads and one while it tails the feed. Pushes block on a synced disk write
// anyway, and a board serves tens of agencies, so threads are cheaper to
// reason about than a callback reactor here.
//
// Thread-safety: thread-safe; gRPC calls it from its thread pool.
#ifndef CASESYNC_SERVER_SYNC_SERVICE_H_
#define CASESYNC_SERVER_SYNC_SERVICE_H_

#include <atomic>

#include "casesync/v1/sync.grpc.pb.h"
#include "common/daemon/metrics.h"
#include "server/board.h"
#include "server/revocation_watch.h"

namespace casesync {

struct SyncServiceOptions {
  // Accept the agency's self-declared identity (no TLS). Development only.
  bool insecure = false;
  // Most bytes of changes per feed frame.
  size_t max_feed_frame_bytes = 1 << 20;
  // Most uncompressed bytes of changes an agency should put in one push
  // (told in the Welcome).
  uint64_t max_push_bytes = 4 << 20;
  // Where to record push and pull latencies; not owned; may be null.
  SyncMetrics* metrics = nullptr;
  // Checks each TLS peer's certificate against the revocation lists as they
  // are now, at every frame and about once a second while idle: a revoked
  // agency's open stream is ended. Not owned; null without TLS or without a
  // revocation directory.
  RevocationWatch* revocation = nullptr;
};

class SyncService final : public v1::BoardSync::Service {
 public:
  // `board` is not owned and must outlive the service.
  SyncService(Board* board, SyncServiceOptions options)
      : board_(board), options_(options) {}

  grpc::Status Sync(grpc::ServerContext* context,
                    grpc::ServerReaderWriter<v1::BoardFrame, v1::AgencyFrame>*
                        stream) override;

  // Ends every open stream's feed loop promptly (at shutdown).
  void Stop();

 private:
  Board* const board_;
  const SyncServiceOptions options_;
  std::atomic<bool> stopping_{false};
};

}  // namespace casesync

#endif  // CASESYNC_SERVER_SYNC_SERVICE_H_
