#include "server/text_merge.h"

#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/records/text_diff.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/board_test_util.h"

namespace casesync::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kParagraph[] =
    "The health visitor called at the family home on Monday. Mother said "
    "the child had been unwell. A GP appointment was booked for Friday.";

TextMerge Merge(absl::string_view ancestor, absl::string_view ours,
                absl::string_view theirs) {
  absl::StatusOr<TextMerge> merge = MergeText(ancestor, ours, theirs);
  EXPECT_THAT(merge, IsOk());
  return merge.ok() ? *merge : TextMerge();
}

// ------------------------------------------------------------- MergeText

TEST(MergeTextTest, EditsToDifferentSentencesOfOneParagraphMerge) {
  const TextMerge merge = Merge(
      kParagraph,
      "The health visitor called at the family home on Tuesday. Mother said "
      "the child had been unwell. A GP appointment was booked for Friday.",
      "The health visitor called at the family home on Monday. Mother said "
      "the child had been unwell. A GP appointment was booked for Friday, "
      "and kept.");
  EXPECT_TRUE(merge.clean);
  EXPECT_EQ(merge.text,
            "The health visitor called at the family home on Tuesday. Mother "
            "said the child had been unwell. A GP appointment was booked for "
            "Friday, and kept.");
}

TEST(MergeTextTest, EditsToNeighbouringSentencesMerge) {
  // The last word of one sentence and the first of the next: only the
  // space between them is unchanged.
  const TextMerge merge = Merge(
      kParagraph,
      "The health visitor called at the family home on Tuesday. Mother said "
      "the child had been unwell. A GP appointment was booked for Friday.",
      "The health visitor called at the family home on Monday. Father said "
      "the child had been unwell. A GP appointment was booked for Friday.");
  EXPECT_TRUE(merge.clean);
  EXPECT_EQ(merge.text,
            "The health visitor called at the family home on Tuesday. Father "
            "said the child had been unwell. A GP appointment was booked for "
            "Friday.");
}

TEST(MergeTextTest, OverlappingEditsConflict) {
  const TextMerge merge = Merge(
      kParagraph,
      "The health visitor called at the family home on Tuesday. Mother said "
      "the child had been unwell. A GP appointment was booked for Friday.",
      "The health visitor called at the family home on Wednesday. Mother "
      "said the child had been unwell. A GP appointment was booked for "
      "Friday.");
  EXPECT_FALSE(merge.clean);
  EXPECT_EQ(merge.text, "");
}

TEST(MergeTextTest, DifferentAdditionsAtTheSamePlaceConflict) {
  const std::string ancestor = kParagraph;
  const TextMerge merge = Merge(ancestor, ancestor + " Seen again in May.",
                                ancestor + " No further contact.");
  EXPECT_FALSE(merge.clean);
}

TEST(MergeTextTest, ARewriteAgainstAnEditConflicts) {
  const TextMerge merge =
      Merge(kParagraph, "Home visit; see the case notes.",
            "The health visitor called at the family home on Monday. Mother "
            "said the child had been unwell. A GP appointment was booked for "
            "Thursday.");
  EXPECT_FALSE(merge.clean);
}

TEST(MergeTextTest, TheSameEditOnBothSidesMergesIntoOne) {
  const std::string edited =
      "The health visitor called at the family home on Tuesday. Mother said "
      "the child had been unwell. A GP appointment was booked for Friday.";
  TextMerge merge = Merge(kParagraph, edited, edited);
  EXPECT_TRUE(merge.clean);
  EXPECT_EQ(merge.text, edited);
  // The same sentence changed alike on both sides, plus one more change on
  // one side elsewhere.
  merge = Merge(kParagraph, edited,
                "The health visitor called at the family home on Tuesday. "
                "Mother said the baby had been unwell. A GP appointment was "
                "booked for Friday.");
  EXPECT_TRUE(merge.clean);
  EXPECT_EQ(merge.text,
            "The health visitor called at the family home on Tuesday. Mother "
            "said the baby had been unwell. A GP appointment was booked for "
            "Friday.");
}

