#include "common/testing/fault_fs.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "rocksdb/slice.h"
#include "rocksdb/system_clock.h"

namespace casesync::testing {
namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;

// Renamed targets larger than this are not kept for undoing.
constexpr uint64_t kMaxKeptContents = 1 << 20;

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string NormalizeDir(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

IOStatus PowerOff() { return IOStatus::IOError("power is off (FaultFs)"); }
IOStatus Full() {
  return IOStatus::NoSpace("no space left on device (FaultFs space limit)");
}

// RocksDB's own clock, but a background job that failed (which every cut
// makes happen) waits at most 1 ms before RocksDB goes on, not the 1 s
// RocksDB waits in case the problem is environmental: a test cuts the power
// hundreds of times.
class ShortSleepClock : public rocksdb::SystemClockWrapper {
 public:
  ShortSleepClock() : SystemClockWrapper(rocksdb::SystemClock::Default()) {}
  const char* Name() const override { return "CasesyncShortSleepClock"; }
  void SleepForMicroseconds(int micros) override {
    SystemClockWrapper::SleepForMicroseconds(std::min(micros, 1000));
  }
};

// The composite Env for a FaultFs, with the clock above.
class FaultEnv : public rocksdb::EnvWrapper {
 public:
  explicit FaultEnv(std::unique_ptr<rocksdb::Env> composite)
      : EnvWrapper(std::move(composite)) {
    system_clock_ = std::make_shared<ShortSleepClock>();
  }
  const char* Name() const override { return "CasesyncFaultEnv"; }
  void SleepForMicroseconds(int micros) override {
    system_clock_->SleepForMicroseconds(micros);
  }
};

}  // namespace

// A writable file whose appends and syncs go through the FaultFs.
class FaultFs::File : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  File(FaultFs* fs, std::string path,
       std::unique_ptr<rocksdb::FSWritableFile> target)
      : FSWritableFileOwnerWrapper(std::move(target)),
        fs_(fs),
        path_(std::move(path)) {}

  IOStatus Append(const rocksdb::Slice& data, const IOOptions& options,
                  IODebugContext* dbg) override {
    return fs_->Append(path_, target(), data, options, dbg);
  }
  IOStatus Append(const rocksdb::Slice& data, const IOOptions& options,
                  const rocksdb::DataVerificationInfo& /*info*/,
                  IODebugContext* dbg) override {
    return fs_->Append(path_, target(), data, options, dbg);
  }
  IOStatus PositionedAppend(const rocksdb::Slice& /*data*/, uint64_t /*offset*/,
                            const IOOptions& /*options*/,
                            IODebugContext* /*dbg*/) override {
    return IOStatus::NotSupported("FaultFs: positioned appends (direct I/O)");
  }
  IOStatus PositionedAppend(const rocksdb::Slice& /*data*/, uint64_t /*offset*/,
                            const IOOptions& /*options*/,
                            const rocksdb::DataVerificationInfo& /*info*/,
                            IODebugContext* /*dbg*/) override {
    return IOStatus::NotSupported("FaultFs: positioned appends (direct I/O)");
  }
  IOStatus Truncate(uint64_t size, const IOOptions& options,
                    IODebugContext* dbg) override {
    return fs_->TruncateFile(path_, target(), size, options, dbg);
  }
  IOStatus Flush(const IOOptions& options, IODebugContext* dbg) override {
    {
      absl::MutexLock lock(&fs_->mu_);
      IOStatus powered = fs_->CheckPowered();
      if (!powered.ok()) return powered;
    }
    return target()->Flush(options, dbg);
  }
  IOStatus Sync(const IOOptions& options, IODebugContext* dbg) override {
    return fs_->Sync(path_, target(), /*fsync=*/false, options, dbg);
  }
  IOStatus Fsync(const IOOptions& options, IODebugContext* dbg) override {
    return fs_->Sync(path_, target(), /*fsync=*/true, options, dbg);
  }
  // Durability comes from Sync/Fsync only; a range sync just must not write
  // after a power cut.
  IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const IOOptions& options,
                     IODebugContext* dbg) override {
    {
      absl::MutexLock lock(&fs_->mu_);
      IOStatus powered = fs_->CheckPowered();
      if (!powered.ok()) return powered;
    }
    return target()->RangeSync(offset, nbytes, options, dbg);
  }
  // Append and Sync both hold the file system's lock, so a sync may run
  // beside appends (as DB::SyncWAL, the store's group commit, requires).
  bool IsSyncThreadSafe() const override { return true; }

 private:
  FaultFs* const fs_;
  const std::string path_;
};

