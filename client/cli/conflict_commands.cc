#include "client/cli/conflict_commands.h"

#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "client/cli/output.h"
#include "common/program/command_line.h"
#include "common/records/change_check.h"

namespace casesync::cli {
namespace {

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

}  // namespace

void AddConflictCommands(CLI::App& app, CliContext& context,
                         const CommandBinder& on) {
  auto* conflicts =
      app.add_subcommand("conflicts", "fields edited concurrently");
  conflicts->require_subcommand(1);
  auto* list =
      conflicts->add_subcommand("list", "list open conflicts with every value");
  auto review = std::make_shared<std::string>();
  list->add_option("--review", *review, "only this review");
  list->footer("Example:\n  casesync conflicts list --review cspr-7");
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
  resolve->footer(
      "Example:\n"
      "  casesync conflicts resolve --review cspr-7 01HZX3K9V2 event --keep "
      "police:12\n"
      "  casesync conflicts resolve --review cspr-7 01HZX3K9V2 event --value "
      "\"Home visit\"");
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

}  // namespace casesync::cli
