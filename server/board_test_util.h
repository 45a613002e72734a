// Helpers for the board's unit tests: a board and agency replicas in a
// temporary directory, and a review to work in.
#ifndef CASESYNC_SERVER_BOARD_TEST_UTIL_H_
#define CASESYNC_SERVER_BOARD_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "common/testing/status_matchers.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "server/board.h"

namespace casesync::testing {

class BoardFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    BoardOptions options;
    options.data_dir = dir_.Sub("board");
    options.clock = &clock_;
    options.sync = false;
    Configure(&options);
    auto board = Board::Open(options);
    ASSERT_THAT(board, IsOk());
    board_ = *std::move(board);
  }

  // Lets a test change the board's options (its limits) before it opens.
  virtual void Configure(BoardOptions* /*options*/) {}

  // An agency's own replica, to author changes the way casesyncd does.
  Replica* Agency(const std::string& id) {
    ReplicaOptions options;
    options.path = dir_.Sub(id);
    options.replica_id = id;
    options.clock = &clock_;
    options.sync = false;
    auto replica = Replica::Open(options);
    EXPECT_THAT(replica, IsOk());
    agencies_.push_back(*std::move(replica));
    return agencies_.back().get();
  }

  static FieldEdit Text(uint32_t field, const std::string& text) {
    FieldEdit edit;
    edit.field = field;
    edit.value.set_string_value(text);
    return edit;
  }

  // The board creates (or edits) review `id` with these members and phase.
  void BoardReview(const std::string& id,
                   const std::vector<std::string>& agencies,
                   v1::Review::Phase phase = v1::Review::PHASE_DATA_GATHERING) {
    RecordEdit edit;
    edit.record.set_review_id(id);
    edit.record.set_type(v1::RECORD_TYPE_REVIEW);
    FieldEdit members;
    members.field = 7;
    auto* list = members.value.mutable_string_list();
    for (const std::string& agency : agencies) list->add_values(agency);
    FieldEdit phase_edit;
    phase_edit.field = 6;
    phase_edit.value.set_enum_value(phase);
    edit.fields = {Text(5, "Review " + id), phase_edit, members};
    ASSERT_THAT(board_->replica()->Edit(edit), IsOk());
  }

  // A new chronology entry authored at `replica`.
  v1::Change Entry(Replica* replica, const std::string& review,
                   const std::string& event,
                   v1::Visibility visibility = v1::VISIBILITY_REVIEW) {
    RecordEdit edit;
    edit.record.set_review_id(review);
    edit.record.set_type(v1::RECORD_TYPE_CHRONOLOGY);
    FieldEdit vis;
    vis.field = 4;
    vis.value.set_enum_value(visibility);
    edit.fields = {vis, Text(5, "2024-03-04"), Text(10, "ref"),
                   Text(12, event)};
    auto change = replica->Edit(edit);
    EXPECT_THAT(change, IsOk());
    return change.ok() ? *change : v1::Change();
  }

  TempDir dir_;
  FakeClock clock_{1'700'000'000'000};
  std::unique_ptr<Board> board_;
  std::vector<std::unique_ptr<Replica>> agencies_;
};

}  // namespace casesync::testing

#endif  // CASESYNC_SERVER_BOARD_TEST_UTIL_H_
