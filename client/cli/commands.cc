#include "client/cli/commands.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "casesync/v1/local_api.grpc.pb.h"
#include "casesync/v1/records.pb.h"
#include "client/cli/admin_commands.h"
#include "client/cli/bundle_commands.h"
#include "client/cli/completion.h"
#include "client/cli/daemon_client.h"
#include "client/cli/output.h"
#include "client/cli/progress_bar.h"
#include "client/cli/review_commands.h"
#include "common/base/text.h"
#include "common/program/command_line.h"
#include "common/program/grpc_status.h"
#include "common/records/change_check.h"
#include "common/records/field_value.h"
#include "common/records/record_types.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace casesync::cli {
namespace {

namespace pb = ::google::protobuf;

constexpr size_t kMaxCsvBytes = 32 << 20;

// Splits "field=value" settings.
bool ParseSettings(const std::vector<std::string>& sets,
                   pb::RepeatedPtrField<v1::FieldSetting>* out,
                   const CliContext& context) {
  for (const std::string& set : sets) {
    const size_t eq = set.find('=');
    if (eq == std::string::npos || eq == 0) {
      *context.err << "casesync: --set takes FIELD=VALUE, not \"" << set
                   << "\"\n";
      return false;
    }
    v1::FieldSetting* setting = out->Add();
    setting->set_name(set.substr(0, eq));
    setting->set_value(set.substr(eq + 1));
  }
  return true;
}

std::vector<std::string> TypeNames(bool with_review) {
  std::vector<std::string> names;
  for (const RecordTypeInfo& info : AllRecordTypes()) {
    if (info.type == v1::RECORD_TYPE_REVIEW && !with_review) continue;
    names.emplace_back(info.name);
  }
  return names;
}

// A short description of a record for a table row.
std::string Summary(const v1::RecordDetail& detail) {
  const RecordTypeInfo* type = FindRecordTypeByName(detail.type());
  if (type == nullptr) return "";
  std::unique_ptr<pb::Message> message = NewRecordMessage(*type);
  if (!detail.record().UnpackTo(message.get())) return "";
  const pb::Reflection* reflection = message->GetReflection();
  std::vector<std::string> parts;
  for (const char* name :
       {"date", "title", "event", "statement", "participant_role",
        "involvement", "text", "action", "pseudonym"}) {
    const pb::FieldDescriptor* field = type->descriptor->FindFieldByName(name);
    if (field == nullptr || field->is_repeated()) continue;
    const std::string value = reflection->GetString(*message, field);
    if (!value.empty()) parts.push_back(OneLine(value, /*trim=*/false));
    if (parts.size() == 2) break;
  }
  return Clip(absl::StrJoin(parts, "  "), 60);
}

void PrintRecord(const v1::RecordDetail& detail, std::ostream& out) {
  out << detail.type() << " " << detail.record_id() << " in review "
      << detail.review_id() << (detail.deleted() ? "  (deleted)" : "") << "\n";
  out << "  owner: " << detail.owner_agency()
      << "   visibility: " << detail.visibility() << "\n";
  for (const v1::FieldDetail& field : detail.fields()) {
    if (field.name() == "visibility") continue;
    if (field.conflict().empty()) {
      out << "  " << field.name() << ": " << field.value() << "\n";
      continue;
    }
    out << "  " << field.name() << ": CONFLICT, " << field.conflict_size()
        << " values (resolve with: casesync conflicts resolve --review "
        << detail.review_id() << " " << detail.record_id() << " "
        << field.name() << " --keep DOT | --value TEXT)\n";
    for (const v1::ConflictValue& value : field.conflict()) {
      out << "    " << (value.shown() ? "* " : "  ") << FormatDot(value.dot())
          << " by " << (value.author().empty() ? "?" : value.author()) << ": "
          << value.value() << "\n";
    }
  }
}

// ---------------------------------------------------------------- commands

int Status(Client& client, const CliContext& context) {
  int code = kExitOk;
  v1::StatusReply reply;
  if (!client.Call(&Stub::GetStatus, v1::GetStatusRequest(), &reply, &code))
    return code;
  std::ostream& out = *context.out;
  const absl::Time now = absl::Now();
  if (reply.has_board()) {
    const v1::BoardStatus& board = reply.board();
    if (context.json) {
      out << ToJson(board) << "\n";
      return kExitOk;
    }
    out << "board " << board.board() << ": feed at " << board.feed_head()
        << ", " << board.conflicts() << " open conflict"
        << (board.conflicts() == 1 ? "" : "s") << "\n\n";
    Table table({"AGENCY", "CONNECTED", "LAST CONTACT", "PENDING",
                 "ACKNOWLEDGED", "ACCEPTED", "REJECTED", "LAG"});
    for (const v1::BoardAgencyRow& row : board.agencies()) {
      table.AddRow(
          {row.agency(), row.connected() ? "yes" : "no",
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
    return kExitOk;
  }
  const v1::AgencyStatus& agency = reply.agency();
  if (context.json) {
    out << ToJson(agency, {"last_contact", "oldest_pending"}) << "\n";
    return kExitOk;
  }
  out << "agency " << agency.agency() << ", syncing with the board at "
      << agency.board() << "\n";
  // One line that answers "am I synced?", as git status does: green when
  // it is, yellow while work is on its way, red when it cannot go.
  const bool colour = context.colour_out;
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

int Edit(Client& client, const CliContext& context,
         v1::EditRecordRequest request, const std::vector<std::string>& sets,
         const std::string& visibility, bool print_id) {
  if (!ParseSettings(sets, request.mutable_set(), context)) return kExitUsage;
  if (!visibility.empty()) {
    v1::FieldSetting* setting = request.add_set();
    setting->set_name("visibility");
    setting->set_value(visibility);
  }
  request.set_author(context.author);
  int code = kExitOk;
  v1::EditRecordReply reply;
  if (!client.Call(&Stub::EditRecord, request, &reply, &code)) return code;
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
  } else if (print_id) {
    *context.out << reply.record_id() << "\n";
  } else {
    *context.out << "saved " << reply.record_id() << " as change "
                 << FormatDot(reply.dot()) << "\n";
  }
  return kExitOk;
}

int Show(Client& client, const CliContext& context, const std::string& review,
         const std::string& record) {
  v1::GetRecordRequest request;
  request.set_review_id(review);
  request.set_record_id(record);
  int code = kExitOk;
  v1::RecordDetail reply;
  if (!client.Call(&Stub::GetRecord, request, &reply, &code)) return code;
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
  } else {
    PrintRecord(reply, *context.out);
  }
  return kExitOk;
}

// Every page of a listing, in one reply.
bool ListAll(Client& client, v1::ListRecordsRequest request,
             v1::ListRecordsReply* all, int* code) {
  while (true) {
    v1::ListRecordsReply page;
    if (!client.Call(&Stub::ListRecords, request, &page, code)) return false;
    for (v1::RecordDetail& record : *page.mutable_records()) {
      *all->add_records() = std::move(record);
    }
    if (page.next_page_token().empty()) return true;
    request.set_page_token(page.next_page_token());
  }
}

int List(Client& client, const CliContext& context,
         const v1::ListRecordsRequest& request) {
  int code = kExitOk;
  v1::ListRecordsReply reply;
  if (!ListAll(client, request, &reply, &code)) return code;
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
    return kExitOk;
  }
  Table table({"ID", "TYPE", "OWNER", "VISIBILITY", "SUMMARY"});
  for (const v1::RecordDetail& record : reply.records()) {
    std::string summary = Summary(record);
    if (record.conflicts() > 0) summary = absl::StrCat("[conflict] ", summary);
    if (record.deleted()) summary = absl::StrCat("[deleted] ", summary);
    table.AddRow({record.record_id(), record.type(), record.owner_agency(),
                  record.visibility(), summary});
  }
  if (table.empty()) {
    *context.out << "no records\n";
  } else {
    table.Print(*context.out);
  }
  return kExitOk;
}

int ListReviews(Client& client, const CliContext& context) {
  v1::ListRecordsRequest request;
  request.set_type("review");
  int code = kExitOk;
  v1::ListRecordsReply reply;
  if (!ListAll(client, request, &reply, &code)) return code;
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
    return kExitOk;
  }
  Table table({"REVIEW", "PHASE", "AGENCIES", "TITLE"});
  for (const v1::RecordDetail& record : reply.records()) {
    v1::Review review;
    record.record().UnpackTo(&review);
    const auto* phase = v1::Review::Phase_descriptor()->FindValueByNumber(
        review.phase() == v1::Review::PHASE_UNSPECIFIED
            ? v1::Review::PHASE_SCOPING
            : review.phase());
    table.AddRow({review.id(), EnumShortName(*phase),
                  absl::StrJoin(review.agencies(), ","),
                  ShortLine(review.title(), 50)});
  }
  if (table.empty()) {
    *context.out << "no reviews\n";
  } else {
    table.Print(*context.out);
  }
  return kExitOk;
}

int Delete(Client& client, const CliContext& context, const std::string& review,
           const std::string& record) {
  v1::DeleteRecordRequest request;
  request.set_review_id(review);
  request.set_record_id(record);
  request.set_author(context.author);
  int code = kExitOk;
  v1::EditRecordReply reply;
  if (!client.Call(&Stub::DeleteRecord, request, &reply, &code)) return code;
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
  } else {
    *context.out << "deleted " << record << " (change "
                 << FormatDot(reply.dot()) << ")\n";
  }
  return kExitOk;
}

