#include "common/replica/replica.h"

#include <memory>
#include <string>
#include <vector>

#include "common/records/field_value.h"
#include "common/records/record_types.h"
#include "common/testing/status_matchers.h"
#include "common/testing/store_dump.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::casesync::testing::DumpAll;
using ::casesync::testing::IsOk;
using ::casesync::testing::IsOkAndHolds;
using ::casesync::testing::StatusIs;
using ::casesync::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::SizeIs;

constexpr uint32_t kDate = 5;      // ChronologyEntry.date
constexpr uint32_t kSource = 10;   // ChronologyEntry.source
constexpr uint32_t kEvent = 12;    // ChronologyEntry.event
constexpr uint32_t kOutcome = 15;  // ChronologyEntry.outcome

FieldEdit Text(uint32_t field, const std::string& text) {
  FieldEdit edit;
  edit.field = field;
  edit.value.set_string_value(text);
  return edit;
}

class ReplicaTest : public ::testing::Test {
 protected:
  std::unique_ptr<Replica> OpenReplica(const std::string& id) {
    ReplicaOptions options;
    options.path = dir_.Sub(id);
    options.replica_id = id;
    options.clock = &clock_;
    auto replica = Replica::Open(options);
    EXPECT_THAT(replica, IsOk());
    return replica.ok() ? *std::move(replica) : nullptr;
  }

  // A new chronology entry in review r1.
  v1::Change AddEntry(Replica* replica, const std::string& event) {
    RecordEdit edit;
    edit.record.set_review_id("r1");
    edit.record.set_type(v1::RECORD_TYPE_CHRONOLOGY);
    edit.fields = {Text(kDate, "2024-03-04"), Text(kSource, "case note 17"),
                   Text(kEvent, event)};
    edit.author = "duty sw";
    auto change = replica->Edit(edit);
    EXPECT_THAT(change, IsOk());
    return change.ok() ? *change : v1::Change();
  }

  v1::Change SetField(Replica* replica, const v1::RecordRef& record,
                      uint32_t field, const std::string& text) {
    RecordEdit edit;
    edit.record = record;
    edit.fields = {Text(field, text)};
    auto change = replica->Edit(edit);
    EXPECT_THAT(change, IsOk());
    return change.ok() ? *change : v1::Change();
  }

  std::string Event(Replica* replica, const v1::RecordRef& record) {
    auto view = replica->ReadRecord(record.review_id(), record.record_id());
    EXPECT_THAT(view, IsOk());
    if (!view.ok()) return "";
    return static_cast<const v1::ChronologyEntry&>(*view->message).event();
  }

  TempDir dir_;
  FakeClock clock_{1'700'000'000'000};
};

TEST_F(ReplicaTest, EditCreatesAndMaterializesARecord) {
  auto police = OpenReplica("police");
  v1::Change change = AddEntry(police.get(), "Strategy meeting");
  EXPECT_EQ(change.dot().replica(), "police");
  EXPECT_EQ(change.dot().counter(), 1u);
  EXPECT_EQ(change.record().owner_agency(), "police");
  EXPECT_EQ(change.record().record_id().size(), 26u);

  ASSERT_OK_AND_ASSIGN(RecordView view,
                       police->ReadRecord("r1", change.record().record_id()));
  const auto& entry = static_cast<const v1::ChronologyEntry&>(*view.message);
  EXPECT_EQ(entry.id(), change.record().record_id());
  EXPECT_EQ(entry.review_id(), "r1");
  EXPECT_EQ(entry.owner_agency(), "police");
  EXPECT_EQ(entry.date(), "2024-03-04");
  EXPECT_EQ(entry.event(), "Strategy meeting");
  // Made without a visibility: its owner's only.
  EXPECT_EQ(entry.visibility(), v1::VISIBILITY_AGENCY);
  EXPECT_FALSE(view.deleted);
  EXPECT_THAT(police->Frontier("police"), IsOkAndHolds(1u));
}

