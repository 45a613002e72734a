#include "common/review/event_matching.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "casesync/v1/records.pb.h"
#include "casesync/v1/review.pb.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::casesync::testing::IsOk;
using ::casesync::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::SizeIs;

v1::ChronologyEntry Entry(const std::string& agency, const std::string& id,
                          const std::string& date, const std::string& event) {
  v1::ChronologyEntry entry;
  entry.set_id(id);
  entry.set_review_id("r1");
  entry.set_owner_agency(agency);
  entry.set_date(date);
  entry.set_event(event);
  entry.set_source(absl::StrCat(agency, " record ", id));
  return entry;
}

MatchResult Match(std::vector<v1::ChronologyEntry> entries,
                  v1::MatchRules rules = v1::MatchRules()) {
  absl::StatusOr<v1::MatchRules> effective = EffectiveRules(rules);
  EXPECT_THAT(effective, IsOk());
  return MatchChronology("r1", std::move(entries), *effective);
}

// The entry ids of each composite entry, in order.
std::vector<std::vector<std::string>> Sources(const MatchResult& result) {
  std::vector<std::vector<std::string>> out;
  for (const v1::CompositeEntry& c : result.chronology.entries()) {
    std::vector<std::string>& ids = out.emplace_back();
    for (const v1::EntrySource& s : c.sources()) ids.push_back(s.entry_id());
  }
  return out;
}

// "field a-b" for each discrepancy, entry ids in version order.
std::vector<std::string> Discrepancies(const MatchResult& result) {
  std::vector<std::string> out;
  for (const v1::Discrepancy& d : result.discrepancies) {
    out.push_back(absl::StrCat(d.field(), " ", d.versions(0).entry_id(), "-",
                               d.versions(1).entry_id()));
  }
  return out;
}

std::string AddDays(const std::string& date, int days) {
  absl::CivilDay day;
  EXPECT_TRUE(absl::ParseCivilTime(date, &day)) << date;
  return absl::FormatCivilTime(day + days);
}

// ---------------------------------------------------------------- rules --

TEST(EffectiveRulesTest, ZeroMeansDefault) {
  absl::StatusOr<v1::MatchRules> rules = EffectiveRules(v1::MatchRules());
  ASSERT_THAT(rules, IsOk());
  EXPECT_EQ(rules->date_window_days(), 3u);
  EXPECT_EQ(rules->uncertain_date_window_days(), 31u);
  EXPECT_EQ(rules->min_score(), 0.6);
  EXPECT_EQ(rules->duplicate_wording(), 0.8);
  EXPECT_EQ(rules->gap_days(), 28u);
}

TEST(EffectiveRulesTest, KeepsValuesSetAndAcceptsTheLimits) {
  v1::MatchRules in;
  in.set_date_window_days(366);
  in.set_uncertain_date_window_days(366);
  in.set_min_score(1);
  in.set_duplicate_wording(0.01);
  in.set_gap_days(3660);
  absl::StatusOr<v1::MatchRules> rules = EffectiveRules(in);
  ASSERT_THAT(rules, IsOk());
  EXPECT_EQ(rules->SerializeAsString(), in.SerializeAsString());
}

TEST(EffectiveRulesTest, RefusesOutOfRangeNamingTheRule) {
  auto with = [](auto set) {
    v1::MatchRules rules;
    set(rules);
    return EffectiveRules(rules);
  };
  const auto invalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(with([](v1::MatchRules& r) { r.set_min_score(1.5); }),
              StatusIs(invalid, "min_score"));
  EXPECT_THAT(with([](v1::MatchRules& r) { r.set_min_score(-0.1); }),
              StatusIs(invalid, "min_score"));
  EXPECT_THAT(with([](v1::MatchRules& r) {
                r.set_min_score(std::numeric_limits<double>::quiet_NaN());
              }),
              StatusIs(invalid, "min_score"));
  EXPECT_THAT(with([](v1::MatchRules& r) { r.set_duplicate_wording(1.01); }),
              StatusIs(invalid, "duplicate_wording"));
  EXPECT_THAT(with([](v1::MatchRules& r) { r.set_date_window_days(367); }),
              StatusIs(invalid, "date_window_days"));
  EXPECT_THAT(
      with([](v1::MatchRules& r) { r.set_uncertain_date_window_days(367); }),
      StatusIs(invalid, "uncertain_date_window_days"));
  EXPECT_THAT(with([](v1::MatchRules& r) { r.set_gap_days(3661); }),
              StatusIs(invalid, "gap_days"));
}

TEST(EffectiveRulesTest, UncertainWindowIsNeverNarrower) {
  v1::MatchRules in;
  in.set_date_window_days(40);
  absl::StatusOr<v1::MatchRules> rules = EffectiveRules(in);
  ASSERT_THAT(rules, IsOk());
  EXPECT_EQ(rules->uncertain_date_window_days(), 40u);
}

TEST(DiscrepancyIdTest, StableOrderIndependentAndPerField) {
  // Pinned: replicas and stored decisions refer to discrepancies by it.
  EXPECT_EQ(DiscrepancyId("e1", "e2", "date"), "d5b6f46ea27a9");
  EXPECT_EQ(DiscrepancyId("e2", "e1", "date"), "d5b6f46ea27a9");
  EXPECT_NE(DiscrepancyId("e1", "e2", "time"),
            DiscrepancyId("e1", "e2", "date"));
  EXPECT_NE(DiscrepancyId("e1", "e23", "date"),
            DiscrepancyId("e12", "e3", "date"));
  EXPECT_THAT(DiscrepancyId("x", "y", "child_seen"),
              MatchesRegex("d[0-9a-f]{12}"));
}

// ------------------------------------------------- composite chronology --

TEST(CompositeChronologyTest, OrdersByDateThenTimedThenAgencyThenId) {
  std::vector<v1::ChronologyEntry> entries = {
      Entry("police", "p1", "2024-03-05", "Welfare check no reply"),
      Entry("csc", "c1", "2024-03-05", "Supervision about drift"),
      Entry("school", "s1", "2024-03-05", "Letter home about trip"),
      Entry("health", "h1", "2024-03-04", "Immunisation booster given"),
      Entry("health", "h2", "2024-03-05", "GP appointment eczema"),
      Entry("csc", "c2", "2024-03-05", "Telephone call housing officer"),
      Entry("csc", "c0", "2024-03-05", "Family support budgeting"),
      Entry("school", "s0", "2024-03-05", "Parents evening attended")};
  entries[1].set_time("14:00");
  entries[2].set_time("09:00");
  entries[3].set_date_uncertain(true);
  entries[7].set_time("14:00");
  MatchResult result = Match(entries);
  EXPECT_THAT(
      Sources(result),
      ElementsAre(ElementsAre("h1"), ElementsAre("s1"), ElementsAre("c1"),
                  ElementsAre("s0"), ElementsAre("c0"), ElementsAre("c2"),
                  ElementsAre("h2"), ElementsAre("p1")));
  // The uncertain date is placed at its date and stays marked.
  EXPECT_TRUE(result.chronology.entries(0).entry().date_uncertain());
  EXPECT_THAT(result.discrepancies, IsEmpty());
  EXPECT_THAT(result.chronology.gaps(), IsEmpty());
}

