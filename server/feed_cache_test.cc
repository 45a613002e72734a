#include "server/feed_cache.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace casesync {
namespace {

std::shared_ptr<const FeedCache::Item> MakeItem(uint64_t seq,
                                                const std::string& record,
                                                bool with_change,
                                                size_t encoded_bytes = 10) {
  auto item = std::make_shared<FeedCache::Item>();
  item->seq = seq;
  item->dot.set_replica("police");
  item->dot.set_counter(seq);
  if (with_change) {
    auto change = std::make_shared<v1::Change>();
    *change->mutable_dot() = item->dot;
    change->mutable_record()->set_review_id("r1");
    change->mutable_record()->set_record_id(record);
    item->change = change;
    item->encoded.assign(encoded_bytes, 'x');
  }
  return item;
}

std::shared_ptr<const RecordOutline> Outline(v1::Visibility visibility) {
  auto outline = std::make_shared<RecordOutline>();
  outline->visibility = visibility;
  return outline;
}

// The sequence numbers 1..`to` that `cache` holds an item for.
std::vector<uint64_t> Kept(const FeedCache& cache, uint64_t to) {
  std::vector<FeedCache::Found> found;
  cache.FindRange(1, to, &found);
  std::vector<uint64_t> kept;
  for (const FeedCache::Found& f : found) {
    if (f.item != nullptr) kept.push_back(f.item->seq);
  }
  return kept;
}

TEST(FeedCacheTest, KeepsWhatWasReadAndNeverLosesAChangeToADotOnlyItem) {
  FeedCache cache(16);
  EXPECT_EQ(cache.Find(1).item, nullptr);
  cache.Put(MakeItem(1, "a", /*with_change=*/false));
  ASSERT_NE(cache.Find(1).item, nullptr);
  EXPECT_EQ(cache.Find(1).item->change, nullptr);
  cache.Put(MakeItem(1, "a", /*with_change=*/true));
  ASSERT_NE(cache.Find(1).item->change, nullptr);
  // A later dot-only read does not replace the decoded change.
  cache.Put(MakeItem(1, "a", /*with_change=*/false));
  EXPECT_NE(cache.Find(1).item->change, nullptr);
  // Another sequence number in the same slot pushes it out; an older one
  // never pushes out a newer.
  cache.Put(MakeItem(17, "b", true));
  EXPECT_EQ(cache.Find(1).item, nullptr);
  cache.Put(MakeItem(1, "a", true));
  EXPECT_EQ(cache.Find(1).item, nullptr);
  EXPECT_NE(cache.Find(17).item, nullptr);
}

TEST(FeedCacheTest, AnOutlineIsDroppedOnceItsRecordChanges) {
  FeedCache cache(16);
  cache.Put(MakeItem(5, "a", true));
  cache.NoteRecordChanged("r1", "a", 5);
  const uint64_t version = cache.RecordVersion("r1", "a");
  EXPECT_EQ(version, 5u);
  cache.PutOutline(5, Outline(v1::VISIBILITY_REVIEW), version, /*head=*/5);
  ASSERT_NE(cache.Find(5).outline, nullptr);
  EXPECT_EQ(cache.Find(5).outline->visibility, v1::VISIBILITY_REVIEW);

  cache.NoteRecordChanged("r1", "a", 9);  // a later change to the record
  EXPECT_EQ(cache.Find(5).outline, nullptr);
  EXPECT_NE(cache.Find(5).item, nullptr);  // the change itself stays
  // Versions never go back (a failed commit may number 9 again).
  cache.NoteRecordChanged("r1", "a", 7);
  EXPECT_EQ(cache.RecordVersion("r1", "a"), 9u);
}

TEST(FeedCacheTest, WhatWasReadBeforeItsVersionWasCommittedIsNotKept) {
  FeedCache cache(16);
  cache.Put(MakeItem(5, "a", true));
  cache.NoteRecordChanged("r1", "a", 6);  // numbered, not yet committed
  // A reader that saw head 5 may have read the store before change 6.
  cache.PutOutline(5, Outline(v1::VISIBILITY_REVIEW), 6, /*head=*/5);
  EXPECT_EQ(cache.Find(5).outline, nullptr);
  cache.PutOutline(5, Outline(v1::VISIBILITY_AGENCY), 6, /*head=*/6);
  ASSERT_NE(cache.Find(5).outline, nullptr);
  EXPECT_EQ(cache.Find(5).outline->visibility, v1::VISIBILITY_AGENCY);
  // Reviews likewise.
  auto review = std::make_shared<ReviewFacts>();
  review->review.emplace();
  cache.NoteRecordChanged("r1", "r1", 8);
  cache.PutReview("r1", review, 8, /*head=*/7);
  EXPECT_EQ(cache.FindReview("r1"), nullptr);
  cache.PutReview("r1", review, 8, /*head=*/8);
  EXPECT_NE(cache.FindReview("r1"), nullptr);
  cache.NoteRecordChanged("r1", "r1", 10);
  EXPECT_EQ(cache.FindReview("r1"), nullptr);
}

TEST(FeedCacheTest, StaysWithinItsByteBudgetDroppingTheOldestFirst) {
  // Room for four items of 1,000 encoded bytes, not five.
  const size_t item_bytes =
      FeedCache::ItemBytes(*MakeItem(1, "r1", true, 1000));
  ASSERT_GT(item_bytes, 1000u);
  FeedCache cache(64, 4 * item_bytes + item_bytes / 2);
  for (uint64_t seq = 1; seq <= 10; ++seq) {
    cache.Put(MakeItem(seq, "r" + std::to_string(seq), true, 1000));
  }
  EXPECT_EQ(Kept(cache, 10), (std::vector<uint64_t>{7, 8, 9, 10}));
  // An entry older than those dropped is not taken back in.
  cache.Put(MakeItem(2, "r2", true, 1000));
  EXPECT_EQ(cache.Find(2).item, nullptr);
}

TEST(FeedCacheTest, CountsTheDecodedChangeNotOnlyItsEncoding) {
  // A change whose decoded form is far larger than the encoding kept with
  // it (here a long record id against a 10-byte stand-in encoding).
  auto item = std::make_shared<FeedCache::Item>(*MakeItem(1, "r1", true, 10));
  auto change = std::make_shared<v1::Change>(*item->change);
  change->mutable_record()->set_record_id(std::string(10'000, 'r'));
  item->change = change;
  EXPECT_GE(FeedCache::ItemBytes(*item), 10'000u);
}

TEST(FeedCacheTest, OutlinesCountAgainstTheBudget) {
  const size_t item_bytes =
      FeedCache::ItemBytes(*MakeItem(1, "r1", true, 1000));
  FeedCache cache(64, 4 * item_bytes + item_bytes / 2);
  for (uint64_t seq = 1; seq <= 4; ++seq) {
    cache.Put(MakeItem(seq, "r" + std::to_string(seq), true, 1000));
  }
  EXPECT_EQ(Kept(cache, 4), (std::vector<uint64_t>{1, 2, 3, 4}));
  // The outline of a record whose audience changed many times takes the
  // room of two items.
  auto outline = std::make_shared<RecordOutline>();
  outline->audience.emplace();
  for (int i = 0;
       i < 1'000 && FeedCache::OutlineBytes(*outline) < 2 * item_bytes; ++i) {
    v1::AudienceTimeline::At* at = outline->audience->add_entries();
    at->set_seq(i + 1);
    at->mutable_audience()->add_agencies("police");
  }
  ASSERT_GE(FeedCache::OutlineBytes(*outline), 2 * item_bytes)
      << "an outline's audience timeline is not counted";
  ASSERT_LT(FeedCache::OutlineBytes(*outline), 2 * item_bytes + item_bytes / 4);
  cache.PutOutline(4, outline, /*version=*/0, /*head=*/4);
  EXPECT_EQ(Kept(cache, 4), (std::vector<uint64_t>{3, 4}));
  EXPECT_NE(cache.Find(4).outline, nullptr);
  // Replacing the outline with a small one gives the room back.
  cache.PutOutline(4, Outline(v1::VISIBILITY_REVIEW), 0, 4);
  cache.Put(MakeItem(5, "r5", true, 1000));
  cache.Put(MakeItem(6, "r6", true, 1000));
  EXPECT_EQ(Kept(cache, 6), (std::vector<uint64_t>{3, 4, 5, 6}));
}

}  // namespace
}  // namespace casesync