class FaultFs::Directory : public rocksdb::FSDirectoryWrapper {
 public:
  Directory(FaultFs* fs, std::string dir,
            std::unique_ptr<rocksdb::FSDirectory> target)
      : FSDirectoryWrapper(target.get()),
        fs_(fs),
        dir_(std::move(dir)),
        target_(std::move(target)) {}

  IOStatus Fsync(const IOOptions& options, IODebugContext* dbg) override {
    return fs_->SyncDirectory(dir_, target_.get(), options, dbg);
  }
  IOStatus FsyncWithDirOptions(
      const IOOptions& options, IODebugContext* dbg,
      const rocksdb::DirFsyncOptions& /*dir_fsync_options*/) override {
    return fs_->SyncDirectory(dir_, target_.get(), options, dbg);
  }

 private:
  FaultFs* const fs_;
  const std::string dir_;
  std::unique_ptr<rocksdb::FSDirectory> target_;
};

FaultFs::FaultFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
FaultFs::~FaultFs() = default;

std::unique_ptr<rocksdb::Env> FaultFs::NewEnv(
    const std::shared_ptr<FaultFs>& fs) {
  return std::make_unique<FaultEnv>(rocksdb::NewCompositeEnv(fs));
}

// --- Power ---

IOStatus FaultFs::CheckPowered() const {
  if (!powered_) return PowerOff();
  return IOStatus::OK();
}

