// A loopback TCP proxy for process-level tests and benchmarks: forwards
// connections from its own port to an upstream port on 127.0.0.1, counts the
// bytes each way, and can be closed (new connections refused, open ones cut)
// and reopened, to partition an agency from the board.
//
// Network faults can be switched on and off while it runs (SetFault), one
// kind at a time, in both directions, on every connection (open or new):
// - kDelay: each chunk read waits `delay` plus a uniform draw from
//   [0, `jitter`) before it is forwarded (in order; a slow link).
// - kStall: nothing is forwarded for `stall` from SetFault, and nothing is
//   closed (a black hole that ends by itself); then forwarding resumes.
// - kReset: each connection is aborted with a TCP RST (SO_LINGER 0) once a
//   byte count drawn from [1, `cut_after_max_bytes`] has passed through it.
//   The chunk it falls in is forwarded only up to that byte.
// - kTruncate: as kReset, but both sides are closed normally (FIN) after
//   forwarding the first part of the chunk: a message cut in the middle.
// - kDuplicate: with probability `duplicate_chance`, a chunk is forwarded
//   twice (a resent segment that TCP did not drop). Chunks are mostly
//   whole HTTP/2 frames, so in plain text this mostly repeats frames (and
//   gRPC messages) that the protocol must tolerate; TLS would refuse the
//   replayed record. With `duplicate_partial`, only the chunk's last part
//   (1 byte to all of it) is repeated, which corrupts the HTTP/2 framing;
//   see fault_test.cc for what that does today.
// Partition is SetOpen(false). Random draws come from one generator seeded
// by `seed` (printed to stderr at Start), with one generator per connection
// drawn from it; thread timing still varies between runs.
//
// Thread-safety: thread-safe. One thread accepts; one thread per connection
// pumps both directions.
#ifndef CASESYNC_TESTS_TCP_PROXY_H_
#define CASESYNC_TESTS_TCP_PROXY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace casesync::testing {

struct NetworkFault {
  enum class Kind { kNone, kDelay, kStall, kReset, kTruncate, kDuplicate };
  Kind kind = Kind::kNone;
  // kDelay: every chunk waits delay + uniform [0, jitter).
  absl::Duration delay = absl::Milliseconds(20);
  absl::Duration jitter = absl::Milliseconds(30);
  // kStall: how long nothing is forwarded, from SetFault.
  absl::Duration stall = absl::Seconds(2);
  // kReset, kTruncate: a connection is cut after a byte count (both
  // directions together, counted from SetFault or from its accept, whichever
  // is later) drawn uniformly from [1, cut_after_max_bytes].
  uint64_t cut_after_max_bytes = 32 << 10;
  // kDuplicate: the chance that (part of) a chunk is forwarded twice.
  double duplicate_chance = 0.2;
  // kDuplicate: repeat a random tail of the chunk rather than all of it.
  bool duplicate_partial = false;
};

// "none", "delay", "stall", "reset", "truncate", "duplicate".
const char* FaultName(NetworkFault::Kind kind);

class TcpProxy {
 public:
  // Listens on 127.0.0.1 on a free port; forwards to 127.0.0.1:upstream_port.
  // `seed` seeds the fault generator; 0 picks one at random. The seed is
  // printed to stderr either way. Null if it cannot listen.
  static std::unique_ptr<TcpProxy> Start(int upstream_port, uint64_t seed = 0);
  ~TcpProxy();

  int port() const { return port_; }
  uint64_t seed() const { return seed_; }

  // Open: connections are forwarded. Closed: new connections are closed at
  // once and open ones are cut.
  void SetOpen(bool open);

  // Applies `fault` from now on, replacing the one before (kNone: a healthy
  // link). A stall already under way ends when the new fault is set.
  void SetFault(const NetworkFault& fault);
  void ClearFault() { SetFault(NetworkFault()); }
  // True while a kStall fault is holding traffic back.
  bool stalled() const;

  // Bytes forwarded towards upstream ("up") and back ("down") since the last
  // reset.
  uint64_t bytes_up() const { return bytes_up_.load(); }
  uint64_t bytes_down() const { return bytes_down_.load(); }
  // Connections accepted while open since the last reset.
  uint64_t connections() const { return connections_.load(); }
  // Connections closed at once because the proxy was closed.
  uint64_t refused() const { return refused_.load(); }
  // Faults injected since the last reset: chunks delayed, connections with
  // traffic held back by a stall (once per stall), connections reset,
  // connections truncated, chunks duplicated.
  uint64_t delayed() const { return delayed_.load(); }
  uint64_t stalls() const { return stalls_.load(); }
  uint64_t resets() const { return resets_.load(); }
  uint64_t truncations() const { return truncations_.load(); }
  uint64_t duplicates() const { return duplicates_.load(); }
  // The counter of `kind`'s injections (0 for kNone).
  uint64_t injected(NetworkFault::Kind kind) const;
  void ResetCounters();

 private:
  struct Connection;

  TcpProxy(int listen_fd, int port, int upstream_port, uint64_t seed);
  void AcceptLoop();
  void Pump(int client_fd, int upstream_fd, uint64_t connection_seed);
  // Forwards `n` bytes of `buffer` read on one side to `to` under the
  // current fault; false if the connection is to end (cut, or `to` failed).
  bool Forward(Connection& connection, int to, const char* buffer, size_t n,
               std::atomic<uint64_t>& counter);
  // Waits up to `duration`, ending early when the proxy stops or the fault
  // changes from `generation`. The fault itself, never synchronisation.
  void Hold(absl::Duration duration, uint64_t generation);
  void CutAll();

  const int listen_fd_;
  const int port_;
  const int upstream_port_;
  const uint64_t seed_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> open_{true};
  std::atomic<uint64_t> bytes_up_{0};
  std::atomic<uint64_t> bytes_down_{0};
  std::atomic<uint64_t> connections_{0};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> delayed_{0};
  std::atomic<uint64_t> stalls_{0};
  std::atomic<uint64_t> resets_{0};
  std::atomic<uint64_t> truncations_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::thread acceptor_;
  mutable absl::Mutex mu_;
  std::vector<std::thread> pumps_ ABSL_GUARDED_BY(mu_);
  std::vector<int> open_fds_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 random_ ABSL_GUARDED_BY(mu_);
  NetworkFault fault_ ABSL_GUARDED_BY(mu_);
  // Bumped by every SetFault.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time stall_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace casesync::testing

#endif  // CASESYNC_TESTS_TCP_PROXY_H_
