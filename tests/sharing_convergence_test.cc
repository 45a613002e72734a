// Randomized test of sharing between agencies (docs/sync_protocol.md, "Who
// sees what"): a board and three agencies in one process, the board's real
// intake and feed, the agencies' real feed apply. Agencies write entries
// with random visibility, reword them and widen or narrow them; the board
// changes the review's members, narrows and widens records, and decides
// discrepancies naming two entries. Agencies push one change at a time and
// read the feed in random small pieces, in random order.
//
// Everything each agency receives is decoded and checked against a model
// kept by the test: a change of record R reaches agency X only if R has been
// visible to X without a break since the board applied that change (so no
// wording R had before X could see it); a snapshot holds only values the
// board holds now, of a record X may see now; every id X receives is of a
// record X may see now; a purge names only a record X was sent or was once
// entitled to (shared with it, then narrowed before it read it). At the end
// every agency has caught up and holds exactly what it may see, with the
// board's values (equal digests).
//
// Seeds: a few fixed ones plus one random per run, printed; rerun one with
// CASESYNC_SEED=<seed>.
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/agency/feed_apply.h"
#include "common/records/audience.h"
#include "common/records/record_types.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/board_test_util.h"

namespace casesync::testing {
namespace {

constexpr int kSteps = 400;
const std::vector<std::string> kAgencies = {"police", "csc", "health"};

// Chronology entry fields, and a decision's.
constexpr uint32_t kEventField = 12;
constexpr uint32_t kDecisionEntries = 7;
constexpr uint32_t kDecisionRationale = 10;

FieldEdit Visibility(v1::Visibility visibility) {
  FieldEdit edit;
  edit.field = kVisibilityField;
  edit.value.set_enum_value(visibility);
  return edit;
}

v1::Visibility RandomVisibility(std::mt19937_64& rng) {
  return rng() % 2 == 0 ? v1::VISIBILITY_AGENCY : v1::VISIBILITY_REVIEW;
}

class SharingConvergenceTest : public BoardFixture,
                               public ::testing::WithParamInterface<uint64_t> {
 protected:
  struct AgencyRun {
    Replica* replica = nullptr;
    std::vector<v1::Change> unpushed;
    uint64_t cursor = 0;
    // Records it was sent (a change or a snapshot), for purges.
    std::set<std::string> received;
    bool received_review = false;
  };

  void SetUp() override {
    BoardFixture::SetUp();
    for (const std::string& agency : kAgencies) {
      agencies_run_[agency].replica = Agency(agency);
    }
  }

  // Whether `agency` is in the review's members as the board holds them.
  bool Member(const std::string& agency) {
    auto state = board_->replica()->NewBatch()->ReadState("r1", "r1");
    EXPECT_THAT(state, IsOk());
    if (!state.ok() || !state->has_value()) return false;
    bool in_every = true, any = false;
    for (const v1::FieldHeads& heads : (*state)->fields()) {
      if (heads.field() != 7) continue;
      for (const v1::HeadValue& head : heads.heads()) {
        any = true;
        bool here = false;
        for (const std::string& a : head.value().string_list().values()) {
          here = here || a == agency;
        }
        in_every = in_every && here;
      }
    }
    return any && in_every;
  }

  // The board's state of record `id` (null if it holds none).
  std::optional<v1::RecordState> BoardState(const std::string& id) {
    auto state = board_->replica()->NewBatch()->ReadState("r1", id);
    EXPECT_THAT(state, IsOk());
    return state.ok() ? *state : std::nullopt;
  }

  // Whether `agency` belongs to record `id`'s own audience: it owns it, or
  // every current visibility value is review or published (none, a
  // deleted or an unknown value: its owner's only).
  bool InOwnAudience(const std::string& agency, const std::string& id) {
    std::optional<v1::RecordState> state = BoardState(id);
    if (!state.has_value()) return false;
    if (state->ref().owner_agency() == agency) return true;
    bool wide = false;
    for (const v1::FieldHeads& heads : state->fields()) {
      if (heads.field() != kVisibilityField) continue;
      wide = heads.heads_size() > 0;
      for (const v1::HeadValue& head : heads.heads()) {
        const int v = head.value().enum_value();
        if (!head.value().has_enum_value() ||
            (v != v1::VISIBILITY_REVIEW && v != v1::VISIBILITY_PUBLISHED)) {
          wide = false;
        }
      }
    }
    return wide;
  }

  // Whether `agency` may see record `id` now, by the model.
  bool MaySee(const std::string& agency, const std::string& id) {
    if (id == "r1") return Member(agency);
    std::optional<v1::RecordState> state = BoardState(id);
    if (!state.has_value()) return false;
    if (state->ref().owner_agency() == agency) return true;
    if (!Member(agency) || !InOwnAudience(agency, id)) return false;
    for (const std::string& named : Named(*state)) {
      if (!InOwnAudience(agency, named)) return false;
    }
    return true;
  }

  static std::vector<std::string> Named(const v1::RecordState& state) {
    std::vector<std::string> ids;
    for (const v1::FieldHeads& heads : state.fields()) {
      if (!IsReferenceField(state.ref().type(), heads.field())) continue;
      for (const v1::HeadValue& head : heads.heads()) {
        for (std::string& id : ReferencedIds(head.value())) {
          ids.push_back(std::move(id));
        }
      }
    }
    return ids;
  }

  // After the board applied something: the streaks of visibility, and the
  // step at which each token written since arrived.
  void Observe(const std::vector<v1::Change>& applied) {
    ++step_;
    for (const v1::Change& change : applied) {
      for (const v1::FieldWrite& write : change.writes()) {
        if (absl::StartsWith(write.value().string_value(), "TOK")) {
          arrived_[write.value().string_value()] = step_;
        }
      }
      known_.insert(change.record().record_id());
    }
    for (const std::string& agency : kAgencies) {
      for (const std::string& id : known_) {
        const bool visible = MaySee(agency, id);
        auto& start = streak_[agency][id];
        if (!visible) {
          start = -1;
        } else {
          if (start < 0) start = step_;
          ever_visible_[agency].insert(id);
        }
      }
    }
  }

  int64_t Streak(const std::string& agency, const std::string& id) {
    auto it = streak_[agency].find(id);
    return it == streak_[agency].end() ? -1 : it->second;
  }

  void Push(const std::string& agency) {
    AgencyRun& run = agencies_run_[agency];
    if (run.unpushed.empty()) return;
    v1::PushBatch batch;
    *batch.add_changes() = run.unpushed.front();
    auto ack = board_->ingest()->Push(agency, batch);
    ASSERT_THAT(ack, IsOk());
    ASSERT_EQ(ack->rejected_size(), 0) << ack->DebugString();
    Observe({run.unpushed.front()});
    run.unpushed.erase(run.unpushed.begin());
  }

  void BoardEdit(const RecordEdit& edit) {
    auto change = board_->replica()->Edit(edit);
    ASSERT_THAT(change, IsOk());
    Observe({*change});
  }

  // Checks one entry against the model before it is applied.
  void Check(const std::string& agency, const v1::FeedEntry& entry) {
    AgencyRun& run = agencies_run_[agency];
    const std::string at = absl::StrCat(agency, " entry ", entry.seq());
    if (entry.has_purge()) {
      const std::string& id = entry.purge().record_id();
      if (id.empty()) {
        EXPECT_TRUE(run.received_review) << at;
      } else {
        // One it holds, or one shared with it once that it missed (it read
        // past it after it was narrowed again): never any other id.
        EXPECT_TRUE(run.received.count(id) || ever_visible_[agency].count(id))
            << at << " purges " << id << ", never shared with it";
      }
      return;
    }
    const v1::RecordRef& ref = entry.has_change() ? entry.change().record()
                                                  : entry.snapshot().record();
    const std::string& id = ref.record_id();
    EXPECT_TRUE(MaySee(agency, id)) << at << " sends " << id;
    std::vector<v1::FieldValue> values;
    if (entry.has_change()) {
      for (const v1::FieldWrite& write : entry.change().writes()) {
        values.push_back(write.value());
      }
    } else {
      for (const v1::SnapshotField& field : entry.snapshot().fields()) {
        for (const v1::SnapshotValue& value : field.values()) {
          values.push_back(value.value());
          // Only a value the board holds now.
          std::optional<v1::RecordState> state = BoardState(id);
          ASSERT_TRUE(state.has_value()) << at;
          bool current = false;
          for (const v1::FieldHeads& heads : state->fields()) {
            for (const v1::HeadValue& head : heads.heads()) {
              current =
                  current || (head.dot().replica() == value.dot().replica() &&
                              head.dot().counter() == value.dot().counter());
            }
          }
          EXPECT_TRUE(current)
              << at << " snapshot of " << id << " holds a replaced value";
        }
      }
    }
    for (const v1::FieldValue& value : values) {
      const std::string& text = value.string_value();
      if (absl::StartsWith(text, "TOK") && entry.has_change()) {
        // Written while the record was visible to the agency, and visible
        // since.
        const int64_t streak = Streak(agency, id);
        EXPECT_TRUE(streak >= 0 && arrived_[text] >= streak)
            << at << ": " << text << " of " << id << " arrived at step "
            << arrived_[text] << ", visible since " << streak;
      }
      for (const std::string& named : ReferencedIds(value)) {
        if (known_.count(named)) {
          EXPECT_TRUE(MaySee(agency, named)) << at << " names " << named;
        }
      }
    }
    if (id == "r1") {
      run.received_review = true;
    } else {
      run.received.insert(id);
    }
  }

  void Pull(const std::string& agency, size_t max_bytes) {
    AgencyRun& run = agencies_run_[agency];
    auto feed = board_->feed()->ReadFor(agency, run.cursor, max_bytes);
    ASSERT_THAT(feed, IsOk());
    for (const v1::FeedEntry& entry : feed->entries()) Check(agency, entry);
    std::unique_ptr<Replica::Batch> batch = run.replica->NewBatch();
    ASSERT_THAT(StageFeed(*feed, run.cursor, batch.get()), IsOk());
    ASSERT_THAT(batch->Commit(), IsOk());
    run.cursor = feed->cursor();
  }

  // The ids of the chronology entries the board holds.
  std::vector<std::string> Entries() {
    std::vector<std::string> ids;
    for (const std::string& id : known_) {
      std::optional<v1::RecordState> state = BoardState(id);
      if (state.has_value() &&
          state->ref().type() == v1::RECORD_TYPE_CHRONOLOGY) {
        ids.push_back(id);
      }
    }
    return ids;
  }

  // One random step.
  void Step(std::mt19937_64& rng) {
    const std::string& agency = kAgencies[rng() % kAgencies.size()];
    AgencyRun& run = agencies_run_[agency];
    const std::string token = absl::StrCat("TOK", ++tokens_);
    switch (rng() % 10) {
      case 0:  // a new entry (only while a member, as the board would judge)
        if (Member(agency)) {
          run.unpushed.push_back(
              Entry(run.replica, "r1", token, RandomVisibility(rng)));
        }
        break;
      case 1:
      case 2: {  // rewords, or widens or narrows, one of its own entries
        std::vector<std::string> own;
        for (const std::string& id : Entries()) {
          if (BoardState(id)->ref().owner_agency() == agency) own.push_back(id);
        }
        if (own.empty() || !Member(agency)) break;
        RecordEdit edit;
        edit.record = BoardState(own[rng() % own.size()])->ref();
        edit.fields = {rng() % 2 == 0 ? Text(kEventField, token)
                                      : Visibility(RandomVisibility(rng))};
        auto change = run.replica->Edit(edit);
        ASSERT_THAT(change, IsOk());
        run.unpushed.push_back(*change);
        break;
      }
      case 3:
      case 4:
        Push(agency);
        break;
      case 5:
      case 6:
        Pull(agency, std::vector<size_t>{1, 300, 1 << 20}[rng() % 3]);
        break;
      case 7: {  // the board changes the members
        std::vector<std::string> members;
        for (const std::string& a : kAgencies) {
          // An agency leaves only with nothing unpushed (the board would
          // refuse what it wrote after leaving).
          if (rng() % 3 != 0 || !agencies_run_[a].unpushed.empty()) {
            members.push_back(a);
          }
        }
        if (members.empty()) members.push_back(kAgencies[0]);
        BoardReview("r1", members);
        Observe({});
        break;
      }
      case 8: {  // the board widens or narrows, or rewords, an entry
        std::vector<std::string> entries = Entries();
        if (entries.empty()) break;
        RecordEdit edit;
        edit.record = BoardState(entries[rng() % entries.size()])->ref();
        edit.fields = {rng() % 2 == 0 ? Text(kEventField, token)
                                      : Visibility(RandomVisibility(rng))};
        BoardEdit(edit);
        break;
      }
      case 9: {  // the board decides between two entries
        std::vector<std::string> entries = Entries();
        if (entries.size() < 2) break;
        const size_t first = rng() % entries.size();
        const size_t second =
            (first + 1 + rng() % (entries.size() - 1)) % entries.size();
        RecordEdit edit;
        edit.record.set_review_id("r1");
        edit.record.set_type(v1::RECORD_TYPE_DECISION);
        FieldEdit named;
        named.field = kDecisionEntries;
        named.value.mutable_string_list()->add_values(entries[first]);
        named.value.mutable_string_list()->add_values(entries[second]);
        edit.fields = {Visibility(v1::VISIBILITY_REVIEW), Text(5, "d1"), named,
                       Text(kDecisionRationale, token)};
        BoardEdit(edit);
        break;
      }
    }
  }

  std::map<std::string, AgencyRun> agencies_run_;
  std::set<std::string> known_;
  std::map<std::string, int64_t> arrived_;
  std::map<std::string, std::map<std::string, int64_t>> streak_;
  std::map<std::string, std::set<std::string>> ever_visible_;
  int64_t step_ = 0;
  int tokens_ = 0;
};

TEST_P(SharingConvergenceTest, AgenciesReceiveOnlyWhatTheyMaySeeAndConverge) {
  const uint64_t seed = GetParam();
  std::cout << "seed " << seed << " (rerun: CASESYNC_SEED=" << seed << ")\n";
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  std::mt19937_64 rng(seed);
  BoardReview("r1", kAgencies);
  Observe({});
  for (int i = 0; i < kSteps && !HasFatalFailure(); ++i) {
    ASSERT_NO_FATAL_FAILURE(Step(rng));
  }
  // Everything pushed, everything read.
  for (const std::string& agency : kAgencies) {
    while (!agencies_run_[agency].unpushed.empty()) {
      ASSERT_NO_FATAL_FAILURE(Push(agency));
    }
  }
  for (const std::string& agency : kAgencies) {
    // Bounded: each read moves the cursor on.
    for (int reads = 0;
         reads < 10000 && agencies_run_[agency].cursor < board_->feed()->head();
         ++reads) {
      ASSERT_NO_FATAL_FAILURE(Pull(agency, 1 << 20));
    }
    ASSERT_EQ(agencies_run_[agency].cursor, board_->feed()->head());
    // It holds what it may see, with the board's values.
    auto held = agencies_run_[agency].replica->Digest();
    ASSERT_THAT(held, IsOk());
    auto board = board_->replica()->Digest(
        [&](const v1::RecordRef& ref, v1::Visibility) {
          return MaySee(agency, ref.record_id());
        });
    ASSERT_THAT(board, IsOk());
    EXPECT_EQ(held->sha256, board->sha256)
        << agency << " holds " << held->records << " records, may see "
        << board->records;
    EXPECT_GT(board->records, 0u);
  }
}

uint64_t RandomSeed() {
  if (const char* seed = std::getenv("CASESYNC_SEED")) {
    return std::strtoull(seed, nullptr, 10);
  }
  return std::random_device{}();
}

INSTANTIATE_TEST_SUITE_P(Seeds, SharingConvergenceTest,
                         ::testing::Values(1, 2, 3, RandomSeed()));

}  // namespace
}  // namespace casesync::testing