TEST(MergeTextTest, OneSideUnchangedGivesTheOther) {
  EXPECT_EQ(Merge(kParagraph, kParagraph, "x").text, "x");
  EXPECT_EQ(Merge(kParagraph, "y", kParagraph).text, "y");
  EXPECT_EQ(Merge("", "", "new").text, "new");
  EXPECT_FALSE(Merge("", "one", "other").clean);
}

TEST(MergeTextTest, AnyTextRoundTripsLineBreaksAndEscapesIncluded) {
  const std::string nul("\0", 1);
  const std::string ancestor =
      "First paragraph, with a \\n that is text.\n\n"
      "Second\tparagraph\r\nends here.  \n" +
      nul + " and a NUL\n\nThird paragraph \\\\ ok.";
  const std::string ours =
      "First paragraph, with a \\n that is TEXT.\n\n"
      "Second\tparagraph\r\nends here.  \n" +
      nul + " and a NUL\n\nThird paragraph \\\\ ok.";
  const std::string theirs =
      "First paragraph, with a \\n that is text.\n\n"
      "Second\tparagraph\r\nends here.  \n" +
      nul + " and a NUL\n\nThird paragraph \\\\ ok!\n";
  const TextMerge merge = Merge(ancestor, ours, theirs);
  EXPECT_TRUE(merge.clean);
  EXPECT_EQ(merge.text,
            "First paragraph, with a \\n that is TEXT.\n\n"
            "Second\tparagraph\r\nends here.  \n" +
                nul + " and a NUL\n\nThird paragraph \\\\ ok!\n");
}

TEST(MergeTextTest, ALineBreakAddedOnOneSideMergesWithAWordEdit) {
  const TextMerge merge = Merge(
      kParagraph,
      "The health visitor called at the family home on Monday.\nMother said "
      "the child had been unwell. A GP appointment was booked for Friday.",
      "The health visitor called at the family home on Monday. Mother said "
      "the child had been unwell. A GP appointment was booked for Thursday.");
  EXPECT_TRUE(merge.clean);
  EXPECT_EQ(merge.text,
            "The health visitor called at the family home on Monday.\nMother "
            "said the child had been unwell. A GP appointment was booked for "
            "Thursday.");
}

// -------------------------------------------------------------- WordDiff

TEST(WordDiffTest, SplitWordsRoundTrips) {
  const std::string text = "  two  words\n\nand\tmore ";
  std::vector<absl::string_view> tokens = SplitWords(text);
  EXPECT_THAT(tokens, ::testing::ElementsAre("  ", "two", "  ", "words", "\n\n",
                                             "and", "\t", "more", " "));
  EXPECT_TRUE(SplitWords("").empty());
}

TEST(WordDiffTest, ShowsReplacedRemovedAndAddedWords) {
  EXPECT_EQ(WordDiff("the cat sat on the mat", "the dog sat on the mat"),
            "the [-cat-]{+dog+} sat on the mat");
  EXPECT_EQ(WordDiff("a big cat", "a very big cat"), "a {+very+} big cat");
  EXPECT_EQ(WordDiff("a very big cat", "a big cat"), "a [-very-] big cat");
  EXPECT_EQ(WordDiff("same", "same"), "(unchanged)");
  EXPECT_EQ(WordDiff("", "new text"), "{+new text+}");
  EXPECT_EQ(WordDiff("one line", "one\nline"), "one[- -]{+⏎+}line");
}

TEST(WordDiffTest, ElidesWhatIsFarFromAChange) {
  const std::string diff = WordDiff(
      kParagraph,
      "The health visitor called at the family home on Tuesday. Mother said "
      "the child had been unwell. A GP appointment was booked for Friday, "
      "and kept.");
  EXPECT_EQ(diff,
            "… at the family home on [-Monday.-]{+Tuesday.+} Mother said "
            "the child had … GP appointment was booked for "
            "[-Friday.-]{+Friday, and kept.+}");
}

