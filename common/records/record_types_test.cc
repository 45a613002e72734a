#include "common/records/record_types.h"

#include <set>

#include "casesync/v1/replication.pb.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::casesync::testing::IsOk;
using ::casesync::testing::StatusIs;

TEST(RecordTypesTest, EveryRegisteredTypeFollowsTheRecordLayout) {
  for (const RecordTypeInfo& info : AllRecordTypes()) {
    EXPECT_THAT(CheckRecordLayout(*info.descriptor), IsOk()) << info.name;
  }
}

TEST(RecordTypesTest, EveryRecordTypeValueIsRegisteredOnce) {
  std::set<int> seen;
  std::set<std::string> names;
  for (const RecordTypeInfo& info : AllRecordTypes()) {
    EXPECT_TRUE(seen.insert(info.type).second) << info.name;
    EXPECT_TRUE(names.insert(std::string(info.name)).second) << info.name;
  }
  const auto* enum_type = v1::RecordType_descriptor();
  for (int i = 0; i < enum_type->value_count(); ++i) {
    const int number = enum_type->value(i)->number();
    if (number == v1::RECORD_TYPE_UNSPECIFIED) continue;
    EXPECT_TRUE(seen.count(number))
        << enum_type->value(i)->name() << " has no row in record_types.cc";
  }
}

TEST(RecordTypesTest, LooksUpByTypeAndName) {
  const RecordTypeInfo* chronology = FindRecordTypeByName("chronology");
  ASSERT_NE(chronology, nullptr);
  EXPECT_EQ(chronology->type, v1::RECORD_TYPE_CHRONOLOGY);
  EXPECT_EQ(chronology->descriptor, v1::ChronologyEntry::descriptor());
  EXPECT_EQ(FindRecordType(v1::RECORD_TYPE_FINDING)->name, "finding");
  EXPECT_EQ(FindRecordTypeByName("memo"), nullptr);
  EXPECT_EQ(FindRecordType(static_cast<v1::RecordType>(99)), nullptr);
  EXPECT_EQ(RecordTypeName(static_cast<v1::RecordType>(99)), "type 99");
}

TEST(RecordTypesTest, PseudonymsAreNeverDisclosedAndBoardOnly) {
  const RecordTypeInfo* pseudonym = FindRecordType(v1::RECORD_TYPE_PSEUDONYM);
  EXPECT_FALSE(pseudonym->disclosable);
  EXPECT_FALSE(pseudonym->agency_writable);
  EXPECT_FALSE(FindRecordType(v1::RECORD_TYPE_REVIEW)->agency_writable);
  EXPECT_TRUE(FindRecordType(v1::RECORD_TYPE_CHRONOLOGY)->agency_writable);
}

TEST(RecordTypesTest, TheStatutoryProcessKeepsWhoWritesAndWhoSees) {
  // The board's request cannot be moved by an agency; the agency's answer is
  // its own record.
  EXPECT_FALSE(FindRecordType(v1::RECORD_TYPE_REQUEST)->agency_writable);
  EXPECT_TRUE(FindRecordType(v1::RECORD_TYPE_REQUEST)->disclosable);
  EXPECT_TRUE(FindRecordType(v1::RECORD_TYPE_RESPONSE)->agency_writable);
  EXPECT_FALSE(FindRecordType(v1::RECORD_TYPE_SUBJECT)->agency_writable);
  EXPECT_TRUE(FindRecordType(v1::RECORD_TYPE_SUBJECT)->disclosable);
  // A date of birth never leaves the board.
  const RecordTypeInfo* birth = FindRecordTypeByName("birth_date");
  ASSERT_NE(birth, nullptr);
  EXPECT_FALSE(birth->disclosable);
  EXPECT_FALSE(birth->agency_writable);
}

TEST(RecordTypesTest, LayoutCheckRejectsAMessageWithoutIdentityFields) {
  // Dot is not a record: field 1 is `replica`, not `id`.
  EXPECT_THAT(CheckRecordLayout(*v1::Dot::descriptor()),
              StatusIs(absl::StatusCode::kInvalidArgument, "field 1"));
}

TEST(RecordTypesTest, NewRecordMessageHasTheRightType) {
  auto message = NewRecordMessage(*FindRecordType(v1::RECORD_TYPE_EPISODE));
  EXPECT_EQ(message->GetDescriptor(), v1::KeyPracticeEpisode::descriptor());
}

}  // namespace
}  // namespace casesync
