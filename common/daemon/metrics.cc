#include "common/daemon/metrics.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/util/time_util.h"

#ifndef CASESYNC_VERSION
#define CASESYNC_VERSION "unknown"
#endif

namespace casesync {
namespace {

using google::protobuf::util::TimeUtil;

// A label value with \, " and newline escaped, as the format requires.
std::string LabelValue(absl::string_view value) {
  return absl::StrReplaceAll(value,
                             {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}});
}

void Header(absl::string_view name, absl::string_view type,
            absl::string_view help, std::string* out) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type,
                  "\n");
}

// One sample: `name{labels} value`; `labels` already formatted, or empty.
void Sample(absl::string_view name, absl::string_view labels, double value,
            std::string* out) {
  // %.15g keeps counters exact up to 10^15 and timestamps to the
  // millisecond (absl::StrCat would keep six digits).
  absl::StrAppend(out, name, labels.empty() ? "" : "{", labels,
                  labels.empty() ? "" : "}", " ",
                  absl::StrFormat("%.15g", value), "\n");
}

double Seconds(const google::protobuf::Timestamp& at) {
  return static_cast<double>(TimeUtil::TimestampToMilliseconds(at)) / 1000.0;
}

void AppendBoard(const v1::BoardStatus& board, std::string* out) {
  Header("casesync_board_feed_head", "gauge",
         "Sequence number of the newest entry in the board's feed.", out);
  Sample("casesync_board_feed_head", "", static_cast<double>(board.feed_head()),
         out);
  Header("casesync_open_conflicts", "gauge",
         "Fields in conflict across all reviews.", out);
  Sample("casesync_open_conflicts", "", board.conflicts(), out);

  struct Family {
    const char* name;
    const char* type;
    const char* help;
    double (*value)(const v1::BoardAgencyRow&);
    bool (*present)(const v1::BoardAgencyRow&);
  };
  static const Family kFamilies[] = {
      {"casesync_agency_connected", "gauge",
       "1 while the agency has a sync stream open to the board.",
       [](const v1::BoardAgencyRow& r) { return r.connected() ? 1.0 : 0.0; },
       nullptr},
      {"casesync_agency_last_contact_timestamp_seconds", "gauge",
       "When the board last heard from the agency (stream or bundle), Unix "
       "time; absent if never.",
       [](const v1::BoardAgencyRow& r) { return Seconds(r.last_contact()); },
       [](const v1::BoardAgencyRow& r) { return r.has_last_contact(); }},
      {"casesync_agency_pending_changes", "gauge",
       "Changes the agency had made at its last report that the board has "
       "not judged yet.",
       [](const v1::BoardAgencyRow& r) {
         return static_cast<double>(r.pending());
       },
       nullptr},
      {"casesync_agency_acknowledged_counter", "gauge",
       "Highest counter of the agency's changes the board judged with no gap "
       "below it.",
       [](const v1::BoardAgencyRow& r) {
         return static_cast<double>(r.acknowledged());
       },
       nullptr},
      {"casesync_agency_accepted_changes_total", "counter",
       "Changes from the agency the board accepted.",
       [](const v1::BoardAgencyRow& r) {
         return static_cast<double>(r.accepted());
       },
       nullptr},
      {"casesync_agency_rejected_changes_total", "counter",
       "Changes from the agency the board rejected (each with a verdict).",
       [](const v1::BoardAgencyRow& r) {
         return static_cast<double>(r.rejected());
       },
       nullptr},
      {"casesync_agency_feed_lag_entries", "gauge",
       "Feed entries after the agency's acknowledged feed cursor.",
       [](const v1::BoardAgencyRow& r) { return static_cast<double>(r.lag()); },
       nullptr},
  };
  for (const Family& family : kFamilies) {
    Header(family.name, family.type, family.help, out);
    for (const v1::BoardAgencyRow& row : board.agencies()) {
      if (family.present != nullptr && !family.present(row)) continue;
      Sample(family.name,
             absl::StrCat("agency=\"", LabelValue(row.agency()), "\""),
             family.value(row), out);
    }
  }
}

void AppendAgency(const v1::AgencyStatus& agency, std::string* out) {
  const std::string labels =
      absl::StrCat("agency=\"", LabelValue(agency.agency()), "\"");
  auto gauge = [&](const char* name, const char* type, const char* help,
                   double value) {
    Header(name, type, help, out);
    Sample(name, labels, value, out);
  };
  gauge("casesync_agency_connected", "gauge",
        "1 while a sync stream to the board is open.",
        agency.connected() ? 1 : 0);
  if (agency.has_last_contact()) {
    gauge("casesync_agency_last_contact_timestamp_seconds", "gauge",
          "When the board was last heard from, Unix time; absent if never.",
          Seconds(agency.last_contact()));
  }
  gauge("casesync_agency_pending_changes", "gauge",
        "Local changes the board has not acknowledged yet.", agency.pending());
  if (agency.has_oldest_pending()) {
    gauge("casesync_agency_oldest_pending_timestamp_seconds", "gauge",
          "When the oldest pending change was made, Unix time; absent if "
          "none is pending.",
          Seconds(agency.oldest_pending()));
  }
  gauge("casesync_agency_local_changes_total", "counter",
        "Changes made at this agency so far.",
        static_cast<double>(agency.local_changes()));
  gauge("casesync_agency_accepted_changes_total", "counter",
        "Local changes the board accepted.", agency.accepted());
  gauge("casesync_agency_rejected_changes_total", "counter",
        "Local changes the board rejected (each with a verdict).",
        agency.rejected());
  gauge("casesync_agency_feed_lag_entries", "gauge",
        "Feed entries the board had that are not applied here yet, as of "
        "last contact.",
        agency.pull_lag());
  Header("casesync_open_conflicts", "gauge",
         "Fields in conflict across all reviews held here.", out);
  Sample("casesync_open_conflicts", "", agency.conflicts(), out);
}

}  // namespace

