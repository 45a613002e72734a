// The name of the manifest inside a backup directory: the daemon that
// streams a backup (common/replica/backup.h) and the command line that
// writes it to disk (client/cli/admin_commands.cc) agree on it here.
//
// Thread-safety: constants only.
#ifndef CASESYNC_COMMON_BASE_BACKUP_MANIFEST_H_
#define CASESYNC_COMMON_BASE_BACKUP_MANIFEST_H_

namespace casesync {

// The manifest's name inside a backup (and a just-restored data directory).
inline constexpr char kBackupManifestFile[] = "casesync-backup.json";

}  // namespace casesync

#endif  // CASESYNC_COMMON_BASE_BACKUP_MANIFEST_H_
