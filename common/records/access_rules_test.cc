#include "common/records/access_rules.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

v1::Review Review(v1::Review::Phase phase) {
  v1::Review review;
  review.set_id("r1");
  review.add_agencies("police");
  review.add_agencies("school");
  review.set_phase(phase);
  return review;
}

v1::RecordRef Ref(v1::RecordType type, const std::string& owner) {
  v1::RecordRef ref;
  ref.set_review_id("r1");
  ref.set_record_id("rec");
  ref.set_type(type);
  ref.set_owner_agency(owner);
  return ref;
}

TEST(AccessRulesTest, AgencyMayWriteItsOwnRecordsInAnOpenReview) {
  const v1::Review review = Review(v1::Review::PHASE_DATA_GATHERING);
  EXPECT_EQ(CheckAgencyWrite(
                "police", Ref(v1::RECORD_TYPE_CHRONOLOGY, "police"), &review),
            std::nullopt);
  // Findings is the last phase open to agencies.
  const v1::Review findings = Review(v1::Review::PHASE_FINDINGS);
  EXPECT_EQ(CheckAgencyWrite(
                "police", Ref(v1::RECORD_TYPE_CHRONOLOGY, "police"), &findings),
            std::nullopt);
}

TEST(AccessRulesTest, EachRefusalHasItsReason) {
  const v1::Review review = Review(v1::Review::PHASE_ANALYSIS);
  auto reason = [](const std::optional<Refusal>& refusal) {
    return refusal.has_value() ? refusal->reason
                               : v1::Verdict::REASON_UNSPECIFIED;
  };
  EXPECT_EQ(reason(CheckAgencyWrite(
                "police", Ref(v1::RECORD_TYPE_CHRONOLOGY, "police"), nullptr)),
            v1::Verdict::REASON_UNKNOWN_REVIEW);
  EXPECT_EQ(reason(CheckAgencyWrite(
                "health", Ref(v1::RECORD_TYPE_CHRONOLOGY, "health"), &review)),
            v1::Verdict::REASON_NOT_A_MEMBER);
  EXPECT_EQ(reason(CheckAgencyWrite(
                "police", Ref(v1::RECORD_TYPE_CHRONOLOGY, "school"), &review)),
            v1::Verdict::REASON_NOT_AUTHORISED);
  EXPECT_EQ(reason(CheckAgencyWrite(
                "police", Ref(v1::RECORD_TYPE_FINDING, "police"), &review)),
            v1::Verdict::REASON_NOT_AUTHORISED);
  EXPECT_EQ(reason(CheckAgencyWrite(
                "police", Ref(v1::RECORD_TYPE_REVIEW, "police"), &review)),
            v1::Verdict::REASON_NOT_AUTHORISED);
  const v1::Review closed = Review(v1::Review::PHASE_BOARD_RESPONSE);
  std::optional<Refusal> phase = CheckAgencyWrite(
      "police", Ref(v1::RECORD_TYPE_CHRONOLOGY, "police"), &closed);
  EXPECT_EQ(reason(phase), v1::Verdict::REASON_PHASE_CLOSED);
  EXPECT_THAT(phase->detail, ::testing::HasSubstr("board_response"));
}

TEST(AccessRulesTest, DisclosureFollowsMembershipOwnershipAndVisibility) {
  const v1::Review review = Review(v1::Review::PHASE_ANALYSIS);
  const v1::RecordRef police_entry = Ref(v1::RECORD_TYPE_CHRONOLOGY, "police");
  EXPECT_TRUE(
      MayDisclose("school", police_entry, v1::VISIBILITY_REVIEW, &review));
  EXPECT_TRUE(
      MayDisclose("school", police_entry, v1::VISIBILITY_PUBLISHED, &review));
  EXPECT_FALSE(
      MayDisclose("school", police_entry, v1::VISIBILITY_AGENCY, &review));
  EXPECT_TRUE(
      MayDisclose("police", police_entry, v1::VISIBILITY_AGENCY, &review));
  EXPECT_FALSE(
      MayDisclose("health", police_entry, v1::VISIBILITY_REVIEW, &review));
  EXPECT_FALSE(
      MayDisclose("school", police_entry, v1::VISIBILITY_REVIEW, nullptr));
  EXPECT_TRUE(MayDisclose("school", Ref(v1::RECORD_TYPE_REVIEW, "board"),
                          v1::VISIBILITY_AGENCY, &review));
  EXPECT_FALSE(MayDisclose("police", Ref(v1::RECORD_TYPE_PSEUDONYM, "board"),
                           v1::VISIBILITY_REVIEW, &review));
  // The publication's records stay on the board, even marked published.
  for (v1::RecordType type :
       {v1::RECORD_TYPE_PUBLICATION_PROFILE, v1::RECORD_TYPE_LEAK_DECISION,
        v1::RECORD_TYPE_SIGNOFF}) {
    EXPECT_FALSE(MayDisclose("police", Ref(type, "board"),
                             v1::VISIBILITY_PUBLISHED, &review))
        << type;
  }
}

TEST(AccessRulesTest, ContributionRequestsMoveOnlyByTheirOwners) {
  // docs/statutory_process.md: the board's request is the board's to move;
  // the agency moves its own response.
  const v1::Review review = Review(v1::Review::PHASE_DATA_GATHERING);
  std::optional<Refusal> request = CheckAgencyWrite(
      "police", Ref(v1::RECORD_TYPE_REQUEST, "board"), &review);
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->reason, v1::Verdict::REASON_NOT_AUTHORISED);
  // Not even one the agency would claim as its own.
  EXPECT_TRUE(CheckAgencyWrite("police", Ref(v1::RECORD_TYPE_REQUEST, "police"),
                               &review)
                  .has_value());
  EXPECT_EQ(CheckAgencyWrite("police", Ref(v1::RECORD_TYPE_RESPONSE, "police"),
                             &review),
            std::nullopt);
  EXPECT_TRUE(CheckAgencyWrite("police",
                               Ref(v1::RECORD_TYPE_RESPONSE, "school"), &review)
                  .has_value());
  // The request reaches the review's agencies; a date of birth none.
  EXPECT_TRUE(MayDisclose("police", Ref(v1::RECORD_TYPE_REQUEST, "board"),
                          v1::VISIBILITY_REVIEW, &review));
  EXPECT_FALSE(MayDisclose("police", Ref(v1::RECORD_TYPE_BIRTH_DATE, "board"),
                           v1::VISIBILITY_REVIEW, &review));
  EXPECT_FALSE(MayDisclose("police", Ref(v1::RECORD_TYPE_BIRTH_DATE, "board"),
                           v1::VISIBILITY_PUBLISHED, &review));
  // A response stays between its agency and the board.
  EXPECT_FALSE(MayDisclose("school", Ref(v1::RECORD_TYPE_RESPONSE, "police"),
                           v1::VISIBILITY_AGENCY, &review));
}

TEST(AccessRulesTest, PhaseNames) {
  EXPECT_EQ(PhaseName(v1::Review::PHASE_DATA_GATHERING), "data_gathering");
  EXPECT_EQ(PhaseName(v1::Review::PHASE_UNSPECIFIED), "scoping");
}

}  // namespace
}  // namespace casesync
