#include "common/publication/pseudonyms.h"

#include <string>
#include <vector>

#include "common/testing/review_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

v1::PseudonymEntry Entry(const std::string& real,
                         const std::string& pseudonym) {
  return testing::PseudonymFor(real, pseudonym);
}

std::vector<v1::PseudonymEntry> Map() {
  return testing::ReviewFixturePseudonyms();
}

v1::ChronologyEntry* EntryOf(v1::JointReview* review, int i) {
  return review->mutable_chronology()->mutable_entries(i)->mutable_entry();
}

TEST(ApplyPseudonymsTest, ReplacesFullNamesLongestFirstInAnyCase) {
  v1::JointReview review;
  review.mutable_review()->set_title("jane SMITH and Jane");
  // Shorter name first in the map: order must not matter.
  ApplyPseudonyms({Entry("Jane", "Ms J"), Entry("Jane Smith", "Mother")},
                  &review);
  EXPECT_EQ(review.review().title(), "Mother and Ms J");
}

TEST(ApplyPseudonymsTest, WholeWordsOnlyAndAnySpacing) {
  v1::JointReview review;
  v1::Review* r = review.mutable_review();
  r->set_title("Jane Smithson met Janet; Jane\n  Smith's file (jane smith).");
  ApplyPseudonyms({Entry("Jane Smith", "Mother")}, &review);
  EXPECT_EQ(r->title(), "Jane Smithson met Janet; Mother's file (Mother).");
}

TEST(ApplyPseudonymsTest, ReachesEveryStringOfEveryNestedMessage) {
  v1::JointReview review = testing::ReviewFixture();
  const std::string real = "Jayden Walker";
  review.mutable_review()->set_terms_of_reference("About " + real + ".");
  EntryOf(&review, 2)->set_event(real + " seen at home.");
  EntryOf(&review, 2)->add_episode_ids(real);  // a repeated string
  review.mutable_chronology()
      ->mutable_entries(3)
      ->mutable_sources(1)
      ->set_source("CAD note on " + real);
  review.mutable_episodes(0)->mutable_factors(1)->set_text(real + " spoke.");
  review.mutable_findings(1)->mutable_findings(1)->add_questions_for_board(
      "Who saw " + real + "?");
  review.mutable_discrepancies(1)->mutable_versions(1)->set_event(real);
  review.mutable_discrepancies(0)->mutable_decision()->set_rationale(real);
  review.mutable_conflicts(0)->set_values(1, real);
  review.mutable_summaries(2)->set_key_concerns(real);
  ASSERT_THAT(FindRealNames(Map(), review), Not(IsEmpty()));

  ApplyPseudonyms(Map(), &review);
  EXPECT_THAT(FindRealNames(Map(), review), IsEmpty());
  EXPECT_EQ(review.review().terms_of_reference(), "About Child J.");
  EXPECT_EQ(EntryOf(&review, 2)->event(), "Child J seen at home.");
  EXPECT_EQ(EntryOf(&review, 2)->episode_ids(0), "Child J");
  EXPECT_EQ(review.findings(1).findings(1).questions_for_board(2),
            "Who saw Child J?");
  EXPECT_EQ(review.discrepancies(1).versions(1).event(), "Child J");
  EXPECT_EQ(review.conflicts(0).values(1), "Child J");
  EXPECT_EQ(review.summaries(2).key_concerns(), "Child J");
  // Nothing else moved.
  v1::JointReview expected = testing::ReviewFixture();
  EXPECT_EQ(review.chronology().entries(0).entry().event(),
            expected.chronology().entries(0).entry().event());
}

TEST(FindRealNamesTest, FixtureIsFitToPublish) {
  EXPECT_THAT(FindRealNames(Map(), testing::ReviewFixture()), IsEmpty());
  EXPECT_THAT(FindRealNames({}, testing::ReviewFixture()), IsEmpty());
}

TEST(FindRealNamesTest, CatchesAPlantedNameUntilItIsRemoved) {
  v1::JointReview review = testing::ReviewFixture();
  EntryOf(&review, 2)->set_event("Neighbour says Jayden Walker was crying.");
  EXPECT_THAT(FindRealNames(Map(), review),
              ElementsAre("chronology entry 01HENTRY00000000000000003: event: "
                          "\"Jayden Walker\" (real name)"));
  EntryOf(&review, 2)->set_event("Neighbour says Child J was crying.");
  EXPECT_THAT(FindRealNames(Map(), review), IsEmpty());
}

