#include "common/records/field_value.h"

#include "casesync/v1/records.pb.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::casesync::testing::IsOk;
using ::casesync::testing::StatusIs;
namespace pb = ::google::protobuf;

const pb::FieldDescriptor& Field(const pb::Descriptor* d, const char* name) {
  const pb::FieldDescriptor* field = d->FindFieldByName(name);
  EXPECT_NE(field, nullptr) << name;
  return *field;
}

v1::FieldValue Text(const std::string& s) {
  v1::FieldValue v;
  v.set_string_value(s);
  return v;
}

constexpr size_t kMax = 1024;
constexpr size_t kMaxEntries = 10;

TEST(FieldValueTest, KindMustMatchFieldType) {
  const auto* d = v1::ChronologyEntry::descriptor();
  EXPECT_THAT(
      CheckFieldValue(Field(d, "event"), Text("Home visit"), kMax, kMaxEntries),
      IsOk());
  v1::FieldValue number;
  number.set_int_value(3);
  EXPECT_THAT(CheckFieldValue(Field(d, "event"), number, kMax, kMaxEntries),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "takes text, not an integer"));
  EXPECT_THAT(
      CheckFieldValue(Field(d, "child_seen"), Text("yes"), kMax, kMaxEntries),
      StatusIs(absl::StatusCode::kInvalidArgument, "takes true/false"));
  v1::FieldValue empty;
  EXPECT_THAT(CheckFieldValue(Field(d, "event"), empty, kMax, kMaxEntries),
              StatusIs(absl::StatusCode::kInvalidArgument, "not nothing"));
}

