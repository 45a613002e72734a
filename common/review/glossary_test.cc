#include "common/review/glossary.h"

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {

extern const char kBuiltInGlossary[];

namespace {

using ::casesync::testing::StatusIs;

std::string Read(const Glossary& glossary, const std::string& text) {
  return absl::StrJoin(glossary.Words(text), " ");
}

TEST(GlossaryTest, TheBuiltInFileParses) {
  ASSERT_OK_AND_ASSIGN(Glossary parsed, Glossary::Parse(kBuiltInGlossary));
  EXPECT_EQ(parsed.rule_count(), Glossary::BuiltIn().rule_count());
  EXPECT_GT(parsed.rule_count(), 60u);
}

TEST(GlossaryTest, AbbreviationsAndSynonymsReadAlike) {
  const Glossary& g = Glossary::BuiltIn();
  EXPECT_EQ(Read(g, "ICPC attended by HV"),
            "initial child protection conference attend by health visitor");
  EXPECT_EQ(Read(g, "S47"), Read(g, "s.47"));
  EXPECT_EQ(Read(g, "S47 enquiries"), "section 47 enquiry enquiry");
  EXPECT_EQ(Read(g, "Strategy discussion"), Read(g, "strategy meeting"));
  EXPECT_EQ(Read(g, "A&E"), Read(g, "ED"));
  EXPECT_EQ(Read(g, "LAC review"), Read(g, "CLA review"));
}

TEST(GlossaryTest, EventTypesFromEachAgencysWording) {
  const Glossary& g = Glossary::BuiltIn();
  const std::pair<const char*, const char*> cases[] = {
      {"ICPC attended by health visitor; CP plan under neglect",
       "initial child protection conference"},
      {"Initial child protection conference: child made subject of a child "
       "protection plan, category neglect",
       "initial child protection conference"},
      {"Strategy discussion with police and health", "strategy discussion"},
      {"Strat meeting held (CSC, police, HV)", "strategy discussion"},
      {"S47 enquiries started", "section 47 enquiry"},
      {"Section 47 enquiry: joint visit with police", "section 47 enquiry"},
      {"Case discussed at MARAC", "marac"},
      {"Child brought to A&E with a head injury", "hospital attendance"},
      {"Referral to MASH by school DSL", "referral"},
      {"Core group meeting at school", "core group"},
      {"RCPC: plan continues", "review child protection conference"},
      {"Telephone call to mother about rent", ""},
  };
  for (const auto& [text, type] : cases) {
    SCOPED_TRACE(text);
    EXPECT_EQ(g.TypeOf(text).name, type);
  }
  EXPECT_EQ(g.TypeOf("ICPC").window_days, 1);
  EXPECT_EQ(g.TypeOf("referral received").window_days, 5);
}

TEST(GlossaryTest, APartnershipsRulesWin) {
  ASSERT_OK_AND_ASSIGN(
      Glossary local,
      Glossary::Parse(
          "# Ourshire's words\n"
          "abbrev\tTAF\tteam around the family meeting\n"
          "synonym\tconf\tconference\n"
          "event\tteam around the family\t1\tteam around the family\n"
          "event\treferral\t10\treferral\n"));
  const Glossary merged = Glossary::BuiltIn().MergedWith(local);
  EXPECT_EQ(merged.TypeOf("TAF held at school").name, "team around the family");
  EXPECT_EQ(merged.TypeOf("Referral to MASH").window_days, 10);
  EXPECT_EQ(merged.TypeOf("ICPC").name, "initial child protection conference");
  EXPECT_EQ(Glossary::BuiltIn().TypeOf("TAF held at school").name, "");
}

TEST(GlossaryTest, BadRulesNameTheirLine) {
  EXPECT_THAT(Glossary::Parse("abbrev\tICPC\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, "glossary line 1"));
  EXPECT_THAT(Glossary::Parse("\n# c\nevent\tx\t400\tx\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, "glossary line 3"));
  EXPECT_THAT(Glossary::Parse("word\tx\ty\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown rule"));
  EXPECT_THAT(Glossary::Parse("synonym\tx\ty z\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, "one word"));
}

}  // namespace
}  // namespace casesync