TEST_F(ReplicaTest, NewRecordNeedsRequiredFields) {
  auto police = OpenReplica("police");
  RecordEdit edit;
  edit.record.set_review_id("r1");
  edit.record.set_type(v1::RECORD_TYPE_CHRONOLOGY);
  edit.fields = {Text(kDate, "2024-03-04")};
  EXPECT_THAT(police->Edit(edit), StatusIs(absl::StatusCode::kInvalidArgument,
                                           "needs the field 'source'"));
  EXPECT_THAT(police->Frontier("police"), IsOkAndHolds(0u));
}

TEST_F(ReplicaTest, StoreBelongsToOneReplicaId) {
  { auto police = OpenReplica("police"); }
  ReplicaOptions options;
  options.path = dir_.Sub("police");
  options.replica_id = "school";
  EXPECT_THAT(Replica::Open(options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "belongs to replica 'police'"));
}

TEST_F(ReplicaTest, SecondOpenOfTheSameStoreIsRefusedClearly) {
  auto police = OpenReplica("police");
  ReplicaOptions options;
  options.path = dir_.Sub("police");
  options.replica_id = "police";
  EXPECT_THAT(Replica::Open(options), StatusIs(absl::StatusCode::kUnavailable,
                                               "in use by another process"));
}

TEST_F(ReplicaTest, StateSurvivesCloseAndReopen) {
  std::string digest_before;
  v1::Change change;
  {
    auto police = OpenReplica("police");
    change = AddEntry(police.get(), "Home visit");
    SetField(police.get(), change.record(), kOutcome, "No access");
    ASSERT_OK_AND_ASSIGN(StateDigest digest, police->Digest());
    digest_before = digest.sha256;
    EXPECT_EQ(digest.records, 1u);
  }
  auto police = OpenReplica("police");
  ASSERT_OK_AND_ASSIGN(StateDigest digest, police->Digest());
  EXPECT_EQ(digest.sha256, digest_before);
  EXPECT_EQ(Event(police.get(), change.record()), "Home visit");
  EXPECT_THAT(police->Frontier("police"), IsOkAndHolds(2u));
  // The next local change continues the counter.
  EXPECT_EQ(
      SetField(police.get(), change.record(), kOutcome, "Seen").dot().counter(),
      3u);
}

TEST_F(ReplicaTest, HlcNeverGoesBackAcrossARestartWithAClockSteppedBack) {
  v1::HlcTimestamp last;
  v1::RecordRef record;
  {
    auto police = OpenReplica("police");
    v1::Change change = AddEntry(police.get(), "Visit");
    last = change.hlc();
    record = change.record();
  }
  clock_.Advance(-3'600'000);  // an hour back
  auto police = OpenReplica("police");
  v1::Change next = SetField(police.get(), record, kOutcome, "Later");
  EXPECT_GT(CompareHlc(next.hlc(), last), 0);
}

TEST_F(ReplicaTest, ApplyingAChangeTwiceChangesNothing) {
  auto police = OpenReplica("police");
  auto board = OpenReplica("board");
  v1::Change change = AddEntry(police.get(), "Visit");
  EXPECT_THAT(board->Apply(change, Arrival::kInOrder),
              IsOkAndHolds(ApplyOutcome::kApplied));
  const std::string before = DumpAll(*board->store());
  EXPECT_THAT(board->Apply(change, Arrival::kInOrder),
              IsOkAndHolds(ApplyOutcome::kAlreadyHeld));
  EXPECT_THAT(board->Apply(change, Arrival::kAnyOrder),
              IsOkAndHolds(ApplyOutcome::kAlreadyHeld));
  EXPECT_EQ(DumpAll(*board->store()), before);
}

