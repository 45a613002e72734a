// Reading the parts of an Office file (XLSX, DOCX are ZIP archives of XML),
// through libzip, with the archive's declared sizes checked before anything
// is inflated so that a decompression bomb is refused early.
//
// Thread-safety: a ZipArchive is used by one thread at a time.
#ifndef CASESYNC_COMMON_IMPORT_ZIP_ARCHIVE_H_
#define CASESYNC_COMMON_IMPORT_ZIP_ARCHIVE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct zip;

namespace casesync {

struct ArchiveLimits {
  // Most entries the archive may list. An Office file has a few dozen.
  uint64_t max_entries = 10'000;
  // Most bytes all entries may hold once inflated, as the archive declares
  // them (and as reading them finds). 1 GiB fits a 200,000-row sheet.
  uint64_t max_total_bytes = uint64_t{1} << 30;
  // Most an entry larger than 1 MiB may inflate to, per compressed byte.
  // Office XML compresses 10-50 times; a bomb, near deflate's 1032.
  uint64_t max_ratio = 250;
};

class ZipArchive {
 public:
  // Opens the archive held in `bytes`, which must outlive the ZipArchive.
  // INVALID_ARGUMENT naming `what` ("XLSX file") if the bytes are no ZIP
  // archive, or it breaks a limit of `limits` (too many entries, too large
  // once inflated, or an entry inflating too many times its size).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ZipArchive>> Open(
      absl::string_view bytes, absl::string_view what,
      const ArchiveLimits& limits);
  ~ZipArchive();
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;

  bool Has(absl::string_view name) const;
  // The inflated bytes of entry `name`. NOT_FOUND if there is none;
  // INVALID_ARGUMENT if it is corrupt or holds more than it declared.
  [[nodiscard]] absl::StatusOr<std::string> Read(absl::string_view name) const;

 private:
  ZipArchive(zip* archive, std::string what)
      : archive_(archive), what_(std::move(what)) {}
  zip* archive_;
  std::string what_;
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_IMPORT_ZIP_ARCHIVE_H_
