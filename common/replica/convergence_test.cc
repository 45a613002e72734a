// Randomized convergence test of the merge engine (docs/replication.md).
//
// Six replicas (a board and five agencies) make thousands of random edits
// across every record type: creations, edits of a small set of hot records so
// that the same field is often edited concurrently, deletions racing edits,
// and resolutions of conflicts. Between edits, replicas receive random parts
// of each other's changes, in random order and with duplicates. At every
// checkpoint a replica's current values must be exactly those an independent
// model computes from the changes it holds (every write no held write names as
// a parent), so a concurrent write stays visible until a resolving write names
// it. At the end every replica receives every change, again in its own random
// order with duplicates, and all must hold byte-identical state and digests.
//
// Seeds: a few fixed ones plus one random per run, printed; rerun one with
// CASESYNC_SEED=<seed>.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "casesync/v1/options.pb.h"
#include "common/records/change_check.h"
#include "common/records/field_value.h"
#include "common/records/record_types.h"
#include "common/replica/replica.h"
#include "common/testing/status_matchers.h"
#include "common/testing/store_dump.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

namespace pb = ::google::protobuf;
using ::casesync::testing::IsOk;

constexpr int kReplicas = 6;
constexpr int kEdits = 3000;
constexpr int kHotRecords = 12;

using FieldAddress =
    std::tuple<std::string, std::string, uint32_t>;  // review, record, field
using DotKey = std::pair<std::string, uint64_t>;

DotKey KeyOf(const v1::Dot& dot) { return {dot.replica(), dot.counter()}; }

// The current values of every field, computed from a set of changes with no
// code shared with the replica: the writes that no write names as a parent.
std::map<FieldAddress, std::set<DotKey>> ModelHeads(
    const std::vector<const v1::Change*>& changes) {
  std::map<FieldAddress, std::set<DotKey>> written, named;
  for (const v1::Change* change : changes) {
    for (const v1::FieldWrite& write : change->writes()) {
      FieldAddress address{change->record().review_id(),
                           change->record().record_id(), write.field()};
      written[address].insert(KeyOf(change->dot()));
      for (const v1::Dot& parent : write.parents())
        named[address].insert(KeyOf(parent));
    }
  }
  std::map<FieldAddress, std::set<DotKey>> heads;
  for (auto& [address, dots] : written) {
    for (const DotKey& dot : dots) {
      if (!named[address].count(dot)) heads[address].insert(dot);
    }
  }
  return heads;
}

class ConvergenceTest : public ::testing::TestWithParam<uint64_t> {
 protected:
  void SetUp() override {
    seed_ = GetParam();
    if (const char* env = std::getenv("CASESYNC_SEED")) {
      seed_ = std::strtoull(env, nullptr, 10);
    } else if (seed_ == 0) {
      seed_ = std::random_device()() | (uint64_t{std::random_device()()} << 32);
    }
    std::cout << "[ convergence ] seed " << seed_
              << " (rerun with CASESYNC_SEED=" << seed_ << ")" << std::endl;
    RecordProperty("seed", std::to_string(seed_));
    rng_.seed(seed_);
    for (int i = 0; i < kReplicas; ++i) {
      ReplicaOptions options;
      options.replica_id = i == 0 ? "board" : absl::StrCat("agency", i);
      options.path = dir_.Sub(options.replica_id);
      options.clock = &clock_;
      options.sync = false;  // durability is not what this test is about
      auto replica = Replica::Open(options);
      ASSERT_THAT(replica, IsOk());
      replicas_.push_back(*std::move(replica));
      held_.emplace_back();
      known_records_.emplace_back();
    }
  }