TEST_F(ReplicaTest, EachReviewCountsItsRecordsAsTheyComeAndGo) {
  auto police = OpenReplica("police");
  auto board = OpenReplica("board");
  v1::Change first = AddEntry(police.get(), "Visit");
  v1::Change second = AddEntry(police.get(), "Call");
  auto count = [&board](const std::string& review) {
    auto batch = board->NewBatch();
    auto n = batch->RecordCount(review);
    EXPECT_THAT(n, IsOk());
    return n.ok() ? *n : ~uint64_t{0};
  };
  EXPECT_EQ(count("r1"), 0u);
  for (const v1::Change& change : {first, second, first}) {
    ASSERT_THAT(board->Apply(change, Arrival::kAnyOrder), IsOk());
  }
  EXPECT_EQ(count("r1"), 2u);  // the repeat is no new record
  ASSERT_THAT(board->Apply(SetField(police.get(), first.record(), kEvent,
                                    "Visit (corrected)"),
                           Arrival::kAnyOrder),
              IsOk());
  EXPECT_EQ(count("r1"), 2u);
  EXPECT_EQ(count("r2"), 0u);
  {
    auto batch = board->NewBatch();
    ASSERT_THAT(batch->Purge("r1", first.record().record_id()), IsOk());
    ASSERT_THAT(batch->Commit(), IsOk());
  }
  EXPECT_EQ(count("r1"), 1u);
}

// Each bad input gets a clear error and leaves the store byte for byte as it
// was.
class BadInputTest : public ReplicaTest {
 protected:
  void SetUp() override {
    police_ = OpenReplica("police");
    board_ = OpenReplica("board");
    good_ = AddEntry(police_.get(), "Visit");
    ASSERT_THAT(board_->Apply(good_, Arrival::kInOrder), IsOk());
    before_ = DumpAll(*board_->store());
  }
  void ExpectRefused(const v1::Change& change, Arrival arrival,
                     absl::StatusCode code, const std::string& message) {
    EXPECT_THAT(board_->Apply(change, arrival), StatusIs(code, message));
    EXPECT_EQ(DumpAll(*board_->store()), before_) << "store changed";
  }
  v1::Change Next() {
    v1::Change change = good_;
    change.mutable_dot()->set_counter(2);
    change.mutable_writes()->DeleteSubrange(0, 2);  // keep only `event`
    change.mutable_writes(0)->mutable_value()->set_string_value("Edited");
    *change.mutable_writes(0)->add_parents() = good_.dot();
    return change;
  }

  std::unique_ptr<Replica> police_, board_;
  v1::Change good_;
  std::string before_;
};

TEST_F(BadInputTest, UnknownFieldNumber) {
  v1::Change change = Next();
  change.mutable_writes(0)->set_field(77);
  ExpectRefused(change, Arrival::kInOrder, absl::StatusCode::kInvalidArgument,
                "no field numbered 77");
}

TEST_F(BadInputTest, WrongValueType) {
  v1::Change change = Next();
  change.mutable_writes(0)->mutable_value()->set_int_value(5);
  ExpectRefused(change, Arrival::kInOrder, absl::StatusCode::kInvalidArgument,
                "takes text, not an integer");
}

TEST_F(BadInputTest, MissingRecordId) {
  v1::Change change = Next();
  change.mutable_record()->clear_record_id();
  ExpectRefused(change, Arrival::kInOrder, absl::StatusCode::kInvalidArgument,
                "record id is missing");
}

TEST_F(BadInputTest, CounterThatSkips) {
  v1::Change change = Next();
  change.mutable_dot()->set_counter(3);
  ExpectRefused(change, Arrival::kInOrder,
                absl::StatusCode::kFailedPrecondition, "next expected is 2");
}

TEST_F(BadInputTest, CounterRepeatedWithDifferentContent) {
  v1::Change change = good_;
  change.mutable_writes(2)->mutable_value()->set_string_value("Something else");
  ExpectRefused(change, Arrival::kInOrder, absl::StatusCode::kInvalidArgument,
                "already holds a different change");
  ExpectRefused(change, Arrival::kAnyOrder, absl::StatusCode::kInvalidArgument,
                "already holds a different change");
}

