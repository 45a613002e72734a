// A loopback TCP proxy for process-level tests and benchmarks: forwards
// connections from its own port to an upstream port on 127.0.0.1, counts the
// bytes each way, and can be closed (new connections refused, open ones cut)
// and reopened, to partition an agency from the board.
//
// Thread-safety: thread-safe. One thread accepts; one thread per connection
// pumps both directions.
#ifndef CASESYNC_TESTS_TCP_PROXY_H_
#define CASESYNC_TESTS_TCP_PROXY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace casesync::testing {

class TcpProxy {
 public:
  // Listens on 127.0.0.1 on a free port; forwards to 127.0.0.1:upstream_port.
  // Null if it cannot listen.
  static std::unique_ptr<TcpProxy> Start(int upstream_port);
  ~TcpProxy();

  int port() const { return port_; }

  // Open: connections are forwarded. Closed: new connections are closed at
  // once and open ones are cut.
  void SetOpen(bool open);

  // Bytes forwarded towards upstream ("up") and back ("down") since the last
  // reset.
  uint64_t bytes_up() const { return bytes_up_.load(); }
  uint64_t bytes_down() const { return bytes_down_.load(); }
  // Connections accepted while open since the last reset.
  uint64_t connections() const { return connections_.load(); }
  void ResetCounters();

 private:
  TcpProxy(int listen_fd, int port, int upstream_port);
  void AcceptLoop();
  void Pump(int client_fd, int upstream_fd);
  void CutAll();

  const int listen_fd_;
  const int port_;
  const int upstream_port_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> open_{true};
  std::atomic<uint64_t> bytes_up_{0};
  std::atomic<uint64_t> bytes_down_{0};
  std::atomic<uint64_t> connections_{0};
  std::thread acceptor_;
  absl::Mutex mu_;
  std::vector<std::thread> pumps_ ABSL_GUARDED_BY(mu_);
  std::vector<int> open_fds_ ABSL_GUARDED_BY(mu_);
};

}  // namespace casesync::testing

#endif  // CASESYNC_TESTS_TCP_PROXY_H_