TEST(CompositeChronologyTest, GapOfAtLeastGapDays) {
  auto gaps = [](const std::string& second, uint32_t gap_days = 0) {
    v1::MatchRules rules;
    rules.set_gap_days(gap_days);
    return Match({Entry("csc", "c1", "2024-01-01", "Home visit"),
                  Entry("police", "p1", second, "Arrest of Mr K")},
                 rules)
        .chronology.gaps();
  };
  auto twenty_eight = gaps("2024-01-29");
  ASSERT_THAT(twenty_eight, SizeIs(1));
  EXPECT_EQ(twenty_eight[0].after_date(), "2024-01-01");
  EXPECT_EQ(twenty_eight[0].before_date(), "2024-01-29");
  EXPECT_EQ(twenty_eight[0].days(), 28u);
  EXPECT_THAT(gaps("2024-01-28"), IsEmpty());
  EXPECT_THAT(gaps("2024-01-28", 27), SizeIs(1));
}

TEST(CompositeChronologyTest, EndDateIsContactUntilItEnds) {
  std::vector<v1::ChronologyEntry> entries = {
      Entry("health", "h1", "2024-01-01", "Admitted to children's ward"),
      Entry("csc", "c1", "2024-01-15", "Hospital visit"),
      Entry("police", "p1", "2024-03-10", "Arrest of Mr K"),
      Entry("school", "s1", "2024-04-07", "Parents evening")};
  entries[0].set_end_date("2024-03-01");
  // c1 lies inside h1's stay: contact runs to 2024-03-01, not 2024-01-15.
  MatchResult result = Match(entries);
  ASSERT_THAT(result.chronology.gaps(), SizeIs(1));
  EXPECT_EQ(result.chronology.gaps(0).after_date(), "2024-03-10");
  EXPECT_EQ(result.chronology.gaps(0).before_date(), "2024-04-07");
  EXPECT_EQ(result.chronology.gaps(0).days(), 28u);
}

// --------------------------------------------------------------- windows --

// Two entries of one event, `apart` days apart: the same wording, role and
// time, so that only the date window decides.
std::vector<v1::ChronologyEntry> PairApart(int apart, bool csc_uncertain,
                                           bool police_uncertain) {
  std::vector<v1::ChronologyEntry> pair = {
      Entry("csc", "c1", "2024-05-10", "Strategy meeting under section 47"),
      Entry("police", "p1", AddDays("2024-05-10", apart),
            "Strategy meeting under section 47")};
  pair[0].set_date_uncertain(csc_uncertain);
  pair[1].set_date_uncertain(police_uncertain);
  for (v1::ChronologyEntry& e : pair) {
    e.set_time("10:30");
    e.set_practitioner_role("team manager");
  }
  return pair;
}

TEST(MatchWindowTest, DatesAtMostTheWindowApartMatch) {
  EXPECT_THAT(Discrepancies(Match(PairApart(3, false, false))),
              ElementsAre("date c1-p1"));
  EXPECT_THAT(Discrepancies(Match(PairApart(-3, false, false))),
              ElementsAre("date c1-p1"));
  EXPECT_THAT(Discrepancies(Match(PairApart(4, false, false))), IsEmpty());
  EXPECT_THAT(Discrepancies(Match(PairApart(-4, false, false))), IsEmpty());
  v1::MatchRules wider;
  wider.set_date_window_days(4);
  EXPECT_THAT(Discrepancies(Match(PairApart(4, false, false), wider)),
              ElementsAre("date c1-p1"));
}

TEST(MatchWindowTest, UncertainDateUsesTheWiderWindowEitherSide) {
  for (const auto& [csc, police] :
       {std::pair{true, false}, std::pair{false, true},
        std::pair{true, true}}) {
    SCOPED_TRACE(absl::StrCat("csc uncertain ", csc, ", police ", police));
    for (int sign : {1, -1}) {
      // Exactly one discrepancy, also when both dates are uncertain.
      EXPECT_THAT(Discrepancies(Match(PairApart(sign * 31, csc, police))),
                  ElementsAre("date c1-p1"));
      EXPECT_THAT(Discrepancies(Match(PairApart(sign * 32, csc, police))),
                  IsEmpty());
    }
  }
  v1::MatchRules narrower;
  narrower.set_uncertain_date_window_days(10);
  EXPECT_THAT(Discrepancies(Match(PairApart(10, true, false), narrower)),
              ElementsAre("date c1-p1"));
  EXPECT_THAT(Discrepancies(Match(PairApart(11, true, false), narrower)),
              IsEmpty());
  const MatchResult result = Match(PairApart(16, false, true));
  ASSERT_THAT(result.discrepancies, SizeIs(1));
  EXPECT_THAT(result.discrepancies[0].reasons(),
              Contains("dates 16 days apart (2024-05-10, 2024-05-26 "
                       "uncertain), within the 31-day window for uncertain "
                       "dates [+0.10]"));
}

TEST(MatchWindowTest, EntriesOfOneAgencyNeverMatch) {
  std::vector<v1::ChronologyEntry> entries = PairApart(0, false, false);
  entries[1].set_owner_agency("csc");
  entries[1].set_child_seen(true);
  MatchResult result = Match(entries);
  EXPECT_THAT(result.discrepancies, IsEmpty());
  EXPECT_THAT(Sources(result),
              ElementsAre(ElementsAre("c1"), ElementsAre("p1")));
  entries[1].set_child_seen(false);  // identical but for the id
  EXPECT_THAT(Sources(Match(entries)),
              ElementsAre(ElementsAre("c1"), ElementsAre("p1")));
}

TEST(MatchWindowTest, NoSharedWordNoMatch) {
  // Same date, time and role, but nothing in common in what happened.
  std::vector<v1::ChronologyEntry> pair = PairApart(0, false, false);
  pair[1].set_event("Arrest of Mr K");
  pair[1].set_child_seen(true);
  v1::MatchRules lenient;
  lenient.set_min_score(0.1);
  EXPECT_THAT(Match(pair, lenient).discrepancies, IsEmpty());
}