int Import(Client& client, const CliContext& context, const std::string& review,
           const std::string& file, bool skip_bad) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    *context.err << "casesync: cannot read " << file << "\n";
    return kExitFailure;
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (bytes.str().size() > kMaxCsvBytes) {
    *context.err << "casesync: " << file << " is larger than "
                 << (kMaxCsvBytes >> 20) << " MiB; split it\n";
    return kExitFailure;
  }
  v1::ImportChronologyRequest request;
  request.set_review_id(review);
  request.set_csv(bytes.str());
  request.set_skip_bad(skip_bad);
  request.set_author(context.author);
  int code = kExitOk;
  Stub* stub = client.Connect(&code);
  if (stub == nullptr) return code;
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(absl::Minutes(5)));
  auto stream = stub->ImportChronologyWithProgress(&call, request);
  ProgressBar bar(context.err,
                  !context.json && ProgressBar::OnTerminal(STDERR_FILENO));
  v1::ImportChronologyReply reply;
  v1::ImportChronologyStreamReply message;
  while (stream->Read(&message)) {
    if (message.has_progress()) {
      const v1::BundleProgress& progress = message.progress();
      bar.Update(progress.unit() == "rows" ? "importing" : "saving",
                 progress.done(), progress.total(), progress.unit());
    } else if (message.has_result()) {
      reply = message.result();
    }
  }
  bar.Finish();
  if (!client.Check(FromGrpcStatus(stream->Finish()), &code)) return code;
  for (const v1::ImportError& error : reply.errors()) {
    *context.err << file << ":" << error.line() << ": " << error.message()
                 << "\n";
  }
  if (context.json) *context.out << ToJson(reply) << "\n";
  if (!reply.errors().empty() && !skip_bad) {
    *context.err << "casesync: nothing imported: " << reply.errors_size()
                 << " bad row" << (reply.errors_size() == 1 ? "" : "s")
                 << " (fix them, or pass --skip-bad to import the rest)\n";
    return kExitFailure;
  }
  if (!context.json) {
    *context.out << "imported " << reply.imported()
                 << " chronology entries into review " << review;
    if (!reply.errors().empty())
      *context.out << "; skipped " << reply.errors_size();
    *context.out << "\n";
  }
  return kExitOk;
}

