#include "common/records/field_merge.h"

#include "gtest/gtest.h"

namespace casesync {
namespace {

v1::HeadValue Head(const std::string& replica, uint64_t counter,
                   uint64_t wall) {
  v1::HeadValue head;
  head.mutable_dot()->set_replica(replica);
  head.mutable_dot()->set_counter(counter);
  head.mutable_hlc()->set_wall_time_ms(wall);
  head.mutable_value()->set_string_value(replica + std::to_string(counter));
  return head;
}

TEST(FieldMergeTest, AddKeepsDotOrderAndRefusesDuplicates) {
  v1::FieldHeads heads;
  EXPECT_TRUE(AddHead(Head("school", 1, 10), &heads));
  EXPECT_TRUE(AddHead(Head("board", 4, 30), &heads));
  EXPECT_TRUE(AddHead(Head("police", 2, 20), &heads));
  EXPECT_FALSE(AddHead(Head("police", 2, 99), &heads));
  ASSERT_EQ(heads.heads_size(), 3);
  EXPECT_EQ(heads.heads(0).dot().replica(), "board");
  EXPECT_EQ(heads.heads(1).dot().replica(), "police");
  EXPECT_EQ(heads.heads(2).dot().replica(), "school");
  EXPECT_EQ(heads.heads(1).hlc().wall_time_ms(), 20u);
}

TEST(FieldMergeTest, RemoveByDot) {
  v1::FieldHeads heads;
  AddHead(Head("a", 1, 1), &heads);
  AddHead(Head("b", 1, 1), &heads);
  EXPECT_TRUE(RemoveHead(Head("a", 1, 0).dot(), &heads));
  EXPECT_FALSE(RemoveHead(Head("a", 1, 0).dot(), &heads));
  ASSERT_EQ(heads.heads_size(), 1);
  EXPECT_EQ(heads.heads(0).dot().replica(), "b");
}

TEST(FieldMergeTest, WinnerIsHighestHlcThenReplicaThenCounter) {
  v1::FieldHeads heads;
  AddHead(Head("a", 1, 50), &heads);
  AddHead(Head("z", 1, 40), &heads);
  EXPECT_EQ(Winner(heads).dot().replica(), "a");  // HLC first
  AddHead(Head("b", 7, 50), &heads);
  EXPECT_EQ(Winner(heads).dot().replica(), "b");  // same HLC: higher replica
  auto ordered = InShownOrder(heads);
  ASSERT_EQ(ordered.size(), 3u);
  EXPECT_EQ(ordered[0]->dot().replica(), "b");
  EXPECT_EQ(ordered[1]->dot().replica(), "a");
  EXPECT_EQ(ordered[2]->dot().replica(), "z");
}

TEST(FieldMergeTest, WinnerDoesNotDependOnInsertionOrder) {
  v1::FieldHeads forward, backward;
  std::vector<v1::HeadValue> values = {Head("p", 3, 7), Head("q", 1, 7),
                                       Head("p", 2, 7)};
  for (const auto& v : values) AddHead(v, &forward);
  for (auto it = values.rbegin(); it != values.rend(); ++it)
    AddHead(*it, &backward);
  EXPECT_EQ(forward.SerializeAsString(), backward.SerializeAsString());
  EXPECT_EQ(Winner(forward).dot().replica(), "q");
}

}  // namespace
}  // namespace casesync
