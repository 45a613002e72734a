#include "client/cli/record_commands.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "casesync/v1/records.pb.h"
#include "client/cli/output.h"
#include "common/base/text.h"
#include "common/program/command_line.h"
#include "common/records/change_check.h"
#include "common/records/record_types.h"

namespace casesync::cli {
namespace {

namespace pb = ::google::protobuf;

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

int List(Client& client, const CliContext& context,
         const v1::ListRecordsRequest& request) {
  int code = kExitOk;
  v1::ListRecordsReply reply;
  if (!ListAllRecords(client, request, &reply, &code)) return code;
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

void AddRecordAdd(CLI::App* record, CliContext& context,
                  const CommandBinder& on,
                  const std::vector<std::string>& types) {
  auto* add = record->add_subcommand("add", "add a record; prints its new id");
  auto review = std::make_shared<std::string>();
  auto type = std::make_shared<std::string>();
  auto sets = std::make_shared<std::vector<std::string>>();
  auto visibility = std::make_shared<std::string>();
  add->add_option("--review", *review, "review id")->required();
  add->add_option("--type", *type, "record type")
      ->required()
      ->check(CLI::IsMember(types));
  add->add_option("--set", *sets, "FIELD=VALUE, field names as in the schema")
      ->required();
  add->add_option("--visibility", *visibility,
                  "who may see it: agency (the default: your agency and the "
                  "board's review team only), review (every agency of the "
                  "review) or published")
      ->check(CLI::IsMember({"agency", "review", "published"}));
  add->footer(
      "Example:\n  casesync record add --review cspr-7 --type chronology \\\n"
      "    --set date=2024-03-04 --set source=\"CSC note 17\" "
      "--set event=\"Home visit\"\n"
      "A record is your agency's only until you share it: --visibility "
      "review (here or with record edit) sends its current values, never its "
      "earlier wording, to every agency of the review.");
  add->callback(on([&context, review, type, sets, visibility](Client& c) {
    v1::EditRecordRequest request;
    request.set_review_id(*review);
    request.set_type(*type);
    request.set_create(true);
    return EditRecord(c, context, request, *sets, *visibility,
                      /*print_id=*/true);
  }));
}

void AddRecordEdit(CLI::App* record, CliContext& context,
                   const CommandBinder& on,
                   const std::vector<std::string>& types) {
  auto* edit = record->add_subcommand("edit", "change fields of a record");
  auto id = std::make_shared<std::string>();
  auto review = std::make_shared<std::string>();
  auto type = std::make_shared<std::string>("chronology");
  auto sets = std::make_shared<std::vector<std::string>>();
  auto visibility = std::make_shared<std::string>();
  edit->add_option("ID", *id, "record id")->required();
  edit->add_option("--review", *review, "review id")->required();
  edit->add_option("--type", *type, "record type")
      ->capture_default_str()
      ->check(CLI::IsMember(types));
  edit->add_option("--set", *sets, "FIELD=VALUE");
  edit->add_option("--visibility", *visibility, "agency, review or published")
      ->check(CLI::IsMember({"agency", "review", "published"}));
  edit->footer(
      "Example:\n"
      "  casesync record edit --review cspr-7 01HZX3K9V2 --set "
      "event=\"Home visit, mother present\"");
  edit->callback(on([&context, id, review, type, sets, visibility](Client& c) {
    v1::EditRecordRequest request;
    request.set_review_id(*review);
    request.set_type(*type);
    request.set_record_id(*id);
    return EditRecord(c, context, request, *sets, *visibility, false);
  }));
}

void AddRecordShow(CLI::App* record, CliContext& context,
                   const CommandBinder& on) {
  auto* show =
      record->add_subcommand("show", "show a record, conflicts included");
  auto id = std::make_shared<std::string>();
  auto review = std::make_shared<std::string>();
  show->add_option("ID", *id, "record id")->required();
  show->add_option("--review", *review, "review id")->required();
  show->footer("Example:\n  casesync record show --review cspr-7 01HZX3K9V2");
  show->callback(on([&context, id, review](Client& c) {
    return ShowRecord(c, context, *review, *id);
  }));
}

void AddRecordList(CLI::App* record, CliContext& context,
                   const CommandBinder& on) {
  auto* list = record->add_subcommand("list", "list records");
  auto review = std::make_shared<std::string>();
  auto type = std::make_shared<std::string>();
  auto deleted = std::make_shared<bool>(false);
  list->add_option("--review", *review, "review id (default: every review)");
  list->add_option("--type", *type, "only this type")
      ->check(CLI::IsMember(TypeNames(true)));
  list->add_flag("--deleted", *deleted, "include deleted records");
  list->footer(
      "Example:\n"
      "  casesync record list --review cspr-7 --type chronology");
  list->callback(on([&context, review, type, deleted](Client& c) {
    v1::ListRecordsRequest request;
    request.set_review_id(*review);
    request.set_type(*type);
    request.set_include_deleted(*deleted);
    return List(c, context, request);
  }));
}

void AddRecordDelete(CLI::App* record, CliContext& context,
                     const CommandBinder& on) {
  auto* del =
      record->add_subcommand("delete", "delete a record (kept as a tombstone)");
  auto id = std::make_shared<std::string>();
  auto review = std::make_shared<std::string>();
  del->add_option("ID", *id, "record id")->required();
  del->add_option("--review", *review, "review id")->required();
  del->footer("Example:\n  casesync record delete --review cspr-7 01HZX3K9V2");
  del->callback(on([&context, id, review](Client& c) {
    return Delete(c, context, *review, *id);
  }));
}

// Says, on stderr (stdout may be a script's id), whom a write that changed
// a record's visibility shares it with now.
void PrintSharing(const v1::EditRecordReply& reply, std::ostream& err) {
  if (reply.visibility().empty()) return;
  if (reply.shared_with().empty()) {
    err << "visible to your agency and the board's review team only";
    if (reply.narrowed()) {
      err << "; agencies that had it are told to remove it when they sync";
    } else {
      err << " (`casesync record edit " << reply.record_id()
          << " --review R --visibility review` shares it with the review's "
             "agencies)";
    }
    err << "\n";
    return;
  }
  err << "shared with " << absl::StrJoin(reply.shared_with(), ", ");
  if (reply.widened()) {
    err << ": they receive its current values (not its earlier versions) "
           "when they sync";
  }
  err << "\n";
}

}  // namespace

int EditRecord(Client& client, const CliContext& context,
               v1::EditRecordRequest request,
               const std::vector<std::string>& sets,
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
    return kExitOk;
  }
  if (print_id) {
    *context.out << reply.record_id() << "\n";
  } else {
    *context.out << "saved " << reply.record_id() << " as change "
                 << FormatDot(reply.dot()) << "\n";
  }
  PrintSharing(reply, *context.err);
  return kExitOk;
}

int ShowRecord(Client& client, const CliContext& context,
               const std::string& review, const std::string& record) {
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

bool ListAllRecords(Client& client, v1::ListRecordsRequest request,
                    v1::ListRecordsReply* all, int* exit_code) {
  while (true) {
    v1::ListRecordsReply page;
    if (!client.Call(&Stub::ListRecords, request, &page, exit_code))
      return false;
    for (v1::RecordDetail& record : *page.mutable_records()) {
      *all->add_records() = std::move(record);
    }
    if (page.next_page_token().empty()) return true;
    request.set_page_token(page.next_page_token());
  }
}

void AddRecordCommands(CLI::App& app, CliContext& context,
                       const CommandBinder& on) {
  auto* record = app.add_subcommand("record", "records of a review");
  record->require_subcommand(1);
  const std::vector<std::string> types = TypeNames(false);
  AddRecordAdd(record, context, on, types);
  // A review's own fields (its key dates: docs/statutory_process.md) are
  // edited as a record too.
  AddRecordEdit(record, context, on, TypeNames(true));
  AddRecordShow(record, context, on);
  AddRecordList(record, context, on);
  AddRecordDelete(record, context, on);
}

}  // namespace casesync::cli