TEST(FindRealNamesTest, CatchesAPartOfANameInAnyCase) {
  v1::JointReview review = testing::ReviewFixture();
  review.mutable_episodes(1)->mutable_episode()->set_what_happened(
      "Ms WALKER was out.");
  review.mutable_findings(0)->mutable_findings(0)->set_questions_for_board(
      0, "Did anyone ask kelly?");
  review.mutable_discrepancies(1)->mutable_versions(0)->set_event(
      "jayden's referral");
  review.mutable_conflicts(0)->set_values(1, "Walker visit");
  review.mutable_review()->set_title("Child J (Walker) rapid review");
  review.mutable_actions(1)->set_action("Tell Walker's school.");
  EXPECT_THAT(
      FindRealNames(Map(), review),
      ElementsAre(
          "review: title: \"Walker\" (part of a real name)",
          "key practice episode 01HEPISODE000000000000000E2: what_happened: "
          "\"WALKER\" (part of a real name)",
          "finding 01HFINDING000000000000001: questions_for_board #1: "
          "\"kelly\" (part of a real name)",
          "action plan item 01HACTION0000000000000002: action: \"Walker\" "
          "(part of a real name)",
          "conflict on record 01HEPISODE000000000000000E2: values #2: "
          "\"Walker\" (part of a real name)",
          "discrepancy d81c0e5ab6d77: versions #1.event: \"jayden\" (part of "
          "a real name)"));
}

TEST(FindRealNamesTest, WordsThatOnlyContainANameAreNotFlagged) {
  v1::JointReview review = testing::ReviewFixture();
  EntryOf(&review, 0)
      ->set_event(
          "Seen by a sleepwalker clinic in Walkerton; Kellyanne and Jaydens "
          "were "
          "there.");
  EXPECT_THAT(FindRealNames(Map(), review), IsEmpty());
}

TEST(FindRealNamesTest, PseudonymsAreNotFlagged) {
  EXPECT_THAT(FindRealNames(Map(), testing::ReviewFixture()), IsEmpty());
  // A pseudonym that shares a word with a real name (Child is a surname):
  // the word is not flagged inside the pseudonym, but is anywhere else,
  // even where it is only the ordinary word.
  const std::vector<v1::PseudonymEntry> map = {Entry("Jay Child", "Child J")};
  v1::JointReview review;
  review.mutable_review()->set_title("Child J rapid review");
  v1::ChronologyEntry* entry =
      review.mutable_chronology()->add_entries()->mutable_entry();
  entry->set_id("e1");
  entry->set_event("Child J said no; CHILD J left.");
  EXPECT_THAT(FindRealNames(map, review), IsEmpty());
  entry->set_event("The child was seen; Child J said no.");
  EXPECT_THAT(FindRealNames(map, review),
              ElementsAre("chronology entry e1: event: \"child\" (part of a "
                          "real name)"));
}

TEST(FindRealNamesTest, NamesOnlyWhatItFinds) {
  v1::JointReview review = testing::ReviewFixture();
  EntryOf(&review, 4)->set_action("Called Jayden Walker's school.");
  const std::vector<std::string> found = FindRealNames(Map(), review);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_THAT(found[0], HasSubstr("\"Jayden Walker\" (real name)"));
  // Neither the other real name nor any pseudonym is printed.
  EXPECT_THAT(found[0], Not(HasSubstr("Kelly")));
  EXPECT_THAT(found[0], Not(HasSubstr("Child J")));
  EXPECT_THAT(found[0], Not(HasSubstr("Mother")));
}

TEST(FindRealNamesInTextTest, NamesTheLine) {
  EXPECT_THAT(FindRealNamesInText(Map(), "Child J\nand Mother\n"), IsEmpty());
  EXPECT_THAT(
      FindRealNamesInText(Map(), "Child J\nseen by\nKELLY walker and\nWalker"),
      ElementsAre("line 3: \"KELLY walker\" (real name)",
                  "line 4: \"Walker\" (part of a real name)"));
  // A full name broken over two lines is one name.
  EXPECT_THAT(FindRealNamesInText(Map(), "x Jayden\nWalker"),
              ElementsAre("line 1: \"Jayden Walker\" (real name)"));
}

TEST(PseudonymsTest, EntriesWithoutANameOrPseudonymAreSkipped) {
  v1::JointReview review;
  review.mutable_review()->set_title("Jane Smith");
  ApplyPseudonyms({Entry("", "X"), Entry("  ", "Y"), Entry("Jane Smith", "")},
                  &review);
  // No pseudonym to put in: the name stays, and is still found.
  EXPECT_EQ(review.review().title(), "Jane Smith");
  EXPECT_THAT(FindRealNames({Entry("Jane Smith", "")}, review),
              ElementsAre("review: title: \"Jane Smith\" (real name)"));
}

}  // namespace
}  // namespace casesync