TEST(MatchWindowTest, BelowMinScoreNoMatch) {
  // Same day, one word shared of 4 and 2: 0.2 + 0.6 * 2/6 = 0.4 < 0.6.
  std::vector<v1::ChronologyEntry> pair = {
      Entry("csc", "c1", "2024-05-10", "Home visit, Mother present"),
      Entry("police", "p1", "2024-05-10", "Mother shouting")};
  pair[1].set_child_seen(true);
  EXPECT_THAT(Match(pair).discrepancies, IsEmpty());
  v1::MatchRules lenient;
  lenient.set_min_score(0.4);
  const MatchResult result = Match(pair, lenient);
  ASSERT_THAT(result.discrepancies, SizeIs(1));
  EXPECT_EQ(result.discrepancies[0].score(), 0.4);
}

// ------------------------------------------------------------ duplicates --

TEST(DuplicateTest, SameEventSameFactsShownOnceWithAllSources) {
  std::vector<v1::ChronologyEntry> entries = {
      Entry("police", "p1", "2024-03-03",
            "Strategy meeting held under section 47 for Child J"),
      Entry("csc", "c1", "2024-03-03",
            "Section 47 strategy meeting for Child J held")};
  for (v1::ChronologyEntry& e : entries) e.set_time("10:30");
  entries[0].set_practitioner_role("detective constable");
  entries[1].set_practitioner_role("team manager");
  MatchResult result = Match(entries);
  EXPECT_THAT(result.discrepancies, IsEmpty());
  ASSERT_THAT(Sources(result), ElementsAre(ElementsAre("c1", "p1")));
  const v1::CompositeEntry& c = result.chronology.entries(0);
  EXPECT_EQ(c.entry().id(), "c1");  // csc sorts first
  EXPECT_EQ(c.sources(0).agency(), "csc");
  EXPECT_EQ(c.sources(1).source(), "police record p1");
  // 8 and 7 words, 7 shared: 14/15.
  EXPECT_THAT(
      c.duplicate_reasons(),
      ElementsAre("csc and police: score 0.86, agree on every fact compared",
                  "csc and police: same date 2024-03-03 [+0.20]",
                  "csc and police: event wording 93% alike (shared: section, "
                  "47, strategy, meeting, child, j, held) [+0.56]",
                  "csc and police: same time 10:30 [+0.10]"));
}

TEST(DuplicateTest, ThreeAgenciesBecomeOneEntry) {
  std::vector<v1::ChronologyEntry> entries = {
      Entry("school", "s1", "2024-03-03",
            "Initial child protection conference"),
      Entry("health", "h1", "2024-03-03",
            "Initial child protection conference"),
      Entry("csc", "c1", "2024-03-03",
            "Initial child protection conference held")};
  MatchResult result = Match(entries);
  EXPECT_THAT(result.discrepancies, IsEmpty());
  ASSERT_THAT(Sources(result), ElementsAre(ElementsAre("c1", "h1", "s1")));
  EXPECT_THAT(result.chronology.entries(0).duplicate_reasons(),
              Contains("health and school: score 0.80, agree on every fact "
                       "compared"));
}

TEST(DuplicateTest, AnUnsetTimeOrEndDateDisagreesWithNothing) {
  std::vector<v1::ChronologyEntry> entries = {
      Entry("csc", "c1", "2024-03-03", "Core group meeting at school"),
      Entry("school", "s1", "2024-03-03", "Core group meeting at school")};
  entries[0].set_time("15:30");
  entries[1].set_end_date("2024-03-03");
  EXPECT_THAT(Sources(Match(entries)), ElementsAre(ElementsAre("c1", "s1")));
}

TEST(DuplicateTest, WordingBelowDuplicateWordingIsNeitherKind) {
  // {core, group, meeting} and {core, group, visit}: 2*2/6 = 0.67 alike.
  std::vector<v1::ChronologyEntry> entries = {
      Entry("csc", "c1", "2024-03-03", "Core group meeting"),
      Entry("school", "s1", "2024-03-03", "Core group visit")};
  MatchResult result = Match(entries);
  EXPECT_THAT(result.discrepancies, IsEmpty());
  EXPECT_THAT(Sources(result),
              ElementsAre(ElementsAre("c1"), ElementsAre("s1")));
  v1::MatchRules lower;
  lower.set_duplicate_wording(0.6);
  EXPECT_THAT(Sources(Match(entries, lower)),
              ElementsAre(ElementsAre("c1", "s1")));
}

TEST(DuplicateTest, NeverTwoEntriesOfOneAgencyInAGroup) {
  std::vector<v1::ChronologyEntry> entries = {
      Entry("csc", "c2", "2024-03-03", "Core group meeting"),
      Entry("csc", "c1", "2024-03-03", "Core group meeting"),
      Entry("police", "p1", "2024-03-03", "Core group meeting")};
  EXPECT_THAT(Sources(Match(entries)),
              ElementsAre(ElementsAre("c1", "p1"), ElementsAre("c2")));
}

TEST(DuplicateTest, NeverGroupedAcrossADiscrepancy) {
  // c1 and s1 disagree on the time; h1 (no time) agrees with both.
  std::vector<v1::ChronologyEntry> entries = {
      Entry("csc", "c1", "2024-03-03", "Core group meeting"),
      Entry("health", "h1", "2024-03-03", "Core group meeting"),
      Entry("school", "s1", "2024-03-03", "Core group meeting")};
  entries[0].set_time("10:00");
  entries[2].set_time("11:00");
  MatchResult result = Match(entries);
  EXPECT_THAT(Discrepancies(result), ElementsAre("time c1-s1"));
  EXPECT_THAT(Sources(result),
              ElementsAre(ElementsAre("c1", "h1"), ElementsAre("s1")));
  const std::string id = DiscrepancyId("c1", "s1", "time");
  EXPECT_THAT(result.chronology.entries(0).discrepancy_ids(), ElementsAre(id));
  EXPECT_THAT(result.chronology.entries(1).discrepancy_ids(), ElementsAre(id));
}

// --------------------------------------------------------- discrepancies --