int Conflicts(Client& client, const CliContext& context,
              const std::string& review) {
  v1::ListConflictsRequest request;
  request.set_review_id(review);
  int code = kExitOk;
  v1::ListConflictsReply reply;
  if (!client.Call(&Stub::ListConflicts, request, &reply, &code)) return code;
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
    return kExitOk;
  }
  if (reply.conflicts().empty()) {
    *context.out << "no conflicts\n";
    return kExitOk;
  }
  const absl::Time now = absl::Now();
  for (const v1::Conflict& conflict : reply.conflicts()) {
    *context.out << conflict.review_id() << " " << conflict.type() << " "
                 << conflict.record_id() << " field " << conflict.field()
                 << ":\n";
    if (!conflict.values().empty() && conflict.values(0).has_ancestor()) {
      *context.out << "    all edited from the value written by "
                   << FormatDot(conflict.values(0).ancestor())
                   << "; changes to it: [-removed-] {+added+}\n";
    }
    for (const v1::ConflictValue& value : conflict.values()) {
      *context.out << "  " << (value.shown() ? "* " : "  ")
                   << FormatDot(value.dot()) << " by "
                   << (value.author().empty() ? "?" : value.author()) << ", "
                   << DescribeTime(value.time(), true, now) << ":\n      "
                   << ShortLine(value.value(), 200) << "\n";
      if (!value.diff_from_ancestor().empty()) {
        *context.out << "      changes: "
                     << ShortLine(value.diff_from_ancestor(), 2000) << "\n";
      }
    }
  }
  *context.out << "(* the value shown meanwhile; resolve with casesync "
                  "conflicts resolve)\n";
  return kExitOk;
}