TEST(WordDiffTest, AHugeRewriteIsOneRemovalAndOneAddition) {
  std::string before;
  std::string after;
  for (int i = 0; i < 2000; ++i) {
    absl::StrAppend(&before, "a", i, " ");
    absl::StrAppend(&after, "b", i, " ");
  }
  const std::string diff =
      WordDiff("start " + before + "end", "start " + after + "end", 2);
  EXPECT_THAT(diff, HasSubstr("start [-a0 a1"));
  EXPECT_THAT(diff, HasSubstr("a1999-]{+b0 b1"));
  EXPECT_THAT(diff, HasSubstr("b1999+} end"));
}

// Undoes a word diff shown whole: the text before (`after` false) or after.
std::string Side(const std::string& diff, bool after) {
  std::string out;
  size_t i = 0;
  while (i < diff.size()) {
    const bool removal = diff.compare(i, 2, "[-") == 0;
    const bool addition = diff.compare(i, 2, "{+") == 0;
    if (!removal && !addition) {
      out.push_back(diff[i++]);
      continue;
    }
    const size_t end = diff.find(removal ? "-]" : "+}", i + 2);
    if (removal != after) out.append(diff, i + 2, end - i - 2);
    i = end + 2;
  }
  return out;
}

std::vector<std::string> Words(const std::string& text) {
  return absl::StrSplit(text, ' ', absl::SkipEmpty());
}

TEST(WordDiffTest, RandomEditsDiffToWhatTheyWere) {
  const uint32_t seed = ::testing::UnitTest::GetInstance()->random_seed();
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  std::mt19937 random(seed);
  const std::vector<std::string> words = {"the",  "child", "was", "seen", "at",
                                          "home", "by",    "a",   "nurse"};
  auto text = [&](int n) {
    std::vector<std::string> chosen;
    for (int i = 0; i < n; ++i)
      chosen.push_back(words[random() % words.size()]);
    return chosen;
  };
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string> before = text(static_cast<int>(random() % 30));
    std::vector<std::string> after = before;
    for (int edits = static_cast<int>(random() % 6); edits > 0; --edits) {
      const size_t at = after.empty() ? 0 : random() % (after.size() + 1);
      switch (random() % 3) {
        case 0:
          after.insert(after.begin() + static_cast<long>(at),
                       words[random() % words.size()]);
          break;
        case 1:
          if (at < after.size())
            after.erase(after.begin() + static_cast<long>(at));
          break;
        default:
          if (at < after.size()) after[at] = words[random() % words.size()];
      }
    }
    const std::string a = absl::StrJoin(before, " ");
    const std::string b = absl::StrJoin(after, " ");
    const std::string diff = WordDiff(a, b, 1000);
    if (a == b) {
      EXPECT_EQ(diff, "(unchanged)");
      continue;
    }
    // Whitespace around an addition or removal is shown outside the
    // brackets, so it reads twice: compare words only.
    EXPECT_EQ(Words(Side(diff, false)), before) << diff;
    EXPECT_EQ(Words(Side(diff, true)), after) << diff;
  }
}

// ---------------------------------------------------- FindCommonAncestor

// A field's history, written by hand: change `name` at HLC `time`, editing
// from `parents`.
class History {
 public:
  void Write(const std::string& name, uint64_t time,
             const std::vector<std::string>& parents,
             const std::string& text = "") {
    v1::Change change;
    change.mutable_dot()->set_replica(name);
    change.mutable_dot()->set_counter(1);
    change.mutable_hlc()->set_wall_time_ms(time);
    v1::FieldWrite* write = change.add_writes();
    write->set_field(12);
    write->mutable_value()->set_string_value(text.empty() ? name : text);
    for (const std::string& parent : parents) {
      v1::Dot* dot = write->add_parents();
      dot->set_replica(parent);
      dot->set_counter(1);
    }
    changes_[name] = change;
  }

