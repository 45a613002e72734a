// A RocksDB FileSystem for fault-injection tests: power cuts that lose what
// was never synced, and a disk that fills up. In the style of RocksDB's
// FaultInjectionTestFS (utilities/fault_injection_fs.h), which Debian's
// librocksdb does not ship.
//
//   auto fs = std::make_shared<FaultFs>();
//   std::unique_ptr<rocksdb::Env> env = FaultFs::NewEnv(fs);
//   options.env = env.get();          // ReplicaOptions / StoreOptions
//   ... open, write ...
//   fs->PowerCut();                   // the machine loses power here
//   replica.reset();                  // the dead process's shutdown: every
//                                     // write it tries fails, nothing lands
//   fs->Restart();                    // disk as a power cut leaves it
//   ... reopen on the same env, check what survived ...
//
// What a power cut models (per path, for files written through this
// FileSystem since the last Restart()):
//  - File data: each file keeps the bytes it had at its last successful
//    Sync/Fsync (0 for a file never synced); anything appended after is lost.
//    RangeSync does not count as a sync.
//  - Names: a file created, or a name a rename put in place, is durable only
//    once its directory was fsynced (FSDirectory::Fsync) afterwards. At a
//    power cut, a file created since the last fsync of its directory
//    disappears, and a name a rename replaced gets its old contents back
//    (kept in memory at the rename; only for targets up to 1 MiB, enough for
//    CURRENT, IDENTITY and OPTIONS, the files RocksDB renames).
//  - Not modelled: a rename's source name coming back, a deleted file coming
//    back (deletions are immediate and durable), directories vanishing (they
//    are durable once created), torn sectors inside synced data, and the info
//    LOG (RocksDB's logger writes it outside this FileSystem).
//
// From PowerCut() until Restart() the disk is frozen. Appends, syncs and
// truncations of files already open return OK and do nothing: the dying
// process cannot see the cut (and RocksDB aborts on a debug assertion when a
// file writer that saw an error is used again, as its shutdown does), so a
// test must take nothing that completes after the cut as acknowledged
// (check powered()). Every other call that would change the disk (create,
// rename, delete, directory fsync) fails with IOError "power is off", so the
// dying DB's shutdown cannot write anything. Closing files and unlocking the
// lock file still work (the next open needs the lock). Reads work.
// CutPowerAfter(n) makes the cut happen by itself in the middle of the n-th
// later append or sync (a random prefix of that append reaches the file: a torn
// write), to cut inside a commit.
//
// Space: SetSpaceLimit(bytes) lets at most `bytes` more bytes be appended
// (all files together; deleting files gives nothing back). An append that
// does not fit writes the prefix that does (as a real full disk does) and
// fails with IOStatus::NoSpace(); from then on every append, sync and
// directory fsync fails with NoSpace too, until ClearSpaceLimit() or a new
// SetSpaceLimit() (space returns). GetFreeSpace() reports the budget left.
//
// The real disk is never synced (durability is what this class simulates;
// a real fsync per commit would make the tests slow).
//
// Thread-safety: all methods are thread-safe. Every call that changes the
// disk runs under one mutex (so I/O is serialized: fine for tests, and it
// makes PowerCut() atomic with respect to RocksDB's background threads).
#ifndef CASESYNC_COMMON_TESTING_FAULT_FS_H_
#define CASESYNC_COMMON_TESTING_FAULT_FS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "rocksdb/io_status.h"

namespace casesync::testing {

class FaultFs : public rocksdb::FileSystemWrapper {
 public:
  // Wraps rocksdb::FileSystem::Default().
  FaultFs();
  ~FaultFs() override;

  // An Env whose file operations go through `fs` (rocksdb::NewCompositeEnv).
  // Its clock sleeps at most 1 ms at a time: RocksDB waits 1 s after a
  // failed background job, which every cut causes.
  static std::unique_ptr<rocksdb::Env> NewEnv(
      const std::shared_ptr<FaultFs>& fs);

  const char* Name() const override { return "CasesyncFaultFs"; }

  // --- Power ---

  // What happens to bytes appended but not synced when the power goes.
  enum class Unsynced {
    // All lost (what RocksDB's FaultInjectionTestFS does by default).
    kDrop,
    // A random prefix of them per file survives (the disk wrote part of its
    // cache): a WAL can end in a torn record.
    kKeepRandomPrefix,
  };

