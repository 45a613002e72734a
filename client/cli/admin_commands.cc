#include "client/cli/admin_commands.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/cli/file_io.h"
#include "client/cli/output.h"
#include "client/cli/progress_bar.h"
#include "common/base/backup_manifest.h"
#include "common/program/command_line.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace casesync::cli {
namespace {

namespace fs = std::filesystem;

// Backups take as long as the store is large; this only stops a wedged
// daemon from hanging the command forever.
constexpr absl::Duration kBackupDeadline = absl::Hours(6);

// The backup being written: a private directory beside the final one,
// removed unless Commit renames it into place.
class PartialBackup {
 public:
  bool Open(const std::string& final_dir, std::string* error) {
    final_ = fs::path(final_dir).lexically_normal();
    if (final_.filename().empty()) final_ = final_.parent_path();
    std::error_code exists_error;
    if (fs::exists(final_, exists_error)) {
      *error = absl::StrCat(final_.string(),
                            " already exists: a backup goes into a new "
                            "directory, never over anything");
      return false;
    }
    parent_ = final_.has_parent_path() ? final_.parent_path() : ".";
    std::string name =
        (parent_ / absl::StrCat(".", final_.filename().string(), ".XXXXXX"))
            .string();
    if (mkdtemp(name.data()) == nullptr) {
      *error =
          absl::StrCat("cannot write in ", parent_.string(), ": ", ErrnoText());
      return false;
    }
    temp_ = name;  // mkdtemp makes it mode 700: the store holds case records
    return true;
  }

  // Appends `chunk` to its file (opening it at offset 0).
  bool Write(const v1::BackupChunk& chunk, std::string* error) {
    const std::string& name = chunk.file();
    if (name.empty() || name.find('/') != std::string::npos || name == "." ||
        name == ".." || name == kBackupManifestFile) {
      *error = absl::StrCat("the daemon sent a file named \"", name, "\"");
      return false;
    }
    if (chunk.offset() == 0) {
      if (!CloseFile(error) || !OpenFile(name, error)) return false;
      written_[name] = 0;
    } else if (name != current_ || written_[name] != chunk.offset()) {
      *error = absl::StrCat("the daemon sent ", name, " out of order");
      return false;
    }
    if (!WriteAll(fd_, chunk.data(), (temp_ / name).string(), error)) {
      return false;
    }
    written_[name] += chunk.data().size();
    return true;
  }

  // Checks every file against `manifest`, writes the manifest, syncs it all
  // and renames the directory into place.
  bool Commit(const v1::BackupManifest& manifest, std::string* error) {
    if (!CloseFile(error)) return false;
    if (static_cast<size_t>(manifest.files_size()) != written_.size()) {
      *error = absl::StrCat("the daemon listed ", manifest.files_size(),
                            " files but sent ", written_.size());
      return false;
    }
    for (const v1::BackupFile& file : manifest.files()) {
      auto it = written_.find(file.name());
      if (it == written_.end() || it->second != file.size()) {
        *error =
            absl::StrCat("the daemon's ", file.name(), " did not arrive whole");
        return false;
      }
    }
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    if (!google::protobuf::util::MessageToJsonString(manifest, &json, options)
             .ok()) {
      *error = "cannot write the manifest";
      return false;
    }
    if (!OpenFile(kBackupManifestFile, error) ||
        !WriteAll(fd_, json, (temp_ / current_).string(), error) ||
        !CloseFile(error) || !SyncDirectory(temp_.string(), error)) {
      return false;
    }
    // Never over a directory that appeared meanwhile.
    if (renameat2(AT_FDCWD, temp_.c_str(), AT_FDCWD, final_.c_str(),
                  RENAME_NOREPLACE) != 0) {
      *error = absl::StrCat("renaming ", temp_.string(), " to ",
                            final_.string(), ": ", ErrnoText());
      return false;
    }
    temp_.clear();
    return SyncDirectory(parent_.string(), error);
  }

  ~PartialBackup() {
    if (fd_ >= 0) close(fd_);
    if (!temp_.empty()) {
      std::error_code ignored;
      fs::remove_all(temp_, ignored);
    }
  }

 private:
  // Creates `name` in the directory as the file being written.
  bool OpenFile(const std::string& name, std::string* error) {
    current_ = name;
    fd_ = open((temp_ / name).c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd_ < 0) {
      *error =
          absl::StrCat("creating ", (temp_ / name).string(), ": ", ErrnoText());
    }
    return fd_ >= 0;
  }