TEST_F(BadInputTest, RecordReaddressedWithAnotherOwner) {
  v1::Change change = Next();
  change.mutable_record()->set_owner_agency("school");
  ExpectRefused(change, Arrival::kInOrder, absl::StatusCode::kInvalidArgument,
                "owned by police");
}

TEST_F(ReplicaTest, ConcurrentEditsAreKeptAsAConflictUntilResolved) {
  auto police = OpenReplica("police");
  auto board = OpenReplica("board");
  v1::Change created = AddEntry(police.get(), "Strategy meeting");
  ASSERT_THAT(board->Apply(created, Arrival::kInOrder), IsOk());

  // Both edit `event` without seeing each other's edit.
  clock_.Advance(10);
  v1::Change at_police = SetField(police.get(), created.record(), kEvent,
                                  "Strategy meeting on the 3rd");
  clock_.Advance(10);
  v1::Change at_board = SetField(board.get(), created.record(), kEvent,
                                 "Strategy meeting on the 4th");
  ASSERT_THAT(police->Apply(at_board, Arrival::kAnyOrder), IsOk());
  ASSERT_THAT(board->Apply(at_police, Arrival::kInOrder), IsOk());

  for (Replica* replica : {police.get(), board.get()}) {
    ASSERT_OK_AND_ASSIGN(auto conflicts, replica->ListConflicts("r1"));
    ASSERT_THAT(conflicts, SizeIs(1)) << replica->id();
    EXPECT_EQ(conflicts[0].field->name(), "event");
    ASSERT_THAT(conflicts[0].values, SizeIs(2));
    // Shown first: the later HLC (the board's edit).
    EXPECT_EQ(conflicts[0].values[0].value().string_value(),
              "Strategy meeting on the 4th");
    EXPECT_EQ(conflicts[0].values[0].dot().replica(), "board");
    EXPECT_EQ(conflicts[0].values[1].value().string_value(),
              "Strategy meeting on the 3rd");
    EXPECT_EQ(conflicts[0].values[1].author(), "");
    EXPECT_EQ(Event(replica, created.record()), "Strategy meeting on the 4th");
    EXPECT_THAT(replica->CountConflicts(), IsOkAndHolds(1u));
  }
  ASSERT_OK_AND_ASSIGN(StateDigest police_digest, police->Digest());
  ASSERT_OK_AND_ASSIGN(StateDigest board_digest, board->Digest());
  EXPECT_EQ(police_digest.sha256, board_digest.sha256);

  // Resolving at the police names both values; once the board has it, the
  // conflict is gone there too.
  v1::Change resolve = SetField(police.get(), created.record(), kEvent,
                                "Strategy meeting (date disputed)");
  ASSERT_THAT(resolve.writes(0).parents(), SizeIs(2));
  ASSERT_THAT(board->Apply(resolve, Arrival::kInOrder), IsOk());
  for (Replica* replica : {police.get(), board.get()}) {
    EXPECT_THAT(replica->ListConflicts("r1"), IsOkAndHolds(SizeIs(0)));
    EXPECT_EQ(Event(replica, created.record()),
              "Strategy meeting (date disputed)");
  }
}

