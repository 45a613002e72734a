#include "client/cli/status_commands.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "client/cli/output.h"
#include "client/cli/progress_bar.h"
#include "common/program/command_line.h"
#include "common/program/grpc_status.h"
#include "common/records/change_check.h"

namespace casesync::cli {
namespace {

// The board's status: the feed, open conflicts and one row per agency.
void PrintBoardStatus(const v1::BoardStatus& board, const CliContext& context,
                      absl::Time now) {
  std::ostream& out = *context.out;
  if (context.json) {
    out << ToJson(board) << "\n";
    return;
  }
  out << "board " << board.board() << ": feed at " << board.feed_head() << ", "
      << board.conflicts() << " open conflict"
      << (board.conflicts() == 1 ? "" : "s") << "\n\n";
  Table table({"AGENCY", "CONNECTED", "LAST CONTACT", "PENDING", "ACKNOWLEDGED",
               "ACCEPTED", "REJECTED", "LAG"});
  for (const v1::BoardAgencyRow& row : board.agencies()) {
    table.AddRow({row.agency(), row.connected() ? "yes" : "no",
                  DescribeTime(row.last_contact(), row.has_last_contact(), now),
                  absl::StrCat(row.pending()), absl::StrCat(row.acknowledged()),
                  absl::StrCat(row.accepted()), absl::StrCat(row.rejected()),
                  absl::StrCat(row.lag())});
  }
  if (table.empty()) {
    out << "no agencies yet: create a review with casesync review create\n";
  } else {
    table.Print(out);
  }
}

// One line that answers "am I synced?", as git status does: green when it
// is, yellow while work is on its way, red when it cannot go.
void PrintSynced(const v1::AgencyStatus& agency, bool colour,
                 std::ostream& out) {
  if (agency.pending() > 0) {
    out << Paint(agency.connected() ? Colour::kYellow : Colour::kRed,
                 absl::StrCat(agency.pending(), " change",
                              agency.pending() == 1 ? "" : "s",
                              " not yet accepted by the board"),
                 colour)
        << (agency.connected()
                ? "; syncing now.\n"
                : "; they will go when the board can be reached.\n");
  } else if (!agency.connected()) {
    out << Paint(Colour::kYellow,
                 "Nothing pending here, but not connected: the board may "
                 "have news.",
                 colour)
        << "\n";
  } else if (agency.pull_lag() > 0) {
    out << Paint(
               Colour::kYellow,
               absl::StrCat("Everything pushed; receiving ", agency.pull_lag(),
                            " feed entries from the board."),
               colour)
        << "\n";
  } else {
    out << Paint(Colour::kGreen, "Up to date with the board.", colour) << "\n";
  }
}

// An agency's status: the synced line, then connection, counts and lag.
void PrintAgencyStatus(const v1::AgencyStatus& agency,
                       const CliContext& context, absl::Time now) {
  std::ostream& out = *context.out;
  if (context.json) {
    out << ToJson(agency, {"last_contact", "oldest_pending"}) << "\n";
    return;
  }
  out << "agency " << agency.agency() << ", syncing with the board at "
      << agency.board() << "\n";
  const bool colour = context.colour_out;
  PrintSynced(agency, colour, out);
  out << "\n";
  out << "  connection:  "
      << (agency.connected() ? "connected" : "not connected")
      << ", last contact "
      << DescribeTime(agency.last_contact(), agency.has_last_contact(), now)
      << "\n";
  if (!agency.last_error().empty() && !agency.connected()) {
    out << "  last error:  " << agency.last_error() << "\n";
  }
  out << "  pending:     " << agency.pending();
  if (agency.pending() > 0) {
    out << " (oldest made "
        << DescribeTime(agency.oldest_pending(), agency.has_oldest_pending(),
                        now)
        << ")";
  }
  out << "\n";
  out << "  accepted:    " << agency.accepted() << "\n";
  out << "  rejected:    "
      << Paint(Colour::kRed, absl::StrCat(agency.rejected()),
               colour && agency.rejected() > 0)
      << "\n";
  for (const v1::Verdict& verdict : agency.rejections()) {
    out << "    " << FormatDot(verdict.dot()) << "  " << verdict.detail()
        << "\n";
  }
  out << "  pull lag:    " << agency.pull_lag() << " feed entries (cursor "
      << agency.feed_cursor() << ")\n";
  out << "  conflicts:   "
      << Paint(Colour::kYellow, absl::StrCat(agency.conflicts()),
               colour && agency.conflicts() > 0)
      << "\n";
}

int Status(Client& client, const CliContext& context) {
  int code = kExitOk;
  v1::StatusReply reply;
  if (!client.Call(&Stub::GetStatus, v1::GetStatusRequest(), &reply, &code))
    return code;
  const absl::Time now = absl::Now();
  if (reply.has_board()) {
    PrintBoardStatus(reply.board(), context, now);
  } else {
    PrintAgencyStatus(reply.agency(), context, now);
  }
  return kExitOk;
}

// Runs the Sync call on a thread of its own and, meanwhile, draws how far
// the push and then the pull have got from the daemon's status, read a few
// times a second (the first sync of a large contribution takes a while).
[[nodiscard]] absl::Status SyncWithProgress(Stub* stub,
                                            const CliContext& context,
                                            const v1::SyncRequest& request,
                                            absl::Duration deadline,
                                            v1::SyncReply* reply) {
  auto ask_status = [stub]() -> std::optional<v1::AgencyStatus> {
    grpc::ClientContext ask;
    ask.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(1));
    v1::StatusReply now;
    if (!stub->GetStatus(&ask, v1::GetStatusRequest(), &now).ok() ||
        !now.has_agency()) {
      return std::nullopt;
    }
    return now.agency();
  };
  // What there is to push, from before the sync starts pushing it (and
  // more, if more is written meanwhile).
  uint32_t to_push = 0;
  if (std::optional<v1::AgencyStatus> before = ask_status()) {
    to_push = before->pending();
  }
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(deadline));
  grpc::Status status;
  absl::Notification done;
  std::thread worker([&] {
    status = stub->Sync(&call, request, reply);
    done.Notify();
  });
  ProgressBar bar(context.err, /*enabled=*/true);
  std::optional<uint64_t> first_cursor;
  uint64_t first_lag = 0;
  while (!done.WaitForNotificationWithTimeout(absl::Milliseconds(250))) {
    std::optional<v1::AgencyStatus> now = ask_status();
    if (!now.has_value()) continue;
    const v1::AgencyStatus& agency = *now;
    to_push = std::max(to_push, agency.pending());
    if (agency.pending() > 0) {
      bar.Update("pushing", to_push - agency.pending(), to_push, "changes");
      continue;
    }
    if (!first_cursor.has_value()) {
      first_cursor = agency.feed_cursor();
      first_lag = agency.pull_lag();
    }
    if (first_lag > 0) {
      bar.Update("receiving", agency.feed_cursor() - *first_cursor, first_lag,
                 "feed entries");
    }
  }
  worker.join();
  bar.Finish();
  return FromGrpcStatus(status);
}