  // Syncs and closes the file being written, if any.
  bool CloseFile(std::string* error) {
    if (fd_ < 0) return true;
    const bool synced = fsync(fd_) == 0;
    close(fd_);
    fd_ = -1;
    if (!synced) {
      *error = absl::StrCat("syncing ", (temp_ / current_).string(), ": ",
                            ErrnoText());
    }
    return synced;
  }

  fs::path final_;
  fs::path parent_;
  fs::path temp_;
  std::string current_;
  int fd_ = -1;
  std::map<std::string, uint64_t> written_;
};

void PrintBackup(const v1::BackupManifest& manifest, const std::string& dir,
                 std::ostream& out) {
  const bool board = manifest.role() == "board";
  out << "backed up " << manifest.role() << " " << manifest.replica_id()
      << " to " << dir << ": " << manifest.files_size() << " files, "
      << Size(manifest.total_bytes()) << ", taken "
      << google::protobuf::util::TimeUtil::ToString(manifest.taken_at())
      << "\n  own changes up to " << manifest.own_changes()
      << (board ? ", feed head " : ", feed cursor ") << manifest.feed_position()
      << "\n"
      << "To restore: stop the daemon, move its data directory aside, copy "
         "this directory in its place (mode 700, owned by the daemon's "
         "user) and start the daemon; it "
      << (board ? "takes back from the agencies what they sent after the "
                  "backup."
                : "takes back from the board what it holds from after the "
                  "backup, and refuses new changes until it has reached the "
                  "board.")
      << " See docs/operations.md, \"Backup and restore\".\n";
}

int Backup(Client& client, const CliContext& context,
           const std::string& out_dir) {
  int code = kExitOk;
  Stub* stub = client.Connect(&code);
  if (stub == nullptr) return code;
  // The directory is made first, so that an unwritable place fails before
  // the daemon does any work.
  PartialBackup backup;
  std::string error;
  if (!backup.Open(out_dir, &error)) {
    *context.err << "casesync: " << error << "\n";
    return kExitFailure;
  }
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(kBackupDeadline));
  auto reader = stub->Backup(&call, v1::BackupRequest());
  ProgressBar bar(context.err,
                  !context.json && ProgressBar::OnTerminal(STDERR_FILENO));
  v1::BackupChunk chunk;
  uint64_t received = 0;
  bool have_manifest = false;
  v1::BackupManifest manifest;
  while (error.empty() && reader->Read(&chunk)) {
    if (chunk.has_manifest()) {
      manifest = chunk.manifest();
      have_manifest = true;
      continue;
    }
    if (!backup.Write(chunk, &error)) break;
    received += chunk.data().size();
    bar.Update("backing up", received, chunk.total_bytes(), "bytes");
  }
  bar.Finish();
  if (!error.empty()) {
    call.TryCancel();
    reader->Finish();
    *context.err << "casesync: " << error << "; no backup written\n";
    return kExitFailure;
  }
  if (!client.Check(FromGrpcStatus(reader->Finish()), &code)) return code;
  if (!have_manifest) {
    *context.err << "casesync: the daemon ended the backup without its "
                    "manifest; no backup written\n";
    return kExitFailure;
  }
  if (!backup.Commit(manifest, &error)) {
    *context.err << "casesync: " << error << "; no backup written\n";
    return kExitFailure;
  }
  if (context.json) {
    *context.out << ToJson(manifest) << "\n";
  } else {
    PrintBackup(manifest, out_dir, *context.out);
  }
  return kExitOk;
}

}  // namespace

void AddAdminCommands(CLI::App& app, CliContext& context,
                      const CommandBinder& on) {
  auto* admin =
      app.add_subcommand("admin", "administration of the daemon itself");
  admin->require_subcommand(1);
  auto* backup = admin->add_subcommand(
      "backup",
      "write a consistent backup of the daemon's store into a new directory "
      "while the daemon keeps working");
  auto out = std::make_shared<std::string>();
  backup
      ->add_option("--out", *out,
                   "the directory to create (it must not exist yet)")
      ->required()
      ->type_name("DIR");
  backup->footer(
      "Example, nightly from cron on the agency's machine:\n"
      "  casesync --socket /run/casesyncd/agency.sock admin backup --out "
      "/var/backups/casesync/$(date +%F)\n"
      "Restore: stop the daemon, copy the directory in place of its data "
      "directory, start it; it resyncs what it missed (docs/operations.md).");
  backup->callback(
      on([&context, out](Client& c) { return Backup(c, context, *out); }));
}

}  // namespace casesync::cli
