#include "common/records/change_check.h"

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::casesync::testing::IsOk;
using ::casesync::testing::StatusIs;

v1::Change ValidChange() {
  v1::Change change;
  change.mutable_dot()->set_replica("police");
  change.mutable_dot()->set_counter(3);
  change.mutable_hlc()->set_wall_time_ms(1'700'000'000'000);
  change.mutable_record()->set_review_id("r1");
  change.mutable_record()->set_type(v1::RECORD_TYPE_CHRONOLOGY);
  change.mutable_record()->set_record_id("01HX0000000000000000000000");
  change.mutable_record()->set_owner_agency("police");
  v1::FieldWrite* date = change.add_writes();
  date->set_field(5);
  date->mutable_value()->set_string_value("2024-03-04");
  v1::FieldWrite* event = change.add_writes();
  event->set_field(12);
  event->mutable_value()->set_string_value("Strategy meeting");
  v1::Dot* parent = event->add_parents();
  parent->set_replica("board");
  parent->set_counter(9);
  return change;
}

TEST(ChangeCheckTest, AcceptsAWellFormedChange) {
  EXPECT_THAT(CheckChange(ValidChange(), ChangeLimits()), IsOk());
}

TEST(ChangeCheckTest, RejectsUnknownFieldNumber) {
  v1::Change change = ValidChange();
  change.mutable_writes(1)->set_field(99);
  EXPECT_THAT(CheckChange(change, ChangeLimits()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "chronology has no field numbered 99"));
}

TEST(ChangeCheckTest, RejectsWrongValueType) {
  v1::Change change = ValidChange();
  change.mutable_writes(1)->mutable_value()->set_bool_value(true);
  EXPECT_THAT(CheckChange(change, ChangeLimits()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "field 'event' takes text, not true/false"));
}

TEST(ChangeCheckTest, RejectsMissingRecordId) {
  v1::Change change = ValidChange();
  change.mutable_record()->clear_record_id();
  EXPECT_THAT(
      CheckChange(change, ChangeLimits()),
      StatusIs(absl::StatusCode::kInvalidArgument, "record id is missing"));
}

TEST(ChangeCheckTest, RejectsBadDots) {
  v1::Change change = ValidChange();
  change.mutable_dot()->set_counter(0);
  EXPECT_THAT(
      CheckChange(change, ChangeLimits()),
      StatusIs(absl::StatusCode::kInvalidArgument, "counters start at 1"));
  change = ValidChange();
  change.mutable_dot()->set_replica("");
  EXPECT_THAT(
      CheckChange(change, ChangeLimits()),
      StatusIs(absl::StatusCode::kInvalidArgument, "replica id is missing"));
}

TEST(ChangeCheckTest, RejectsIdentityFieldWrites) {
  v1::Change change = ValidChange();
  change.mutable_writes(0)->set_field(3);
  change.mutable_writes(0)->mutable_value()->set_string_value("school");
  EXPECT_THAT(CheckChange(change, ChangeLimits()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "part of the record's identity"));
}

TEST(ChangeCheckTest, RejectsUnorderedOrRepeatedFields) {
  v1::Change change = ValidChange();
  change.mutable_writes()->SwapElements(0, 1);
  EXPECT_THAT(
      CheckChange(change, ChangeLimits()),
      StatusIs(absl::StatusCode::kInvalidArgument, "strictly ascending"));
  change = ValidChange();
  change.mutable_writes(1)->set_field(5);
  EXPECT_THAT(
      CheckChange(change, ChangeLimits()),
      StatusIs(absl::StatusCode::kInvalidArgument, "strictly ascending"));
}

TEST(ChangeCheckTest, RejectsImpossibleParents) {
  v1::Change change = ValidChange();
  v1::Dot* self = change.mutable_writes(1)->add_parents();
  *self = change.dot();
  EXPECT_THAT(CheckChange(change, ChangeLimits()),
              StatusIs(absl::StatusCode::kInvalidArgument, "had not made yet"));
  change = ValidChange();
  *change.mutable_writes(1)->add_parents() = change.writes(1).parents(0);
  EXPECT_THAT(CheckChange(change, ChangeLimits()),
              StatusIs(absl::StatusCode::kInvalidArgument, "twice"));
}

TEST(ChangeCheckTest, RejectsUnknownTypeAndEmptyChange) {
  v1::Change change = ValidChange();
  change.mutable_record()->set_type(static_cast<v1::RecordType>(42));
  EXPECT_THAT(
      CheckChange(change, ChangeLimits()),
      StatusIs(absl::StatusCode::kInvalidArgument, "unknown record type 42"));
  change = ValidChange();
  change.clear_writes();
  EXPECT_THAT(CheckChange(change, ChangeLimits()),
              StatusIs(absl::StatusCode::kInvalidArgument, "writes no field"));
}

TEST(ChangeCheckTest, ReviewRecordIdMustBeItsReviewId) {
  v1::Change change = ValidChange();
  change.mutable_record()->set_type(v1::RECORD_TYPE_REVIEW);
  change.clear_writes();
  v1::FieldWrite* title = change.add_writes();
  title->set_field(5);
  title->mutable_value()->set_string_value("Child J");
  EXPECT_THAT(CheckChange(change, ChangeLimits()),
              StatusIs(absl::StatusCode::kInvalidArgument, "its review id"));
  change.mutable_record()->set_record_id("r1");
  EXPECT_THAT(CheckChange(change, ChangeLimits()), IsOk());
}

TEST(ChangeCheckTest, EnforcesSizeLimitsAtTheirEdge) {
  ChangeLimits limits;
  limits.max_field_bytes = 100;
  v1::Change change = ValidChange();
  change.mutable_writes(1)->mutable_value()->set_string_value(
      std::string(100, 'x'));
  EXPECT_THAT(CheckChange(change, limits), IsOk());
  change.mutable_writes(1)->mutable_value()->set_string_value(
      std::string(101, 'x'));
  EXPECT_THAT(CheckChange(change, limits),
              StatusIs(absl::StatusCode::kOutOfRange));

  limits = ChangeLimits();
  change = ValidChange();
  limits.max_change_bytes = change.ByteSizeLong();
  EXPECT_THAT(CheckChange(change, limits), IsOk());
  limits.max_change_bytes -= 1;
  EXPECT_THAT(CheckChange(change, limits),
              StatusIs(absl::StatusCode::kOutOfRange));
}

TEST(ChangeCheckTest, RejectsUnknownProtobufFields) {
  v1::Change change = ValidChange();
  change.GetReflection()->MutableUnknownFields(&change)->AddVarint(999, 1);
  EXPECT_THAT(CheckChange(change, ChangeLimits()),
              StatusIs(absl::StatusCode::kInvalidArgument, "does not know"));
}

}  // namespace
}  // namespace casesync