TEST(DiscrepancyTest, EachFactCompared) {
  struct Case {
    std::string field;
    void (*change)(v1::ChronologyEntry&);
    std::string csc_value;
    std::string police_value;
  };
  const Case cases[] = {
      {"date", [](v1::ChronologyEntry& e) { e.set_date("2024-03-04"); },
       "2024-03-03", "2024-03-04"},
      {"time", [](v1::ChronologyEntry& e) { e.set_time("11:00"); }, "10:30",
       "11:00"},
      {"end_date", [](v1::ChronologyEntry& e) { e.set_end_date("2024-03-06"); },
       "2024-03-05", "2024-03-06"},
      {"child_seen", [](v1::ChronologyEntry& e) { e.set_child_seen(false); },
       "yes", "no"},
      {"child_voice_recorded",
       [](v1::ChronologyEntry& e) { e.set_child_voice_recorded(true); }, "no",
       "yes"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    v1::ChronologyEntry csc = Entry("csc", "c1", "2024-03-03",
                                    "Joint home visit with police officer");
    csc.set_time("10:30");
    csc.set_end_date("2024-03-05");
    csc.set_child_seen(true);
    v1::ChronologyEntry police = csc;
    police.set_owner_agency("police");
    police.set_id("p1");
    police.set_source("Niche 24/1234");
    c.change(police);
    // Input order does not decide the versions' order.
    MatchResult result = Match({police, csc});
    ASSERT_THAT(result.discrepancies, SizeIs(1));
    const v1::Discrepancy& d = result.discrepancies[0];
    EXPECT_EQ(d.id(), DiscrepancyId("p1", "c1", c.field));
    EXPECT_EQ(d.review_id(), "r1");
    EXPECT_EQ(d.field(), c.field);
    ASSERT_THAT(d.versions(), SizeIs(2));
    EXPECT_EQ(d.versions(0).agency(), "csc");
    EXPECT_EQ(d.versions(0).value(), c.csc_value);
    EXPECT_EQ(d.versions(0).event(), csc.event());
    EXPECT_EQ(d.versions(1).agency(), "police");
    EXPECT_EQ(d.versions(1).entry_id(), "p1");
    EXPECT_EQ(d.versions(1).source(), "Niche 24/1234");
    EXPECT_EQ(d.versions(1).value(), c.police_value);
    EXPECT_EQ(d.versions(1).date(), police.date());
    EXPECT_GE(d.score(), 0.5);
    EXPECT_LE(d.score(), 1.0);
    // Not a duplicate: both entries stay, each naming the discrepancy.
    ASSERT_THAT(Sources(result), SizeIs(2));
    for (const v1::CompositeEntry& e : result.chronology.entries())
      EXPECT_THAT(e.discrepancy_ids(), ElementsAre(d.id()));
  }
}

TEST(DiscrepancyTest, OnePerFieldSortedByDateThenId) {
  std::vector<v1::ChronologyEntry> entries = {
      Entry("csc", "c1", "2024-03-03", "Child protection medical at clinic"),
      Entry("health", "h1", "2024-03-04", "Child protection medical at clinic"),
      Entry("csc", "c2", "2024-01-03", "Family group conference"),
      Entry("school", "s2", "2024-01-03", "Family group conference")};
  entries[1].set_child_seen(true);
  entries[3].set_child_voice_recorded(true);
  MatchResult result = Match(entries);
  std::vector<std::string> first = {DiscrepancyId("c1", "h1", "date"),
                                    DiscrepancyId("c1", "h1", "child_seen")};
  std::sort(first.begin(), first.end());
  ASSERT_THAT(result.discrepancies, SizeIs(3));
  EXPECT_EQ(result.discrepancies[0].field(), "child_voice_recorded");
  EXPECT_EQ(result.discrepancies[1].id(), first[0]);
  EXPECT_EQ(result.discrepancies[2].id(), first[1]);
  EXPECT_EQ(result.discrepancies[1].reasons_size(),
            result.discrepancies[2].reasons_size());
}

// The worked example of docs/joint_review.md, "Matching rules".
TEST(DiscrepancyTest, ReasonsOfTheWorkedExample) {
  v1::ChronologyEntry school =
      Entry("school", "s-17", "2024-03-03",
            "School nurse saw Child J about bruising on her arm");
  school.set_time("10:30");
  school.set_practitioner_role("School nurse");
  school.set_child_seen(true);
  v1::ChronologyEntry health = Entry(
      "health", "h-42", "2024-03-04",
      "Child J seen in school by the school nurse: bruising to arm noted");
  health.set_time("10:30");
  health.set_practitioner_role("school nurse");
  health.set_child_seen(true);
  MatchResult result = Match({school, health});
  ASSERT_THAT(result.discrepancies, SizeIs(1));
  const v1::Discrepancy& d = result.discrepancies[0];
  EXPECT_EQ(d.field(), "date");
  EXPECT_EQ(d.score(), 0.83);
  EXPECT_THAT(d.reasons(),
              ElementsAre("dates 1 day apart (2024-03-03, 2024-03-04) [+0.15]",
                          "event wording 80% alike (shared: child, j, school, "
                          "nurse, bruising, arm) [+0.48]",
                          "same practitioner role: school nurse [+0.10]",
                          "same time 10:30 [+0.10]"));
  // Had both said the 3rd, they would be one entry: 0.2 + 0.48 + 0.1 + 0.1.
  health.set_date("2024-03-03");
  result = Match({school, health});
  EXPECT_THAT(result.discrepancies, IsEmpty());
  ASSERT_THAT(Sources(result), ElementsAre(ElementsAre("h-42", "s-17")));
  EXPECT_THAT(result.chronology.entries(0).duplicate_reasons(),
              Contains("health and school: score 0.88, agree on every fact "
                       "compared"));
}

TEST(DiscrepancyTest, OverlappingRolesAndStemming) {
  std::vector<v1::ChronologyEntry> entries = {
      Entry("csc", "c1", "2024-03-03", "Home visits to the family"),
      Entry("police", "p1", "2024-03-03", "Home visit, family")};
  entries[0].set_practitioner_role("duty social worker");
  entries[1].set_practitioner_role("Social Worker");
  entries[1].set_child_seen(true);
  MatchResult result = Match(entries);
  ASSERT_THAT(result.discrepancies, SizeIs(1));
  EXPECT_THAT(result.discrepancies[0].reasons(),
              ElementsAre("same date 2024-03-03 [+0.20]",
                          "event wording 100% alike (shared: home, visit, "
                          "family) [+0.60]",
                          "overlapping practitioner roles: duty social worker, "
                          "social worker [+0.10]"));
}

// ------------------------------------------------------ realistic review --

const char* const kAgencies[] = {"csc", "health", "police", "school"};

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  int Below(int n) { return static_cast<int>(engine_() % n); }
  bool Chance(double p) { return Below(10000) < p * 10000; }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Below(static_cast<int>(items.size()))];
  }
  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