  size_t Pick(size_t n) {
    return std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
  }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  // A random value that CheckFieldValue accepts for `field`.
  v1::FieldValue RandomValue(const pb::FieldDescriptor& field) {
    v1::FieldValue value;
    const auto format = field.options().GetExtension(v1::format);
    auto text = [&]() -> std::string {
      switch (format) {
        case v1::FIELD_FORMAT_DATE:
          return absl::StrCat("2024-0", 1 + Pick(9), "-1", Pick(10));
        case v1::FIELD_FORMAT_TIME:
          return absl::StrCat("1", Pick(10), ":3", Pick(10));
        case v1::FIELD_FORMAT_ID:
        case v1::FIELD_FORMAT_RECORD_ID:
          return absl::StrCat("id", Pick(20));
        default:
          return absl::StrCat("text ", Pick(1000000));
      }
    };
    if (field.is_repeated()) {
      const size_t n = Pick(4);
      auto* list = value.mutable_string_list();  // set even when empty
      for (size_t i = 0; i < n; ++i) list->add_values(text());
      return value;
    }
    switch (field.cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_STRING:
        value.set_string_value(text());
        break;
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        value.set_bool_value(Chance(0.5));
        break;
      case pb::FieldDescriptor::CPPTYPE_INT32:
      case pb::FieldDescriptor::CPPTYPE_INT64:
        value.set_int_value(static_cast<int64_t>(Pick(100)));
        break;
      case pb::FieldDescriptor::CPPTYPE_ENUM:
        value.set_enum_value(field.enum_type()
                                 ->value(static_cast<int>(
                                     Pick(field.enum_type()->value_count())))
                                 ->number());
        break;
      default:
        ADD_FAILURE() << "unexpected field type " << field.full_name();
    }
    return value;
  }

  // A random writable field of the record type.
  const pb::FieldDescriptor* RandomField(const RecordTypeInfo& type) {
    while (true) {
      const pb::FieldDescriptor* field = type.descriptor->field(
          static_cast<int>(Pick(type.descriptor->field_count())));
      if (static_cast<uint32_t>(field->number()) >= kFirstWritableField)
        return field;
    }
  }

  void Record(int replica, const v1::Change& change) {
    all_changes_.push_back(change);
    held_[replica].insert(KeyOf(change.dot()));
    known_records_[replica].insert(
        {change.record().review_id(), change.record().record_id()});
    records_[{change.record().review_id(), change.record().record_id()}] =
        change.record();
  }

  // One random local action by one replica.
  void RandomEdit(int r) {
    Replica* replica = replicas_[r].get();
    auto& known = known_records_[r];
    const double roll = std::uniform_real_distribution<double>(0, 1)(rng_);
    if (known.empty() || roll < 0.15) {
      // Create a record of a random type, its required fields filled.
      const auto& types = AllRecordTypes();
      const RecordTypeInfo* type;
      do {
        type = &types[Pick(types.size())];
      } while (type->type == v1::RECORD_TYPE_REVIEW);
      RecordEdit edit;
      edit.record.set_review_id(absl::StrCat("review", Pick(3)));
      edit.record.set_type(type->type);
      edit.author = replica->id();
      std::set<uint32_t> chosen;
      for (int i = 0; i < type->descriptor->field_count(); ++i) {
        const pb::FieldDescriptor* field = type->descriptor->field(i);
        if (field->options().GetExtension(v1::required))
          chosen.insert(field->number());
      }
      for (int i = 0; i < 2; ++i) chosen.insert(RandomField(*type)->number());
      for (uint32_t number : chosen) {
        const pb::FieldDescriptor* field =
            type->descriptor->FindFieldByNumber(number);
        v1::FieldValue value = RandomValue(*field);
        if (field->options().GetExtension(v1::required) &&
            value.kind_case() == v1::FieldValue::kStringValue &&
            value.string_value().empty()) {
          value.set_string_value("x");
        }
        edit.fields.push_back(FieldEdit{number, value});
      }
      auto change = replica->Edit(edit);
      ASSERT_THAT(change, IsOk());
      Record(r, *change);
      if (hot_.size() < kHotRecords) hot_.push_back(change->record());
      return;
    }
    // Pick a record this replica holds: usually a hot one, to make races.
    v1::RecordRef ref;
    std::vector<v1::RecordRef> hot_known;
    for (const auto& h : hot_) {
      if (known.count({h.review_id(), h.record_id()})) hot_known.push_back(h);
    }
    if (!hot_known.empty() && Chance(0.7)) {
      ref = hot_known[Pick(hot_known.size())];
    } else {
      auto it = known.begin();
      std::advance(it, Pick(known.size()));
      ref = records_[*it];
    }
    const RecordTypeInfo* type = FindRecordType(ref.type());
    if (roll < 0.25) {
      auto batch = replica->NewBatch();
      auto change =
          batch->Delete(ref.review_id(), ref.record_id(), replica->id());
      if (!change.ok()) {
        // Already deleted here: fine, nothing to do.
        ASSERT_EQ(change.status().code(), absl::StatusCode::kFailedPrecondition)
            << change.status();
        return;
      }
      ASSERT_THAT(batch->Commit(), IsOk());
      Record(r, *change);
      ++deletes_;
      return;
    }
    if (roll < 0.32) {
      // Resolve a conflict this replica sees, by writing one of its values.
      auto conflicts = replica->ListConflicts("");
      ASSERT_THAT(conflicts, IsOk());
      if (!conflicts->empty()) {
        const FieldConflict& conflict = (*conflicts)[Pick(conflicts->size())];
        RecordEdit edit;
        edit.record = conflict.record;
        edit.author = replica->id();
        edit.fields.push_back(
            FieldEdit{static_cast<uint32_t>(conflict.field->number()),
                      conflict.values[Pick(conflict.values.size())].value()});
        auto change = replica->Edit(edit);
        ASSERT_THAT(change, IsOk());
        EXPECT_EQ(change->writes(0).parents_size(),
                  static_cast<int>(conflict.values.size()))
            << "a resolving write must name every value it replaces";
        Record(r, *change);
        ++resolutions_;
        return;
      }
    }
    RecordEdit edit;
    edit.record = ref;
    edit.author = replica->id();
    std::set<uint32_t> chosen;
    const size_t count = 1 + Pick(3);
    for (size_t i = 0; i < count; ++i)
      chosen.insert(RandomField(*type)->number());
    for (uint32_t number : chosen) {
      edit.fields.push_back(FieldEdit{
          number, RandomValue(*type->descriptor->FindFieldByNumber(number))});
    }
    auto change = replica->Edit(edit);
    ASSERT_THAT(change, IsOk());
    Record(r, *change);
  }