  // The ancestor's name, or "" for none.
  std::string Ancestor(const std::vector<std::string>& heads,
                       size_t max_changes = 256) {
    std::vector<v1::Dot> dots;
    for (const std::string& head : heads) {
      dots.emplace_back();
      dots.back().set_replica(head);
      dots.back().set_counter(1);
    }
    auto found = FindCommonAncestor(
        [this](
            const v1::Dot& dot) -> absl::StatusOr<std::optional<v1::Change>> {
          ++reads_;
          auto it = changes_.find(dot.replica());
          if (it == changes_.end()) return std::nullopt;
          return it->second;
        },
        12, dots, max_changes);
    EXPECT_THAT(found, IsOk());
    if (!found.ok() || !found->has_value()) return "";
    EXPECT_EQ((*found)->value.string_value(), (*found)->dot.replica());
    return (*found)->dot.replica();
  }

  int reads_ = 0;

 private:
  std::map<std::string, v1::Change> changes_;
};

TEST(FindCommonAncestorTest, TwoEditsOfOneValue) {
  History h;
  h.Write("p", 1, {});
  h.Write("a", 2, {"p"});
  h.Write("b", 3, {"p"});
  EXPECT_EQ(h.Ancestor({"a", "b"}), "p");
}

TEST(FindCommonAncestorTest, SeveralEditsOnOneSide) {
  History h;
  h.Write("o", 1, {});
  h.Write("p", 2, {"o"});
  h.Write("a1", 3, {"p"});
  h.Write("a2", 4, {"a1"});
  h.Write("a3", 5, {"a2"});
  h.Write("b", 6, {"p"});
  EXPECT_EQ(h.Ancestor({"a3", "b"}), "p");
  EXPECT_EQ(h.Ancestor({"b", "a3"}), "p");
}

TEST(FindCommonAncestorTest, TheLatestAfterAnEarlierConflictWasResolved) {
  History h;
  h.Write("p", 1, {});
  h.Write("a", 2, {"p"});
  h.Write("b", 3, {"p"});
  h.Write("m", 4, {"a", "b"});  // resolved
  h.Write("c", 5, {"m"});
  h.Write("d", 6, {"b"});  // edited from b, not knowing of m
  EXPECT_EQ(h.Ancestor({"c", "d"}), "b");
}

TEST(FindCommonAncestorTest, ThreeValues) {
  History h;
  h.Write("p", 1, {});
  h.Write("a", 2, {"p"});
  h.Write("b", 3, {"p"});
  h.Write("c", 4, {"p"});
  EXPECT_EQ(h.Ancestor({"a", "b", "c"}), "p");
}

TEST(FindCommonAncestorTest, NoneForIndependentFirstValues) {
  History h;
  h.Write("a", 1, {});
  h.Write("b", 2, {});
  EXPECT_EQ(h.Ancestor({"a", "b"}), "");
}

TEST(FindCommonAncestorTest, NoneWhenAParentIsNotHeld) {
  History h;
  h.Write("a", 2, {"p"});
  h.Write("b", 3, {"p"});
  EXPECT_EQ(h.Ancestor({"a", "b"}), "");
}

TEST(FindCommonAncestorTest, NoneForCrissCrossHistories) {
  History h;
  h.Write("p", 1, {});
  h.Write("x", 2, {"p"});
  h.Write("y", 3, {"p"});
  h.Write("a", 4, {"x", "y"});
  h.Write("b", 5, {"x", "y"});
  EXPECT_EQ(h.Ancestor({"a", "b"}), "");
}

TEST(FindCommonAncestorTest, NoneWhenAParentIsStampedLater) {
  History h;
  h.Write("p", 9, {});
  h.Write("a", 2, {"p"});
  h.Write("b", 3, {"p"});
  EXPECT_EQ(h.Ancestor({"a", "b"}), "");
}

TEST(FindCommonAncestorTest, StopsAtTheLatestAndWithinItsBudget) {
  History h;
  h.Write("c0", 1, {});
  std::string previous = "c0";
  for (int i = 1; i < 100; ++i) {
    const std::string name = absl::StrCat("c", i);
    h.Write(name, 1 + i, {previous});
    previous = name;
  }
  h.Write("a", 200, {"c99"});
  h.Write("b", 201, {"c99"});
  EXPECT_EQ(h.Ancestor({"a", "b"}), "c99");
  // The heads, the ancestor and its parent: the older history is not read.
  EXPECT_LE(h.reads_, 4);
  // A long line of edits on one side beyond the budget: none found.
  h.Write("b2", 202, {"c0"});
  EXPECT_EQ(h.Ancestor({"a", "b2"}, 50), "");
  EXPECT_EQ(h.Ancestor({"a", "b2"}), "c0");
}

