#include "common/import/heading_map.h"

#include <string>
#include <vector>

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::casesync::testing::IsOk;
using ::casesync::testing::StatusIs;

std::vector<std::string> Fields(const std::vector<ColumnMapping>& columns) {
  std::vector<std::string> out;
  for (const ColumnMapping& c : columns) out.push_back(c.field);
  return out;
}

TEST(HeadingMapTest, NormalisingIgnoresCasePunctuationAndOrder) {
  EXPECT_EQ(NormaliseHeading("Event / contact"), "contact event");
  EXPECT_EQ(NormaliseHeading("CONTACT (event)"), "contact event");
  EXPECT_EQ(NormaliseHeading("Child seen?"), "child seen");
  EXPECT_EQ(NormaliseHeading("Voice of the child"), "child voice");
  EXPECT_EQ(NormaliseHeading("Child's voice"), "child voice");
}

TEST(HeadingMapTest, APoliceExportMapsBySynonyms) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<ColumnMapping> columns,
      MapHeadings({"Date", "Time", "Source of information", "Practitioner",
                   "Event / contact", "Action taken", "Child seen?"},
                  {}, {}));
  EXPECT_EQ(Fields(columns), (std::vector<std::string>{
                                 "date", "time", "source", "practitioner_role",
                                 "event", "action", "child_seen"}));
  EXPECT_EQ(columns[0].because, "field name");
  EXPECT_EQ(columns[2].because, "synonym");
}

TEST(HeadingMapTest, OtherAgenciesHeadings) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<ColumnMapping> columns,
      MapHeadings(
          {"Contact Date", "Contact type", "Worker role", "Details of contact",
           "Case note ID", "Voice of the child", "Outcome"},
          {}, {}));
  EXPECT_EQ(Fields(columns),
            (std::vector<std::string>{"date", "event_type", "practitioner_role",
                                      "event", "source", "child_voice_recorded",
                                      "outcome"}));
}

TEST(HeadingMapTest, UnknownHeadingsAreAskedForAndMapMayAnswer) {
  const std::vector<std::string> headings = {"Date", "Ref", "Obs", "Flag",
                                             "Narrative"};
  EXPECT_THAT(MapHeadings(headings, {}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "headings 'Obs', 'Flag': say which with "
                       "--map \"Heading=field\""));
  ExplicitMapping given;
  ASSERT_THAT(AddMappingPairs({"Obs=outcome", "flag = ignore"}, &given),
              IsOk());
  ASSERT_OK_AND_ASSIGN(std::vector<ColumnMapping> columns,
                       MapHeadings(headings, given, {}));
  EXPECT_EQ(Fields(columns),
            (std::vector<std::string>{"date", "source", "outcome", "ignore",
                                      "event"}));
  EXPECT_EQ(columns[2].because, "--map");
}

TEST(HeadingMapTest, GivenBeatsSavedBeatsSynonyms) {
  ExplicitMapping saved;
  ASSERT_THAT(AddMappingPairs({"Details=action", "Ref=source"}, &saved),
              IsOk());
  ExplicitMapping given;
  ASSERT_THAT(AddMappingPairs({"Details=event"}, &given), IsOk());
  ASSERT_OK_AND_ASSIGN(std::vector<ColumnMapping> columns,
                       MapHeadings({"Date", "Details", "Ref"}, given, saved));
  EXPECT_EQ(Fields(columns),
            (std::vector<std::string>{"date", "event", "source"}));
  EXPECT_EQ(columns[1].because, "--map");
  EXPECT_EQ(columns[2].because, "saved mapping");
}

TEST(HeadingMapTest, RefusesTwoHeadingsForOneFieldAndAMissingRequiredOne) {
  EXPECT_THAT(MapHeadings({"Date", "Event date", "Source"}, {}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "'Date' and 'Event date' both map to date"));
  EXPECT_THAT(
      MapHeadings({"Date", "Event"}, {}, {}),
      StatusIs(absl::StatusCode::kInvalidArgument, "no heading holds source"));
}

TEST(HeadingMapTest, BadMappingsAreRefused) {
  ExplicitMapping mapping;
  EXPECT_THAT(AddMappingPairs({"Date"}, &mapping),
              StatusIs(absl::StatusCode::kInvalidArgument, "'='"));
  EXPECT_THAT(AddMappingPairs({"Date=when"}, &mapping),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "'when' is no chronology field"));
  EXPECT_THAT(AddMappingPairs({"Date=id"}, &mapping),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace casesync
