// The published export's name check over rendered documents: the review
// room's pseudonym map (common/review/pseudonyms.h) applied to what the
// document room renders (common/document/review_render.h), as the export
// service does (common/api/review_service.cc).
#include <string>
#include <vector>

#include "common/document/review_render.h"
#include "common/review/pseudonyms.h"
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

}  // namespace
}  // namespace casesync
