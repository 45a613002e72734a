#include "server/board_flags.h"

#include <iostream>

#include "common/daemon/metrics_server.h"
#include "common/daemon/statutory_flags.h"
#include "common/program/command_line.h"
#include "common/program/config_file.h"
#include "common/security/transport.h"

namespace casesync {
namespace {

// The limits, each enforced on every push.
void AddLimitFlags(CLI::App& app, BoardServerOptions* options) {
  ChangeLimits& change = options->board.limits;
  IngestLimits& ingest = options->board.ingest_limits;
  const char* const kLimits = "Limits (each enforced on every push)";
  app.add_option("--max_message_bytes", options->max_message_bytes,
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
}

}  // namespace

void AddBoardFlags(CLI::App& app, BoardServerOptions* options,
                   LogFormat* log_format) {
  app.description(
      "casesync-board: the safeguarding board's server of record. Agencies' "
      "daemons sync to it; the review team works on it through the casesync "
      "command line pointed at its socket.");
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
  app.add_option("--data_dir", options->board.data_dir,
                 "directory of the board's store (created if missing)")
      ->required();
  app.add_option("--listen", options->listen,
                 "host:port the sync service listens on for agencies (port 0: "
                 "pick a free one, printed at start)")
      ->required();
  app.add_option("--socket", options->socket,
                 "path of the local API's Unix socket (owner-only permissions)")
      ->required();
  app.add_option("--board_id", options->board.board_id,
                 "the board's replica id; with TLS, the common name of "
                 "--tls_cert (it signs the agencies' receipts)")
      ->capture_default_str();
  AddMetricsFlag(app, &options->metrics_listen);
  AddStatutoryFlags(app, &options->statutory);
  app.add_option("--report_reference_docx",
                 options->office_formats.reference_docx,
                 "a Word document whose styles `casesync export --format "
                 "docx` takes (the partnership's fonts, headings, margins); "
                 "default pandoc's");
  AddConfigFlags(app);
  AddLogFlags(app, log_format);
  AddTransportFlags(app, /*board=*/true, &options->transport);
  AddLimitFlags(app, options);
}

std::optional<int> ParseBoardCommandLine(int argc, char** argv,
                                         BoardServerOptions* options,
                                         LogFormat* log_format) {
  CLI::App app;
  AddBoardFlags(app, options, log_format);
  if (std::optional<int> exit = ParseCommandLine(app, argc, argv)) return exit;
  if (absl::Status transport = CheckTransport(options->transport);
      !transport.ok()) {
    std::cerr << "casesync-board: " << transport.message() << "\n";
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace casesync