// One agency's everyday records: each a template of fixed words and choices.
std::string BackgroundEvent(const std::string& agency, Rng& rng) {
  using V = std::vector<std::string>;
  auto pick = [&rng](const V& items) { return rng.Pick(items); };
  if (agency == "csc") {
    switch (rng.Below(6)) {
      case 0:
        return absl::StrCat(
            "Home visit to ",
            pick({"the family home", "maternal grandmother's flat",
                  "the temporary hostel", "Mother's new address"}),
            "; ",
            pick({"Mother", "Mother and Mr K", "maternal grandmother",
                  "Mother and both siblings"}),
            " present, ",
            pick({"home conditions poor", "home clean and tidy",
                  "little food in the fridge", "dog loose in the garden",
                  "curtains drawn at midday"}));
      case 1:
        return absl::StrCat(
            "Supervision with team manager: ",
            pick({"drift in the child in need plan", "Mother's engagement",
                  "risk from Mr K", "whether to step down to early help",
                  "the outstanding assessment"}));
      case 2:
        return absl::StrCat(
            "Telephone call to ",
            pick({"Mother", "the housing officer", "the nursery manager",
                  "the probation officer", "maternal aunt"}),
            " about ",
            pick({"rent arrears", "the missed appointment", "sleep routines",
                  "contact arrangements", "a food bank voucher"}));
      case 3:
        return absl::StrCat(
            "Child and family assessment ",
            pick({"started", "updated", "completed", "signed off"}), " after ",
            pick({"new information from probation", "the housing move",
                  "Mother's request for help", "a manager's review"}));
      case 4:
        return absl::StrCat(
            "Family support worker session on ",
            pick({"bedtime routines", "budgeting", "play and boundaries",
                  "cooking on a budget", "morning routines"}));
      default:
        return absl::StrCat(
            "Letter sent to Mother confirming ",
            pick({"the plan", "contact times", "the new allocated worker",
                  "the closure of the case to early help"}));
    }
  }
  if (agency == "health") {
    switch (rng.Below(7)) {
      case 0:
        return absl::StrCat(
            "GP appointment for Child J: ",
            pick({"ear infection", "eczema flare", "chest infection",
                  "weight check", "rash on legs", "constipation"}));
      case 1:
        return absl::StrCat(
            "Missed health visitor contact: no answer at the door",
            pick({"", ", card left", ", neighbour says family away",
                  ", second missed contact"}));
      case 2:
        return absl::StrCat("A&E attendance with ",
                            pick({"a head bump after a fall from the sofa",
                                  "a burn to the left hand", "a swallowed coin",
                                  "a cut lip", "high fever"}));
      case 3:
        return absl::StrCat("Immunisation ",
                            pick({"MMR second dose", "pre-school booster",
                                  "flu nasal spray", "4-in-1 booster"}),
                            " given at ", pick({"the surgery", "the clinic"}));
      case 4:
        return absl::StrCat("Health visitor developmental review at ",
                            pick({"2 years", "27 months", "3 years"}), ": ",
                            pick({"speech delay noted", "no concerns",
                                  "referred to speech and language therapy",
                                  "poor weight gain"}));
      case 5:
        return absl::StrCat("GP consultation with Mother about ",
                            pick({"low mood", "sleep problems", "back pain",
                                  "anxiety", "medication review"}));
      default:
        return absl::StrCat(
            "Telephone call to Mother about ",
            pick({"the missed immunisation", "Child J's weight",
                  "a repeat prescription", "the speech therapy waiting list"}));
    }
  }
  if (agency == "police") {
    switch (rng.Below(6)) {
      case 0:
        return absl::StrCat(
            "Domestic incident callout after ",
            pick({"a neighbour", "Mother", "an anonymous caller",
                  "the older sibling"}),
            " reported ",
            pick({"shouting", "a smashed window", "a man refusing to leave",
                  "screaming at 2am"}));
      case 1:
        return absl::StrCat("DASH risk assessment completed, graded ",
                            pick({"standard", "medium", "high"}));
      case 2:
        return absl::StrCat(
            "Missing person report for the older sibling, found ",
            pick({"at a friend's house", "in the park", "at the bus station"}));
      case 3:
        return absl::StrCat(
            "Anti-social behaviour complaint from neighbour: ",
            pick({"loud music", "dogs barking", "rubbish in the garden"}));
      case 4:
        return absl::StrCat("Mr K arrested for ",
                            pick({"breach of bail", "criminal damage",
                                  "common assault", "drink driving"}));
      default:
        return absl::StrCat(
            "Welfare check at the address, ",
            pick({"all occupants safe and well", "no reply",
                  "Mother intoxicated", "Mr K present in breach of bail"}));
    }
  }
  switch (rng.Below(6)) {
    case 0:
      return absl::StrCat("School attendance concern: attendance ",
                          78 + rng.Below(15), "% this term");
    case 1:
      return absl::StrCat("Parents' evening attended by ",
                          pick({"Mother", "maternal grandmother",
                                "nobody from the family", "Mother and Mr K"}));
    case 2:
      return absl::StrCat(
          "Child J arrived late, ",
          pick({"hungry", "in unwashed uniform", "tired and tearful",
                "without a coat in the rain"}));
    case 3:
      return absl::StrCat(
          "Safeguarding concern logged on CPOMS by class "
          "teacher: ",
          pick({"bruise on cheek", "said Mr K shouts", "soiled clothes",
                "fell asleep in class"}));
    case 4:
      return absl::StrCat("Letter home about ",
                          pick({"the school trip", "head lice",
                                "unpaid dinner money", "the Christmas play"}));
    default:
      return absl::StrCat(
          "Exclusion for ", 1 + rng.Below(3), " days after ",
          pick({"fighting at lunch", "throwing a chair", "swearing at staff"}));
  }
}

// Events several agencies take part in, each written three ways ({x}: a
// detail every agency's version shares).
struct SharedEvent {
  std::vector<std::string> wordings;
  std::vector<std::string> details;
};

