#include "common/daemon/metrics_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "spdlog/spdlog.h"

namespace casesync {
namespace {

constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// Parsed "HOST:PORT", "[V6]:PORT" or "PORT".
struct ListenAddress {
  bool v6 = false;
  sockaddr_in in4{};
  sockaddr_in6 in6{};
};

[[nodiscard]] absl::StatusOr<ListenAddress> ParseAddress(
    const std::string& address) {
  absl::string_view host = "127.0.0.1";
  absl::string_view port_text = address;
  if (const size_t colon = address.rfind(':'); colon != std::string::npos) {
    host = absl::string_view(address).substr(0, colon);
    port_text = absl::string_view(address).substr(colon + 1);
  }
  const absl::Status invalid = absl::InvalidArgumentError(absl::StrCat(
      "metrics address \"", address,
      "\" is not HOST:PORT with an IP address (127.0.0.1:9464, [::1]:9464) "
      "or a port alone (9464, on 127.0.0.1)"));
  uint32_t port;
  if (!absl::SimpleAtoi(port_text, &port) || port > 65535) return invalid;
  ListenAddress parsed;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    const std::string literal(host.substr(1, host.size() - 2));
    parsed.v6 = true;
    parsed.in6.sin6_family = AF_INET6;
    parsed.in6.sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, literal.c_str(), &parsed.in6.sin6_addr) != 1) {
      return invalid;
    }
  } else {
    const std::string literal(host);
    parsed.in4.sin_family = AF_INET;
    parsed.in4.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, literal.c_str(), &parsed.in4.sin_addr) != 1) {
      return invalid;
    }
  }
  return parsed;
}

MHD_Result Answer(MHD_Connection* connection, unsigned int code,
                  const std::string& body, const char* content_type) {
  MHD_Response* response = MHD_create_response_from_buffer(
      body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  if (code == MHD_HTTP_METHOD_NOT_ALLOWED) {
    MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
  }
  const MHD_Result queued = MHD_queue_response(connection, code, response);
  MHD_destroy_response(response);
  return queued;
}

void LogFromMicrohttpd(void*, const char* format, va_list args) {
  char line[512];
  std::vsnprintf(line, sizeof(line), format, args);
  size_t length = std::strlen(line);
  while (length > 0 && line[length - 1] == '\n') line[--length] = '\0';
  spdlog::warn("metrics listener: {}", line);
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& address, RenderFn render) {
  absl::StatusOr<ListenAddress> parsed = ParseAddress(address);
  if (!parsed.ok()) return parsed.status();
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->render_ = std::move(render);
  MHD_AccessHandlerCallback handler = [](void* cls, MHD_Connection* connection,
                                         const char* url, const char* method,
                                         const char*, const char*, size_t*,
                                         void**) -> MHD_Result {
    auto* self = static_cast<MetricsServer*>(cls);
    const absl::string_view verb = method;
    if (verb != MHD_HTTP_METHOD_GET && verb != MHD_HTTP_METHOD_HEAD) {
      return Answer(connection, MHD_HTTP_METHOD_NOT_ALLOWED,
                    "only GET /metrics is served\n", "text/plain");
    }
    if (absl::string_view(url) != "/metrics") {
      return Answer(connection, MHD_HTTP_NOT_FOUND,
                    "not found: metrics are at /metrics\n", "text/plain");
    }
    absl::StatusOr<std::string> text = self->render_();
    if (!text.ok()) {
      return Answer(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
                    std::string(text.status().message()) + "\n", "text/plain");
    }
    return Answer(connection, MHD_HTTP_OK, *text, kContentType);
  };
  const sockaddr* sockaddr =
      parsed->v6 ? reinterpret_cast<const struct sockaddr*>(&parsed->in6)
                 : reinterpret_cast<const struct sockaddr*>(&parsed->in4);
  unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
  if (parsed->v6) flags |= MHD_USE_IPv6;
  server->daemon_ = MHD_start_daemon(
      flags, 0, nullptr, nullptr, handler, server.get(),
      // The logger first, so that even the other options' complaints go
      // through it.
      MHD_OPTION_EXTERNAL_LOGGER, &LogFromMicrohttpd, nullptr,
      MHD_OPTION_SOCK_ADDR, sockaddr, MHD_OPTION_CONNECTION_LIMIT, 16u,
      MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
  if (server->daemon_ == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for metrics on ", address,
                     " (in use, or not an address of this machine)"));
  }
  const MHD_DaemonInfo* info =
      MHD_get_daemon_info(server->daemon_, MHD_DAEMON_INFO_BIND_PORT);
  const uint16_t port = info != nullptr ? info->port : 0;
  char host[INET6_ADDRSTRLEN] = {};
  if (parsed->v6) {
    inet_ntop(AF_INET6, &parsed->in6.sin6_addr, host, sizeof(host));
    server->address_ = absl::StrCat("[", host, "]:", port);
  } else {
    inet_ntop(AF_INET, &parsed->in4.sin_addr, host, sizeof(host));
    server->address_ = absl::StrCat(host, ":", port);
  }
  return server;
}

MetricsServer::~MetricsServer() {
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
}

void AddMetricsFlag(CLI::App& app, std::string* address) {
  app.add_option(
      "--metrics_listen", *address,
      "serve Prometheus metrics at http://ADDRESS/metrics: HOST:PORT with an "
      "IP address, or a port alone for 127.0.0.1 (loopback); port 0 picks a "
      "free one (printed at start). Off unless given");
}

absl::StatusOr<std::unique_ptr<MetricsServer>> ServeDaemonMetrics(
    const std::string& address, const std::string& program, SyncControl* sync,
    const SyncMetrics* metrics, const std::string& data_dir, MemoryFn memory,
    StatutoryService* statutory) {
  absl::StatusOr<std::unique_ptr<MetricsServer>> server = MetricsServer::Start(
      address,
      [program, sync, metrics, data_dir, memory = std::move(memory),
       statutory]() -> absl::StatusOr<std::string> {
        absl::StatusOr<v1::StatusReply> status = sync->Status();
        if (!status.ok()) return status.status();
        std::string text = RenderMetrics(program, *status, *metrics,
                                         DirectoryBytes(data_dir), memory());
        if (statutory != nullptr) {
          absl::StatusOr<OverdueCounts> overdue = statutory->Overdue();
          if (!overdue.ok()) return overdue.status();
          text += RenderOverdueMetrics(*overdue);
        }
        return text;
      });
  if (server.ok()) {
    spdlog::info("Prometheus metrics on http://{}/metrics",
                 (*server)->address());
  }
  return server;
}

}  // namespace casesync
