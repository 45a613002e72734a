// How fast a replica takes in changes: synced batches of 1,000 changes applied
// through the full merge path (checks, duplicate detection, current values,
// indexes, frontier), as the board does when an agency pushes.
//
// Reports field writes per second (items_per_second) and the bytes RocksDB
// wrote per change: the logical bytes of the write batches and the bytes of
// the write-ahead log. Run: build/bench/apply_bench (or bench/apply.sh).
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "common/base/ids.h"
#include "common/replica/replica.h"
#include "rocksdb/statistics.h"
#include "server/board.h"

namespace casesync {
namespace {

constexpr int kBatch = 1000;

// Makes the changes one agency would push: new ~1 KB chronology entries, or
// edits of two fields (event and outcome) of entries already made, each
// write naming the value it replaces as its parent.
class ChangeSource {
 public:
  ChangeSource() : minter_(SystemClock()), hlc_(SystemClock()) {}

  v1::Change NewEntry() {
    v1::Change change = Header(minter_.Mint());
    const std::pair<uint32_t, std::string> fields[] = {
        {5, "2024-03-04"},
        {7, "10:30"},
        {10, "CSC case note 2024/03/04-17"},
        {11, "duty social worker"},
        {12, std::string(600, 'e')},
        {13, std::string(150, 'a')},
        {14, std::string(100, 'r')},
        {15, "Referred to early help"},
    };
    for (const auto& [number, text] : fields) {
      v1::FieldWrite* write = change.add_writes();
      write->set_field(number);
      write->mutable_value()->set_string_value(text);
    }
    entries_.push_back(
        {change.record().record_id(), change.dot(), change.dot()});
    return change;
  }

  size_t entries() const { return entries_.size(); }

  // Edits the event and outcome of the entry made `index`-th.
  v1::Change EditEntry(size_t index) {
    Entry& entry = entries_[index];
    v1::Change change = Header(entry.id);
    v1::FieldWrite* event = change.add_writes();
    event->set_field(12);
    event->mutable_value()->set_string_value(std::string(600, 'f'));
    *event->add_parents() = entry.event;
    v1::FieldWrite* outcome = change.add_writes();
    outcome->set_field(15);
    outcome->mutable_value()->set_string_value("No further action");
    *outcome->add_parents() = entry.outcome;
    entry.event = entry.outcome = change.dot();
    return change;
  }

 private:
  v1::Change Header(const std::string& record_id) {
    v1::Change change;
    change.mutable_dot()->set_replica("police");
    change.mutable_dot()->set_counter(++counter_);
    *change.mutable_hlc() = hlc_.Now();
    change.mutable_record()->set_review_id("review-1");
    change.mutable_record()->set_type(v1::RECORD_TYPE_CHRONOLOGY);
    change.mutable_record()->set_record_id(record_id);
    change.mutable_record()->set_owner_agency("police");
    change.set_author("analyst");
    return change;
  }

  struct Entry {
    std::string id;
    v1::Dot event, outcome;  // the changes that last wrote these fields
  };
  RecordIdMinter minter_;
  Hlc hlc_;
  uint64_t counter_ = 0;
  std::vector<Entry> entries_;
};

std::string BenchDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "casesync_apply_bench_XXXXXX")
          .string();
  return mkdtemp(pattern.data());
}

// state.range(0): 0 = new entries, 1 = edits of two fields of entries made
// before timing started (10,000, edited round-robin).
void BM_ApplySyncedBatches(benchmark::State& state) {
  const bool edits = state.range(0) == 1;
  const std::string dir = BenchDir();
  ReplicaOptions options;
  options.path = dir;
  options.replica_id = "board";
  options.statistics = rocksdb::CreateDBStatistics();
  auto replica = Replica::Open(options);
  if (!replica.ok()) {
    state.SkipWithError(replica.status().ToString().c_str());
    return;
  }
  ChangeSource source;
  if (edits) {
    for (int b = 0; b < 10; ++b) {
      auto batch = (*replica)->NewBatch();
      for (int i = 0; i < kBatch; ++i) {
        (void)batch->Apply(source.NewEntry(), Arrival::kInOrder);
      }
      if (!batch->Commit().ok()) {
        state.SkipWithError("cannot make the entries to edit");
        return;
      }
    }
  }
  // The entries made before timing are not part of the figures.
  options.statistics->Reset().PermitUncheckedError();
  size_t next_edit = 0;
  int64_t field_writes = 0;
  int64_t changes = 0;
  std::vector<v1::Change> batch_changes;
  for (auto _ : state) {
    state.PauseTiming();
    batch_changes.clear();
    for (int i = 0; i < kBatch; ++i) {
      batch_changes.push_back(
          edits ? source.EditEntry(next_edit++ % source.entries())
                : source.NewEntry());
    }
    state.ResumeTiming();
    auto batch = (*replica)->NewBatch();
    for (const v1::Change& change : batch_changes) {
      auto outcome = batch->Apply(change, Arrival::kInOrder);
      if (!outcome.ok()) {
        state.SkipWithError(outcome.status().ToString().c_str());
        return;
      }
      field_writes += change.writes_size();
    }
    if (absl::Status status = batch->Commit(); !status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      return;
    }
    changes += kBatch;
  }
  state.SetItemsProcessed(field_writes);
  state.counters["field_writes_per_change"] =
      static_cast<double>(field_writes) / static_cast<double>(changes);
  state.counters["batch_bytes_per_change"] =
      static_cast<double>(
          options.statistics->getTickerCount(rocksdb::BYTES_WRITTEN)) /
      static_cast<double>(changes);
  state.counters["wal_bytes_per_change"] =
      static_cast<double>(
          options.statistics->getTickerCount(rocksdb::WAL_FILE_BYTES)) /
      static_cast<double>(changes);
  state.counters["wal_syncs"] = static_cast<double>(
      options.statistics->getTickerCount(rocksdb::WAL_FILE_SYNCED));
  replica->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_ApplySyncedBatches)
    ->Arg(0)
    ->Arg(1)
    ->ArgName("edits")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The board taking in an agency's pushes of 1,000 new ~1 KB chronology
// entries: judging, applying, feed numbering, verdicts, one synced commit per
// push (what W1 of bench/sync.sh spends most of its time on).
void BM_BoardIngestPush(benchmark::State& state) {
  const std::string dir = BenchDir();
  BoardOptions options;
  options.data_dir = dir;
  auto board = Board::Open(options);
  if (!board.ok()) {
    state.SkipWithError(board.status().ToString().c_str());
    return;
  }
  RecordEdit review;
  review.record.set_review_id("review-1");
  review.record.set_type(v1::RECORD_TYPE_REVIEW);
  FieldEdit title{5, {}}, agencies{7, {}};
  title.value.set_string_value("Benchmark");
  agencies.value.mutable_string_list()->add_values("police");
  review.fields = {title, agencies};
  if (!(*board)->replica()->Edit(review).ok()) {
    state.SkipWithError("cannot create the review");
    return;
  }
  ChangeSource source;
  v1::PushBatch push;
  int64_t changes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    push.Clear();
    for (int i = 0; i < kBatch; ++i) *push.add_changes() = source.NewEntry();
    state.ResumeTiming();
    auto ack = (*board)->ingest()->Push("police", push);
    if (!ack.ok() || ack->accepted() != static_cast<uint32_t>(kBatch)) {
      state.SkipWithError("push refused");
      return;
    }
    changes += kBatch;
  }
  state.SetItemsProcessed(changes);
  board->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_BoardIngestPush)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace casesync

BENCHMARK_MAIN();