TEST(FieldValueTest, TombstoneFitsAnyField) {
  const auto* d = v1::ChronologyEntry::descriptor();
  EXPECT_THAT(
      CheckFieldValue(Field(d, "episode_ids"), Tombstone(), kMax, kMaxEntries),
      IsOk());
  v1::FieldValue bad;
  bad.set_deleted(false);
  EXPECT_THAT(CheckFieldValue(Field(d, "event"), bad, kMax, kMaxEntries),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(FieldValueTest, DatesAndTimesAreChecked) {
  const auto* d = v1::ChronologyEntry::descriptor();
  EXPECT_THAT(
      CheckFieldValue(Field(d, "date"), Text("2024-02-29"), kMax, kMaxEntries),
      IsOk());
  EXPECT_THAT(
      CheckFieldValue(Field(d, "date"), Text("2023-02-29"), kMax, kMaxEntries),
      StatusIs(absl::StatusCode::kInvalidArgument, "YYYY-MM-DD"));
  EXPECT_THAT(
      CheckFieldValue(Field(d, "date"), Text("4/3/2024"), kMax, kMaxEntries),
      StatusIs(absl::StatusCode::kInvalidArgument, "YYYY-MM-DD"));
  EXPECT_THAT(
      CheckFieldValue(Field(d, "time"), Text("23:59"), kMax, kMaxEntries),
      IsOk());
  EXPECT_THAT(
      CheckFieldValue(Field(d, "time"), Text("24:00"), kMax, kMaxEntries),
      StatusIs(absl::StatusCode::kInvalidArgument, "HH:MM"));
  // Empty text clears a formatted field.
  EXPECT_THAT(
      CheckFieldValue(Field(d, "end_date"), Text(""), kMax, kMaxEntries),
      IsOk());
}

TEST(FieldValueTest, EnumValueMustBeDeclared) {
  const auto* d = v1::KeyPracticeEpisode::descriptor();
  v1::FieldValue v;
  v.set_enum_value(v1::KeyPracticeEpisode::APPRAISAL_GOOD);
  EXPECT_THAT(CheckFieldValue(Field(d, "appraisal"), v, kMax, kMaxEntries),
              IsOk());
  v.set_enum_value(77);
  EXPECT_THAT(
      CheckFieldValue(Field(d, "appraisal"), v, kMax, kMaxEntries),
      StatusIs(absl::StatusCode::kInvalidArgument, "no value numbered 77"));
}

TEST(FieldValueTest, SizeLimitsAreOutOfRange) {
  const auto* d = v1::ChronologyEntry::descriptor();
  EXPECT_THAT(CheckFieldValue(Field(d, "event"), Text(std::string(kMax, 'x')),
                              kMax, kMaxEntries),
              IsOk());
  EXPECT_THAT(
      CheckFieldValue(Field(d, "event"), Text(std::string(kMax + 1, 'x')), kMax,
                      kMaxEntries),
      StatusIs(absl::StatusCode::kOutOfRange, "limit is 1024"));
  v1::FieldValue list;
  for (size_t i = 0; i <= kMaxEntries; ++i)
    list.mutable_string_list()->add_values("e1");
  EXPECT_THAT(CheckFieldValue(Field(d, "episode_ids"), list, kMax, kMaxEntries),
              StatusIs(absl::StatusCode::kOutOfRange));
}

TEST(FieldValueTest, IdListsAreChecked) {
  const auto* d = v1::ChronologyEntry::descriptor();
  v1::FieldValue list;
  list.mutable_string_list()->add_values("ep-1");
  list.mutable_string_list()->add_values("has space");
  EXPECT_THAT(CheckFieldValue(Field(d, "episode_ids"), list, kMax, kMaxEntries),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a valid id"));
}

TEST(FieldValueTest, ParsesWhatPeopleType) {
  const auto* c = v1::ChronologyEntry::descriptor();
  const auto* e = v1::KeyPracticeEpisode::descriptor();
  ASSERT_OK_AND_ASSIGN(v1::FieldValue b,
                       ParseFieldValue(Field(c, "child_seen"), " Yes "));
  EXPECT_TRUE(b.bool_value());
  ASSERT_OK_AND_ASSIGN(v1::FieldValue a,
                       ParseFieldValue(Field(e, "appraisal"), "Problematic"));
  EXPECT_EQ(a.enum_value(), v1::KeyPracticeEpisode::APPRAISAL_PROBLEMATIC);
  ASSERT_OK_AND_ASSIGN(
      v1::FieldValue full,
      ParseFieldValue(Field(e, "appraisal"), "APPRAISAL_GOOD"));
  EXPECT_EQ(full.enum_value(), v1::KeyPracticeEpisode::APPRAISAL_GOOD);
  ASSERT_OK_AND_ASSIGN(v1::FieldValue vis,
                       ParseFieldValue(Field(c, "visibility"), "agency"));
  EXPECT_EQ(vis.enum_value(), v1::VISIBILITY_AGENCY);
  ASSERT_OK_AND_ASSIGN(
      v1::FieldValue list,
      ParseFieldValue(Field(c, "episode_ids"), "ep1, ep2 ,ep3"));
  EXPECT_THAT(list.string_list().values(),
              ::testing::ElementsAre("ep1", "ep2", "ep3"));
  ASSERT_OK_AND_ASSIGN(v1::FieldValue empty_list,
                       ParseFieldValue(Field(c, "episode_ids"), " "));
  EXPECT_EQ(empty_list.string_list().values_size(), 0);
  EXPECT_THAT(
      ParseFieldValue(Field(e, "appraisal"), "so-so"),
      StatusIs(absl::StatusCode::kInvalidArgument, "good, problematic, mixed"));
  EXPECT_THAT(ParseFieldValue(Field(c, "child_seen"), "perhaps"),
              StatusIs(absl::StatusCode::kInvalidArgument, "yes/no"));
}

TEST(FieldValueTest, SetGetAndFormatRoundTrip) {
  v1::KeyPracticeEpisode episode;
  const auto* d = v1::KeyPracticeEpisode::descriptor();
  for (const char* name : {"title", "appraisal", "agencies"}) {
    const pb::FieldDescriptor& field = Field(d, name);
    const char* text = field.is_repeated() ? "police, school"
                       : field.enum_type() ? "mixed"
                                           : "Missed visits";
    ASSERT_OK_AND_ASSIGN(v1::FieldValue value, ParseFieldValue(field, text));
    SetFieldValue(field, value, &episode);
    EXPECT_EQ(FormatFieldValue(field, GetFieldValue(episode, field)),
              field.is_repeated() ? "police, school" : text);
  }
  EXPECT_EQ(episode.title(), "Missed visits");
  EXPECT_EQ(episode.appraisal(), v1::KeyPracticeEpisode::APPRAISAL_MIXED);
  SetFieldValue(Field(d, "title"), Tombstone(), &episode);
  EXPECT_EQ(episode.title(), "");
  EXPECT_EQ(FormatFieldValue(Field(d, "title"), Tombstone()), "(deleted)");
}

}  // namespace
}  // namespace casesync
