#include "common/replica/storage_keys.h"

#include "gtest/gtest.h"

namespace casesync {
namespace {

v1::Dot MakeDot(const std::string& replica, uint64_t counter) {
  v1::Dot dot;
  dot.set_replica(replica);
  dot.set_counter(counter);
  return dot;
}

TEST(StorageKeysTest, ChangeKeysSortByReplicaThenCounter) {
  EXPECT_LT(keys::Change(MakeDot("police", 2)),
            keys::Change(MakeDot("police", 10)));
  EXPECT_LT(keys::Change(MakeDot("police", 255)),
            keys::Change(MakeDot("police", 256)));
  // "police" sorts before "police2" regardless of counters.
  EXPECT_LT(keys::Change(MakeDot("police", UINT64_MAX)),
            keys::Change(MakeDot("police2", 1)));
  const std::string key = keys::Change(MakeDot("police", 0x0100));
  EXPECT_EQ(key.compare(0, 7, keys::ChangePrefix("police")), 0);
}

TEST(StorageKeysTest, ChangeKeysRoundTrip) {
  auto dot = keys::ParseChange(keys::Change(MakeDot("nhs.trust-1", 1234567)));
  ASSERT_TRUE(dot.has_value());
  EXPECT_EQ(dot->replica(), "nhs.trust-1");
  EXPECT_EQ(dot->counter(), 1234567u);
  EXPECT_FALSE(keys::ParseChange("short").has_value());
}

TEST(StorageKeysTest, FieldKeysRoundTripAndSortByField) {
  const std::string a = keys::Field("r1", "rec", 5);
  const std::string b = keys::Field("r1", "rec", 256);
  EXPECT_LT(a, b);
  auto parsed = keys::ParseField(b);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->review, "r1");
  EXPECT_EQ(parsed->record, "rec");
  EXPECT_EQ(parsed->field, 256u);
  EXPECT_EQ(a.compare(0, keys::RecordPrefix("r1", "rec").size(),
                      keys::RecordPrefix("r1", "rec")),
            0);
  // A record whose id extends another's does not share its prefix.
  EXPECT_NE(keys::Field("r1", "rec.2", 5)
                .compare(0, keys::RecordPrefix("r1", "rec").size(),
                         keys::RecordPrefix("r1", "rec")),
            0);
}

TEST(StorageKeysTest, SeqKeysSortByNumber) {
  EXPECT_EQ(keys::Seq(0x0102), std::string("\0\0\0\0\0\0\x01\x02", 8));
  EXPECT_LT(keys::Seq(255), keys::Seq(256));
  EXPECT_EQ(keys::ReadU64(keys::Seq(1234567)), 1234567u);
}

TEST(StorageKeysTest, PrefixEnd) {
  EXPECT_EQ(keys::PrefixEnd("ab"), "ac");
  EXPECT_EQ(keys::PrefixEnd(std::string("a\xff", 2)), "b");
  EXPECT_EQ(keys::PrefixEnd(std::string("\xff\xff", 2)), "");
}

}  // namespace
}  // namespace casesync
