#include "common/calendar/working_calendar.h"

#include <random>
#include <string>
#include <vector>

#include "common/calendar/calendar_file.h"
#include "common/calendar/dates.h"
#include "common/testing/random_seed.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::casesync::testing::IsOk;
using ::casesync::testing::IsOkAndHolds;
using ::casesync::testing::StatusIs;
using ::testing::HasSubstr;

absl::CivilDay Day(const char* text) {
  absl::StatusOr<absl::CivilDay> day = ParseDate(text, "test date");
  EXPECT_THAT(day, IsOk());
  return day.value_or(absl::CivilDay());
}

WorkingCalendar EnglandAndWales() {
  absl::StatusOr<WorkingCalendar> calendar = EnglandAndWalesCalendar();
  EXPECT_THAT(calendar, IsOk());
  return *calendar;
}

// One count checked by hand: the `n`-th working day after `start`.
struct Case {
  const char* start;
  int n;
  const char* expected;
  // How it was checked, day by day.
  const char* why;
};

// Each worked out with a calendar on the desk; H a bank holiday, C a
// closure day, (k) the k-th working day.
const Case kEnglandAndWales[] = {
    {"2023-03-01", 5, "2023-03-08",
     "aware Wed: Thu 2 (1), Fri 3 (2), Mon 6 (3), Tue 7 (4), Wed 8 (5)"},
    {"2023-03-03", 5, "2023-03-10", "aware Fri: Mon 6 (1) ... Fri 10 (5)"},
    {"2023-03-04", 5, "2023-03-10",
     "aware Sat (day 0 on a weekend): Mon 6 (1) ... Fri 10 (5)"},
    {"2023-03-04", 0, "2023-03-04", "day 0 is the start itself"},
    {"2023-04-06", 5, "2023-04-17",
     "Easter 2023: Fri 7 H, Mon 10 H, Tue 11 (1) ... Fri 14 (4), Mon 17 (5)"},
    {"2023-04-05", 15, "2023-04-28",
     "rapid review over Easter 2023: Thu 6 (1), Fri 7 H, Mon 10 H, Tue 11 "
     "(2) ... Fri 14 (5), Mon 17 (6) ... Fri 21 (10), Mon 24 (11) ... Fri 28 "
     "(15)"},
    {"2023-04-28", 5, "2023-05-09",
     "May 2023: Mon 1 H, Tue 2 (1) ... Fri 5 (4), Mon 8 H (coronation), Tue "
     "9 (5)"},
    {"2023-12-22", 5, "2024-01-03",
     "Christmas 2023 into 2024: Mon 25 H, Tue 26 H, Wed 27 (1), Thu 28 (2), "
     "Fri 29 (3), Mon 1 Jan H, Tue 2 (4), Wed 3 (5)"},
    {"2022-12-23", 5, "2023-01-04",
     "Christmas 2022 (Christmas Day on a Sunday): Mon 26 H, Tue 27 H "
     "(substitute), Wed 28 (1), Thu 29 (2), Fri 30 (3), Mon 2 Jan H "
     "(substitute), Tue 3 (4), Wed 4 (5)"},
    {"2020-12-24", 3, "2020-12-31",
     "Christmas 2020 (Boxing Day on a Saturday): Fri 25 H, Mon 28 H "
     "(substitute), Tue 29 (1), Wed 30 (2), Thu 31 (3)"},
    {"2020-12-24", 4, "2021-01-04", "... then Fri 1 Jan 2021 H, Mon 4 (4)"},
    {"2021-12-13", 15, "2022-01-06",
     "Christmas 2021 (both on a weekend): Tue 14 (1) ... Fri 24 (9), Mon 27 "
     "H, Tue 28 H, Wed 29 (10), Thu 30 (11), Fri 31 (12), Mon 3 Jan H, Tue 4 "
     "(13), Wed 5 (14), Thu 6 (15)"},
    {"2019-12-27", 3, "2020-01-02",
     "year end 2019: Mon 30 (1), Tue 31 (2), Wed 1 Jan H, Thu 2 (3)"},
    {"2022-06-01", 1, "2022-06-06",
     "Platinum Jubilee: Thu 2 H (spring bank holiday moved), Fri 3 H, Mon 6 "
     "(1)"},
    {"2022-09-16", 1, "2022-09-20", "the State Funeral: Mon 19 H, Tue 20 (1)"},
    {"2020-05-07", 1, "2020-05-11",
     "VE day 2020: Fri 8 H (early May moved), Mon 11 (1)"},
    {"2020-05-01", 1, "2020-05-04",
     "Mon 4 May 2020 is a working day: the holiday moved to Fri 8"},
    {"2024-03-28", 1, "2024-04-02",
     "Easter 2024 across the month end: Fri 29 H, Mon 1 Apr H, Tue 2 (1)"},
    {"2023-08-25", 1, "2023-08-29",
     "summer bank holiday: Mon 28 H, Tue 29 (1)"},
    {"2025-05-02", 15, "2025-05-27",
     "May 2025: Mon 5 H, Tue 6 (1) ... Fri 23 (14), Mon 26 H, Tue 27 (15)"},
    {"2024-02-28", 2, "2024-03-01", "leap year: Thu 29 Feb (1), Fri 1 Mar (2)"},
    {"2027-12-20", 7, "2027-12-31",
     "the calendar's last day: Tue 21 (1) ... Fri 24 (4), Mon 27 H, Tue 28 "
     "H, Wed 29 (5), Thu 30 (6), Fri 31 (7)"},
};

