#include "common/import/uk_values.h"

#include <string>

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::casesync::testing::StatusIs;
using ::testing::HasSubstr;

struct DateCase {
  const char* text;
  const char* date;
  const char* latest;
  bool uncertain;
};

TEST(UkDateTest, ReadsDatesAsPeopleWriteThem) {
  const DateCase cases[] = {
      {"04/03/2024", "2024-03-04", "", false},
      {"4/3/24", "2024-03-04", "", false},
      {"4.3.2024", "2024-03-04", "", false},
      {"4 Mar 2024", "2024-03-04", "", false},
      {"4th March 2024", "2024-03-04", "", false},
      {"Monday 4th of March 2024", "2024-03-04", "", false},
      {"4-Mar-2024", "2024-03-04", "", false},
      {"4 Mar 24", "2024-03-04", "", false},
      {"March 4, 2024", "2024-03-04", "", false},
      {"2024-03-04", "2024-03-04", "", false},
      {"2024-03-04 10:30", "2024-03-04", "", false},
      {"22/11/1998", "1998-11-22", "", false},
  };
  for (const DateCase& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<ImportedDate> date = ParseUkDate(c.text);
    ASSERT_TRUE(date.ok()) << date.status();
    EXPECT_EQ(date->date, c.date);
    EXPECT_EQ(date->latest, c.latest);
    EXPECT_EQ(date->uncertain, c.uncertain);
  }
}

TEST(UkDateTest, UncertainDatesKeepTheSpanTheyCover) {
  const DateCase cases[] = {
      {"?/04/2024", "2024-04-01", "2024-04-30", true},
      {"?"
       "?/02/2024",
       "2024-02-01", "2024-02-29", true},
      {"April 2024", "2024-04-01", "2024-04-30", true},
      {"Apr 2024", "2024-04-01", "2024-04-30", true},
      {"04/2024", "2024-04-01", "2024-04-30", true},
      {"c. 2019", "2019-01-01", "2019-12-31", true},
      {"circa 2019", "2019-01-01", "2019-12-31", true},
      {"?/?/2019", "2019-01-01", "2019-12-31", true},
      {"2019", "2019-01-01", "2019-12-31", true},
      {"Spring 2023", "2023-03-01", "2023-05-31", true},
      {"summer 2023", "2023-06-01", "2023-08-31", true},
      {"Autumn 2023", "2023-09-01", "2023-11-30", true},
      {"Winter 2023", "2023-12-01", "2024-02-29", true},
      {"early 2020", "2020-01-01", "2020-05-01", true},
      {"late March 2024", "2024-03-22", "2024-03-31", true},
      {"c. 4 March 2024", "2024-03-04", "", true},
      {"04/03/2024?", "2024-03-04", "", true},
  };
  for (const DateCase& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<ImportedDate> date = ParseUkDate(c.text);
    ASSERT_TRUE(date.ok()) << date.status();
    EXPECT_EQ(date->date, c.date);
    EXPECT_EQ(date->latest, c.latest);
    EXPECT_EQ(date->uncertain, c.uncertain);
  }
}

TEST(UkDateTest, ADateMayCarryItsTime) {
  const std::pair<const char*, const char*> cases[] = {
      {"04/03/2024 10:30", "10:30"}, {"4 Mar 2024 9.15pm", "21:15"},
      {"2024-03-04 21:15", "21:15"}, {"2024-03-04T09:05", "09:05"},
      {"Monday 4 March 2024", ""},
  };
  for (const auto& [text, time] : cases) {
    SCOPED_TRACE(text);
    ASSERT_OK_AND_ASSIGN(ImportedDate date, ParseUkDate(text));
    EXPECT_EQ(date.date, "2024-03-04");
    EXPECT_EQ(date.time, time);
  }
}

TEST(UkDateTest, RefusesWhatIsNoDateAndNeverGuessesUsDates) {
  for (const char* text :
       {"", "soon", "31/02/2024", "4 Smarch 2024", "13/13/2024", "Mar 2024 5",
        "before 2019", "32/01/2024"}) {
    SCOPED_TRACE(text);
    EXPECT_THAT(ParseUkDate(text),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
  EXPECT_THAT(
      ParseUkDate("03/14/2024"),
      StatusIs(absl::StatusCode::kInvalidArgument, "can only be month first"));
}

TEST(UkTimeTest, ReadsTimesAsPeopleWriteThem) {
  const std::pair<const char*, const char*> cases[] = {
      {"10.30am", "10:30"},  {"10:30 am", "10:30"}, {"9:15 pm", "21:15"},
      {"9.15p.m.", "21:15"}, {"21:15", "21:15"},    {"0930", "09:30"},
      {"2115hrs", "21:15"},  {"12.05am", "00:05"},  {"12:30pm", "12:30"},
      {"9am", "09:00"},      {"noon", "12:00"},     {"00:00", "00:00"},
  };
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    absl::StatusOr<std::string> time = ParseUkTime(text);
    ASSERT_TRUE(time.ok()) << time.status();
    EXPECT_EQ(*time, expected);
  }
  for (const char* text : {"25:00", "13pm", "10.3", "later", "9:60"}) {
    SCOPED_TRACE(text);
    EXPECT_THAT(ParseUkTime(text),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST(DateOrderTest, NamesTheRowsThatDecideAFileIsMonthFirst) {
  DateOrder uk;
  uk.Note(2, "04/03/2024");
  uk.Note(3, "14/03/2024");
  uk.Note(4, "April 2024");
  EXPECT_FALSE(uk.MonthFirst());

  DateOrder us;
  us.Note(2, "04/03/2024");  // either
  us.Note(3, "03/14/2024");  // month first only
  us.Note(5, "03/15/2024");
  EXPECT_TRUE(us.MonthFirst());
  EXPECT_EQ(us.Explain("row"),
            "the file writes dates month first (US style), which casesync "
            "never guesses: row 3 '03/14/2024', row 5 '03/15/2024' can only "
            "be month/day/year. Export the dates as dd/mm/yyyy or yyyy-mm-dd "
            "and import again");
  DateOrder mixed = us;
  mixed.Note(7, "25/03/2024");
  EXPECT_THAT(mixed.Explain("line"),
              HasSubstr("while line 7 '25/03/2024' can only be day/month"));
}

}  // namespace
}  // namespace casesync