int Resolve(Client& client, const CliContext& context,
            v1::ResolveConflictRequest request, const std::string& keep,
            bool has_value) {
  if (!keep.empty()) {
    const size_t colon = keep.rfind(':');
    uint64_t counter = 0;
    if (colon == std::string::npos ||
        !absl::SimpleAtoi(keep.substr(colon + 1), &counter)) {
      *context.err
          << "casesync: --keep takes the dot of a value, REPLICA:COUNTER, as "
             "conflicts list shows it\n";
      return kExitUsage;
    }
    request.mutable_keep()->set_replica(keep.substr(0, colon));
    request.mutable_keep()->set_counter(counter);
  } else if (!has_value) {
    *context.err << "casesync: say what to keep: --keep REPLICA:COUNTER or "
                    "--value TEXT\n";
    return kExitUsage;
  }
  request.set_author(context.author);
  int code = kExitOk;
  v1::EditRecordReply reply;
  if (!client.Call(&Stub::ResolveConflict, request, &reply, &code)) return code;
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
  } else {
    *context.out << "resolved " << request.field() << " of "
                 << request.record_id() << " (change " << FormatDot(reply.dot())
                 << ")\n";
  }
  return kExitOk;
}

int Digest(Client& client, const CliContext& context,
           const std::string& agency) {
  v1::GetDigestRequest request;
  request.set_for_agency(agency);
  int code = kExitOk;
  v1::DigestReply reply;
  if (!client.Call(&Stub::GetDigest, request, &reply, &code, absl::Minutes(5)))
    return code;
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
  } else {
    *context.out << reply.sha256() << "  " << reply.records() << " records, "
                 << reply.field_values() << " field values\n";
  }
  return kExitOk;
}

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

int Changes(Client& client, const CliContext& context,
            const std::string& origin) {
  v1::ListChangesRequest request;
  request.set_origin(origin);
  int code = kExitOk;
  v1::ListChangesReply reply;
  if (!client.Call(&Stub::ListChanges, request, &reply, &code,
                   absl::Minutes(5))) {
    return code;
  }
  if (context.json) {
    *context.out << ToJson(reply) << "\n";
  } else {
    *context.out << reply.dots_size() << " changes from " << origin
                 << " held; contiguous up to " << reply.frontier() << "\n";
  }
  return kExitOk;
}