TEST(WorkingCalendarTest, CountsCheckedByHand) {
  const WorkingCalendar calendar = EnglandAndWales();
  for (const Case& c : kEnglandAndWales) {
    absl::StatusOr<absl::CivilDay> due =
        calendar.AddWorkingDays(Day(c.start), c.n);
    ASSERT_THAT(due, IsOk()) << c.why;
    EXPECT_EQ(FormatDate(*due), c.expected) << c.why;
    // And back again.
    EXPECT_THAT(calendar.WorkingDaysBetween(Day(c.start), Day(c.expected)),
                IsOkAndHolds(c.n))
        << c.why;
  }
}

TEST(WorkingCalendarTest, ClosureDaysAreNotWorkingDays) {
  const WorkingCalendar calendar = EnglandAndWales();
  // A partnership closed over Christmas 2023: Wed 27 to Fri 29 December.
  const WorkingCalendar closed = calendar.WithClosures(
      {Day("2023-12-27"), Day("2023-12-28"), Day("2023-12-29")});
  // Mon 25 H, Tue 26 H, Wed 27 C, Thu 28 C, Fri 29 C, Mon 1 Jan H, Tue 2
  // (1), Wed 3 (2), Thu 4 (3), Fri 5 (4), Mon 8 (5).
  EXPECT_THAT(closed.AddWorkingDays(Day("2023-12-22"), 5),
              IsOkAndHolds(Day("2024-01-08")));
  // One closure day only: Wed 27 C, Thu 28 (1), Fri 29 (2), Tue 2 (3),
  // Wed 3 (4), Thu 4 (5).
  EXPECT_THAT(calendar.WithClosures({Day("2023-12-27")})
                  .AddWorkingDays(Day("2023-12-22"), 5),
              IsOkAndHolds(Day("2024-01-04")));
  EXPECT_THAT(closed.DayOff(Day("2023-12-28")),
              IsOkAndHolds(std::string("closure day")));
  EXPECT_THAT(calendar.DayOff(Day("2023-12-28")), IsOkAndHolds(std::string()));
  EXPECT_THAT(closed.Describe(), HasSubstr("3 closure days"));
  // A closure day outside the calendar changes nothing.
  EXPECT_TRUE(calendar.WithClosures({Day("2031-01-02")}).closures().empty());
}

TEST(WorkingCalendarTest, SaysWhyADayIsOff) {
  const WorkingCalendar calendar = EnglandAndWales();
  EXPECT_THAT(calendar.DayOff(Day("2023-04-07")),
              IsOkAndHolds(std::string("Good Friday")));
  EXPECT_THAT(calendar.DayOff(Day("2023-03-04")),
              IsOkAndHolds(std::string("Saturday")));
  EXPECT_THAT(calendar.DayOff(Day("2023-03-06")), IsOkAndHolds(std::string()));
}