const std::vector<SharedEvent>& SharedEvents() {
  static const auto* const events = new std::vector<SharedEvent>{
      {{"Strategy meeting held under section 47 for Child J after {x}",
        "Section 47 strategy meeting for Child J held after {x}",
        "Strategy meeting (section 47) held for Child J following {x}"},
       {"the domestic incident", "the disclosure to the teacher",
        "the bruise seen at school"}},
      {{"Initial child protection conference: Child J made subject of a plan "
        "under {x}",
        "Initial child protection conference held, Child J made subject of a "
        "child protection plan under {x}",
        "Child J made subject of a plan under {x} at initial child protection "
        "conference"},
       {"neglect", "emotional abuse", "physical abuse"}},
      {{"Core group meeting at {x} to review the child protection plan",
        "Core group meeting held at {x}; child protection plan reviewed",
        "Child protection plan reviewed at core group meeting at {x}"},
       {"the family centre", "the primary school", "the family home"}},
      {{"Joint home visit by social worker and police officer {x}",
        "Joint home visit, social worker and police officer, {x}",
        "Social worker and police officer joint home visit {x}"},
       {"after the callout", "to check on Child J", "following the referral"}},
      {{"Multi-agency safeguarding hub discussion of the referral from {x}",
        "MASH discussion (multi-agency safeguarding hub) of referral from {x}",
        "Referral from {x} discussed at the multi-agency safeguarding hub"},
       {"the school", "the health visitor", "the police"}},
      {{"Review child protection conference: plan to continue under {x}",
        "Review child protection conference held; plan continues under {x}",
        "Child protection review conference: plan to continue under {x}"},
       {"neglect", "emotional abuse", "physical abuse"}},
      {{"Child in need meeting at school with Mother, {x}",
        "Child in need review meeting held at school with Mother, {x}",
        "Meeting at school with Mother: child in need, {x}"},
       {"actions agreed on attendance", "plan updated for the summer holidays",
        "new support worker introduced"}},
      {{"Professionals meeting about {x}",
        "Professionals' meeting held about {x}",
        "Meeting of professionals about {x}"},
       {"Child J's weight loss", "Mother's alcohol use",
        "the missed medical appointments"}},
      {{"Achieving best evidence interview of Child J at {x}",
        "ABE (achieving best evidence) interview of Child J at {x}",
        "Child J interview, achieving best evidence, at {x}"},
       {"the police video suite", "the child advocacy centre",
        "the sexual assault referral centre"}},
      {{"Child protection medical at {x} by the community paediatrician",
        "Community paediatrician child protection medical at {x}",
        "Child protection medical examination at {x} by community "
        "paediatrician"},
       {"the children's hospital", "the health centre", "the Willow clinic"}},
      {{"Family group conference at {x} with extended family",
        "Family group conference held at {x}, extended family attended",
        "Extended family attended family group conference at {x}"},
       {"the family centre", "maternal grandmother's house",
        "the community hall"}},
      {{"Child J admitted to the children's ward with {x}",
        "Admission of Child J to children's ward with {x}",
        "Child J admitted to children's ward: {x}"},
       {"a fractured wrist", "dehydration", "a head injury"}},
  };
  return *events;
}

const std::map<std::string, std::vector<std::string>>& Roles() {
  static const auto* const roles =
      new std::map<std::string, std::vector<std::string>>{
          {"csc",
           {"duty social worker", "allocated social worker", "team manager",
            "family support worker"}},
          {"health", {"health visitor", "GP", "A&E nurse", "practice nurse"}},
          {"police",
           {"response officer", "PPU detective constable",
            "MASH police officer"}},
          {"school",
           {"designated safeguarding lead", "class teacher",
            "attendance officer", "head teacher"}},
      };
  return *roles;
}

std::string SourceRef(const std::string& agency, Rng& rng) {
  const int n = 10000 + rng.Below(90000);
  if (agency == "csc") return absl::StrCat("LCS case note ", n);
  if (agency == "health") return absl::StrCat("SystmOne entry ", n);
  if (agency == "police") return absl::StrCat("Niche OEL 23/", n);
  return absl::StrCat("CPOMS incident ", n);
}

std::string TimeOfDay(Rng& rng, int first_hour, int hours) {
  const int minutes = first_hour * 60 + 5 * rng.Below(hours * 12);
  return absl::StrFormat("%02d:%02d", minutes / 60, minutes % 60);
}

struct PlantedDiscrepancy {
  std::string entry_a;
  std::string entry_b;
  std::string field;
};

struct TestReview {
  std::vector<v1::ChronologyEntry> entries;
  // Each planted duplicate's entry ids, sorted.
  std::vector<std::vector<std::string>> duplicates;
  std::vector<PlantedDiscrepancy> discrepancies;
};

