#include "common/review/chronology_csv.h"

#include <string>
#include <vector>

#include "casesync/v1/records.pb.h"
#include "common/records/field_value.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::casesync::testing::IsOk;
using ::casesync::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Row {
  uint32_t line;
  RecordEdit entry;
};

// Parses `csv`, collecting the rows handed over.
[[nodiscard]] absl::StatusOr<std::vector<CsvRowError>> Parse(
    const std::string& csv, std::vector<Row>* rows) {
  return ParseChronologyCsv(csv, "r1", ChangeLimits(),
                            [rows](uint32_t line, RecordEdit entry) {
                              rows->push_back({line, std::move(entry)});
                              return absl::OkStatus();
                            });
}

std::string Text(const RecordEdit& entry, uint32_t field) {
  for (const FieldEdit& f : entry.fields) {
    if (f.field == field) return f.value.string_value();
  }
  return "<unset>";
}

TEST(ChronologyCsvTest, ReadsRowsWithTheirLines) {
  std::vector<Row> rows;
  auto errors = Parse(
      "date,source,event,child_seen\n"
      "2024-03-04,CSC 1,Home visit,yes\n"
      "\n"
      "2024-03-05,CSC 2,\"Visit, with a comma\",no\n",
      &rows);
  ASSERT_THAT(errors, IsOk());
  EXPECT_TRUE(errors->empty());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].line, 2u);
  EXPECT_EQ(rows[1].line, 4u);
  EXPECT_EQ(rows[0].entry.record.review_id(), "r1");
  EXPECT_EQ(rows[0].entry.record.type(), v1::RECORD_TYPE_CHRONOLOGY);
  EXPECT_EQ(Text(rows[1].entry, 12), "Visit, with a comma");  // event
  EXPECT_EQ(Text(rows[0].entry, 5), "2024-03-04");            // date
}

TEST(ChronologyCsvTest, QuotedCellsMayHoldQuotesAndLineBreaks) {
  std::vector<Row> rows;
  auto errors = Parse(
      "date,source,event\n"
      "2024-03-04,CSC 1,\"Said \"\"no\"\"\nthen left\"\n"
      "2024-03-05,CSC 2,bad date? no: fine\n"
      "2024-13-05,CSC 3,bad month\n",
      &rows);
  ASSERT_THAT(errors, IsOk());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(Text(rows[0].entry, 12), "Said \"no\"\nthen left");
  // The row after a two-line row starts on line 4; the bad one on line 5.
  EXPECT_EQ(rows[1].line, 4u);
  ASSERT_EQ(errors->size(), 1u);
  EXPECT_EQ((*errors)[0].line, 5u);
  EXPECT_THAT((*errors)[0].message, HasSubstr("YYYY-MM-DD"));
}

// Found by the chronology_csv fuzz campaign: a CR on its own ends a row (as
// in old Mac files), and each row must still get a line number of its own.
TEST(ChronologyCsvTest, EveryKindOfLineEndGivesEachRowItsOwnLine) {
  std::vector<Row> rows;
  auto errors = Parse(
      "date,source,event\r"
      "2024-03-04,CSC 1,one\r\n"
      "2024-03-05,CSC 2,two\r"
      "2024-03-06,,three\n"
      "2024-03-07,CSC 4,four",
      &rows);
  ASSERT_THAT(errors, IsOk());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].line, 2u);
  EXPECT_EQ(rows[1].line, 3u);
  EXPECT_EQ(rows[2].line, 5u);
  ASSERT_EQ(errors->size(), 1u);
  EXPECT_EQ((*errors)[0].line, 4u);
}

TEST(ChronologyCsvTest, BadRowsAreListedAndNotHandedOver) {
  std::vector<Row> rows;
  auto errors = Parse(
      "date,source,event,child_seen\n"
      "2024-03-04,CSC 1,ok,yes\n"
      "2024-03-04,,no source,yes\n"
      "2024-03-04,CSC 3,too few\n"
      "2024-03-04,CSC 4,bad flag,maybe\n",
      &rows);
  ASSERT_THAT(errors, IsOk());
  EXPECT_EQ(rows.size(), 1u);
  ASSERT_EQ(errors->size(), 3u);
  EXPECT_EQ((*errors)[0].line, 3u);
  EXPECT_THAT((*errors)[0].message, HasSubstr("'source' is required"));
  EXPECT_EQ((*errors)[1].line, 4u);
  EXPECT_THAT((*errors)[1].message, HasSubstr("3 cells; the header has 4"));
  EXPECT_EQ((*errors)[2].line, 5u);
  EXPECT_THAT((*errors)[2].message, HasSubstr("yes/no"));
}

TEST(ChronologyCsvTest, BadHeadersRefuseTheWholeFile) {
  std::vector<Row> rows;
  EXPECT_THAT(Parse("date,source,colour\n2024-01-01,a,red\n", &rows),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "line 1: unknown column 'colour'"));
  EXPECT_THAT(Parse("date,source,date\n", &rows),
              StatusIs(absl::StatusCode::kInvalidArgument, "appears twice"));
  EXPECT_THAT(Parse("date,source,owner_agency\n", &rows),
              StatusIs(absl::StatusCode::kInvalidArgument, "set by casesync"));
  EXPECT_THAT(Parse("", &rows), StatusIs(absl::StatusCode::kInvalidArgument,
                                         "line 1: the file is empty"));
  EXPECT_TRUE(rows.empty());
}

TEST(ChronologyCsvTest, MalformedQuotingNamesTheLine) {
  std::vector<Row> rows;
  EXPECT_THAT(
      Parse("date,source,event\n2024-01-01,a,ok\n2024-01-02,b,\"un\"closed\n",
            &rows),
      StatusIs(absl::StatusCode::kInvalidArgument, "line 3: malformed CSV"));
  EXPECT_THAT(Parse("date,source,event\n2024-01-01,a,\"never closed\n", &rows),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "line 2: malformed CSV: a quoted cell is never closed"));
}

TEST(ChronologyCsvTest, HeaderNamesAreTrimmedAndAByteOrderMarkIgnored) {
  std::vector<Row> rows;
  auto errors = Parse(
      "\xEF\xBB\xBF Date , Source ,event\r\n2024-03-04,CSC 1,x\r\n", &rows);
  ASSERT_THAT(errors, IsOk());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(Text(rows[0].entry, 10), "CSC 1");
}

TEST(ChronologyCsvTest, OversizedCellIsARowError) {
  std::vector<Row> rows;
  ChangeLimits limits;
  limits.max_field_bytes = 10;
  auto errors =
      ParseChronologyCsv("date,source,event\n2024-03-04,a,0123456789X\n", "r1",
                         limits, [&](uint32_t line, RecordEdit entry) {
                           rows.push_back({line, std::move(entry)});
                           return absl::OkStatus();
                         });
  ASSERT_THAT(errors, IsOk());
  EXPECT_TRUE(rows.empty());
  ASSERT_EQ(errors->size(), 1u);
  EXPECT_THAT((*errors)[0].message, HasSubstr("limit is 10"));
}

TEST(ChronologyCsvTest, SinkErrorStopsTheParseWithTheLine) {
  int calls = 0;
  auto result = ParseChronologyCsv(
      "date,source\n2024-01-01,a\n2024-01-02,b\n2024-01-03,c\n", "r1",
      ChangeLimits(), [&](uint32_t, RecordEdit) {
        return ++calls == 2 ? absl::ResourceExhaustedError("disk full")
                            : absl::OkStatus();
      });
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kResourceExhausted,
                               "line 3: disk full"));
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace casesync
