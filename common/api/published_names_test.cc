// The published export's name check over rendered documents: the review
// room's pseudonym map (common/publication/pseudonyms.h) applied to what the
// document room renders (common/document/review_render.h), as the export
// service does (common/api/review_service.cc); and the published report of a
// realistic review against its golden file (tests/golden/published_review.md).
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/document/review_render.h"
#include "common/publication/pseudonyms.h"
#include "common/publication/publication.h"
#include "common/testing/review_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

std::vector<v1::PseudonymEntry> Map() {
  return testing::ReviewFixturePseudonyms();
}

TEST(FindRealNamesInTextTest, ChecksTheRenderedDocument) {
  v1::JointReview review = testing::ReviewFixture();
  EXPECT_THAT(FindRealNamesInText(Map(), RenderReviewMarkdown(review)),
              IsEmpty());
  EXPECT_THAT(FindRealNamesInText(Map(), RenderReviewHtml(review)), IsEmpty());
  review.mutable_review()->set_partnership("Walker House partnership");
  const std::vector<std::string> found =
      FindRealNamesInText(Map(), RenderReviewMarkdown(review));
  // "# title", "", "## Introduction", "", then the facts list.
  EXPECT_THAT(found, ElementsAre("line 5: \"Walker\" (part of a real name)"));
  ApplyPseudonyms(Map(), &review);  // replaces full names only
  EXPECT_THAT(FindRealNamesInText(Map(), RenderReviewMarkdown(review)),
              Not(IsEmpty()));
}

// The fixture as a review team would publish it: the report's own sections
// written, recommendations and the partners' response recorded, dates as
// months.
v1::JointReview RealisticReview() {
  v1::JointReview review = testing::ReviewFixture();
  review.set_published(true);
  v1::Review* r = review.mutable_review();
  r->set_kind(v1::Review::KIND_LCSPR);
  r->set_methodology(v1::Review::METHODOLOGY_LEARNING_TOGETHER);
  r->set_executive_summary(
      "Child J was four when he was admitted to hospital with injuries that "
      "could not be explained. Over the six months before, four agencies "
      "each knew part of the picture: a neighbour's call, a domestic "
      "incident, missed health appointments and a school's growing worry "
      "about a quiet, hungry boy.\n"
      "The review found that concerns were judged one at a time, that Child "
      "J was rarely seen or heard on his own, and that information shared "
      "between agencies did not reach the people deciding what to do.");
  r->set_about_the_child(
      "Child J is described by those who knew him as a gentle, curious boy "
      "who loved drawing and the class guinea pig. His teacher remembers him "
      "arriving early and staying close to adults he trusted.");
  r->set_family_involvement(
      "Mother was invited to contribute and met the lead reviewers twice. "
      "Her account of how services felt to her is reflected in the findings.");
  r->set_practitioner_involvement(
      "Practitioners and managers from each agency took part in a learning "
      "event and in individual conversations.");
  r->set_key_lines_of_enquiry(
      "How well did agencies share information about Child J?\n"
      "Was Child J seen and heard, and was his daily life understood?");
  r->set_parallel_processes(
      "A police investigation was concluded before publication.");
  r->set_good_practice(
      "The school's designated safeguarding lead kept a clear record of every "
      "concern and referred promptly.\n"
      "The health visitor followed up missed appointments persistently.");
  r->set_glossary(
      "Learning event: a meeting where practitioners reflect together on "
      "the case.");
  for (v1::FindingGroup& group : *review.mutable_findings()) {
    for (v1::Finding& f : *group.mutable_findings()) {
      if (f.id() != "01HFINDING000000000000001") continue;
      f.set_recommendation(
          "The partnership should make sure that practitioners in every "
          "agency speak to children on their own when there are concerns.");
      f.set_partners_response(
          "Agreed. Each agency will audit how often children are seen alone "
          "and report to the partnership within six months.");
    }
  }
  return review;
}

TEST(PublishedReportTest, ReadsAsAReportAndMatchesGolden) {
  const std::vector<v1::PseudonymEntry> map = Map();
  PublicationInputs inputs;
  inputs.map = map;
  const Publication publication = PreparePublication(RealisticReview(), inputs);
  for (const v1::PublicationLeak& leak : publication.leaks) {
    ADD_FAILURE() << DescribeLeak(leak);
  }
  const std::string markdown = RenderReviewMarkdown(publication.review);
  EXPECT_THAT(FindRealNamesInText(map, markdown), IsEmpty());
  // The title first; each finding once with both its categories; no
  // working material.
  EXPECT_EQ(markdown.rfind("# Child J rapid review\n", 0), 0u);
  EXPECT_EQ(markdown.find("### Finding 1"), markdown.rfind("### Finding 1"));
  EXPECT_THAT(markdown, ::testing::HasSubstr("**Categories:** Family"));
  for (const char* working : {"CN-5531", "Contribution status", "match score",
                              "Discrepanc", "09:", "Phase:"}) {
    EXPECT_THAT(markdown, Not(::testing::HasSubstr(working))) << working;
  }
  const std::string path =
      std::string(CASESYNC_GOLDEN_DIR) + "/published_review.md";
  if (std::getenv("CASESYNC_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << markdown;
    GTEST_SKIP() << "rewrote " << path;
  }
  std::ifstream file(path, std::ios::binary);
  std::stringstream golden;
  golden << file.rdbuf();
  EXPECT_EQ(golden.str(), markdown)
      << path << " differs; if meant, regenerate with CASESYNC_UPDATE_GOLDEN=1 "
      << "and read the diff";
}

}  // namespace
}  // namespace casesync