// A review of four agencies over `span_days` from 2023-01-02: `planted`
// duplicates and `planted` discrepancies of shared events (at least 8 days
// apart), pairs of near misses (one in 25 entries), then everyday records
// until there are `total` entries.
TestReview BuildTestReview(uint64_t seed, int planted, int total,
                           int span_days) {
  Rng rng(seed);
  TestReview review;
  std::set<std::string> ids;
  auto new_entry = [&](const std::string& agency, int day) {
    std::string id;
    do {
      id = absl::StrFormat("%016x", rng.engine()());
    } while (!ids.insert(id).second);
    v1::ChronologyEntry entry;
    entry.set_id(id);
    entry.set_review_id("r1");
    entry.set_owner_agency(agency);
    entry.set_date(absl::FormatCivilTime(absl::CivilDay(2023, 1, 2) + day));
    entry.set_source(SourceRef(agency, rng));
    entry.set_practitioner_role(rng.Pick(Roles().at(agency)));
    return entry;
  };

  // Every shared event used at most once: (event, detail) pairs shuffled.
  std::vector<std::pair<int, int>> shared;
  for (int e = 0; e < static_cast<int>(SharedEvents().size()); ++e) {
    for (int d = 0; d < 3; ++d) shared.emplace_back(e, d);
  }
  std::shuffle(shared.begin(), shared.end(), rng.engine());
  const int slots = 2 * planted;
  EXPECT_LE(slots, static_cast<int>(shared.size()));
  const int spacing = span_days / slots;
  const char* const kFields[] = {
      "date",    "date", "time",       "child_seen",
      "date",    "time", "child_seen", "child_voice_recorded",
      "end_date"};
  for (int slot = 0; slot < slots; ++slot) {
    const SharedEvent& event = SharedEvents()[shared[slot].first];
    const std::string& detail = event.details[shared[slot].second];
    const int day = slot * spacing + rng.Below(std::max(1, spacing - 7));
    std::vector<std::string> agencies(std::begin(kAgencies),
                                      std::end(kAgencies));
    std::shuffle(agencies.begin(), agencies.end(), rng.engine());
    const bool duplicate = slot % 2 == 0;
    agencies.resize(duplicate && slot % 8 == 0 ? 3 : 2);
    std::vector<int> wordings = {0, 1, 2};
    std::shuffle(wordings.begin(), wordings.end(), rng.engine());
    const std::string time = TimeOfDay(rng, 9, 8);
    const bool child_seen = rng.Chance(0.5);
    const bool child_voice = rng.Chance(0.5);
    std::vector<v1::ChronologyEntry> copies;
    for (size_t i = 0; i < agencies.size(); ++i) {
      v1::ChronologyEntry entry = new_entry(agencies[i], day);
      entry.set_event(
          absl::StrReplaceAll(event.wordings[wordings[i]], {{"{x}", detail}}));
      entry.set_time(time);
      entry.set_child_seen(child_seen);
      entry.set_child_voice_recorded(child_voice);
      copies.push_back(std::move(entry));
    }
    if (duplicate) {
      // An agency may leave the time out: that is no disagreement.
      if (rng.Chance(0.2)) copies.back().clear_time();
      std::vector<std::string>& group = review.duplicates.emplace_back();
      for (const v1::ChronologyEntry& e : copies) group.push_back(e.id());
      std::sort(group.begin(), group.end());
    } else {
      const std::string field = kFields[(slot / 2) % std::size(kFields)];
      v1::ChronologyEntry& other = copies[1];
      if (field == "date") {
        other.set_date(AddDays(other.date(), rng.Chance(0.5) ? 1 : -2));
      } else if (field == "time") {
        other.set_time(TimeOfDay(rng, 9, 8));
        if (other.time() == time) other.set_time("17:45");
      } else if (field == "child_seen") {
        other.set_child_seen(!child_seen);
      } else if (field == "child_voice_recorded") {
        other.set_child_voice_recorded(!child_voice);
      } else {
        copies[0].set_end_date(AddDays(copies[0].date(), 2));
        other.set_end_date(AddDays(other.date(), 3));
      }
      review.discrepancies.push_back({copies[0].id(), other.id(), field});
    }
    for (v1::ChronologyEntry& e : copies)
      review.entries.push_back(std::move(e));
  }

  // Near misses: an agency's record of its own response to another's event,
  // a few days later and worded alike, but not the same event.
  const int near_misses = total / 25;
  for (int i = 0; i < near_misses; ++i) {
    const int day = rng.Below(span_days - 3);
    const std::string what = rng.Pick(std::vector<std::string>{
        "shouting", "a smashed window", "a bruise on the cheek",
        "screaming at night"});
    std::pair<std::string, std::string> first;
    std::pair<std::string, std::string> second;
    int later = 0;
    switch (i % 3) {
      case 0:
        first = {"police",
                 absl::StrCat("Domestic incident callout after a neighbour "
                              "reported ",
                              what)};
        second = {"csc", absl::StrCat("Police notification received about "
                                      "the domestic incident: ",
                                      what)};
        later = 1 + rng.Below(2);
        break;
      case 1:
        first = {"school",
                 absl::StrCat("Safeguarding concern logged on CPOMS by class "
                              "teacher: ",
                              what)};
        second = {"csc", absl::StrCat("Referral from school about ", what)};
        later = rng.Below(2);
        break;
      default:
        first = {"csc", "Home visit to the family home; Mother present"};
        second = {"health",
                  "Health visitor home visit to the family home: Child J "
                  "weighed"};
        later = rng.Below(4);
        break;
    }
    for (const auto& [agency, event, offset] :
         {std::tuple{first.first, first.second, 0},
          std::tuple{second.first, second.second, later}}) {
      v1::ChronologyEntry entry = new_entry(agency, day + offset);
      entry.set_event(event);
      if (rng.Chance(0.6)) entry.set_time(TimeOfDay(rng, 8, 10));
      entry.set_child_seen(rng.Chance(0.5));
      review.entries.push_back(std::move(entry));
    }
  }

  for (int i = 0; static_cast<int>(review.entries.size()) < total; ++i) {
    const std::string agency = kAgencies[i % 4];
    v1::ChronologyEntry entry = new_entry(agency, rng.Below(span_days));
    entry.set_event(BackgroundEvent(agency, rng));
    if (rng.Chance(0.05)) {  // the record gives only the month
      entry.set_date(absl::StrCat(entry.date().substr(0, 8), "01"));
      entry.set_date_uncertain(true);
    } else if (rng.Chance(0.6)) {
      entry.set_time(agency == "police" ? TimeOfDay(rng, 0, 24)
                                        : TimeOfDay(rng, 8, 10));
    }
    entry.set_child_seen(rng.Chance(0.5));
    entry.set_child_voice_recorded(rng.Chance(0.3));
    review.entries.push_back(std::move(entry));
  }
  return review;
}

uint64_t TestSeed() {
  uint64_t seed = 20240304;
  if (const char* env = std::getenv("CASESYNC_SEED")) {
    EXPECT_TRUE(absl::SimpleAtoi(env, &seed)) << "CASESYNC_SEED=" << env;
  }
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  std::cout << "seed " << seed << " (set CASESYNC_SEED to change)\n";
  return seed;
}

// How the matcher did on a test review. A match is a pair of entries taken
// for one event (a discrepancy pair, whatever number of fields it disagrees
// on) or a group of likely duplicates. A reported match is right if it is
// exactly a planted one: the same entries, and for a discrepancy pair the
// planted field and no other.
struct Evaluation {
  int planted = 0;
  std::vector<std::string> missed;
  int reported = 0;
  std::vector<std::string> false_matches;
  int discrepancies = 0;  // records listed
};

Evaluation Evaluate(const TestReview& review, const MatchResult& result) {
  using Pair = std::pair<std::string, std::string>;
  Evaluation out;
  std::set<std::vector<std::string>> planted_groups(review.duplicates.begin(),
                                                    review.duplicates.end());
  std::map<Pair, std::set<std::string>> planted;
  for (const PlantedDiscrepancy& p : review.discrepancies) {
    planted[std::minmax(p.entry_a, p.entry_b)].insert(p.field);
  }
  std::set<std::vector<std::string>> found_groups;
  for (const v1::CompositeEntry& c : result.chronology.entries()) {
    if (c.sources_size() < 2) continue;
    std::vector<std::string> ids;
    for (const v1::EntrySource& s : c.sources()) ids.push_back(s.entry_id());
    std::sort(ids.begin(), ids.end());
    ++out.reported;
    found_groups.insert(ids);
    if (!planted_groups.count(ids)) {
      out.false_matches.push_back(
          absl::StrCat("duplicate ", c.entry().date(), ": ", c.entry().event(),
                       " / ", absl::StrJoin(c.duplicate_reasons(), "; ")));
    }
  }
  std::map<Pair, std::set<std::string>> found;
  std::map<Pair, const v1::Discrepancy*> example;
  for (const v1::Discrepancy& d : result.discrepancies) {
    const Pair pair =
        std::minmax(d.versions(0).entry_id(), d.versions(1).entry_id());
    found[pair].insert(d.field());
    example.emplace(pair, &d);
    ++out.discrepancies;
  }
  for (const auto& [pair, fields] : found) {
    ++out.reported;
    auto it = planted.find(pair);
    if (it == planted.end() || it->second != fields) {
      const v1::Discrepancy& d = *example[pair];
      out.false_matches.push_back(absl::StrCat(
          absl::StrJoin(fields, ", "), " differ: ", d.versions(0).event(),
          " / ", d.versions(1).event(), " / ",
          absl::StrJoin(d.reasons(), "; ")));
    }
  }
  for (const std::vector<std::string>& group : review.duplicates) {
    ++out.planted;
    if (!found_groups.count(group)) {
      out.missed.push_back("duplicate " + absl::StrJoin(group, ","));
    }
  }
  for (const auto& [pair, fields] : planted) {
    ++out.planted;
    auto it = found.find(pair);
    if (it == found.end() || it->second != fields) {
      out.missed.push_back(absl::StrCat(absl::StrJoin(fields, ","),
                                        " discrepancy ", pair.first, ",",
                                        pair.second));
    }
  }
  return out;
}

