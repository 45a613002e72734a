#include "client/agency/agency_flags.h"

#include <iostream>
#include <memory>

#include "common/daemon/metrics_server.h"
#include "common/daemon/run_daemon.h"
#include "common/daemon/statutory_flags.h"
#include "common/program/command_line.h"
#include "common/program/config_file.h"
#include "common/security/transport.h"

namespace casesync {

void AddAgencyFlags(CLI::App& app, AgencyFlags* flags) {
  AgencyDaemonOptions& options = flags->daemon;
  app.description(
      "casesyncd: an agency's offline-first daemon. Keeps the agency's "
      "contribution to case reviews in a local store, works with no network, "
      "and syncs with the board whenever it can reach it.");
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
  app.add_option("--max_backoff", flags->max_backoff_s,
                 "longest wait between attempts to reach the board, seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  AddMetricsFlag(app, &options.metrics_listen);
  AddStatutoryFlags(app, &options.statutory);
  AddConfigFlags(app);
  AddLogFlags(app, &flags->log_format);
  AddTransportFlags(app, /*board=*/false, &options.link.transport);
}

absl::StatusOr<AgencyDaemonOptions> AgencyOptionsFrom(
    const AgencyFlags& flags) {
  if (absl::Status transport = CheckTransport(flags.daemon.link.transport);
      !transport.ok()) {
    return transport;
  }
  AgencyDaemonOptions options = flags.daemon;
  options.link.max_backoff = absl::Seconds(flags.max_backoff_s);
  return options;
}

int RunAgencyMain(int argc, char** argv, const AgencyMainHooks& hooks) {
  AgencyFlags flags;
  CLI::App app;
  AddAgencyFlags(app, &flags);
  if (hooks.add_flags) hooks.add_flags(app);
  if (auto exit = ParseCommandLine(app, argc, argv)) return *exit;
  absl::StatusOr<AgencyDaemonOptions> options = AgencyOptionsFrom(flags);
  if (!options.ok()) {
    std::cerr << "casesyncd: " << options.status().message() << "\n";
    return kExitUsage;
  }
  if (hooks.adjust) hooks.adjust(&*options);
  return RunDaemonUntilSignal(
      "casesyncd", flags.log_format,
      [&]() -> absl::StatusOr<std::unique_ptr<RunningDaemon>> {
        return AgencyDaemon::Start(*options);
      });
}

}  // namespace casesync
