#include "tests/fuzz/fuzz_seeds.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>

#include "casesync/v1/sync.pb.h"
#include "common/replica/replica.h"
#include "common/sync/frame_codec.h"
#include "common/testing/chronology_edits.h"

namespace casesync::fuzz {
namespace {

// The directories ScratchDir() made and not yet removed.
std::mutex scratch_mu;
std::vector<std::string>* scratch_dirs = nullptr;

void RemoveScratchDirs() {
  for (const std::string& dir : *scratch_dirs) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
}

using testing::TextEdit;

// A few changes as agency `author` writes them: new entries, an edit of
// one, a deletion.
std::vector<v1::Change> AuthoredChanges(const std::string& author) {
  ReplicaOptions options;
  options.path = ScratchDir();
  options.replica_id = author;
  options.sync = false;
  auto replica = Replica::Open(options);
  if (!replica.ok()) std::abort();
  std::vector<v1::Change> changes;
  for (const char* event : {"Home visit", "Strategy discussion, child seen"}) {
    auto change = (*replica)->Edit(
        testing::NewChronologyEdit(kReview, event, "PNC 24/1187"));
    if (!change.ok()) std::abort();
    changes.push_back(*change);
  }
  RecordEdit edit;
  edit.record = changes[0].record();
  edit.fields = {TextEdit(12, "Home visit; mother present")};
  auto edited = (*replica)->Edit(edit);
  if (!edited.ok()) std::abort();
  changes.push_back(*edited);
  std::unique_ptr<Replica::Batch> batch = (*replica)->NewBatch();
  auto deleted =
      batch->Delete(kReview, changes[1].record().record_id(), author);
  if (!deleted.ok() || !batch->Commit().ok()) std::abort();
  changes.push_back(*deleted);
  return changes;
}

}  // namespace

std::string ScratchDir() {
  std::lock_guard<std::mutex> lock(scratch_mu);
  if (scratch_dirs == nullptr) {
    scratch_dirs = new std::vector<std::string>();
    std::atexit(RemoveScratchDirs);
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr ? tmp : "/tmp") + "/casesync-fuzz-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  scratch_dirs->push_back(pattern);
  return pattern;
}

void RemoveScratchDir(const std::string& dir) {
  std::lock_guard<std::mutex> lock(scratch_mu);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  if (scratch_dirs == nullptr) return;
  scratch_dirs->erase(
      std::remove(scratch_dirs->begin(), scratch_dirs->end(), dir),
      scratch_dirs->end());
}

std::vector<std::string> Seeds(absl::string_view target) {
  std::vector<std::string> seeds;
  if (target == "chronology_csv") {
    seeds.push_back(
        "date,time,source,practitioner_role,event,child_seen\n"
        "2024-03-04,10:30,PNC 24/1187,response officer,\"Attended, shouting "
        "reported\",yes\n"
        "2024-03-05,,CSC note 88,social worker,Strategy discussion,no\n");
    seeds.push_back("date,event,source\n2024-01-01,x,y\n,,\n");
    seeds.push_back("date,unknown\n2024-01-01,x\n");
    // Every kind of line end (a lone CR once gave two rows one line).
    seeds.push_back(
        "date,event,source\r2024-01-01,x,y\r\n2024-01-02,x,y\r"
        "2024-01-03,x,y\n");
  } else if (target == "field_value") {
    // First byte: which field of ChronologyEntry; the rest: the text.
    for (const char* text : {"\x05"
                             "2024-03-04",
                             "\x04review", "\x09yes", "\x0cHome visit",
                             "\x07"
                             "10:30"}) {
      seeds.push_back(text);
    }
  } else if (target == "push_ingest") {
    v1::PushBatch push;
    for (const v1::Change& change : AuthoredChanges("police")) {
      *push.add_changes() = change;
    }
    seeds.push_back(push.SerializeAsString());
    push.mutable_changes()->DeleteSubrange(1, push.changes_size() - 1);
    seeds.push_back(push.SerializeAsString());
  } else if (target == "feed_apply") {
    v1::FeedBatch feed;
    uint64_t seq = 0;
    for (const v1::Change& change : AuthoredChanges("school")) {
      v1::FeedEntry* entry = feed.add_entries();
      entry->set_seq(++seq);
      *entry->mutable_change() = change;
    }
    v1::FeedEntry* purge = feed.add_entries();
    purge->set_seq(++seq);
    purge->mutable_purge()->set_review_id(kReview);
    purge->mutable_purge()->set_record_id(
        feed.entries(0).change().record().record_id());
    seeds.push_back(feed.SerializeAsString());
  } else if (target == "frame_decode") {
    v1::PushBatch push;
    for (const v1::Change& change : AuthoredChanges("police")) {
      *push.add_changes() = change;
    }
    seeds.push_back(CompressMessage(push));
  }
  return seeds;
}

}  // namespace casesync::fuzz
