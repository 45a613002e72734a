#include "client/cli/audit_commands.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "client/cli/output.h"
#include "common/program/command_line.h"

namespace casesync::cli {
namespace {

int VerifyAudit(Client& client, const CliContext& context) {
  int code = kExitOk;
  v1::VerifyAuditReply reply;
  if (!client.Call(&Stub::VerifyAudit, v1::VerifyAuditRequest(), &reply, &code,
                   absl::Minutes(30))) {
    return code;
  }
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
  } else if (reply.intact()) {
    *context.out << "audit chain OK: " << reply.entries() << " entries ("
                 << reply.accepted() << " accepted changes, "
                 << reply.disclosures() << " disclosures)\n";
  } else {
    *context.err << "casesync: audit chain BROKEN at entry "
                 << reply.broken_seq() << ": " << reply.problem() << " ("
                 << reply.entries() << " entries before it are intact)\n";
  }
  return reply.intact() ? kExitOk : kExitFailure;
}

int Receipts(Client& client, const CliContext& context) {
  int code = kExitOk;
  v1::ListReceiptsReply reply;
  if (!client.Call(&Stub::ListReceipts, v1::ListReceiptsRequest(), &reply,
                   &code, absl::Minutes(5))) {
    return code;
  }
  int invalid = 0;
  for (const v1::CheckedReceipt& receipt : reply.receipts()) {
    if (!receipt.valid()) ++invalid;
  }
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
    return invalid == 0 ? kExitOk : kExitFailure;
  }
  if (reply.receipts().empty()) {
    *context.out << "no receipts yet: the board signs one for each push it "
                    "acknowledges\n";
    return kExitOk;
  }
  *context.out << absl::StrFormat("%-17s %9s %9s %12s  %s\n", "counters",
                                  "accepted", "rejected", "audit entry",
                                  "signed (board time)");
  for (const v1::CheckedReceipt& receipt : reply.receipts()) {
    const v1::ReceiptBody& body = receipt.body();
    *context.out << absl::StrFormat(
        "%-17s %9d %9d %12d  %s%s\n",
        body.acknowledged() == body.acknowledged_before() + 1
            ? absl::StrCat(body.acknowledged())
            : absl::StrCat(body.acknowledged_before() + 1, "-",
                           body.acknowledged()),
        body.accepted(), body.rejected_size(), body.audit_seq(),
        absl::FormatTime("%Y-%m-%d %H:%M:%SZ",
                         absl::FromUnixMillis(body.time_ms()),
                         absl::UTCTimeZone()),
        receipt.valid() ? "" : absl::StrCat("  INVALID: ", receipt.problem()));
  }
  const v1::ReceiptBody& newest = reply.receipts().rbegin()->body();
  if (invalid == 0) {
    *context.out << (reply.receipts_size() == 1
                         ? std::string("1 receipt")
                         : absl::StrCat("all ", reply.receipts_size(),
                                        " receipts"))
                 << " signed by board '" << newest.board()
                 << "' under the CA in " << reply.ca_file()
                 << ";\nthe newest acknowledges counter "
                 << newest.acknowledged() << " and audit entry "
                 << newest.audit_seq() << "\n";
    return kExitOk;
  }
  *context.err << "casesync: " << invalid << " of " << reply.receipts_size()
               << " receipts do not check out against " << reply.ca_file()
               << "\n";
  return kExitFailure;
}

}  // namespace

void AddAuditCommands(CLI::App& app, CliContext& context,
                      const CommandBinder& on) {
  auto* audit = app.add_subcommand(
      "audit",
      "the board's tamper-evident log of accepted changes and "
      "disclosures, and the receipts agencies keep of it");
  audit->require_subcommand(1);
  auto* verify = audit->add_subcommand(
      "verify",
      "check every entry of the audit chain (board only); exit 1 naming the "
      "first broken entry");
  verify->footer(
      "Example:\n"
      "  casesync --socket /run/casesync-board/board.sock audit verify");
  verify->callback(
      on([&context](Client& c) { return VerifyAudit(c, context); }));
  auto* receipts = audit->add_subcommand(
      "receipts",
      "list the board's signed receipts this agency keeps, each checked "
      "offline against the daemon's CA (agency only); exit 1 if any does not "
      "check out");
  receipts->footer(
      "Example:\n"
      "  casesync audit receipts   # on an agency; exit 1 if any is invalid");
  receipts->callback(
      on([&context](Client& c) { return Receipts(c, context); }));
}

}  // namespace casesync::cli
