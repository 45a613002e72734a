// The settings of an agency's link to the board (BoardLink and the parts it
// runs: the sync session, the bundles, the receipts): where the board is,
// how to reach it, and the limits and pacing of what goes to it.
//
// Thread-safety: a plain struct; the link copies it at Start.
#ifndef CASESYNC_CLIENT_AGENCY_BOARD_LINK_OPTIONS_H_
#define CASESYNC_CLIENT_AGENCY_BOARD_LINK_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "common/base/clock.h"
#include "common/daemon/metrics.h"
#include "common/security/transport.h"

namespace casesync {

struct BoardLinkOptions {
  // host:port of the board's sync service.
  std::string board_address;
  // The board's id (its certificate's common name), if known in advance:
  // a board answering under another id is refused, and bundles can be
  // addressed to it before the first contact. Empty: learnt at the first
  // contact (a Welcome or a receipt bundle).
  std::string board_id;
  // Mutual TLS with this agency's certificate, or plain text naming the
  // agency in call metadata (development only).
  TransportOptions transport;
  // Wall clock for last-contact times. Not owned.
  Clock* clock = SystemClock();
  // Backoff between failed attempts: doubles from min to max, each wait
  // drawn uniformly from 50% to 150% of the nominal value.
  absl::Duration min_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(30);
  // Most changes and bytes in one push frame, and frames awaiting
  // acknowledgement at once.
  size_t max_push_changes = 1000;
  size_t max_push_bytes = 4 << 20;
  int push_window = 4;
  // How long one attempt waits for a connection to the board.
  absl::Duration connect_timeout = absl::Seconds(5);
  // A stream is closed and reopened after this long (its gRPC deadline).
  absl::Duration stream_lifetime = absl::Hours(1);
  // Where to record push and pull latencies; not owned; may be null.
  SyncMetrics* metrics = nullptr;
  // Non-zero: the store was just restored from a backup taken then (ms
  // since the epoch). Recorded durably at Start; local writes are refused
  // (MayWrite) until the board's Welcome has been applied.
  int64_t restored_from_backup_ms = 0;
};

}  // namespace casesync

#endif  // CASESYNC_CLIENT_AGENCY_BOARD_LINK_OPTIONS_H_