// ------------------------------------------------ the board, through ingest

class BoardMergeTest : public BoardFixture {
 protected:
  static constexpr uint32_t kEvent = 12;

  void SetUp() override {
    BoardFixture::SetUp();
    BoardReview("r1", {"police"});
    police_ = Agency("police");
  }

  [[nodiscard]] absl::StatusOr<v1::PushAck> Push(
      const std::vector<v1::Change>& changes) {
    v1::PushBatch batch;
    for (const v1::Change& change : changes) *batch.add_changes() = change;
    return board_->ingest()->Push("police", batch);
  }

  // An edit of one text field of `entry` at `replica`.
  v1::Change EditAt(Replica* replica, const v1::Change& entry, uint32_t field,
                    const std::string& text, const std::string& author) {
    RecordEdit edit;
    edit.record = entry.record();
    edit.author = author;
    edit.fields = {Text(field, text)};
    auto change = replica->Edit(edit);
    EXPECT_THAT(change, IsOk());
    return change.ok() ? *change : v1::Change();
  }

  // The field as the replica holds it.
  FieldState Field(Replica* replica, const v1::Change& entry, uint32_t field) {
    auto view = replica->ReadRecord("r1", entry.record().record_id());
    EXPECT_THAT(view, IsOk());
    for (const FieldState& state : view->fields) {
      if (state.field->number() == static_cast<int>(field)) return state;
    }
    ADD_FAILURE() << "no field " << field;
    return FieldState();
  }

  std::string Event(Replica* replica, const v1::Change& entry) {
    auto view = replica->ReadRecord("r1", entry.record().record_id());
    EXPECT_THAT(view, IsOk());
    return static_cast<const v1::ChronologyEntry&>(*view->message).event();
  }

  // The police's replica takes everything the board's feed has for it.
  void DeliverFeed() {
    auto batch = board_->feed()->ReadFor("police", cursor_, size_t{1} << 30);
    ASSERT_THAT(batch, IsOk());
    for (const v1::FeedEntry& entry : batch->entries()) {
      if (entry.has_change()) {
        ASSERT_THAT(police_->Apply(entry.change(), Arrival::kAnyOrder), IsOk());
      }
    }
    cursor_ = batch->cursor();
  }

  // An entry both sides hold, and concurrent edits of its event: `police`
  // at the agency (pushed), `board` at the board (first).
  void ConcurrentEdits(const std::string& ancestor, const std::string& police,
                       const std::string& board) {
    entry_ = Entry(police_, "r1", ancestor);
    ASSERT_THAT(Push({entry_}), IsOk());
    DeliverFeed();
    police_edit_ = EditAt(police_, entry_, kEvent, police, "pc 123");
    board_edit_ = EditAt(board_->replica(), entry_, kEvent, board, "analyst");
    ASSERT_THAT(Push({police_edit_}), IsOk());
  }

  Replica* police_ = nullptr;
  uint64_t cursor_ = 0;
  v1::Change entry_;
  v1::Change police_edit_;
  v1::Change board_edit_;
};

