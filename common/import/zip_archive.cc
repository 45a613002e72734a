#include "common/import/zip_archive.h"

#include <zip.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace casesync {
namespace {

constexpr uint64_t kRatioCheckedFrom = uint64_t{1} << 20;

[[nodiscard]] absl::Status Corrupt(absl::string_view what,
                                   absl::string_view detail) {
  return absl::InvalidArgumentError(
      absl::StrCat("the file is not a readable ", what, " (", detail,
                   "); save it again from the program that made it"));
}

std::string ZipErrorText(zip_error_t* error) {
  std::string text = zip_error_strerror(error);
  zip_error_fini(error);
  return text;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ZipArchive>> ZipArchive::Open(
    absl::string_view bytes, absl::string_view what,
    const ArchiveLimits& limits) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source =
      zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (source == nullptr) return Corrupt(what, ZipErrorText(&error));
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY, &error);
  if (archive == nullptr) {
    zip_source_free(source);
    return Corrupt(what, ZipErrorText(&error));
  }
  zip_error_fini(&error);
  std::unique_ptr<ZipArchive> out(new ZipArchive(archive, std::string(what)));
  const zip_int64_t entries = zip_get_num_entries(archive, 0);
  if (entries < 0 || static_cast<uint64_t>(entries) > limits.max_entries) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", what, " lists ", entries, " parts; at most ",
                     limits.max_entries, " are read"));
  }
  uint64_t total = 0;
  for (zip_int64_t i = 0; i < entries; ++i) {
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &stat) != 0 ||
        (stat.valid & ZIP_STAT_SIZE) == 0 ||
        (stat.valid & ZIP_STAT_COMP_SIZE) == 0) {
      return Corrupt(what, "an entry without sizes");
    }
    total += stat.size;
    if (total > limits.max_total_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the ", what, " inflates to more than ", limits.max_total_bytes,
          " bytes; refused before reading (split the file)"));
    }
    if (stat.size > kRatioCheckedFrom &&
        stat.size / std::max<uint64_t>(stat.comp_size, 1) > limits.max_ratio) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the ", what, " has a part '", stat.name, "' that inflates ",
          stat.size / std::max<uint64_t>(stat.comp_size, 1),
          " times its size (at most ", limits.max_ratio,
          "); refused before reading"));
    }
  }
  return out;
}

ZipArchive::~ZipArchive() { zip_discard(archive_); }

bool ZipArchive::Has(absl::string_view name) const {
  return zip_name_locate(archive_, std::string(name).c_str(), 0) >= 0;
}

absl::StatusOr<std::string> ZipArchive::Read(absl::string_view name) const {
  const std::string path(name);
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat(archive_, path.c_str(), 0, &stat) != 0) {
    return absl::NotFoundError(
        absl::StrCat("the ", what_, " has no part '", name, "'"));
  }
  zip_file_t* file = zip_fopen(archive_, path.c_str(), 0);
  if (file == nullptr) {
    return Corrupt(what_, zip_strerror(archive_));
  }
  // One byte more than declared, to notice an entry that lies about its size.
  std::string out(stat.size + 1, '\0');
  zip_int64_t got = 0;
  while (static_cast<uint64_t>(got) < out.size()) {
    const zip_int64_t n = zip_fread(file, out.data() + got,
                                    out.size() - static_cast<size_t>(got));
    if (n < 0) {
      std::string detail = zip_file_strerror(file);
      zip_fclose(file);
      return Corrupt(what_, absl::StrCat("part '", name, "': ", detail));
    }
    if (n == 0) break;
    got += n;
  }
  zip_fclose(file);
  if (static_cast<uint64_t>(got) != stat.size) {
    return Corrupt(what_,
                   absl::StrCat("part '", name, "' is not the size it says"));
  }
  out.resize(stat.size);
  return out;
}

}  // namespace casesync
