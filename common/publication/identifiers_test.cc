// Identifiers found without a list (issue 22): each form, and what is not one.
#include "common/publication/identifiers.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::testing::IsEmpty;

std::vector<std::pair<std::string, std::string>> Found(
    const std::string& text, const std::vector<std::string>& sources = {}) {
  const IdentifierFinder finder(sources);
  std::vector<std::pair<std::string, std::string>> out;
  for (const IdentifierFinder::Hit& hit : finder.Find(text)) {
    out.emplace_back(text.substr(hit.begin, hit.end - hit.begin), hit.kind);
  }
  return out;
}

TEST(IdentifierFinderTest, NhsNumbersNeedTheirCheckDigit) {
  EXPECT_TRUE(IdentifierFinder::IsValidNhsNumber("9434765919"));
  EXPECT_FALSE(IdentifierFinder::IsValidNhsNumber("9434765918"));
  // A check of 10 is no number.
  EXPECT_FALSE(IdentifierFinder::IsValidNhsNumber("0000000060"));
  for (const char* form :
       {"943 476 5919", "9434765919", "943-476-5919", "943.476.5919",
        "9 4 3 4 7 6 5 9 1 9", "943\u00a0476\u00a05919", "94347 65919",
        "\uff19\uff14\uff13 \uff14\uff17\uff16 \uff15\uff19\uff11\uff19",
        "943\u200b476\u200b5919"}) {
    const auto found = Found(std::string("NHS no. ") + form + ".");
    ASSERT_EQ(found.size(), 1u) << form;
    EXPECT_EQ(found[0].second, "NHS number") << form;
  }
  // Ten digits without the check digit are not an NHS number.
  for (const auto& [text, kind] : Found("ref 943 476 5918")) {
    EXPECT_NE(kind, "NHS number") << text;
  }
}

TEST(IdentifierFinderTest, PhoneNumbers) {
  for (const char* form :
       {"07700 900123", "07700900123", "0113 496 0000", "0113-496-0000",
        "+44 (0)113 496 0000", "+44 7700 900123", "(0113) 4960000",
        "020 7946 0000"}) {
    const auto found = Found(std::string("call ") + form + " now");
    ASSERT_EQ(found.size(), 1u) << form;
    EXPECT_EQ(found[0].second, "phone number") << form;
  }
}

TEST(IdentifierFinderTest, Postcodes) {
  for (const char* form :
       {"LS1 4AB", "ls1 4ab", "LS14AB", "M1  1AE", "EC1A 1BB", "W1A 0AX",
        "B33 8TH", "CR2 6XH", "DN55 1PT", "GIR 0AA"}) {
    const auto found = Found(std::string("lives at ") + form + ", near");
    ASSERT_EQ(found.size(), 1u) << form;
    EXPECT_EQ(found[0].second, "postcode") << form;
  }
  // Inward letters never include C I K M O V.
  EXPECT_THAT(Found("LS1 4AC"), IsEmpty());
}

TEST(IdentifierFinderTest, StreetAddresses) {
  for (const char* form : {"12 Elm Street", "4a Mill Lane",
                           "Flat 2, 45 "
                           "Acacia Avenue",
                           "221B Baker St",
                           "7 Church View "
                           "Road"}) {
    const auto found = Found(std::string("moved to ") + form + " in May");
    ASSERT_EQ(found.size(), 1u) << form;
    EXPECT_EQ(found[0].second, "street address") << form;
  }
  EXPECT_THAT(Found("2 home visits on the street"), IsEmpty());
}

TEST(IdentifierFinderTest, EmailAddresses) {
  for (const char* form :
       {"jane.obrien@example.com", "J_OBrien+x@mail.example.co.uk",
        "jobrien at example dot com", "jobrien [at] example [dot] org",
        "jobrien(at)example.net"}) {
    const auto found = Found(std::string("e-mail: ") + form + ".");
    ASSERT_EQ(found.size(), 1u) << form;
    EXPECT_EQ(found[0].second, "e-mail address") << form;
  }
  EXPECT_THAT(Found("met at school at 10 am"), IsEmpty());
}

TEST(IdentifierFinderTest, NationalInsuranceNumbers) {
  for (const char* form :
       {"AB123456C", "AB 12 34 56 C", "ab 123456 c", "JT 12 34 56"}) {
    const auto found = Found(std::string("NI ") + form + ";");
    ASSERT_EQ(found.size(), 1u) << form;
    EXPECT_EQ(found[0].second, "National Insurance number") << form;
  }
  // With the suffix letter the shape alone is enough: specimen (QQ) and
  // temporary (TN) numbers are found too.
  for (const char* form : {"QQ 12 34 56 C", "GB123456A"}) {
    const auto found = Found(std::string("NI ") + form + ";");
    ASSERT_EQ(found.size(), 1u) << form;
    EXPECT_EQ(found[0].second, "National Insurance number") << form;
  }
  // Without it, prefixes that are never issued are something else (still a
  // code, so still found).
  for (const auto& [text, kind] : Found("GB123456")) {
    EXPECT_NE(kind, "National Insurance number") << text;
  }
}

TEST(IdentifierFinderTest, DatesOfBirth) {
  for (const char* text :
       {"DOB 04/03/2019", "D.O.B.: 4.3.19", "date of birth 2019-03-04",
        "born on 4th March 2019", "born 4 Mar 2019", "Born March 4, 2019",
        "04/03/2019 (DOB)", "born on the 4th of March"}) {
    const auto found = Found(text);
    ASSERT_EQ(found.size(), 1u) << text;
    EXPECT_EQ(found[0].second, "date of birth") << text;
  }
  // A date without a word of birth is a date; a birth without a date is
  // nothing.
  EXPECT_THAT(Found("ICPC on 04/03/2024; baby born at 36 weeks"), IsEmpty());
}

TEST(IdentifierFinderTest, RecordReferences) {
  const std::vector<std::string> sources = {"CN-5531", "PNC 4471",
                                            "GP-2311-07"};
  EXPECT_THAT(
      Found("see CN 6012 and pnc/88", sources),
      ::testing::ElementsAre(std::make_pair(std::string("CN 6012"),
                                            std::string("record reference")),
                             std::make_pair(std::string("pnc/88"),
                                            std::string("record reference"))));
  for (const char* text :
       {"crime ref 41/12345/24", "Mosaic ID 1234567", "case number: 77812",
        "CAD-2312-0412", "URN 01AB2345", "client 12345678"}) {
    const auto found = Found(text);
    ASSERT_EQ(found.size(), 1u) << text;
    EXPECT_EQ(found[0].second, "record reference") << text;
  }
}

TEST(IdentifierFinderTest, OrdinaryChronologyTextIsClean) {
  for (const char* text :
       {"ICPC held 12/03/2024 at 10:30; CP plan under category of neglect.",
        "S47 enquiry; strategy meeting with police, HV and DSL.",
        "A&E attendance 2023-12-05, 3 cm bruise to left arm, seen by ED "
        "registrar.",
        "Home visit: mother, partner and 2 children present. COVID-19 "
        "restrictions.",
        "Rent arrears of \u00a31,250; housing officer visited flat.",
        "Weight 12.4 kg (9th centile); next review in 6 weeks.",
        "MARAC referral, DASH score 14; IDVA allocated.",
        "Section 20 accommodation agreed at 2 pm; 15 minute call."}) {
    EXPECT_THAT(Found(text), IsEmpty()) << text;
  }
}

}  // namespace
}  // namespace casesync