TEST_F(BoardMergeTest, ACleanMergeIsWrittenByTheBoardAndReachesTheAgency) {
  const std::string police =
      "The health visitor called at the family home on Tuesday. Mother said "
      "the child had been unwell. A GP appointment was booked for Friday.";
  const std::string board =
      "The health visitor called at the family home on Monday. Mother said "
      "the child had been unwell. A GP appointment was booked for Friday, "
      "and kept.";
  const std::string merged =
      "The health visitor called at the family home on Tuesday. Mother said "
      "the child had been unwell. A GP appointment was booked for Friday, "
      "and kept.";
  ASSERT_NO_FATAL_FAILURE(ConcurrentEdits(kParagraph, police, board));

  FieldState field = Field(board_->replica(), entry_, kEvent);
  ASSERT_EQ(field.heads.heads_size(), 1);
  EXPECT_EQ(Event(board_->replica(), entry_), merged);
  EXPECT_THAT(board_->replica()->CountConflicts(), IsOkAndHolds(0u));
  // An ordinary board change, naming both values.
  auto change = board_->replica()->ReadChange(field.heads.heads(0).dot());
  ASSERT_THAT(change, IsOk());
  ASSERT_TRUE(change->has_value());
  EXPECT_EQ((*change)->dot().replica(), "board");
  EXPECT_EQ((*change)->author(), kMergeAuthor);
  ASSERT_EQ((*change)->writes_size(), 1);
  EXPECT_EQ((*change)->writes(0).parents_size(), 2);

  // The agency had its own edit; the feed brings the board's and the merge.
  EXPECT_EQ(Event(police_, entry_), police);
  DeliverFeed();
  EXPECT_EQ(Event(police_, entry_), merged);
  EXPECT_EQ(Field(police_, entry_, kEvent).heads.heads_size(), 1);
  EXPECT_THAT(police_->CountConflicts(), IsOkAndHolds(0u));
}

TEST_F(BoardMergeTest, OverlappingEditsStayAConflict) {
  ASSERT_NO_FATAL_FAILURE(ConcurrentEdits(
      kParagraph,
      "The health visitor called at the family home on Tuesday. Mother said "
      "the child had been unwell. A GP appointment was booked for Friday.",
      "The health visitor called at the family home on Wednesday. Mother "
      "said the child had been unwell. A GP appointment was booked for "
      "Friday."));
  EXPECT_EQ(Field(board_->replica(), entry_, kEvent).heads.heads_size(), 2);
  EXPECT_THAT(board_->replica()->CountConflicts(), IsOkAndHolds(1u));
  // conflicts list: both values, each as a diff against the ancestor.
  auto conflicts = board_->records()->ListConflicts(v1::ListConflictsRequest());
  ASSERT_THAT(conflicts, IsOk());
  ASSERT_EQ(conflicts->conflicts_size(), 1);
  const v1::Conflict& conflict = conflicts->conflicts(0);
  ASSERT_EQ(conflict.values_size(), 2);
  std::set<std::string> diffs;
  for (const v1::ConflictValue& value : conflict.values()) {
    diffs.insert(value.diff_from_ancestor());
    EXPECT_EQ(value.ancestor().replica(), "police");
    EXPECT_EQ(value.ancestor().counter(), entry_.dot().counter());
  }
  EXPECT_EQ(diffs, (std::set<std::string>{
                       "… at the family home on [-Monday.-]{+Tuesday.+} "
                       "Mother said the child had …",
                       "… at the family home on [-Monday.-]{+Wednesday.+} "
                       "Mother said the child had …"}));
}

TEST_F(BoardMergeTest, AShortTextIsLeftToAPerson) {
  ASSERT_NO_FATAL_FAILURE(ConcurrentEdits("Home visit. Child seen.",
                                          "Home visit on Monday. Child seen.",
                                          "Home visit. Child seen alone."));
  EXPECT_EQ(Field(board_->replica(), entry_, kEvent).heads.heads_size(), 2);
  // The diff is there all the same.
  auto conflicts = board_->records()->ListConflicts(v1::ListConflictsRequest());
  ASSERT_THAT(conflicts, IsOk());
  ASSERT_EQ(conflicts->conflicts_size(), 1);
  EXPECT_THAT(conflicts->conflicts(0).values(0).diff_from_ancestor(),
              HasSubstr("{+"));
}

