// casesync-board: the safeguarding board's server of record.
#include <iostream>

#include "common/daemon/daemon.h"
#include "common/daemon/logging.h"
#include "common/daemon/metrics_server.h"
#include "common/program/command_line.h"
#include "common/program/config_file.h"
#include "common/security/transport.h"
#include "server/board_server.h"
#include "spdlog/spdlog.h"

int main(int argc, char** argv) {
  casesync::BoardServerOptions options;
  CLI::App app{
      "casesync-board: the safeguarding board's server of record. Agencies' "
      "daemons sync to it; the review team works on it through the casesync "
      "command line pointed at its socket."};
  app.footer(
      "Example (certificates from deploy/certs.sh in /etc/casesync/pki):\n"
      "  casesync-board --data_dir /var/lib/casesync/board --listen "
      "0.0.0.0:7443 \\\n"
      "      --socket /run/casesync-board/board.sock \\\n"
      "      --tls_cert /etc/casesync/pki/board.crt --tls_key "
      "/etc/casesync/pki/board.key \\\n"
      "      --tls_ca /etc/casesync/pki/ca.crt --tls_crl_dir "
      "/etc/casesync/pki/crl\n"
      "  CASESYNC_SOCKET=/run/casesync-board/board.sock casesync status\n"
      "The same with the settings in a TOML file (deploy/config/board.toml), "
      "and what they come to:\n"
      "  casesync-board --config /etc/casesync/board.toml --data_dir "
      "/var/lib/casesync/board \\\n"
      "      --socket /run/casesync-board/board.sock\n"
      "  casesync-board --config /etc/casesync/board.toml --print_config");
  app.add_option("--data_dir", options.board.data_dir,
                 "directory of the board's store (created if missing)")
      ->required();
  app.add_option("--listen", options.listen,
                 "host:port the sync service listens on for agencies (port 0: "
                 "pick a free one, printed at start)")
      ->required();
  app.add_option("--socket", options.socket,
                 "path of the local API's Unix socket (owner-only permissions)")
      ->required();
  app.add_option("--board_id", options.board.board_id,
                 "the board's replica id; with TLS, the common name of "
                 "--tls_cert (it signs the agencies' receipts)")
      ->capture_default_str();
  casesync::AddMetricsFlag(app, &options.metrics_listen);
  casesync::AddConfigFlags(app);
  casesync::LogFormat log_format = casesync::LogFormat::kText;
  casesync::AddLogFlags(app, &log_format);
  casesync::AddTransportFlags(app, /*board=*/true, &options.transport);
  casesync::ChangeLimits& change = options.board.limits;
  casesync::IngestLimits& ingest = options.board.ingest_limits;
  const char* const kLimits = "Limits (each enforced on every push)";
  app.add_option("--max_message_bytes", options.max_message_bytes,
                 "largest message an agency may send; agencies keep each push "
                 "to half of it, uncompressed")
      ->capture_default_str()
      ->check(CLI::Range(size_t{64} << 10, size_t{1} << 30))
      ->group(kLimits);
  app.add_option("--max_push_changes", ingest.max_push_changes,
                 "most changes in one push (agencies are told at connect and "
                 "keep to it)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1} << 20))
      ->group(kLimits);
  app.add_option("--max_change_bytes", change.max_change_bytes,
                 "largest change, all its fields together; a larger one is "
                 "rejected with a verdict (TOO_LARGE)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1} << 10, size_t{1} << 29))
      ->group(kLimits);
  app.add_option("--max_field_bytes", change.max_field_bytes,
                 "largest single field value (or list entry); a larger one is "
                 "rejected with a verdict (TOO_LARGE)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1} << 29))
      ->group(kLimits);
  app.add_option("--max_records_per_review", ingest.max_records_per_review,
                 "most records in one review; a change creating one more is "
                 "rejected with a verdict (TOO_LARGE); 0: no limit")
      ->capture_default_str()
      ->group(kLimits);
  if (auto exit = casesync::ParseCommandLine(app, argc, argv)) return *exit;
  if (absl::Status transport = casesync::CheckTransport(options.transport);
      !transport.ok()) {
    std::cerr << "casesync-board: " << transport.message() << "\n";
    return casesync::kExitUsage;
  }

  casesync::BlockTerminationSignals();
  casesync::InitLogging("casesync-board", log_format);
  auto server = casesync::BoardServer::Start(options);
  if (!server.ok()) {
    casesync::LogStartupFailure("casesync-board", log_format,
                                server.status().message());
    return casesync::kExitFailure;
  }
  std::string ready = "listening for agencies on " +
                      (*server)->listen_address() + "; local API on " +
                      options.socket;
  if (!(*server)->metrics_address().empty()) {
    ready += "; metrics on http://" + (*server)->metrics_address() + "/metrics";
  }
  std::cout << "casesync-board: " << ready << std::endl;
  casesync::NotifyReady(ready);
  const int signal_number = casesync::AwaitTerminationSignal();
  casesync::NotifyStopping();
  spdlog::info("signal {}: shutting down", signal_number);
  (*server)->Shutdown(absl::Seconds(5));
  return casesync::kExitOk;
}