  // Delivers to replica `r` the given changes (indexes into all_changes_),
  // shuffled, with about 20% repeated, in batches of random size.
  void Deliver(int r, std::vector<size_t> picks) {
    const size_t n = picks.size();
    for (size_t i = 0; i < n; ++i) {
      if (Chance(0.2)) picks.push_back(picks[Pick(n)]);
    }
    std::shuffle(picks.begin(), picks.end(), rng_);
    size_t i = 0;
    while (i < picks.size()) {
      auto batch = replicas_[r]->NewBatch();
      const size_t end = std::min(picks.size(), i + 1 + Pick(64));
      for (; i < end; ++i) {
        const v1::Change& change = all_changes_[picks[i]];
        auto outcome = batch->Apply(change, Arrival::kAnyOrder);
        ASSERT_THAT(outcome, IsOk()) << FormatDot(change.dot());
        const bool was_held = held_[r].count(KeyOf(change.dot())) > 0;
        ASSERT_EQ(*outcome == ApplyOutcome::kAlreadyHeld, was_held)
            << FormatDot(change.dot());
        held_[r].insert(KeyOf(change.dot()));
        known_records_[r].insert(
            {change.record().review_id(), change.record().record_id()});
      }
      ASSERT_THAT(batch->Commit(), IsOk());
    }
  }

  // Partial sync: replica `r` receives a random part of what it lacks.
  void PartialDelivery(int r) {
    std::vector<size_t> missing;
    for (size_t i = 0; i < all_changes_.size(); ++i) {
      if (!held_[r].count(KeyOf(all_changes_[i].dot())) && Chance(0.3))
        missing.push_back(i);
    }
    Deliver(r, std::move(missing));
  }

  // The replica's current values equal the model's for the changes it holds.
  void CheckAgainstModel(int r) {
    std::vector<const v1::Change*> held;
    for (const v1::Change& change : all_changes_) {
      if (held_[r].count(KeyOf(change.dot()))) held.push_back(&change);
    }
    const auto expected = ModelHeads(held);
    std::map<FieldAddress, std::set<DotKey>> actual;
    size_t expected_conflicts = 0;
    for (const auto& [address, dots] : expected)
      expected_conflicts += dots.size() > 1;
    auto views =
        replicas_[r]->ListRecords("", std::nullopt, /*include_deleted=*/true);
    ASSERT_THAT(views, IsOk());
    for (const RecordView& view : *views) {
      for (const FieldState& field : view.fields) {
        auto& dots = actual[{view.ref.review_id(), view.ref.record_id(),
                             static_cast<uint32_t>(field.field->number())}];
        for (const v1::HeadValue& head : field.heads.heads())
          dots.insert(KeyOf(head.dot()));
      }
    }
    ASSERT_EQ(actual, expected)
        << "replica " << replicas_[r]->id() << " seed " << seed_;
    auto conflicts = replicas_[r]->ListConflicts("");
    ASSERT_THAT(conflicts, IsOk());
    EXPECT_EQ(conflicts->size(), expected_conflicts);
  }

