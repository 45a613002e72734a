#include "tests/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "absl/time/clock.h"

namespace casesync::testing {
namespace {

int ConnectLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// Writes all `n` bytes; false if `fd` fails first. MSG_NOSIGNAL: a peer
// that closed first must not kill the test process with SIGPIPE.
bool WriteAll(int fd, const char* data, size_t n) {
  size_t sent = 0;
  while (sent < n) {
    const ssize_t w = send(fd, data + sent, n - sent, MSG_NOSIGNAL);
    if (w <= 0) return false;
    sent += static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

const char* FaultName(NetworkFault::Kind kind) {
  switch (kind) {
    case NetworkFault::Kind::kNone:
      return "none";
    case NetworkFault::Kind::kDelay:
      return "delay";
    case NetworkFault::Kind::kStall:
      return "stall";
    case NetworkFault::Kind::kReset:
      return "reset";
    case NetworkFault::Kind::kTruncate:
      return "truncate";
    case NetworkFault::Kind::kDuplicate:
      return "duplicate";
  }
  return "?";
}

// One forwarded connection's view of the fault, refreshed when SetFault
// bumps the generation. Used by its pump thread only.
struct TcpProxy::Connection {
  std::mt19937_64 random;
  uint64_t generation = ~uint64_t{0};
  NetworkFault fault;
  absl::Time stall_until = absl::InfinitePast();
  // Counted in stalls() for the current stall already.
  bool held = false;
  // kReset / kTruncate: bytes still to pass before the cut.
  uint64_t budget = 0;
  // End with an RST rather than a FIN.
  bool reset = false;
};

std::unique_ptr<TcpProxy> TcpProxy::Start(int upstream_port, uint64_t seed) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(fd, 64) != 0) {
    close(fd);
    return nullptr;
  }
  socklen_t size = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size);
  if (seed == 0) {
    std::random_device device;
    seed = (uint64_t{device()} << 32 | device()) | 1;
  }
  auto proxy = std::unique_ptr<TcpProxy>(
      new TcpProxy(fd, ntohs(addr.sin_port), upstream_port, seed));
  std::cerr << "TcpProxy 127.0.0.1:" << proxy->port()
            << " -> 127.0.0.1:" << upstream_port << ": fault seed " << seed
            << std::endl;
  proxy->acceptor_ = std::thread([raw = proxy.get()] { raw->AcceptLoop(); });
  return proxy;
}

TcpProxy::TcpProxy(int listen_fd, int port, int upstream_port, uint64_t seed)
    : listen_fd_(listen_fd),
      port_(port),
      upstream_port_(upstream_port),
      seed_(seed),
      random_(seed) {}

TcpProxy::~TcpProxy() {
  stop_.store(true);
  CutAll();
  acceptor_.join();
  std::vector<std::thread> pumps;
  {
    absl::MutexLock lock(&mu_);
    pumps.swap(pumps_);
  }
  for (std::thread& pump : pumps) pump.join();
  close(listen_fd_);
}

void TcpProxy::SetOpen(bool open) {
  open_.store(open);
  if (!open) CutAll();
}

void TcpProxy::SetFault(const NetworkFault& fault) {
  absl::MutexLock lock(&mu_);
  fault_ = fault;
  ++generation_;
  stall_until_ = fault.kind == NetworkFault::Kind::kStall
                     ? absl::Now() + fault.stall
                     : absl::InfinitePast();
}

bool TcpProxy::stalled() const {
  absl::MutexLock lock(&mu_);
  return fault_.kind == NetworkFault::Kind::kStall &&
         absl::Now() < stall_until_;
}

uint64_t TcpProxy::injected(NetworkFault::Kind kind) const {
  switch (kind) {
    case NetworkFault::Kind::kNone:
      return 0;
    case NetworkFault::Kind::kDelay:
      return delayed();
    case NetworkFault::Kind::kStall:
      return stalls();
    case NetworkFault::Kind::kReset:
      return resets();
    case NetworkFault::Kind::kTruncate:
      return truncations();
    case NetworkFault::Kind::kDuplicate:
      return duplicates();
  }
  return 0;
}

void TcpProxy::ResetCounters() {
  bytes_up_.store(0);
  bytes_down_.store(0);
  connections_.store(0);
  refused_.store(0);
  delayed_.store(0);
  stalls_.store(0);
  resets_.store(0);
  truncations_.store(0);
  duplicates_.store(0);
}

void TcpProxy::CutAll() {
  absl::MutexLock lock(&mu_);
  for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
}

void TcpProxy::AcceptLoop() {
  while (!stop_.load()) {
    pollfd fd = {listen_fd_, POLLIN, 0};
    if (poll(&fd, 1, 100) <= 0) continue;
    const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    if (!open_.load()) {
      refused_.fetch_add(1);
      close(client);
      continue;
    }
    const int upstream = ConnectLoopback(upstream_port_);
    if (upstream < 0) {
      close(client);
      continue;
    }
    const int one = 1;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    connections_.fetch_add(1);
    absl::MutexLock lock(&mu_);
    open_fds_.push_back(client);
    open_fds_.push_back(upstream);
    const uint64_t connection_seed = random_();
    pumps_.emplace_back([this, client, upstream, connection_seed] {
      Pump(client, upstream, connection_seed);
    });
  }
}

void TcpProxy::Hold(absl::Duration duration, uint64_t generation) {
  absl::MutexLock lock(&mu_);
  // Woken when mu_ is released by SetFault (a new generation) or by the
  // destructor's CutAll (after stop_ is set).
  auto over = [this, generation]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stop_.load() || generation_ != generation;
  };
  mu_.AwaitWithTimeout(absl::Condition(&over), duration);
}