int Sync(Client& client, const CliContext& context, bool wait,
         double timeout_s) {
  int code = kExitOk;
  v1::SyncRequest request;
  request.set_wait(wait);
  request.set_timeout_ms(static_cast<uint32_t>(timeout_s * 1000));
  v1::SyncReply reply;
  const absl::Duration deadline = absl::Seconds(timeout_s) + absl::Seconds(10);
  if (wait && !context.json && ProgressBar::OnTerminal(STDERR_FILENO)) {
    Stub* stub = client.Connect(&code);
    if (stub == nullptr) return code;
    if (!client.Check(
            SyncWithProgress(stub, context, request, deadline, &reply),
            &code)) {
      return code;
    }
  } else if (!client.Call(&Stub::Sync, request, &reply, &code, deadline)) {
    return code;
  }
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
  } else if (!reply.has_status()) {
    *context.out << "this is the board: nothing to sync\n";
  } else if (wait) {
    *context.out << "synced: " << reply.status().accepted() << " accepted, "
                 << reply.status().rejected() << " rejected, "
                 << reply.status().pending() << " pending\n";
  } else {
    *context.out << "sync started; casesync status shows progress\n";
  }
  if (!reply.new_rejections().empty()) {
    *context.err << "casesync: the board rejected "
                 << reply.new_rejections_size() << " change"
                 << (reply.new_rejections_size() == 1 ? "" : "s") << ":\n";
    for (const v1::Verdict& verdict : reply.new_rejections()) {
      *context.err << "  " << FormatDot(verdict.dot()) << ": "
                   << verdict.detail() << "\n";
    }
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void AddStatusCommands(CLI::App& app, CliContext& context,
                       const CommandBinder& on) {
  auto* status = app.add_subcommand(
      "status",
      "am I synced? connection, pending, accepted, rejected, lag, "
      "conflicts (on the board: one row per agency)");
  status->footer(
      "Example:\n"
      "  casesync status            # am I synced? (an agency)\n"
      "  casesync status --json | jq .pending");
  status->callback(on([&context](Client& c) { return Status(c, context); }));

  auto* sync = app.add_subcommand("sync", "sync with the board now");
  auto wait = std::make_shared<bool>(false);
  auto timeout = std::make_shared<double>(30);
  sync->add_flag("--wait", *wait,
                 "return once everything is pushed and pulled; non-zero exit "
                 "if the board cannot be reached");
  sync->add_option("--timeout", *timeout, "seconds to wait")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sync->footer(
      "Example:\n"
      "  casesync sync --wait --timeout 120   # exit 1 if the board cannot "
      "be reached");
  sync->callback(on([&context, wait, timeout](Client& c) {
    return Sync(c, context, *wait, *timeout);
  }));
}

}  // namespace casesync::cli
