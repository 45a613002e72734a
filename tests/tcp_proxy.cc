#include "tests/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

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

}  // namespace

std::unique_ptr<TcpProxy> TcpProxy::Start(int upstream_port) {
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
  auto proxy = std::unique_ptr<TcpProxy>(
      new TcpProxy(fd, ntohs(addr.sin_port), upstream_port));
  proxy->acceptor_ = std::thread([raw = proxy.get()] { raw->AcceptLoop(); });
  return proxy;
}

TcpProxy::TcpProxy(int listen_fd, int port, int upstream_port)
    : listen_fd_(listen_fd), port_(port), upstream_port_(upstream_port) {}

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

void TcpProxy::ResetCounters() {
  bytes_up_.store(0);
  bytes_down_.store(0);
  connections_.store(0);
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
    pumps_.emplace_back([this, client, upstream] { Pump(client, upstream); });
  }
}

void TcpProxy::Pump(int client_fd, int upstream_fd) {
  char buffer[1 << 16];
  bool client_open = true, upstream_open = true;
  while (client_open && upstream_open && !stop_.load()) {
    pollfd fds[2] = {{client_fd, POLLIN, 0}, {upstream_fd, POLLIN, 0}};
    if (poll(fds, 2, 100) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const int from = i == 0 ? client_fd : upstream_fd;
      const int to = i == 0 ? upstream_fd : client_fd;
      const ssize_t n = read(from, buffer, sizeof(buffer));
      if (n <= 0) {
        (i == 0 ? client_open : upstream_open) = false;
        break;
      }
      ssize_t sent = 0;
      while (sent < n) {
        const ssize_t w =
            write(to, buffer + sent, static_cast<size_t>(n - sent));
        if (w <= 0) break;
        sent += w;
      }
      (i == 0 ? bytes_up_ : bytes_down_).fetch_add(static_cast<uint64_t>(n));
    }
  }
  absl::MutexLock lock(&mu_);
  for (int fd : {client_fd, upstream_fd}) {
    shutdown(fd, SHUT_RDWR);
    close(fd);
    open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd),
                    open_fds_.end());
  }
}

}  // namespace casesync::testing