TEST(RealisticReviewTest, FindsEveryPlantedMatchWithHighPrecision) {
  const uint64_t seed = TestSeed();
  const TestReview review = BuildTestReview(seed, 15, 400, 540);
  const MatchResult result = Match(review.entries);
  const Evaluation eval = Evaluate(review, result);
  const int correct =
      eval.reported - static_cast<int>(eval.false_matches.size());
  const double precision =
      eval.reported == 0 ? 0 : static_cast<double>(correct) / eval.reported;
  std::cout << absl::StrFormat(
      "%d entries; %d of %d planted found; precision %.2f (%d false match%s "
      "of %d; %d discrepancy records)\n",
      review.entries.size(), eval.planted - eval.missed.size(), eval.planted,
      precision, eval.false_matches.size(),
      eval.false_matches.size() == 1 ? "" : "es", eval.reported,
      eval.discrepancies);
  for (const std::string& f : eval.false_matches)
    std::cout << "  false match: " << f << "\n";
  RecordProperty("precision", absl::StrFormat("%.3f", precision));
  EXPECT_EQ(review.entries.size(), 400u);
  EXPECT_EQ(eval.planted, 30);
  EXPECT_THAT(eval.missed, IsEmpty()) << "seed " << seed;
  EXPECT_GE(precision, 0.9) << "seed " << seed;
}

TEST(RealisticReviewTest, ResultDependsOnlyOnTheSetOfEntries) {
  const uint64_t seed = TestSeed();
  const TestReview review = BuildTestReview(seed, 15, 400, 540);
  auto bytes = [](const MatchResult& result) {
    v1::JointReview out;
    *out.mutable_chronology() = result.chronology;
    for (const v1::Discrepancy& d : result.discrepancies)
      *out.add_discrepancies() = d;
    return out.SerializeAsString();
  };
  const std::string expected = bytes(Match(review.entries));
  std::vector<v1::ChronologyEntry> shuffled = review.entries;
  std::mt19937_64 engine(seed + 1);
  for (int round = 0; round < 3; ++round) {
    std::shuffle(shuffled.begin(), shuffled.end(), engine);
    EXPECT_EQ(bytes(Match(shuffled)), expected)
        << "seed " << seed << ", shuffle " << round;
  }
}

TEST(DeterminismTest, EvenEntriesSharingAnAgencyAndId) {
  // Ids are unique in a review; should two collide, the order is still
  // fixed, by content.
  std::vector<v1::ChronologyEntry> entries = {
      Entry("csc", "c1", "2024-03-03", "Core group meeting"),
      Entry("csc", "c1", "2024-03-03", "Core group meeting held"),
      Entry("police", "p1", "2024-03-03", "Core group meeting held")};
  entries[0].set_time("10:00");
  entries[1].set_time("10:00");
  entries[2].set_time("10:00");
  const std::string forward = Match(entries).chronology.SerializeAsString();
  std::swap(entries[0], entries[1]);
  EXPECT_EQ(Match(entries).chronology.SerializeAsString(), forward);
}

TEST(RealisticReviewTest, TenThousandEntriesHaveTheRightShape) {
  const uint64_t seed = TestSeed();
  const TestReview review = BuildTestReview(seed, 15, 10000, 540);
  std::vector<v1::ChronologyEntry> entries = review.entries;
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  const MatchResult result = Match(std::move(entries));
  const double cpu_ms = 1000.0 * (std::clock() - cpu_start) / CLOCKS_PER_SEC;
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const Evaluation eval = Evaluate(review, result);
  std::cout << absl::StrFormat(
      "10000 entries matched in %d ms (%.0f ms of CPU): %d composite "
      "entries, %d discrepancies, %d of %d planted found, %d false matches "
      "of %d\n",
      std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(),
      cpu_ms, result.chronology.entries_size(), result.discrepancies.size(),
      eval.planted - eval.missed.size(), eval.planted,
      eval.false_matches.size(), eval.reported);

  std::set<std::string> seen;
  std::set<std::string> discrepancy_ids;
  const v1::CompositeEntry* previous = nullptr;
  for (const v1::CompositeEntry& c : result.chronology.entries()) {
    ASSERT_GE(c.sources_size(), 1);
    EXPECT_EQ(c.entry().id(), c.sources(0).entry_id());
    for (int i = 0; i < c.sources_size(); ++i) {
      EXPECT_TRUE(seen.insert(c.sources(i).entry_id()).second);
      if (i > 0) {
        EXPECT_LT(c.sources(i - 1).agency(), c.sources(i).agency());
      }
    }
    EXPECT_EQ(c.sources_size() > 1, c.duplicate_reasons_size() > 0);
    if (previous != nullptr) {
      const v1::ChronologyEntry& x = previous->entry();
      const v1::ChronologyEntry& y = c.entry();
      EXPECT_LE(x.date(), y.date());
      if (x.date() == y.date()) {
        // Timed before untimed, timed in time order.
        EXPECT_FALSE(x.time().empty() && !y.time().empty());
        if (!y.time().empty()) {
          EXPECT_LE(x.time(), y.time());
        }
      }
    }
    previous = &c;
    discrepancy_ids.insert(c.discrepancy_ids().begin(),
                           c.discrepancy_ids().end());
  }
  EXPECT_EQ(seen.size(), 10000u);
  std::set<std::string> listed;
  for (size_t i = 0; i < result.discrepancies.size(); ++i) {
    const v1::Discrepancy& d = result.discrepancies[i];
    ASSERT_THAT(d.versions(), SizeIs(2));
    EXPECT_LT(d.versions(0).agency(), d.versions(1).agency());
    EXPECT_EQ(d.id(), DiscrepancyId(d.versions(0).entry_id(),
                                    d.versions(1).entry_id(), d.field()));
    EXPECT_NE(d.versions(0).value(), d.versions(1).value());
    EXPECT_GE(d.score(), 0.5);
    EXPECT_LE(d.score(), 1.0);
    EXPECT_FALSE(d.reasons().empty());
    EXPECT_TRUE(listed.insert(d.id()).second);
    if (i > 0) {
      const v1::Discrepancy& p = result.discrepancies[i - 1];
      EXPECT_LE(std::tie(p.versions(0).date(), p.id()),
                std::tie(d.versions(0).date(), d.id()));
    }
  }
  EXPECT_EQ(listed, discrepancy_ids);
}

}  // namespace
}  // namespace casesync