  // Cuts the power now: the disk freezes (see above), every file loses
  // what was not synced (as `unsynced` says), every unsynced name change is
  // undone. `seed` drives the random prefixes.
  void PowerCut(Unsynced unsynced = Unsynced::kDrop, uint64_t seed = 0);
  // Cuts the power, as PowerCut, in the middle of the `n`-th append or sync
  // from now (n >= 1): a cut append writes a random prefix of its data first.
  void CutPowerAfter(uint64_t n, Unsynced unsynced = Unsynced::kDrop,
                     uint64_t seed = 0);
  // After the dead DB is closed: applies the power cut again (closing a file
  // may have resized it), forgets what was tracked, and powers the disk on.
  // Without a cut, just forgets (everything written so far counts as
  // durable from now on).
  void Restart();
  bool powered() const;
  // How many power cuts happened (PowerCut or CutPowerAfter firing).
  int cuts() const;

  // --- Space ---

  void SetSpaceLimit(uint64_t bytes);
  void ClearSpaceLimit();
  // True once an append was refused for lack of space (until space returns).
  bool disk_full() const;

  // --- FileSystem overrides ---

  rocksdb::IOStatus NewWritableFile(
      const std::string& fname, const rocksdb::FileOptions& file_opts,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& fname, const rocksdb::FileOptions& file_opts,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& fname, const std::string& old_fname,
      const rocksdb::FileOptions& file_opts,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewRandomRWFile(
      const std::string& fname, const rocksdb::FileOptions& file_opts,
      std::unique_ptr<rocksdb::FSRandomRWFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewDirectory(const std::string& name,
                                 const rocksdb::IOOptions& io_opts,
                                 std::unique_ptr<rocksdb::FSDirectory>* result,
                                 rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& fname,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus Truncate(const std::string& fname, size_t size,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDir(const std::string& dirname,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDirIfMissing(const std::string& dirname,
                                       const rocksdb::IOOptions& options,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteDir(const std::string& dirname,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src,
                               const std::string& target,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus LinkFile(const std::string& src, const std::string& target,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus GetFreeSpace(const std::string& path,
                                 const rocksdb::IOOptions& options,
                                 uint64_t* diskfree,
                                 rocksdb::IODebugContext* dbg) override;

 private:
  class File;
  class Directory;
  friend class File;
  friend class Directory;

  struct FileState {
    uint64_t size = 0;    // bytes appended so far
    uint64_t synced = 0;  // bytes as of the last successful sync
  };
  // A name change in a directory not fsynced since, and how to undo it.
  struct NameChange {
    std::string path;
    // nullopt: the name was new (undo: remove it); else its old contents.
    std::optional<std::string> old_contents;
  };

  // Fails if the power is off.
  rocksdb::IOStatus CheckPowered() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Counts one append or sync towards CutPowerAfter; true if the power goes
  // off during this one.
  bool CountdownFires() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CutLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Truncates files to their synced size and undoes unsynced name changes.
  void DropUnsyncedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint64_t NextRandom() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records that `path` is about to be created or replaced.
  void NoteNameChangeLocked(const std::string& path)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // File operations (called by File and Directory).
  rocksdb::IOStatus Append(const std::string& path,
                           rocksdb::FSWritableFile* target,
                           const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg);
  rocksdb::IOStatus Sync(const std::string& path,
                         rocksdb::FSWritableFile* target, bool fsync,
                         const rocksdb::IOOptions& options,
                         rocksdb::IODebugContext* dbg);
  rocksdb::IOStatus TruncateFile(const std::string& path,
                                 rocksdb::FSWritableFile* target, uint64_t size,
                                 const rocksdb::IOOptions& options,
                                 rocksdb::IODebugContext* dbg);
  rocksdb::IOStatus SyncDirectory(const std::string& dir,
                                  rocksdb::FSDirectory* target,
                                  const rocksdb::IOOptions& options,
                                  rocksdb::IODebugContext* dbg);

  mutable absl::Mutex mu_;
  bool powered_ ABSL_GUARDED_BY(mu_) = true;
  bool cut_pending_restart_ ABSL_GUARDED_BY(mu_) = false;
  int cuts_ ABSL_GUARDED_BY(mu_) = 0;
  // Appends and syncs left before the power goes off; 0: no countdown.
  uint64_t countdown_ ABSL_GUARDED_BY(mu_) = 0;
  Unsynced unsynced_ ABSL_GUARDED_BY(mu_) = Unsynced::kDrop;
  uint64_t random_ ABSL_GUARDED_BY(mu_) = 0;
  // Bytes that may still be appended; nullopt: no limit.
  std::optional<uint64_t> space_left_ ABSL_GUARDED_BY(mu_);
  bool disk_full_ ABSL_GUARDED_BY(mu_) = false;
  // Files written since the last Restart(), by path.
  std::map<std::string, FileState> files_ ABSL_GUARDED_BY(mu_);
  // Per directory, name changes since its last fsync, oldest first.
  std::map<std::string, std::vector<NameChange>> unsynced_names_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace casesync::testing

#endif  // CASESYNC_COMMON_TESTING_FAULT_FS_H_
