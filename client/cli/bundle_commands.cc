#include "client/cli/bundle_commands.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/cli/file_io.h"
#include "client/cli/output.h"
#include "client/cli/progress_bar.h"
#include "common/program/command_line.h"
#include "common/records/change_check.h"
#include "common/sync/bundle_format.h"

namespace casesync::cli {
namespace {

constexpr size_t kChunkBytes = 1 << 20;
// Bundle work is bounded by the bundle's size; this only stops a wedged
// daemon from hanging the command forever.
constexpr absl::Duration kBundleDeadline = absl::Hours(1);

void PrintRejections(const v1::BundleSummary& summary, std::ostream& out) {
  for (const v1::Verdict& verdict : summary.rejections()) {
    out << "  rejected " << FormatDot(verdict.dot()) << ": " << verdict.detail()
        << "\n";
  }
  if (summary.rejected() > static_cast<uint64_t>(summary.rejections_size())) {
    out << "  ... and " << summary.rejected() - summary.rejections_size()
        << " more (casesync status on the agency lists them)\n";
  }
}

void PrintExported(const v1::BundleSummary& summary, const std::string& path,
                   std::ostream& out) {
  const v1::BundleHeader& header = summary.header();
  const std::string signature =
      summary.signed_by().empty()
          ? std::string("UNSIGNED (--insecure)")
          : absl::StrCat("signed by ", summary.signed_by());
  out << "wrote " << path << " (" << Size(summary.bytes()) << ", " << signature
      << ")\n";
  if (header.kind() == v1::BundleHeader::KIND_CHANGES) {
    if (header.last_counter() >= header.first_counter()) {
      out << "  changes " << header.first_counter() << "-"
          << header.last_counter() << " of agency " << header.sender()
          << " for board '" << header.recipient() << "' ("
          << header.last_counter() - header.first_counter() + 1
          << " not yet acknowledged)\n";
    } else {
      out << "  no changes awaiting the board's acknowledgement; it tells "
             "board '"
          << header.recipient() << "' this agency's feed cursor ("
          << header.feed_cursor() << ")\n";
    }
    if (summary.remaining() > 0) {
      out << "  the bundle is full: " << summary.remaining()
          << " more changes go in the next one, once the board's receipt for "
             "this one is imported\n";
    }
    out << "next: carry it to the board and run there: casesync bundle "
           "import FILE\n";
  } else {
    out << "  receipt for agency " << header.recipient()
        << ": its changes acknowledged up to " << header.acknowledged() << "; "
        << header.feed_entries() << " feed entries (feed "
        << header.requires_feed_cursor() << " -> " << header.feed_cursor()
        << " of " << header.feed_head() << ")\n";
    if (summary.remaining() > 0) {
      out << "  the bundle is full: the feed after entry "
          << header.feed_cursor()
          << " goes in the next receipt, once this one is imported\n";
    }
    out << "next: carry it to " << header.recipient()
        << " and run there: casesync bundle import FILE\n";
  }
}

void PrintImported(const v1::BundleSummary& summary, const std::string& path,
                   std::ostream& out) {
  const v1::BundleHeader& header = summary.header();
  const std::string signature =
      summary.signed_by().empty()
          ? std::string("unsigned, not checked")
          : absl::StrCat("signed by ", summary.signed_by());
  if (header.kind() == v1::BundleHeader::KIND_CHANGES) {
    const uint64_t changes =
        summary.accepted() + summary.rejected() + summary.judged_before();
    out << "imported " << path << " from agency " << header.sender() << " ("
        << signature << "): " << changes << " changes: " << summary.accepted()
        << " accepted, " << summary.rejected() << " rejected, "
        << summary.judged_before() << " judged before\n";
    PrintRejections(summary, out);
    out << "  " << header.sender() << "'s changes are acknowledged up to "
        << summary.acknowledged() << "\n";
    out << "next: casesync bundle export --agency " << header.sender()
        << " --out FILE, and carry it back\n";
  } else {
    out << "imported " << path << " from board '" << header.sender() << "' ("
        << signature << "): acknowledged up to " << summary.acknowledged()
        << ", " << summary.feed_entries_applied()
        << " new feed entries applied; feed cursor " << summary.feed_cursor()
        << " of " << header.feed_head() << "\n";
    PrintRejections(summary, out);
  }
}

// Reads replies until the end; progress goes to the bar, data to `file`.
// Returns the summary's presence.
template <typename Reader>
bool ReadReplies(Reader* reader, ProgressBar* bar, absl::string_view what,
                 PartialFile* file, v1::BundleSummary* summary,
                 std::string* error) {
  v1::BundleStreamReply reply;
  bool summarized = false;
  uint64_t received = 0;
  while (reader->Read(&reply)) {
    switch (reply.reply_case()) {
      case v1::BundleStreamReply::kProgress:
        bar->Update(what, reply.progress().done(), reply.progress().total(),
                    reply.progress().unit());
        break;
      case v1::BundleStreamReply::kData:
        if (file == nullptr || !file->Write(reply.data(), error)) return false;
        received += reply.data().size();
        bar->Update("receiving", received, 0, "bytes");
        break;
      case v1::BundleStreamReply::kSummary:
        *summary = reply.summary();
        summarized = true;
        break;
      default:
        break;
    }
  }
  return summarized;
}

int Export(Client& client, const CliContext& context, const std::string& agency,
           const std::string& out_path) {
  int code = kExitOk;
  Stub* stub = client.Connect(&code);
  if (stub == nullptr) return code;
  // The file is created first, so that an unwritable path fails before the
  // daemon does any work (the board logs a receipt's disclosures).
  PartialFile file;
  std::string error;
  if (!file.Open(out_path, &error)) {
    *context.err << "casesync: " << error << "\n";
    return kExitFailure;
  }
  v1::ExportBundleRequest request;
  request.set_agency(agency);
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(kBundleDeadline));
  auto reader = stub->ExportBundle(&call, request);
  ProgressBar bar(context.err,
                  !context.json && ProgressBar::OnTerminal(STDERR_FILENO));
  v1::BundleSummary summary;
  const bool summarized =
      ReadReplies(reader.get(), &bar, "exporting", &file, &summary, &error);
  bar.Finish();
  if (!error.empty()) {
    call.TryCancel();
    reader->Finish();
    *context.err << "casesync: " << error << "\n";
    return kExitFailure;
  }
  if (!client.Check(FromGrpcStatus(reader->Finish()), &code)) return code;
  if (!summarized) {
    *context.err << "casesync: the daemon ended the export without a summary\n";
    return kExitFailure;
  }
  if (!file.Commit(&error)) {
    *context.err << "casesync: " << error << "\n";
    return kExitFailure;
  }
  if (context.json) {
    *context.out << ToJson(summary) << "\n";
  } else {
    PrintExported(summary, out_path, *context.out);
  }
  return kExitOk;
}

int Import(Client& client, const CliContext& context, const std::string& path) {
  std::error_code size_error;
  const uintmax_t size = std::filesystem::file_size(path, size_error);
  if (size_error) {
    *context.err << "casesync: cannot read " << path << ": "
                 << size_error.message() << "\n";
    return kExitFailure;
  }
  if (size > kMaxBundleBytes) {
    *context.err << "casesync: " << path << " has " << size
                 << " bytes, more than a bundle may (" << kMaxBundleBytes
                 << ")\n";
    return kExitFailure;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *context.err << "casesync: cannot read " << path << "\n";
    return kExitFailure;
  }
  int code = kExitOk;
  Stub* stub = client.Connect(&code);
  if (stub == nullptr) return code;
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(kBundleDeadline));
  auto stream = stub->ImportBundle(&call);
  ProgressBar bar(context.err,
                  !context.json && ProgressBar::OnTerminal(STDERR_FILENO));
  std::vector<char> buffer(kChunkBytes);
  uint64_t sent = 0;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize n = in.gcount();
    if (n <= 0) break;
    v1::ImportBundleRequest chunk;
    chunk.set_data(buffer.data(), static_cast<size_t>(n));
    if (!stream->Write(chunk)) break;  // the daemon refused: see Finish
    sent += static_cast<uint64_t>(n);
    bar.Update("sending", sent, size, "bytes");
  }
  if (in.bad()) {
    call.TryCancel();
    stream->Finish();
    *context.err << "casesync: reading " << path << " failed\n";
    return kExitFailure;
  }
  stream->WritesDone();
  v1::BundleSummary summary;
  std::string error;
  const bool summarized =
      ReadReplies(stream.get(), &bar, "applying", nullptr, &summary, &error);
  bar.Finish();
  if (!client.Check(FromGrpcStatus(stream->Finish()), &code)) return code;
  if (!summarized) {
    *context.err << "casesync: the daemon ended the import without a summary\n";
    return kExitFailure;
  }
  if (context.json) {
    *context.out << ToJson(summary) << "\n";
  } else {
    PrintImported(summary, path, *context.out);
  }
  return kExitOk;
}

}  // namespace

