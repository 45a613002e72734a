// Replicas in one temporary directory on one fake clock, and the changes and
// feed batches that travel between them: for unit tests of either side of
// sync (an agency's link, the board's intake) without a second process.
//
//   ReplicaSet replicas;
//   Replica* police = replicas.Open("police");
//   v1::Change change = NewEntry(replicas.Open("board"), "r1", "Visit");
//   v1::FeedBatch feed = FeedOf({change}, /*first_seq=*/1);
//
// Thread-safety: a ReplicaSet belongs to the test's thread; the replicas it
// opens are as thread-safe as any Replica.
#ifndef CASESYNC_COMMON_TESTING_REPLICA_SET_H_
#define CASESYNC_COMMON_TESTING_REPLICA_SET_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "casesync/v1/sync.pb.h"
#include "common/base/clock.h"
#include "common/replica/replica.h"
#include "common/testing/chronology_edits.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace casesync::testing {

class ReplicaSet {
 public:
  // The fake clock starts at `now_ms`.
  explicit ReplicaSet(uint64_t now_ms = 1'700'000'000'000) : clock_(now_ms) {}

  // Replica `id`, opened (not synced to disk) in a directory of its own on
  // the first call; a test failure, and null, if it does not open.
  Replica* Open(const std::string& id) {
    std::unique_ptr<Replica>& replica = replicas_[id];
    if (replica == nullptr) {
      ReplicaOptions options;
      options.path = dir_.Sub(id);
      options.replica_id = id;
      options.clock = &clock_;
      options.sync = false;
      absl::StatusOr<std::unique_ptr<Replica>> opened = Replica::Open(options);
      EXPECT_THAT(opened, IsOk());
      if (opened.ok()) replica = *std::move(opened);
    }
    return replica.get();
  }
  // Closes replica `id` (Open reopens it on the same directory).
  void Close(const std::string& id) { replicas_.erase(id); }

  FakeClock* clock() { return &clock_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  FakeClock clock_;
  std::map<std::string, std::unique_ptr<Replica>> replicas_;
};

// A new chronology entry of review `review` authored and committed at
// `replica` (a test failure, and an empty change, if it cannot be).
inline v1::Change NewEntry(Replica* replica, const std::string& review,
                           const std::string& event) {
  absl::StatusOr<v1::Change> change =
      replica->Edit(NewChronologyEdit(review, event));
  EXPECT_THAT(change, IsOk());
  return change.ok() ? *change : v1::Change();
}

// `changes` as the board's feed sends them, numbered from `first_seq`, with
// the cursor at the last and the head there too (uncompressed).
inline v1::FeedBatch FeedOf(const std::vector<v1::Change>& changes,
                            uint64_t first_seq) {
  v1::FeedBatch feed;
  uint64_t seq = first_seq;
  for (const v1::Change& change : changes) {
    v1::FeedEntry* entry = feed.add_entries();
    entry->set_seq(seq++);
    *entry->mutable_change() = change;
  }
  feed.set_cursor(seq - 1);
  feed.set_feed_head(seq - 1);
  return feed;
}

// The board's verdict rejecting `replica`'s change `counter`.
inline v1::Verdict Rejection(const std::string& replica, uint64_t counter) {
  v1::Verdict verdict;
  verdict.mutable_dot()->set_replica(replica);
  verdict.mutable_dot()->set_counter(counter);
  verdict.set_outcome(v1::Verdict::OUTCOME_REJECTED);
  verdict.set_reason(v1::Verdict::REASON_NOT_A_MEMBER);
  verdict.set_detail("the review does not list the agency");
  return verdict;
}

}  // namespace casesync::testing

#endif  // CASESYNC_COMMON_TESTING_REPLICA_SET_H_