TEST_F(ReplicaTest, DeleteAgainstConcurrentEditIsAConflictNotALoss) {
  auto police = OpenReplica("police");
  auto board = OpenReplica("board");
  v1::Change created = AddEntry(police.get(), "Visit");
  ASSERT_THAT(board->Apply(created, Arrival::kInOrder), IsOk());

  auto batch = police->NewBatch();
  ASSERT_OK_AND_ASSIGN(v1::Change deletion,
                       batch->Delete("r1", created.record().record_id(), "sw"));
  ASSERT_THAT(batch->Commit(), IsOk());
  ASSERT_OK_AND_ASSIGN(RecordView deleted_view,
                       police->ReadRecord("r1", created.record().record_id()));
  EXPECT_TRUE(deleted_view.deleted);
  EXPECT_THAT(police->ListRecords("r1", std::nullopt, false),
              IsOkAndHolds(SizeIs(0)));

  clock_.Advance(5);
  v1::Change edit =
      SetField(board.get(), created.record(), kEvent, "Visit, child seen");
  ASSERT_THAT(board->Apply(deletion, Arrival::kInOrder), IsOk());
  ASSERT_THAT(police->Apply(edit, Arrival::kAnyOrder), IsOk());

  for (Replica* replica : {police.get(), board.get()}) {
    ASSERT_OK_AND_ASSIGN(auto conflicts, replica->ListConflicts("r1"));
    ASSERT_THAT(conflicts, SizeIs(1));
    EXPECT_EQ(conflicts[0].field->name(), "event");
    // The edit is kept beside the tombstone.
    bool has_edit = false, has_tombstone = false;
    for (const auto& value : conflicts[0].values) {
      has_edit |= value.value().string_value() == "Visit, child seen";
      has_tombstone |= IsTombstone(value.value());
    }
    EXPECT_TRUE(has_edit);
    EXPECT_TRUE(has_tombstone);
    ASSERT_OK_AND_ASSIGN(
        RecordView view,
        replica->ReadRecord("r1", created.record().record_id()));
    EXPECT_FALSE(view.deleted);  // the edit wins the display: later HLC
  }
}

TEST_F(ReplicaTest, ChildBeforeParentGivesTheSameState) {
  auto police = OpenReplica("police");
  v1::Change first = AddEntry(police.get(), "Visit");
  v1::Change second = SetField(police.get(), first.record(), kEvent, "Visit 2");
  v1::Change third = SetField(police.get(), first.record(), kEvent, "Visit 3");

  auto in_order = OpenReplica("school");
  auto reversed = OpenReplica("health");
  for (const v1::Change& c : {first, second, third}) {
    ASSERT_THAT(in_order->Apply(c, Arrival::kAnyOrder), IsOk());
  }
  for (const v1::Change& c : {third, second, first}) {
    ASSERT_THAT(reversed->Apply(c, Arrival::kAnyOrder), IsOk());
  }
  EXPECT_EQ(Event(reversed.get(), first.record()), "Visit 3");
  EXPECT_THAT(reversed->ListConflicts(""), IsOkAndHolds(SizeIs(0)));
  EXPECT_EQ(
      testing::DumpFamilies(*in_order->store(), testing::kReplicatedFamilies),
      testing::DumpFamilies(*reversed->store(), testing::kReplicatedFamilies));
  // The frontier filled in once the gap closed.
  EXPECT_THAT(reversed->Frontier("police"), IsOkAndHolds(3u));
}