TEST_F(BoardMergeTest, NoMergeWithoutACommonAncestor) {
  // Both write a field the entry never had: no ancestor to merge against.
  entry_ = Entry(police_, "r1", "Strategy meeting");
  ASSERT_THAT(Push({entry_}), IsOk());
  const std::string text(100, 'x');
  v1::Change at_police = EditAt(police_, entry_, 13, text + " police", "pc");
  EditAt(board_->replica(), entry_, 13, text + " board", "analyst");
  ASSERT_THAT(Push({at_police}), IsOk());
  EXPECT_THAT(board_->replica()->CountConflicts(), IsOkAndHolds(1u));
  auto conflicts = board_->records()->ListConflicts(v1::ListConflictsRequest());
  ASSERT_THAT(conflicts, IsOk());
  ASSERT_EQ(conflicts->conflicts_size(), 1);
  EXPECT_EQ(conflicts->conflicts(0).values(0).diff_from_ancestor(), "");
  EXPECT_FALSE(conflicts->conflicts(0).values(0).has_ancestor());
}

TEST_F(BoardMergeTest, FieldsWithAFormatAreNotMerged) {
  // A date is not free text: a conflict on it stays, with no diff.
  entry_ = Entry(police_, "r1", kParagraph);
  ASSERT_THAT(Push({entry_}), IsOk());
  v1::Change at_police = EditAt(police_, entry_, 5, "2024-03-05", "pc");
  EditAt(board_->replica(), entry_, 5, "2024-03-06", "analyst");
  ASSERT_THAT(Push({at_police}), IsOk());
  EXPECT_THAT(board_->replica()->CountConflicts(), IsOkAndHolds(1u));
  auto conflicts = board_->records()->ListConflicts(v1::ListConflictsRequest());
  ASSERT_THAT(conflicts, IsOk());
  ASSERT_EQ(conflicts->conflicts_size(), 1);
  EXPECT_EQ(conflicts->conflicts(0).values(0).diff_from_ancestor(), "");
}

TEST_F(BoardMergeTest, ARepeatedPushMergesNothingTwice) {
  const std::string police =
      "The health visitor called at the family home on Tuesday. Mother said "
      "the child had been unwell. A GP appointment was booked for Friday.";
  const std::string board =
      "The health visitor called at the family home on Monday. Mother said "
      "the baby had been unwell. A GP appointment was booked for Friday.";
  ASSERT_NO_FATAL_FAILURE(ConcurrentEdits(kParagraph, police, board));
  const uint64_t head = board_->feed()->head();
  ASSERT_THAT(Push({police_edit_}), IsOk());
  EXPECT_EQ(board_->feed()->head(), head);
  // A later edit at the agency, made after it received the merge, is an
  // ordinary edit.
  DeliverFeed();
  const std::string later = Event(police_, entry_) + " Closed.";
  v1::Change again = EditAt(police_, entry_, kEvent, later, "pc 123");
  ASSERT_THAT(Push({again}), IsOk());
  EXPECT_EQ(board_->feed()->head(), head + 1);
  EXPECT_EQ(Event(board_->replica(), entry_), later);
}

TEST_F(BoardMergeTest, SeveralEditsAtTheAgencyMergeWithOneAtTheBoard) {
  entry_ = Entry(police_, "r1", kParagraph);
  ASSERT_THAT(Push({entry_}), IsOk());
  DeliverFeed();
  v1::Change first = EditAt(
      police_, entry_, kEvent,
      "The health visitor called at the family home on Tuesday. Mother said "
      "the child had been unwell. A GP appointment was booked for Friday.",
      "pc");
  v1::Change second = EditAt(
      police_, entry_, kEvent,
      "The health visitor called at the family home on Tuesday morning. "
      "Mother said the child had been unwell. A GP appointment was booked "
      "for Friday.",
      "pc");
  EditAt(board_->replica(), entry_, kEvent,
         "The health visitor called at the family home on Monday. Mother said "
         "the child had been unwell. A GP appointment was booked for Friday "
         "at 10:00.",
         "analyst");
  ASSERT_THAT(Push({first, second}), IsOk());
  EXPECT_EQ(Event(board_->replica(), entry_),
            "The health visitor called at the family home on Tuesday morning. "
            "Mother said the child had been unwell. A GP appointment was "
            "booked for Friday at 10:00.");
  EXPECT_THAT(board_->replica()->CountConflicts(), IsOkAndHolds(0u));
}

}  // namespace
}  // namespace casesync::testing