  uint64_t seed_ = 0;
  std::mt19937_64 rng_;
  testing::TempDir dir_;
  FakeClock clock_{1'700'000'000'000};
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::vector<v1::Change> all_changes_;
  std::vector<std::set<DotKey>> held_;
  std::vector<std::set<std::pair<std::string, std::string>>> known_records_;
  std::map<std::pair<std::string, std::string>, v1::RecordRef> records_;
  std::vector<v1::RecordRef> hot_;
  int deletes_ = 0;
  int resolutions_ = 0;
};

TEST_P(ConvergenceTest, AllReplicasConvergeWithEveryConcurrentWriteKept) {
  int max_conflicts_seen = 0;
  for (int edit = 0; edit < kEdits; ++edit) {
    // Clocks drift a little and sometimes step back.
    clock_.Advance(static_cast<int64_t>(Pick(5)) - 1);
    ASSERT_NO_FATAL_FAILURE(RandomEdit(static_cast<int>(Pick(kReplicas))));
    if (edit % 15 == 14) {
      const int r = static_cast<int>(Pick(kReplicas));
      ASSERT_NO_FATAL_FAILURE(PartialDelivery(r));
      if (edit % 150 == 149) {
        ASSERT_NO_FATAL_FAILURE(CheckAgainstModel(r));
        auto count = replicas_[r]->CountConflicts();
        ASSERT_THAT(count, IsOk());
        max_conflicts_seen =
            std::max<int>(max_conflicts_seen, static_cast<int>(*count));
      }
    }
  }
  // The run must actually have exercised races, deletes and resolutions.
  EXPECT_GT(max_conflicts_seen, 0) << "seed " << seed_;
  EXPECT_GT(deletes_, 50) << "seed " << seed_;
  EXPECT_GT(resolutions_, 5) << "seed " << seed_;

  // Everyone receives everything, each in its own order, with duplicates.
  std::vector<size_t> everything(all_changes_.size());
  for (size_t i = 0; i < everything.size(); ++i) everything[i] = i;
  for (int r = 0; r < kReplicas; ++r)
    ASSERT_NO_FATAL_FAILURE(Deliver(r, everything));

  ASSERT_NO_FATAL_FAILURE(CheckAgainstModel(0));
  auto first = replicas_[0]->Digest();
  ASSERT_THAT(first, IsOk());
  const std::string first_bytes = testing::DumpFamilies(
      *replicas_[0]->store(), testing::kReplicatedFamilies);
  for (int r = 1; r < kReplicas; ++r) {
    auto digest = replicas_[r]->Digest();
    ASSERT_THAT(digest, IsOk());
    EXPECT_EQ(digest->sha256, first->sha256)
        << replicas_[r]->id() << " differs; seed " << seed_;
    EXPECT_EQ(testing::DumpFamilies(*replicas_[r]->store(),
                                    testing::kReplicatedFamilies),
              first_bytes)
        << replicas_[r]->id() << " is not byte-identical; seed " << seed_;
  }
  auto conflicts = replicas_[0]->CountConflicts();
  ASSERT_THAT(conflicts, IsOk());
  std::cout << "[ convergence ] " << all_changes_.size() << " changes, "
            << first->records << " records, " << first->field_values
            << " current values, " << *conflicts << " open conflicts, "
            << deletes_ << " deletions, " << resolutions_ << " resolutions"
            << std::endl;
}

// Fixed seeds, then 0 = a fresh random seed every run.
INSTANTIATE_TEST_SUITE_P(Seeds, ConvergenceTest,
                         ::testing::Values(uint64_t{1}, uint64_t{20240304},
                                           uint64_t{987654321}, uint64_t{0}));

}  // namespace
}  // namespace casesync