// An example under each command's --help that has none of its own (the
// rest inherit the general examples of `casesync --help`).
void AddExamples(CLI::App& app) {
  struct Example {
    std::vector<const char*> path;
    const char* text;
  };
  static const Example kExamples[] = {
      {{"status"},
       "  casesync status            # am I synced? (an agency)\n"
       "  casesync status --json | jq .pending"},
      {{"sync"},
       "  casesync sync --wait --timeout 120   # exit 1 if the board cannot "
       "be reached"},
      {{"review", "list"},
       "  casesync --socket /run/casesync-board/board.sock "
       "review list"},
      {{"review", "show"}, "  casesync review show cspr-7"},
      {{"review", "phase"},
       "  casesync review phase cspr-7 analysis   # on the board"},
      {{"record", "edit"},
       "  casesync record edit --review cspr-7 01HZX3K9V2 --set "
       "event=\"Home visit, mother present\""},
      {{"record", "show"}, "  casesync record show --review cspr-7 01HZX3K9V2"},
      {{"record", "list"},
       "  casesync record list --review cspr-7 --type chronology"},
      {{"record", "delete"},
       "  casesync record delete --review cspr-7 01HZX3K9V2"},
      {{"conflicts", "list"}, "  casesync conflicts list --review cspr-7"},
      {{"conflicts", "resolve"},
       "  casesync conflicts resolve --review cspr-7 01HZX3K9V2 event --keep "
       "police:12\n"
       "  casesync conflicts resolve --review cspr-7 01HZX3K9V2 event --value "
       "\"Home visit\""},
      {{"digest"},
       "  casesync digest                       # on an agency\n"
       "  casesync --socket /run/casesync-board/board.sock digest --agency "
       "police   # the same hash, if in sync"},
      {{"changes"}, "  casesync changes --origin police --json"},
      {{"audit", "verify"},
       "  casesync --socket /run/casesync-board/board.sock audit verify"},
      {{"audit", "receipts"},
       "  casesync audit receipts   # on an agency; exit 1 if any is invalid"},
  };
  for (const Example& example : kExamples) {
    CLI::App* command = &app;
    for (const char* name : example.path) {
      command = command->get_subcommand(name);
    }
    command->footer(std::string("Example:\n") + example.text);
  }
}

}  // namespace

