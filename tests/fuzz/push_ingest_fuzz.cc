// Fuzz target: a push as the board receives it from an agency (the bytes of
// a PushBatch), judged and stored by the board's ingest. The changes are
// renumbered into the agency's next counters, so that every input reaches
// the checks and the merge engine instead of being acknowledged as seen.
// After each input the board must still read back every record it touched.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "casesync/v1/sync.pb.h"
#include "server/board.h"
#include "tests/fuzz/fuzz_seeds.h"

namespace {

std::unique_ptr<casesync::Board> OpenBoard(const std::string& dir) {
  casesync::BoardOptions options;
  options.data_dir = dir;
  options.sync = false;
  auto opened = casesync::Board::Open(options);
  if (!opened.ok()) std::abort();
  casesync::RecordEdit review;
  review.record.set_review_id(casesync::fuzz::kReview);
  review.record.set_type(casesync::v1::RECORD_TYPE_REVIEW);
  casesync::FieldEdit title{5, {}}, members{7, {}};
  title.value.set_string_value("Fuzz");
  members.value.mutable_string_list()->add_values("police");
  review.fields = {title, members};
  if (!(*opened)->replica()->Edit(review).ok()) std::abort();
  return *std::move(opened);
}

casesync::Board* TheBoard() {
  static auto* board = new casesync::fuzz::Renewed<casesync::Board>(
      /*every=*/100, OpenBoard);
  return board->Get();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  casesync::v1::PushBatch push;
  if (!push.ParseFromArray(data, static_cast<int>(size))) return 0;
  casesync::Board* board = TheBoard();
  auto state = board->ingest()->State("police");
  if (!state.ok()) std::abort();
  uint64_t counter = state->acknowledged();
  for (casesync::v1::Change& change : *push.mutable_changes()) {
    if (change.dot().replica() == "police") {
      change.mutable_dot()->set_counter(++counter);
    }
  }
  auto ack = board->ingest()->Push("police", push);
  // The store never fails here, and a push with consecutive counters is
  // never refused as a whole.
  if (!ack.ok()) std::abort();
  // Every record the push touched reads back (or is unknown, if refused),
  // each read once.
  std::set<std::pair<std::string, std::string>> touched;
  for (const casesync::v1::Change& change : push.changes()) {
    touched.emplace(change.record().review_id(), change.record().record_id());
  }
  for (const auto& [review_id, record_id] : touched) {
    auto record = board->replica()->ReadRecord(review_id, record_id);
    if (!record.ok() && !absl::IsNotFound(record.status()) &&
        !absl::IsInvalidArgument(record.status())) {
      std::abort();
    }
  }
  return 0;
}
