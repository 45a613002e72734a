// Backups of a daemon's store taken while it runs, and their restore
// (docs/operations.md, "Backup and restore").
//
// A backup is a directory: a RocksDB checkpoint of the store plus
// kBackupManifestFile, the manifest as JSON. Restoring is putting that
// directory in place of the data directory and starting the daemon: the
// manifest, still there, tells the daemon that its store is a restored
// copy, so that it records the fact and resyncs (the agency takes back
// from the board the changes made after the backup; the board opens a new
// feed epoch), and then removes the file.
//
// Thread-safety: StreamBackup may be called from many threads (backups of
// one process are taken one at a time); the rest from one thread at start.
#ifndef CASESYNC_COMMON_REPLICA_BACKUP_H_
#define CASESYNC_COMMON_REPLICA_BACKUP_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "casesync/v1/local_api.pb.h"
#include "common/base/backup_manifest.h"
#include "common/replica/replica.h"

namespace casesync {

// Receives the next chunk; false if it could not be sent (the caller went
// away), which ends the backup.
using BackupChunkFn = std::function<bool(const v1::BackupChunk&)>;

// Fills in what a backup holds (the feed position), reading through `hold`
// (the batch that holds writes off); an error ends the backup.
using DescribeBackupFn =
    std::function<absl::Status(Replica::Batch* hold, v1::BackupManifest*)>;

// Takes a checkpoint of `replica`'s store beside it (in its data
// directory) with writes held off meanwhile, so that `manifest`'s numbers
// (own_changes, and what `describe` adds) are exactly the backup's; sends
// its files in chunks of at most 1 MiB through `send`, then a last chunk
// with the manifest completed (role and id are the caller's; files, sizes,
// taken_at), and removes the checkpoint. CANCELLED if `send` fails; store
// errors as Store::CreateCheckpoint; INTERNAL if a file cannot be read.
[[nodiscard]] absl::Status StreamBackup(Replica* replica,
                                        v1::BackupManifest manifest,
                                        const DescribeBackupFn& describe,
                                        const BackupChunkFn& send);

// The manifest in `data_dir` if the directory was restored from a backup
// and the daemon has not yet recorded it; nullopt if there is none.
// INVALID_ARGUMENT if the file does not parse, or is the backup of another
// role or replica than `role` / `replica_id` (started on the wrong
// directory).
[[nodiscard]] absl::StatusOr<std::optional<v1::BackupManifest>>
FindRestoredBackup(const std::string& data_dir, const std::string& role,
                   const std::string& replica_id);

// Removes the manifest from `data_dir` (once the store has recorded the
// restore, durably) and syncs the directory. INTERNAL on failure.
[[nodiscard]] absl::Status ForgetRestoredBackup(const std::string& data_dir);

}  // namespace casesync

#endif  // CASESYNC_COMMON_REPLICA_BACKUP_H_