void AddCommands(CLI::App& app, CliContext& context,
                 std::function<int()>* action) {
  if (const char* socket = std::getenv("CASESYNC_SOCKET"))
    context.socket = socket;
  if (const char* user = std::getenv("USER")) context.author = user;
  // Global options may also follow the command: casesync status --json.
  app.fallthrough();
  app.add_option("--socket", context.socket,
                 "the daemon's Unix socket (default: $CASESYNC_SOCKET)");
  app.add_flag(
      "--json", context.json,
      "print JSON (protobuf JSON mapping, snake_case keys) for scripts");
  app.add_option("--author", context.author,
                 "who is editing, kept with each change (default: $USER)");
  app.require_subcommand(1);
  // Every command shares one client, made after the options are parsed.
  auto client = std::make_shared<Client>(context);
  auto on = [action, client](std::function<int(Client&)> run) {
    return [action, client, run] {
      *action = [client, run] { return run(*client); };
    };
  };

  // status
  app.add_subcommand(
         "status",
         "am I synced? connection, pending, accepted, rejected, lag, "
         "conflicts (on the board: one row per agency)")
      ->callback(on([&context](Client& c) { return Status(c, context); }));

  // sync
  {
    auto* cmd = app.add_subcommand("sync", "sync with the board now");
    auto wait = std::make_shared<bool>(false);
    auto timeout = std::make_shared<double>(30);
    cmd->add_flag(
        "--wait", *wait,
        "return once everything is pushed and pulled; non-zero exit if "
        "the board cannot be reached");
    cmd->add_option("--timeout", *timeout, "seconds to wait")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->callback(on([&context, wait, timeout](Client& c) {
      return Sync(c, context, *wait, *timeout);
    }));
  }

  // review create|list|show|phase|reopen
  {
    auto* review =
        app.add_subcommand("review", "case reviews (created by the board)");
    review->require_subcommand(1);
    auto* create =
        review->add_subcommand("create", "create a review (board only)");
    auto id = std::make_shared<std::string>();
    auto title = std::make_shared<std::string>();
    auto agencies = std::make_shared<std::string>();
    auto sets = std::make_shared<std::vector<std::string>>();
    create->add_option("ID", *id, "the review's id, e.g. cspr-2024-07")
        ->required();
    create->add_option("--title", *title, "title")->required();
    create
        ->add_option(
            "--agencies", *agencies,
            "participating agencies, comma-separated: csc,health,police")
        ->required();
    create->add_option("--set", *sets,
                       "another field: FIELD=VALUE (repeatable)");
    create->footer(
        "Example:\n  casesync review create cspr-7 --title \"Child J\" "
        "--agencies csc,police,health,school");
    create->callback(on([&context, id, title, agencies, sets](Client& c) {
      v1::EditRecordRequest request;
      request.set_type("review");
      request.set_review_id(*id);
      request.set_create(true);
      std::vector<std::string> all = *sets;
      all.push_back("title=" + *title);
      all.push_back("agencies=" + *agencies);
      return Edit(c, context, request, all, "", /*print_id=*/true);
    }));

    review->add_subcommand("list", "list reviews")
        ->callback(
            on([&context](Client& c) { return ListReviews(c, context); }));

    auto* show = review->add_subcommand("show", "show one review");
    auto show_id = std::make_shared<std::string>();
    show->add_option("ID", *show_id, "review id")->required();
    show->callback(on([&context, show_id](Client& c) {
      return Show(c, context, *show_id, *show_id);
    }));

    auto* phase = review->add_subcommand(
        "phase", "move a review to another phase (board only)");
    auto phase_id = std::make_shared<std::string>();
    auto phase_name = std::make_shared<std::string>();
    phase->add_option("ID", *phase_id, "review id")->required();
    phase
        ->add_option(
            "PHASE", *phase_name,
            "scoping, data_gathering, analysis, findings, board_response, "
            "redaction, published, closed")
        ->required();
    phase->callback(on([&context, phase_id, phase_name](Client& c) {
      v1::EditRecordRequest request;
      request.set_type("review");
      request.set_review_id(*phase_id);
      // A new phase ends any reopening of the old one.
      return Edit(c, context, request, {"phase=" + *phase_name, "reopened=no"},
                  "", false);
    }));

    auto* reopen = review->add_subcommand(
        "reopen",
        "let agencies add and change records again past the findings phase "
        "(board only; the next phase change closes it again)");
    auto reopen_id = std::make_shared<std::string>();
    reopen->add_option("ID", *reopen_id, "review id")->required();
    reopen->footer("Example:\n  casesync review reopen cspr-7");
    reopen->callback(on([&context, reopen_id](Client& c) {
      v1::EditRecordRequest request;
      request.set_type("review");
      request.set_review_id(*reopen_id);
      return Edit(c, context, request, {"reopened=yes"}, "", false);
    }));
  }

  // record add|edit|show|list|delete
  {
    auto* record = app.add_subcommand("record", "records of a review");
    record->require_subcommand(1);
    const std::vector<std::string> types = TypeNames(false);

    auto* add =
        record->add_subcommand("add", "add a record; prints its new id");
    auto add_review = std::make_shared<std::string>();
    auto add_type = std::make_shared<std::string>();
    auto add_sets = std::make_shared<std::vector<std::string>>();
    auto add_visibility = std::make_shared<std::string>();
    add->add_option("--review", *add_review, "review id")->required();
    add->add_option("--type", *add_type, "record type")
        ->required()
        ->check(CLI::IsMember(types));
    add->add_option("--set", *add_sets,
                    "FIELD=VALUE, field names as in the schema")
        ->required();
    add->add_option("--visibility", *add_visibility,
                    "agency, review (default) or published")
        ->check(CLI::IsMember({"agency", "review", "published"}));
    add->footer(
        "Example:\n  casesync record add --review cspr-7 --type chronology \\\n"
        "    --set date=2024-03-04 --set source=\"CSC note 17\" "
        "--set event=\"Home visit\"");
    add->callback(on(
        [&context, add_review, add_type, add_sets, add_visibility](Client& c) {
          v1::EditRecordRequest request;
          request.set_review_id(*add_review);
          request.set_type(*add_type);
          request.set_create(true);
          return Edit(c, context, request, *add_sets, *add_visibility,
                      /*print_id=*/true);
        }));

    auto* edit = record->add_subcommand("edit", "change fields of a record");
    auto edit_id = std::make_shared<std::string>();
    auto edit_review = std::make_shared<std::string>();
    auto edit_type = std::make_shared<std::string>("chronology");
    auto edit_sets = std::make_shared<std::vector<std::string>>();
    auto edit_visibility = std::make_shared<std::string>();
    edit->add_option("ID", *edit_id, "record id")->required();
    edit->add_option("--review", *edit_review, "review id")->required();
    edit->add_option("--type", *edit_type, "record type")
        ->capture_default_str()
        ->check(CLI::IsMember(types));
    edit->add_option("--set", *edit_sets, "FIELD=VALUE");
    edit->add_option("--visibility", *edit_visibility,
                     "agency, review or published")
        ->check(CLI::IsMember({"agency", "review", "published"}));
    edit->callback(on([&context, edit_id, edit_review, edit_type, edit_sets,
                       edit_visibility](Client& c) {
      v1::EditRecordRequest request;
      request.set_review_id(*edit_review);
      request.set_type(*edit_type);
      request.set_record_id(*edit_id);
      return Edit(c, context, request, *edit_sets, *edit_visibility, false);
    }));

    auto* show =
        record->add_subcommand("show", "show a record, conflicts included");
    auto show_id = std::make_shared<std::string>();
    auto show_review = std::make_shared<std::string>();
    show->add_option("ID", *show_id, "record id")->required();
    show->add_option("--review", *show_review, "review id")->required();
    show->callback(on([&context, show_id, show_review](Client& c) {
      return Show(c, context, *show_review, *show_id);
    }));

    auto* list = record->add_subcommand("list", "list records");
    auto list_review = std::make_shared<std::string>();
    auto list_type = std::make_shared<std::string>();
    auto list_deleted = std::make_shared<bool>(false);
    list->add_option("--review", *list_review,
                     "review id (default: every review)");
    list->add_option("--type", *list_type, "only this type")
        ->check(CLI::IsMember(TypeNames(true)));
    list->add_flag("--deleted", *list_deleted, "include deleted records");
    list->callback(
        on([&context, list_review, list_type, list_deleted](Client& c) {
          v1::ListRecordsRequest request;
          request.set_review_id(*list_review);
          request.set_type(*list_type);
          request.set_include_deleted(*list_deleted);
          return List(c, context, request);
        }));

    auto* del = record->add_subcommand("delete",
                                       "delete a record (kept as a tombstone)");
    auto del_id = std::make_shared<std::string>();
    auto del_review = std::make_shared<std::string>();
    del->add_option("ID", *del_id, "record id")->required();
    del->add_option("--review", *del_review, "review id")->required();
    del->callback(on([&context, del_id, del_review](Client& c) {
      return Delete(c, context, *del_review, *del_id);
    }));
  }

  // chronology import
  {
    auto* chronology =
        app.add_subcommand("chronology", "an agency's chronology");
    chronology->require_subcommand(1);
    auto* import = chronology->add_subcommand(
        "import",
        "import chronology entries from CSV: all rows, or none if any is bad");
    auto review = std::make_shared<std::string>();
    auto file = std::make_shared<std::string>();
    auto skip_bad = std::make_shared<bool>(false);
    import->add_option("--review", *review, "review id")->required();
    import
        ->add_option("FILE", *file,
                     "CSV file; its header row names chronology fields")
        ->required();
    import->add_flag("--skip-bad", *skip_bad,
                     "import the good rows, report the bad ones");
    import->footer(
        "The header names ChronologyEntry fields, e.g.:\n"
        "  date,time,source,practitioner_role,event,action,child_seen\n"
        "  2024-03-04,10:30,CSC note 17,duty social worker,Home "
        "visit,Referral,yes\n"
        "Example:\n"
        "  casesync chronology import --review cspr-7 csc-chronology.csv\n"
        "All rows go in one write, or none if any is bad (each bad row is "
        "named with its line).");
    import->callback(on([&context, review, file, skip_bad](Client& c) {
      return Import(c, context, *review, *file, *skip_bad);
  }));
}

// conflicts list|resolve
{
  auto* conflicts =
      app.add_subcommand("conflicts", "fields edited concurrently");
  conflicts->require_subcommand(1);
  auto* list =
      conflicts->add_subcommand("list", "list open conflicts with every value");
  auto review = std::make_shared<std::string>();
  list->add_option("--review", *review, "only this review");
  list->callback(on([&context, review](Client& c) {
    return Conflicts(c, context, *review);
  }));

  auto* resolve = conflicts->add_subcommand(
      "resolve", "end a conflict by keeping one value or writing a new one");
  auto r_review = std::make_shared<std::string>();
  auto r_record = std::make_shared<std::string>();
  auto r_field = std::make_shared<std::string>();
  auto keep = std::make_shared<std::string>();
  auto value = std::make_shared<std::string>();
  resolve->add_option("--review", *r_review, "review id")->required();
  resolve->add_option("RECORD", *r_record, "record id")->required();
  resolve->add_option("FIELD", *r_field, "field name")->required();
  auto* keep_option = resolve->add_option(
      "--keep", *keep, "keep the value written by REPLICA:COUNTER");
  auto* value_option =
      resolve->add_option("--value", *value, "write this value instead");
  keep_option->excludes(value_option);
  resolve->callback(on([&context, r_review, r_record, r_field, keep, value,
                        value_option](Client& c) {
    v1::ResolveConflictRequest request;
    request.set_review_id(*r_review);
    request.set_record_id(*r_record);
    request.set_field(*r_field);
    const bool has_value = value_option->count() > 0;
    if (has_value) request.set_value(*value);
    return Resolve(c, context, request, *keep, has_value);
  }));
}

// digest, changes
{
  auto* digest = app.add_subcommand(
      "digest", "a hash of the records held, to compare replicas");
  auto agency = std::make_shared<std::string>();
  digest->add_option("--agency", *agency,
                     "board only: what this agency may see");
  digest->callback(on(
      [&context, agency](Client& c) { return Digest(c, context, *agency); }));

  auto* changes =
      app.add_subcommand("changes", "the changes held from one author");
  auto origin = std::make_shared<std::string>();
  changes->add_option("--origin", *origin, "the authoring replica")->required();
  changes->callback(on(
      [&context, origin](Client& c) { return Changes(c, context, *origin); }));
}

// audit
{
  auto* audit = app.add_subcommand(
      "audit",
      "the board's tamper-evident log of accepted changes and "
      "disclosures, and the receipts agencies keep of it");
  audit->require_subcommand(1);
  auto* verify = audit->add_subcommand(
      "verify",
      "check every entry of the audit chain (board only); exit 1 naming the "
      "first broken entry");
  verify->callback(
      on([&context](Client& c) { return VerifyAudit(c, context); }));
  auto* receipts = audit->add_subcommand(
      "receipts",
      "list the board's signed receipts this agency keeps, each checked "
      "offline against the daemon's CA (agency only); exit 1 if any does not "
      "check out");
  receipts->callback(
      on([&context](Client& c) { return Receipts(c, context); }));
}

AddReviewCommands(app, context, on);
AddBundleCommands(app, context, on);
AddAdminCommands(app, context, on);

// completion
{
  auto* completion = app.add_subcommand(
      "completion",
      "print a shell completion script; for bash: source <(casesync "
      "completion bash), or save it under "
      "/etc/bash_completion.d/casesync");
  auto shell = std::make_shared<std::string>();
  completion->add_option("SHELL", *shell, "the shell (bash)")
      ->required()
      ->check(CLI::IsMember({"bash"}));
  // `shell` is captured to keep it alive for CLI11 to write into.
  completion->callback([action, &app, &context, shell] {
    *action = [&app, &context] {
      *context.out << BashCompletion(app, "casesync");
      return kExitOk;
    };
  });
}

AddExamples(app);
}  // namespace casesync::cli

}  // namespace casesync::cli