TEST(WorkingCalendarTest, CountsBackwardsAsNegative) {
  const WorkingCalendar calendar = EnglandAndWales();
  // Due Fri 28 April 2023, seen on Tue 9 May: Tue 2, Wed 3, Thu 4, Fri 5 and
  // Tue 9 May have passed (Mon 1 and Mon 8 are bank holidays): 5 late.
  EXPECT_THAT(calendar.WorkingDaysBetween(Day("2023-05-09"), Day("2023-04-28")),
              IsOkAndHolds(-5));
  EXPECT_THAT(calendar.WorkingDaysBetween(Day("2023-04-28"), Day("2023-05-09")),
              IsOkAndHolds(5));
  // Due on a Friday, seen the next Monday: one working day late.
  EXPECT_THAT(calendar.WorkingDaysBetween(Day("2023-03-13"), Day("2023-03-10")),
              IsOkAndHolds(-1));
  EXPECT_THAT(calendar.WorkingDaysBetween(Day("2023-03-10"), Day("2023-03-10")),
              IsOkAndHolds(0));
  // A weekend between a Saturday and a Sunday holds no working day.
  EXPECT_THAT(calendar.WorkingDaysBetween(Day("2023-03-04"), Day("2023-03-05")),
              IsOkAndHolds(0));
}

TEST(WorkingCalendarTest, RefusesToCountPastItsEnd) {
  const WorkingCalendar calendar = EnglandAndWales();
  // Tue 21 (1) ... Fri 31 (7), then 2028, whose bank holidays this calendar
  // does not know.
  EXPECT_THAT(calendar.AddWorkingDays(Day("2027-12-20"), 15),
              StatusIs(absl::StatusCode::kOutOfRange, "2028-01-01"));
  const std::string message(
      calendar.AddWorkingDays(Day("2027-12-20"), 15).status().message());
  EXPECT_THAT(message, HasSubstr("past the end of the calendar"));
  EXPECT_THAT(message, HasSubstr("valid 2016-01-01 to 2027-12-31"));
  EXPECT_THAT(calendar.WorkingDaysBetween(Day("2027-12-20"), Day("2028-01-05")),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(calendar.DayOff(Day("2028-01-03")),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(calendar.AddWorkingDays(Day("2015-06-01"), 5),
              StatusIs(absl::StatusCode::kOutOfRange,
                       "before the start of the calendar"));
  EXPECT_THAT(calendar.AddWorkingDays(Day("2023-03-01"), -1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // The day before the first is a start: only later days are counted.
  EXPECT_THAT(calendar.AddWorkingDays(Day("2015-12-31"), 1),
              IsOkAndHolds(Day("2016-01-04")));
}

TEST(WorkingCalendarTest, CountingThereAndBackAgrees) {
  const WorkingCalendar calendar = EnglandAndWales();
  const uint64_t seed = casesync::testing::SeedFromEnvOrRandom();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<int> offset(
      0, static_cast<int>(calendar.last() - calendar.first()) - 400);
  std::uniform_int_distribution<int> count(1, 120);
  for (int i = 0; i < 2000; ++i) {
    const absl::CivilDay start = calendar.first() + offset(random);
    const int n = count(random);
    absl::StatusOr<absl::CivilDay> due = calendar.AddWorkingDays(start, n);
    ASSERT_THAT(due, IsOk());
    EXPECT_THAT(calendar.DayOff(*due), IsOkAndHolds(std::string()))
        << FormatDate(*due) << " is not a working day";
    EXPECT_THAT(calendar.WorkingDaysBetween(start, *due), IsOkAndHolds(n));
    EXPECT_THAT(calendar.WorkingDaysBetween(*due, start), IsOkAndHolds(-n));
    // The day before is one working day short.
    EXPECT_THAT(calendar.WorkingDaysBetween(start, *due - 1),
                IsOkAndHolds(n - 1));
  }
}

TEST(DatesTest, ParsesAndMovesByMonths) {
  EXPECT_THAT(ParseDate("2023-02-30", "incident_date"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "incident_date must be a date"));
  EXPECT_THAT(ParseDate("2023-2-3", "x"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FormatDate(AddMonths(Day("2023-03-15"), 6)), "2023-09-15");
  EXPECT_EQ(FormatDate(AddMonths(Day("2023-08-31"), 6)), "2024-02-29");
  EXPECT_EQ(FormatDate(AddMonths(Day("2022-08-31"), 6)), "2023-02-28");
  EXPECT_EQ(FormatDate(AddMonths(Day("2023-10-31"), 6)), "2024-04-30");
  EXPECT_EQ(WeekdayName(Day("2023-05-08")), "Monday");
}

}  // namespace
}  // namespace casesync
