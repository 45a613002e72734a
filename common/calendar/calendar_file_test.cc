#include "common/calendar/calendar_file.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "common/calendar/dates.h"
#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::casesync::testing::IsOk;
using ::casesync::testing::StatusIs;

// Easter Sunday of `year` in the Gregorian calendar: the anonymous
// algorithm (Meeus, Jones, Butcher), independent of the file.
absl::CivilDay Easter(int year) {
  const int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4,
            f = (b + 8) / 25, g = (b - f + 1) / 3,
            h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4,
            l = (32 + 2 * e + 2 * i - h - k) % 7,
            m = (a + 11 * h + 22 * l) / 451, month = (h + l - 7 * m + 114) / 31,
            day = ((h + l - 7 * m + 114) % 31) + 1;
  return absl::CivilDay(year, month, day);
}

absl::CivilDay FirstMonday(int year, int month) {
  absl::CivilDay day(year, month, 1);
  while (absl::GetWeekday(day) != absl::Weekday::monday) ++day;
  return day;
}

absl::CivilDay LastMonday(int year, int month) {
  absl::CivilDay day = absl::CivilDay(absl::CivilMonth(year, month) + 1) - 1;
  while (absl::GetWeekday(day) != absl::Weekday::monday) --day;
  return day;
}

// The England and Wales bank holidays of `year` by the standing rules, with
// the changes proclaimed for particular years.
std::set<absl::CivilDay> BankHolidaysByRule(int year) {
  std::set<absl::CivilDay> days;
  // New Year's Day, or the Monday after it falls at a weekend.
  absl::CivilDay new_year(year, 1, 1);
  while (IsWeekend(new_year)) ++new_year;
  days.insert(new_year);
  const absl::CivilDay easter = Easter(year);
  days.insert(easter - 2);  // Good Friday
  days.insert(easter + 1);  // Easter Monday
  days.insert(FirstMonday(year, 5));
  days.insert(LastMonday(year, 5));
  days.insert(LastMonday(year, 8));
  // Christmas Day and Boxing Day, each moved to the next weekday not taken
  // when it falls at a weekend.
  absl::CivilDay christmas(year, 12, 25);
  while (IsWeekend(christmas)) ++christmas;
  absl::CivilDay boxing(year, 12, 26);
  while (IsWeekend(boxing) || boxing == christmas) ++boxing;
  days.insert(christmas);
  days.insert(boxing);
  // Proclaimed: a holiday moved, or one added.
  const std::map<absl::CivilDay, absl::CivilDay> moved = {
      // The early May bank holiday to VE day's 75th anniversary.
      {absl::CivilDay(2020, 5, 4), absl::CivilDay(2020, 5, 8)},
      // The spring bank holiday to the Platinum Jubilee weekend.
      {absl::CivilDay(2022, 5, 30), absl::CivilDay(2022, 6, 2)},
  };
  for (const auto& [from, to] : moved) {
    if (days.erase(from) > 0) days.insert(to);
  }
  for (absl::CivilDay added :
       {absl::CivilDay(2022, 6, 3), absl::CivilDay(2022, 9, 19),
        absl::CivilDay(2023, 5, 8)}) {
    if (added.year() == year) days.insert(added);
  }
  return days;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(CalendarFileTest, EveryShippedDateFollowsTheRules) {
  absl::StatusOr<WorkingCalendar> calendar =
      ReadCalendarFile(CASESYNC_CALENDAR_FILE);
  ASSERT_THAT(calendar, IsOk());
  EXPECT_EQ(FormatDate(calendar->first()), "2016-01-01");
  EXPECT_EQ(FormatDate(calendar->last()), "2027-12-31");
  std::map<int, std::set<absl::CivilDay>> shipped;
  for (const auto& [day, name] : calendar->holidays()) {
    shipped[static_cast<int>(day.year())].insert(day);
    EXPECT_FALSE(IsWeekend(day)) << FormatDate(day) << " " << name;
    EXPECT_FALSE(name.empty()) << FormatDate(day);
  }
  for (int year = 2016; year <= 2027; ++year) {
    const std::set<absl::CivilDay> expected = BankHolidaysByRule(year);
    std::string listed;
    for (absl::CivilDay day : shipped[year]) listed += FormatDate(day) + " ";
    EXPECT_EQ(shipped[year], expected) << year << ": the file lists " << listed;
  }
}

TEST(CalendarFileTest, RulesAgreeWithDatesKnownByHeart) {
  // Spot checks of the rule set itself against published dates.
  EXPECT_EQ(FormatDate(Easter(2023)), "2023-04-09");
  EXPECT_EQ(FormatDate(Easter(2024)), "2024-03-31");
  EXPECT_EQ(FormatDate(Easter(2019)), "2019-04-21");
  EXPECT_EQ(FormatDate(Easter(2027)), "2027-03-28");
  EXPECT_EQ(BankHolidaysByRule(2022).size(), 10u);
  EXPECT_EQ(BankHolidaysByRule(2023).size(), 9u);
  EXPECT_EQ(BankHolidaysByRule(2021).count(absl::CivilDay(2021, 12, 28)), 1u);
  EXPECT_EQ(BankHolidaysByRule(2016).count(absl::CivilDay(2016, 12, 27)), 1u);
}

TEST(CalendarFileTest, BuiltInCopyIsTheShippedFile) {
  EXPECT_EQ(EnglandAndWalesCalendarText(), ReadFile(CASESYNC_CALENDAR_FILE));
  absl::StatusOr<WorkingCalendar> built_in = EnglandAndWalesCalendar();
  ASSERT_THAT(built_in, IsOk());
  EXPECT_EQ(built_in->name(), "England and Wales bank holidays");
  EXPECT_EQ(built_in->holidays().size(), 99u);
}

TEST(CalendarFileTest, RefusesBrokenFilesNamingTheLine) {
  const std::string head =
      "calendar = \"Test\"\nvalid_from = 2024-01-01\n"
      "valid_until = 2024-12-31\n";
  EXPECT_THAT(ParseCalendarFile(head, "t.toml"), IsOk());
  EXPECT_THAT(
      ParseCalendarFile(head + "[[holiday]]\ndate = 2025-01-01\n"
                               "name = \"Next year\"\n",
                        "t.toml"),
      StatusIs(absl::StatusCode::kInvalidArgument, "outside its validity"));
  EXPECT_THAT(ParseCalendarFile(head + "[[holiday]]\ndate = 2024-05-06\n"
                                       "name = \"A\"\n[[holiday]]\n"
                                       "date = 2024-05-06\nname = \"B\"\n",
                                "t.toml"),
              StatusIs(absl::StatusCode::kInvalidArgument, "listed twice"));
  EXPECT_THAT(ParseCalendarFile(head + "[[holiday]]\ndate = \"2024-05-06\"\n"
                                       "name = \"Quoted\"\n",
                                "t.toml"),
              StatusIs(absl::StatusCode::kInvalidArgument, "t.toml line 5"));
  EXPECT_THAT(
      ParseCalendarFile("calendar = \"Test\"\nvalid_from = 2024-01-01\n",
                        "t.toml"),
      StatusIs(absl::StatusCode::kInvalidArgument, "'valid_until' is missing"));
  EXPECT_THAT(
      ParseCalendarFile(head + "region = \"wales\"\n", "t.toml"),
      StatusIs(absl::StatusCode::kInvalidArgument, "unknown key 'region'"));
  EXPECT_THAT(ParseCalendarFile("calendar = \"Test\nvalid_from", "t.toml"),
              StatusIs(absl::StatusCode::kInvalidArgument, "t.toml line 1"));
  EXPECT_THAT(ReadCalendarFile("/nonexistent/calendar.toml"),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace casesync
