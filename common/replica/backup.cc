#include "common/replica/backup.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace casesync {
namespace {

namespace fs = std::filesystem;

constexpr size_t kChunkBytes = 1 << 20;
// Beside the store, inside its directory: on the same filesystem, so that
// table files are hard links, not copies. RocksDB ignores directories.
constexpr char kCheckpointDir[] = ".backup-checkpoint";

// One backup at a time per process: the checkpoint directory has one name.
absl::Mutex backup_mu;

// Removes `dir` and everything in it when it goes out of scope.
class RemoveOnExit {
 public:
  explicit RemoveOnExit(fs::path dir) : dir_(std::move(dir)) {}
  ~RemoveOnExit() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

 private:
  const fs::path dir_;
};

[[nodiscard]] absl::Status SendFile(const fs::path& path, uint64_t size,
                                    uint64_t total_bytes,
                                    const BackupChunkFn& send) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InternalError(
        absl::StrCat("cannot read ", path.string(), " of the checkpoint"));
  }
  std::vector<char> buffer(kChunkBytes);
  uint64_t offset = 0;
  do {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize n = in.gcount();
    if (in.bad() || (n == 0 && offset < size)) {
      return absl::InternalError(
          absl::StrCat("reading ", path.string(), " of the checkpoint failed"));
    }
    v1::BackupChunk chunk;
    chunk.set_file(path.filename().string());
    chunk.set_offset(offset);
    chunk.set_data(buffer.data(), static_cast<size_t>(n));
    chunk.set_file_size(size);
    chunk.set_total_bytes(total_bytes);
    if (!send(chunk)) return absl::CancelledError("the caller went away");
    offset += static_cast<uint64_t>(n);
  } while (offset < size);
  if (offset != size) {
    return absl::InternalError(absl::StrCat(path.string(),
                                            " changed size while it was read (",
                                            size, " -> ", offset, " bytes)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status StreamBackup(Replica* replica, v1::BackupManifest manifest,
                          const DescribeBackupFn& describe,
                          const BackupChunkFn& send) {
  absl::MutexLock lock(&backup_mu);
  const fs::path dir =
      fs::path(replica->store()->options().path) / kCheckpointDir;
  std::error_code error;
  fs::remove_all(dir, error);  // left by a backup cut short by a crash
  {
    // An open batch holds off every other writer: the numbers read here
    // are the checkpoint's. Never committed; the hold lasts one memtable
    // flush and a few hard links.
    std::unique_ptr<Replica::Batch> hold = replica->NewBatch();
    absl::StatusOr<uint64_t> own = hold->Frontier(replica->id());
    if (!own.ok()) return own.status();
    manifest.set_own_changes(*own);
    if (describe) {
      if (absl::Status described = describe(hold.get(), &manifest);
          !described.ok()) {
        return described;
      }
    }
    *manifest.mutable_taken_at() =
        google::protobuf::util::TimeUtil::MillisecondsToTimestamp(
            absl::ToUnixMillis(absl::Now()));
    if (absl::Status made = replica->store()->CreateCheckpoint(dir.string());
        !made.ok()) {
      return made;
    }
  }
  RemoveOnExit remove(dir);
  std::vector<v1::BackupFile> files;
  uint64_t total = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
    if (!entry.is_regular_file(error)) continue;
    v1::BackupFile file;
    file.set_name(entry.path().filename().string());
    file.set_size(entry.file_size(error));
    if (error) break;
    total += file.size();
    files.push_back(std::move(file));
  }
  if (error) {
    return absl::InternalError(absl::StrCat(
        "listing the checkpoint in ", dir.string(), ": ", error.message()));
  }
  std::sort(files.begin(), files.end(),
            [](const v1::BackupFile& a, const v1::BackupFile& b) {
              return a.name() < b.name();
            });
  for (const v1::BackupFile& file : files) {
    if (absl::Status sent =
            SendFile(dir / file.name(), file.size(), total, send);
        !sent.ok()) {
      return sent;
    }
    *manifest.add_files() = file;
  }
  manifest.set_total_bytes(total);
  v1::BackupChunk last;
  last.set_total_bytes(total);
  *last.mutable_manifest() = std::move(manifest);
  if (!send(last)) return absl::CancelledError("the caller went away");
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::BackupManifest>> FindRestoredBackup(
    const std::string& data_dir, const std::string& role,
    const std::string& replica_id) {
  const fs::path path = fs::path(data_dir) / kBackupManifestFile;
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  v1::BackupManifest manifest;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(text.str(), &manifest,
                                                   options)
           .ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), " is not a backup manifest"));
  }
  if (manifest.role() != role || manifest.replica_id() != replica_id) {
    return absl::InvalidArgumentError(absl::StrCat(
        data_dir, " was restored from a backup of ", manifest.role(), " ",
        manifest.replica_id(), ", not of this ", role, " (", replica_id,
        "): start the right daemon on it, or restore the right backup"));
  }
  return manifest;
}

absl::Status ForgetRestoredBackup(const std::string& data_dir) {
  const fs::path path = fs::path(data_dir) / kBackupManifestFile;
  if (std::remove(path.c_str()) != 0 && errno != ENOENT) {
    return absl::InternalError(absl::StrCat("cannot remove ", path.string(),
                                            ": ", std::strerror(errno)));
  }
  const int fd = open(data_dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0 || fsync(fd) != 0) {
    const std::string reason = std::strerror(errno);
    if (fd >= 0) close(fd);
    return absl::InternalError(
        absl::StrCat("cannot sync the directory ", data_dir, ": ", reason));
  }
  close(fd);
  return absl::OkStatus();
}

}  // namespace casesync