void AddBundleCommands(CLI::App& app, CliContext& context,
                       const CommandBinder& on) {
  auto* bundle = app.add_subcommand(
      "bundle",
      "sync across an air gap with signed files carried on removable media "
      "(docs/bundle_format.md)");
  bundle->require_subcommand(1);
  bundle->footer(
      "An agency with no network path to the board:\n"
      "  agency$ casesync bundle export --out police-1.bundle\n"
      "  board$  casesync bundle import police-1.bundle\n"
      "  board$  casesync bundle export --agency police --out "
      "police-1.receipt\n"
      "  agency$ casesync bundle import police-1.receipt\n"
      "Each bundle carries everything the other side has not confirmed, so a "
      "lost bundle is replaced by the next; importing one twice is harmless; "
      "file and network sync mix freely.");

  auto* export_cmd = bundle->add_subcommand(
      "export",
      "agency: write every change the board has not acknowledged; board: "
      "write the receipt for one agency (--agency)");
  auto agency = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  export_cmd
      ->add_option("--agency", *agency,
                   "board only: the agency the receipt bundle is for")
      ->type_name("ID");
  export_cmd->add_option("--out", *out, "the bundle file to write")
      ->required()
      ->type_name("FILE");
  export_cmd->callback(on([&context, agency, out](Client& c) {
    return Export(c, context, *agency, *out);
  }));

  auto* import_cmd = bundle->add_subcommand(
      "import",
      "check a bundle whole (checksum, signature, addressee, what it needs) "
      "and apply it; nothing is applied from a bundle that fails a check");
  auto file = std::make_shared<std::string>();
  import_cmd->add_option("FILE", *file, "the bundle file to import")
      ->required()
      ->check(CLI::ExistingFile);
  import_cmd->callback(
      on([&context, file](Client& c) { return Import(c, context, *file); }));
}

}  // namespace casesync::cli