TEST_F(ReplicaTest, ChangesAfterStopsAtTheFirstGap) {
  auto police = OpenReplica("police");
  std::vector<v1::Change> changes;
  v1::Change first = AddEntry(police.get(), "Visit");
  changes.push_back(first);
  for (int i = 0; i < 4; ++i) {
    changes.push_back(SetField(police.get(), first.record(), kEvent,
                               "v" + std::to_string(i)));
  }
  ASSERT_OK_AND_ASSIGN(auto after_two,
                       police->ChangesAfter("police", 2, 100, 1 << 20));
  ASSERT_THAT(after_two, SizeIs(3));
  EXPECT_EQ(after_two[0].counter, 3u);
  v1::Change parsed;
  ASSERT_TRUE(parsed.ParseFromString(after_two[0].bytes));
  EXPECT_EQ(parsed.dot().counter(), 3u);
  // A byte budget stops early, but never before the first change.
  ASSERT_OK_AND_ASSIGN(auto one, police->ChangesAfter("police", 0, 100, 1));
  EXPECT_THAT(one, SizeIs(1));
  ASSERT_OK_AND_ASSIGN(auto limited,
                       police->ChangesAfter("police", 0, 2, 1 << 20));
  EXPECT_THAT(limited, SizeIs(2));

  auto relay = OpenReplica("school");
  for (int i : {0, 1, 3})
    ASSERT_THAT(relay->Apply(changes[i], Arrival::kAnyOrder), IsOk());
  ASSERT_OK_AND_ASSIGN(auto up_to_gap,
                       relay->ChangesAfter("police", 0, 100, 1 << 20));
  EXPECT_THAT(up_to_gap, SizeIs(2));
  EXPECT_THAT(relay->Frontier("police"), IsOkAndHolds(2u));
  ASSERT_OK_AND_ASSIGN(auto dots,
                       relay->RecordChanges("r1", first.record().record_id()));
  std::vector<uint64_t> counters;
  for (const v1::Dot& dot : dots) counters.push_back(dot.counter());
  EXPECT_THAT(counters, ElementsAre(1u, 2u, 4u));

  // A record made by one change and never edited keeps a compact state; its
  // change list is that change.
  auto single = OpenReplica("health");
  ASSERT_THAT(single->Apply(changes[0], Arrival::kAnyOrder), IsOk());
  ASSERT_OK_AND_ASSIGN(auto sole,
                       single->RecordChanges("r1", first.record().record_id()));
  ASSERT_THAT(sole, SizeIs(1));
  EXPECT_EQ(sole[0].counter(), 1u);
  EXPECT_THAT(single->RecordChanges("r1", "no-such-record"),
              IsOkAndHolds(SizeIs(0)));
}

TEST_F(ReplicaTest, UncommittedBatchIsDiscarded) {
  auto police = OpenReplica("police");
  const std::string before = DumpAll(*police->store());
  {
    auto batch = police->NewBatch();
    RecordEdit edit;
    edit.record.set_review_id("r1");
    edit.record.set_type(v1::RECORD_TYPE_CHRONOLOGY);
    edit.fields = {Text(kDate, "2024-01-01"), Text(kSource, "x")};
    ASSERT_THAT(batch->Edit(edit), IsOk());
    ASSERT_THAT(batch->Edit(edit), IsOk());
    EXPECT_EQ(batch->staged_changes(), 2u);
    EXPECT_THAT(batch->Frontier("police"), IsOkAndHolds(2u));
  }
  EXPECT_EQ(DumpAll(*police->store()), before);
}

TEST_F(ReplicaTest, DigestFilterSelectsRecords) {
  auto police = OpenReplica("police");
  v1::Change shared_entry = AddEntry(police.get(), "Shared");
  RecordEdit share;
  share.record = shared_entry.record();
  FieldEdit wide;
  wide.field = kVisibilityField;
  wide.value.set_enum_value(v1::VISIBILITY_REVIEW);
  share.fields = {wide};
  ASSERT_THAT(police->Edit(share), IsOk());
  v1::Change private_entry = AddEntry(police.get(), "Private");
  RecordEdit hide;
  hide.record = private_entry.record();
  FieldEdit visibility;
  visibility.field = kVisibilityField;
  visibility.value.set_enum_value(v1::VISIBILITY_AGENCY);
  hide.fields = {visibility};
  ASSERT_THAT(police->Edit(hide), IsOk());

  ASSERT_OK_AND_ASSIGN(StateDigest all, police->Digest());
  ASSERT_OK_AND_ASSIGN(
      StateDigest shared,
      police->Digest([](const v1::RecordRef&, v1::Visibility visibility) {
        return visibility != v1::VISIBILITY_AGENCY;
      }));
  EXPECT_EQ(all.records, 2u);
  EXPECT_EQ(shared.records, 1u);
  EXPECT_NE(all.sha256, shared.sha256);
}

}  // namespace
}  // namespace casesync