void LatencyHistogram::Observe(absl::Duration duration) {
  const double seconds = absl::ToDoubleSeconds(duration);
  for (size_t i = 0; i < kBounds.size(); ++i) {
    if (seconds <= kBounds[i]) {
      buckets_[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  sum_micros_.fetch_add(static_cast<uint64_t>(std::max<int64_t>(
                            0, absl::ToInt64Microseconds(duration))),
                        std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void LatencyHistogram::AppendText(absl::string_view name,
                                  absl::string_view help,
                                  std::string* out) const {
  Header(name, "histogram", help, out);
  // Read the count first: buckets observed after it can only make a bucket
  // larger than the count, which the cap below hides.
  const uint64_t count = count_.load(std::memory_order_relaxed);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    Sample(absl::StrCat(name, "_bucket"),
           absl::StrCat("le=\"", kBounds[i], "\""),
           static_cast<double>(std::min(cumulative, count)), out);
  }
  Sample(absl::StrCat(name, "_bucket"), "le=\"+Inf\"",
         static_cast<double>(count), out);
  Sample(absl::StrCat(name, "_sum"), "",
         static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6,
         out);
  Sample(absl::StrCat(name, "_count"), "", static_cast<double>(count), out);
}

std::vector<MemoryUse> StoreMemoryUses(const StoreMemory& memory) {
  return {{"memtables", memory.memtables, memory.memtables_flushed_at},
          {"block_cache", memory.block_cache, memory.block_cache_capacity},
          {"table_readers", memory.table_readers, 0}};
}

std::string RenderMetrics(absl::string_view program,
                          const v1::StatusReply& status,
                          const SyncMetrics& sync, uint64_t store_bytes,
                          const std::vector<MemoryUse>& memory) {
  std::string out;
  Header("casesync_build_info", "gauge",
         "Always 1; the labels say which program and version this is.", &out);
  Sample("casesync_build_info",
         absl::StrCat("program=\"", LabelValue(program), "\",version=\"",
                      CASESYNC_VERSION, "\""),
         1, &out);
  if (status.has_board()) AppendBoard(status.board(), &out);
  if (status.has_agency()) AppendAgency(status.agency(), &out);
  sync.push.AppendText(
      "casesync_push_duration_seconds",
      "Pushes of changes, until durably acknowledged (agency: from sending; "
      "board: from arrival).",
      &out);
  sync.pull.AppendText(
      "casesync_pull_duration_seconds",
      "Feed frames (agency: from arrival to durably applied; board: from "
      "reading the feed to sending).",
      &out);
  Header("casesync_store_size_bytes", "gauge",
         "Bytes of the daemon's store on disk.", &out);
  Sample("casesync_store_size_bytes", "", static_cast<double>(store_bytes),
         &out);
  Header("casesync_memory_bytes", "gauge",
         "Memory held now by each of the daemon's caches (the store's "
         "memtables, block cache and table readers, the board's feed "
         "cache).",
         &out);
  for (const MemoryUse& use : memory) {
    Sample("casesync_memory_bytes",
           absl::StrCat("consumer=\"", LabelValue(use.consumer), "\""),
           static_cast<double>(use.bytes), &out);
  }
  Header("casesync_memory_limit_bytes", "gauge",
         "The bound each consumer keeps to (memtables: the size at which "
         "they are flushed); absent for one without a bound of its own.",
         &out);
  for (const MemoryUse& use : memory) {
    if (use.limit == 0) continue;
    Sample("casesync_memory_limit_bytes",
           absl::StrCat("consumer=\"", LabelValue(use.consumer), "\""),
           static_cast<double>(use.limit), &out);
  }
  return out;
}

std::string RenderOverdueMetrics(const OverdueCounts& overdue) {
  std::string out;
  Header("casesync_overdue_items", "gauge",
         "Statutory deadlines, contribution requests and actions past their "
         "due date and not done (docs/statutory_process.md).",
         &out);
  Sample("casesync_overdue_items", "kind=\"deadline\"",
         static_cast<double>(overdue.deadlines), &out);
  Sample("casesync_overdue_items", "kind=\"request\"",
         static_cast<double>(overdue.requests), &out);
  Sample("casesync_overdue_items", "kind=\"action\"",
         static_cast<double>(overdue.actions), &out);
  return out;
}

uint64_t DirectoryBytes(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  uint64_t total = 0;
  for (fs::recursive_directory_iterator it(dir, error), end;
       !error && it != end; it.increment(error)) {
    // A backup in progress: hard links to the store's own files.
    if (it->path().filename() == ".backup-checkpoint") {
      it.disable_recursion_pending();
      continue;
    }
    std::error_code size_error;
    if (it->is_regular_file(size_error)) {
      const uintmax_t size = it->file_size(size_error);
      if (!size_error) total += size;
    }
  }
  return total;
}

}  // namespace casesync