bool TcpProxy::Forward(Connection& connection, int to, const char* buffer,
                       size_t n, std::atomic<uint64_t>& counter) {
  using Kind = NetworkFault::Kind;
  const NetworkFault& fault = connection.fault;
  switch (fault.kind) {
    case Kind::kDelay: {
      const double share =
          std::uniform_real_distribution<double>(0, 1)(connection.random);
      delayed_.fetch_add(1);
      Hold(fault.delay + fault.jitter * share, connection.generation);
      break;
    }
    case Kind::kReset:
    case Kind::kTruncate:
      if (n >= connection.budget) {
        // The chunk is forwarded up to the byte the budget ends before,
        // then the connection is cut: mid-message, unless that is 0.
        const size_t prefix = static_cast<size_t>(connection.budget - 1);
        WriteAll(to, buffer, prefix);
        counter.fetch_add(prefix);
        if (fault.kind == Kind::kReset) {
          connection.reset = true;
          resets_.fetch_add(1);
        } else {
          truncations_.fetch_add(1);
        }
        return false;
      }
      connection.budget -= n;
      break;
    default:
      break;
  }
  bool ok = WriteAll(to, buffer, n);
  if (ok && fault.kind == Kind::kDuplicate &&
      std::bernoulli_distribution(fault.duplicate_chance)(connection.random)) {
    // Resent: the whole chunk, or (duplicate_partial) its last `tail` bytes.
    const size_t tail =
        fault.duplicate_partial
            ? std::uniform_int_distribution<size_t>(1, n)(connection.random)
            : n;
    duplicates_.fetch_add(1);
    ok = WriteAll(to, buffer + (n - tail), tail);
  }
  counter.fetch_add(static_cast<uint64_t>(n));
  return ok;
}

void TcpProxy::Pump(int client_fd, int upstream_fd, uint64_t connection_seed) {
  using Kind = NetworkFault::Kind;
  Connection connection;
  connection.random.seed(connection_seed);
  char buffer[1 << 16];
  bool alive = true;
  while (alive && !stop_.load()) {
    {
      absl::MutexLock lock(&mu_);
      if (connection.generation != generation_) {
        connection.generation = generation_;
        connection.fault = fault_;
        connection.stall_until = stall_until_;
        connection.held = false;
        connection.budget = std::uniform_int_distribution<uint64_t>(
            1, std::max<uint64_t>(1, fault_.cut_after_max_bytes))(
            connection.random);
      }
    }
    pollfd fds[2] = {{client_fd, POLLIN, 0}, {upstream_fd, POLLIN, 0}};
    if (connection.fault.kind == Kind::kStall &&
        absl::Now() < connection.stall_until) {
      // A black hole: whatever arrives waits in the kernel's buffers.
      if (!connection.held && poll(fds, 2, 0) > 0) {
        connection.held = true;
        stalls_.fetch_add(1);
      }
      Hold(std::min(absl::Milliseconds(20),
                    connection.stall_until - absl::Now()),
           connection.generation);
      continue;
    }
    if (poll(fds, 2, 100) <= 0) continue;
    for (int i = 0; i < 2 && alive; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const int from = i == 0 ? client_fd : upstream_fd;
      const int to = i == 0 ? upstream_fd : client_fd;
      const ssize_t n = read(from, buffer, sizeof(buffer));
      if (n <= 0) {
        alive = false;
        break;
      }
      alive = Forward(connection, to, buffer, static_cast<size_t>(n),
                      i == 0 ? bytes_up_ : bytes_down_);
    }
  }
  absl::MutexLock lock(&mu_);
  for (int fd : {client_fd, upstream_fd}) {
    if (connection.reset) {
      // close() with a zero linger time aborts: an RST, not a FIN.
      const linger abort = {1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof(abort));
    } else {
      shutdown(fd, SHUT_RDWR);
    }
    close(fd);
    open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd),
                    open_fds_.end());
  }
}

}  // namespace casesync::testing