uint64_t FaultFs::NextRandom() {
  // splitmix64: small, seedable, good enough to pick lengths.
  uint64_t z = (random_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

bool FaultFs::CountdownFires() {
  if (countdown_ == 0) return false;
  return --countdown_ == 0;
}

void FaultFs::PowerCut(Unsynced unsynced, uint64_t seed) {
  absl::MutexLock lock(&mu_);
  unsynced_ = unsynced;
  random_ = seed;
  CutLocked();
}

void FaultFs::CutPowerAfter(uint64_t n, Unsynced unsynced, uint64_t seed) {
  absl::MutexLock lock(&mu_);
  unsynced_ = unsynced;
  random_ = seed;
  countdown_ = std::max<uint64_t>(n, 1);
}

void FaultFs::CutLocked() {
  if (!powered_) return;
  powered_ = false;
  countdown_ = 0;
  cut_pending_restart_ = true;
  ++cuts_;
  // What survives of each file's unsynced tail is decided once, here; from
  // now on `synced` is the size the file has after the cut.
  for (auto& [path, state] : files_) {
    uint64_t keep = state.synced;
    if (unsynced_ == Unsynced::kKeepRandomPrefix && state.size > state.synced) {
      keep += NextRandom() % (state.size - state.synced + 1);
    }
    state.synced = keep;
    state.size = keep;
  }
  DropUnsyncedLocked();
}

void FaultFs::DropUnsyncedLocked() {
  const IOOptions options;
  for (auto& [path, state] : files_) {
    uint64_t actual = 0;
    if (!target()->GetFileSize(path, options, &actual, nullptr).ok()) continue;
    if (actual != state.synced) {
      // rocksdb's Posix FileSystem does not implement Truncate.
      if (::truncate(path.c_str(), static_cast<off_t>(state.synced)) != 0) {
        std::fprintf(stderr, "FaultFs: cannot truncate %s: %s\n", path.c_str(),
                     std::strerror(errno));
      }
    }
  }
  for (auto& [dir, changes] : unsynced_names_) {
    for (auto it = changes.rbegin(); it != changes.rend(); ++it) {
      if (it->old_contents.has_value()) {
        rocksdb::WriteStringToFile(target(), *it->old_contents, it->path,
                                   /*should_sync=*/true)
            .PermitUncheckedError();
        files_.erase(it->path);
      } else {
        target()->DeleteFile(it->path, options, nullptr).PermitUncheckedError();
        files_.erase(it->path);
      }
    }
  }
  unsynced_names_.clear();
}

void FaultFs::Restart() {
  absl::MutexLock lock(&mu_);
  if (cut_pending_restart_) DropUnsyncedLocked();
  cut_pending_restart_ = false;
  files_.clear();
  unsynced_names_.clear();
  countdown_ = 0;
  powered_ = true;
}

bool FaultFs::powered() const {
  absl::MutexLock lock(&mu_);
  return powered_;
}

int FaultFs::cuts() const {
  absl::MutexLock lock(&mu_);
  return cuts_;
}

// --- Space ---

void FaultFs::SetSpaceLimit(uint64_t bytes) {
  absl::MutexLock lock(&mu_);
  space_left_ = bytes;
  disk_full_ = false;
}

void FaultFs::ClearSpaceLimit() {
  absl::MutexLock lock(&mu_);
  space_left_.reset();
  disk_full_ = false;
}

bool FaultFs::disk_full() const {
  absl::MutexLock lock(&mu_);
  return disk_full_;
}

IOStatus FaultFs::GetFreeSpace(const std::string& path,
                               const IOOptions& options, uint64_t* diskfree,
                               IODebugContext* dbg) {
  {
    absl::MutexLock lock(&mu_);
    if (space_left_.has_value()) {
      *diskfree = *space_left_;
      return IOStatus::OK();
    }
  }
  return target()->GetFreeSpace(path, options, diskfree, dbg);
}

// --- File operations ---

IOStatus FaultFs::Append(const std::string& path,
                         rocksdb::FSWritableFile* target,
                         const rocksdb::Slice& data, const IOOptions& options,
                         IODebugContext* dbg) {
  absl::MutexLock lock(&mu_);
  // An open file's writes after the cut go nowhere, and the dying process
  // sees nothing go wrong (RocksDB aborts on a debug assertion when a file
  // writer that saw an error is used again, as its shutdown does).
  if (!powered_) return IOStatus::OK();
  FileState& state = files_[path];
  if (CountdownFires()) {
    // The power goes while this append is on its way: part of it lands.
    const size_t part = data.size() == 0 ? 0 : NextRandom() % data.size();
    if (target->Append(rocksdb::Slice(data.data(), part), options, dbg).ok()) {
      state.size += part;
    }
    CutLocked();
    return IOStatus::OK();
  }
  if (disk_full_) return Full();
  size_t n = data.size();
  bool fits = true;
  if (space_left_.has_value() && n > *space_left_) {
    n = *space_left_;
    fits = false;
  }
  IOStatus status =
      target->Append(rocksdb::Slice(data.data(), n), options, dbg);
  if (status.ok()) {
    state.size += n;
    if (space_left_.has_value()) *space_left_ -= n;
  }
  if (!fits) {
    disk_full_ = true;
    return Full();
  }
  return status;
}

IOStatus FaultFs::Sync(const std::string& path, rocksdb::FSWritableFile* target,
                       bool fsync, const IOOptions& options,
                       IODebugContext* dbg) {
  absl::MutexLock lock(&mu_);
  // As Append: nothing is synced once the power is off, silently.
  if (!powered_) return IOStatus::OK();
  if (CountdownFires()) {
    CutLocked();
    return IOStatus::OK();
  }
  if (disk_full_) return Full();
  // The real disk is not synced: durability here is what this class
  // simulates, and a real fsync per commit would make the tests slow.
  (void)fsync;
  IOStatus status = target->Flush(options, dbg);
  if (status.ok()) {
    FileState& state = files_[path];
    state.synced = state.size;
  }
  return status;
}

IOStatus FaultFs::TruncateFile(const std::string& path,
                               rocksdb::FSWritableFile* target, uint64_t size,
                               const IOOptions& options, IODebugContext* dbg) {
  absl::MutexLock lock(&mu_);
  if (!powered_) return IOStatus::OK();  // as Append
  IOStatus status = target->Truncate(size, options, dbg);
  if (status.ok()) {
    FileState& state = files_[path];
    state.size = size;
    state.synced = std::min(state.synced, size);
  }
  return status;
}

IOStatus FaultFs::SyncDirectory(const std::string& dir,
                                rocksdb::FSDirectory* target,
                                const IOOptions& options, IODebugContext* dbg) {
  absl::MutexLock lock(&mu_);
  IOStatus powered = CheckPowered();
  if (!powered.ok()) return powered;
  if (disk_full_) return Full();
  (void)target;
  (void)options;
  (void)dbg;
  unsynced_names_.erase(dir);  // not synced for real, as for files
  return IOStatus::OK();
}

void FaultFs::NoteNameChangeLocked(const std::string& path) {
  NameChange change;
  change.path = path;
  const IOOptions options;
  if (target()->FileExists(path, options, nullptr).ok()) {
    uint64_t size = 0;
    std::string contents;
    if (target()->GetFileSize(path, options, &size, nullptr).ok() &&
        size <= kMaxKeptContents &&
        rocksdb::ReadFileToString(target(), path, &contents).ok()) {
      change.old_contents = std::move(contents);
    } else {
      return;  // too big to keep: the replacement counts as durable
    }
  }
  unsynced_names_[DirOf(path)].push_back(std::move(change));
}

// --- FileSystem overrides ---

IOStatus FaultFs::NewWritableFile(
    const std::string& fname, const rocksdb::FileOptions& file_opts,
    std::unique_ptr<rocksdb::FSWritableFile>* result, IODebugContext* dbg) {
  absl::MutexLock lock(&mu_);
  IOStatus powered = CheckPowered();
  if (!powered.ok()) return powered;
  NoteNameChangeLocked(fname);
  std::unique_ptr<rocksdb::FSWritableFile> file;
  IOStatus status = target()->NewWritableFile(fname, file_opts, &file, dbg);
  if (!status.ok()) return status;
  files_[fname] = FileState{};
  *result = std::make_unique<File>(this, fname, std::move(file));
  return status;
}

IOStatus FaultFs::ReopenWritableFile(
    const std::string& fname, const rocksdb::FileOptions& file_opts,
    std::unique_ptr<rocksdb::FSWritableFile>* result, IODebugContext* dbg) {
  absl::MutexLock lock(&mu_);
  IOStatus powered = CheckPowered();
  if (!powered.ok()) return powered;
  const bool existed = target()->FileExists(fname, IOOptions(), nullptr).ok();
  if (!existed) NoteNameChangeLocked(fname);
  std::unique_ptr<rocksdb::FSWritableFile> file;
  IOStatus status = target()->ReopenWritableFile(fname, file_opts, &file, dbg);
  if (!status.ok()) return status;
  if (files_.count(fname) == 0) {
    // What was there before counts as durable.
    uint64_t size = 0;
    target()
        ->GetFileSize(fname, IOOptions(), &size, nullptr)
        .PermitUncheckedError();
    files_[fname] = FileState{size, size};
  }
  *result = std::make_unique<File>(this, fname, std::move(file));
  return status;
}

IOStatus FaultFs::ReuseWritableFile(
    const std::string& /*fname*/, const std::string& /*old_fname*/,
    const rocksdb::FileOptions& /*file_opts*/,
    std::unique_ptr<rocksdb::FSWritableFile>* /*result*/,
    IODebugContext* /*dbg*/) {
  // Only used with recycle_log_file_num > 0, which casesync does not set.
  return IOStatus::NotSupported("FaultFs: ReuseWritableFile");
}

IOStatus FaultFs::NewRandomRWFile(
    const std::string& /*fname*/, const rocksdb::FileOptions& /*file_opts*/,
    std::unique_ptr<rocksdb::FSRandomRWFile>* /*result*/,
    IODebugContext* /*dbg*/) {
  // Not used by casesync's RocksDB options; refusing keeps the model honest.
  return IOStatus::NotSupported("FaultFs: NewRandomRWFile");
}

IOStatus FaultFs::NewDirectory(const std::string& name,
                               const IOOptions& io_opts,
                               std::unique_ptr<rocksdb::FSDirectory>* result,
                               IODebugContext* dbg) {
  std::unique_ptr<rocksdb::FSDirectory> dir;
  IOStatus status = target()->NewDirectory(name, io_opts, &dir, dbg);
  if (!status.ok()) return status;
  *result =
      std::make_unique<Directory>(this, NormalizeDir(name), std::move(dir));
  return status;
}

IOStatus FaultFs::DeleteFile(const std::string& fname, const IOOptions& options,
                             IODebugContext* dbg) {
  absl::MutexLock lock(&mu_);
  IOStatus powered = CheckPowered();
  if (!powered.ok()) return powered;
  IOStatus status = target()->DeleteFile(fname, options, dbg);
  if (status.ok()) files_.erase(fname);
  return status;
}

IOStatus FaultFs::Truncate(const std::string& fname, size_t size,
                           const IOOptions& options, IODebugContext* dbg) {
  absl::MutexLock lock(&mu_);
  IOStatus powered = CheckPowered();
  if (!powered.ok()) return powered;
  IOStatus status = target()->Truncate(fname, size, options, dbg);
  auto it = files_.find(fname);
  if (status.ok() && it != files_.end()) {
    it->second.size = size;
    it->second.synced = std::min<uint64_t>(it->second.synced, size);
  }
  return status;
}

IOStatus FaultFs::CreateDir(const std::string& dirname,
                            const IOOptions& options, IODebugContext* dbg) {
  absl::MutexLock lock(&mu_);
  IOStatus powered = CheckPowered();
  if (!powered.ok()) return powered;
  return target()->CreateDir(dirname, options, dbg);
}

IOStatus FaultFs::CreateDirIfMissing(const std::string& dirname,
                                     const IOOptions& options,
                                     IODebugContext* dbg) {
  absl::MutexLock lock(&mu_);
  IOStatus powered = CheckPowered();
  if (!powered.ok()) return powered;
  return target()->CreateDirIfMissing(dirname, options, dbg);
}

IOStatus FaultFs::DeleteDir(const std::string& dirname,
                            const IOOptions& options, IODebugContext* dbg) {
  absl::MutexLock lock(&mu_);
  IOStatus powered = CheckPowered();
  if (!powered.ok()) return powered;
  return target()->DeleteDir(dirname, options, dbg);
}

IOStatus FaultFs::RenameFile(const std::string& src, const std::string& target,
                             const IOOptions& options, IODebugContext* dbg) {
  absl::MutexLock lock(&mu_);
  IOStatus powered = CheckPowered();
  if (!powered.ok()) return powered;
  NoteNameChangeLocked(target);
  IOStatus status = this->target()->RenameFile(src, target, options, dbg);
  if (!status.ok()) return status;
  auto it = files_.find(src);
  if (it != files_.end()) {
    files_[target] = it->second;
    files_.erase(src);
  } else {
    files_.erase(target);
  }
  return status;
}

IOStatus FaultFs::LinkFile(const std::string& src, const std::string& target,
                           const IOOptions& options, IODebugContext* dbg) {
  absl::MutexLock lock(&mu_);
  IOStatus powered = CheckPowered();
  if (!powered.ok()) return powered;
  NoteNameChangeLocked(target);
  return this->target()->LinkFile(src, target, options, dbg);
}

}  // namespace casesync::testing
