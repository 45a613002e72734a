// casesyncd: an agency's offline-first daemon.
#include <iostream>

#include "client/agency/agency_daemon.h"
#include "common/base/clock.h"
#include "common/daemon/daemon.h"
#include "common/daemon/logging.h"
#include "common/daemon/metrics_server.h"
#include "common/program/command_line.h"
#include "common/program/config_file.h"
#include "common/security/transport.h"
#include "spdlog/spdlog.h"

int main(int argc, char** argv) {
  casesync::AgencyDaemonOptions options;
  double max_backoff_s = 30;
  int64_t clock_skew_ms = 0;
  CLI::App app{
      "casesyncd: an agency's offline-first daemon. Keeps the agency's "
      "contribution to case reviews in a local store, works with no network, "
      "and syncs with the board whenever it can reach it."};
  app.footer(
      "Example (certificates from deploy/certs.sh, copied to "
      "/etc/casesync/pki):\n"
      "  casesyncd --data_dir /var/lib/casesync/agency --agency police \\\n"
      "      --board board.example:7443 --socket /run/casesyncd/agency.sock "
      "\\\n"
      "      --tls_cert /etc/casesync/pki/police.crt --tls_key "
      "/etc/casesync/pki/police.key \\\n"
      "      --tls_ca /etc/casesync/pki/ca.crt\n"
      "  CASESYNC_SOCKET=/run/casesyncd/agency.sock casesync status\n"
      "The same with the settings in a TOML file (deploy/config/agency.toml), "
      "and what they come to:\n"
      "  casesyncd --config /etc/casesync/agency.toml --data_dir "
      "/var/lib/casesync/agency \\\n"
      "      --socket /run/casesyncd/agency.sock\n"
      "  casesyncd --config /etc/casesync/agency.toml --print_config");
  app.add_option("--data_dir", options.data_dir,
                 "directory of the agency's store (created if missing)")
      ->required();
  app.add_option("--agency", options.agency, "this agency's id, e.g. police")
      ->required();
  app.add_option("--board", options.link.board_address,
                 "host:port of the board's sync service")
      ->required();
  app.add_option("--board_id", options.link.board_id,
                 "the board's id (the name in its certificate); a board "
                 "answering under another id is refused. Needed to address "
                 "bundles (`casesync bundle export`) before the first contact "
                 "with the board; learnt from the board otherwise");
  app.add_option("--socket", options.socket,
                 "path of the local API's Unix socket (owner-only permissions)")
      ->required();
  app.add_option("--max_backoff", max_backoff_s,
                 "longest wait between attempts to reach the board, seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--clock_skew_ms", clock_skew_ms,
                 "FOR TESTING ONLY: run as if this machine's clock were this "
                 "many milliseconds ahead (negative: behind)")
      ->group("Testing");
  casesync::AddMetricsFlag(app, &options.metrics_listen);
  casesync::AddConfigFlags(app);
  casesync::LogFormat log_format = casesync::LogFormat::kText;
  casesync::AddLogFlags(app, &log_format);
  casesync::AddTransportFlags(app, /*board=*/false, &options.link.transport);
  if (auto exit = casesync::ParseCommandLine(app, argc, argv)) return *exit;
  if (absl::Status transport = casesync::CheckTransport(options.link.transport);
      !transport.ok()) {
    std::cerr << "casesyncd: " << transport.message() << "\n";
    return casesync::kExitUsage;
  }
  options.link.max_backoff = absl::Seconds(max_backoff_s);
  casesync::SkewedClock skewed_clock(casesync::SystemClock(), clock_skew_ms);
  if (clock_skew_ms != 0) options.link.clock = &skewed_clock;

  casesync::BlockTerminationSignals();
  casesync::InitLogging("casesyncd", log_format);
  if (clock_skew_ms != 0) {
    spdlog::warn("TESTING: clock skewed by {} ms (--clock_skew_ms)",
                 clock_skew_ms);
  }
  auto daemon = casesync::AgencyDaemon::Start(options);
  if (!daemon.ok()) {
    casesync::LogStartupFailure("casesyncd", log_format,
                                daemon.status().message());
    return casesync::kExitFailure;
  }
  std::string ready = "agency " + options.agency + " serving on " +
                      options.socket + "; syncing with " +
                      options.link.board_address;
  if (!(*daemon)->metrics_address().empty()) {
    ready += "; metrics on http://" + (*daemon)->metrics_address() + "/metrics";
  }
  std::cout << "casesyncd: " << ready << std::endl;
  casesync::NotifyReady(ready);
  const int signal_number = casesync::AwaitTerminationSignal();
  casesync::NotifyStopping();
  spdlog::info("signal {}: shutting down", signal_number);
  (*daemon)->Shutdown(absl::Seconds(5));
  return casesync::kExitOk;
}
