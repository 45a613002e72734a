// Dates and times as agencies write them in the United Kingdom, read into
// the schema's forms (docs/joint_review.md, "Import"): "04/03/2024",
// "4/3/24", "4 Mar 2024", "4th March 2024" and ISO "2024-03-04" are one day;
// "?/04/2024", "April 2024", "Spring 2023", "c. 2019" are uncertain dates
// with the span they cover; "10.30am", "9:15 pm", "21:15" are times.
//
// Numbers alone are read day first. A date that can only be month first
// ("03/14/2024") is never guessed: ParseUkDate refuses it, and DateOrder
// gathers, across a whole file, the rows that show the file writes months
// first, so the import can name them.
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_IMPORT_UK_VALUES_H_
#define CASESYNC_COMMON_IMPORT_UK_VALUES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace casesync {

struct ImportedDate {
  // The first day the date may be, "YYYY-MM-DD".
  std::string date;
  // For an uncertain date, the last day it may be; empty for one day.
  std::string latest;
  bool uncertain = false;
  // Of a date written with numbers only: which order it shows.
  enum class Order { kEither, kDayFirst, kMonthFirst } order = Order::kEither;
  // The time the text also gave ("04/03/2024 10:30", an Excel date-time),
  // as "HH:MM"; empty if none.
  std::string time;
};

// The date `text` names, and its time if a time follows the date
// ("04/03/2024 10:30", "4 Mar 2024 9.15pm"). INVALID_ARGUMENT saying which
// forms are read for text that is no date, a day that does not exist
// ("31/02/2024"), or a date that can only be month first.
[[nodiscard]] absl::StatusOr<ImportedDate> ParseUkDate(absl::string_view text);

// The time `text` names as "HH:MM". INVALID_ARGUMENT for text that is no
// time of day ("25:00", "13pm").
[[nodiscard]] absl::StatusOr<std::string> ParseUkTime(absl::string_view text);

// The order numeric dates take across a file: the rows whose dates can only
// be read day first, and those that can only be read month first.
class DateOrder {
 public:
  void Note(uint32_t row, absl::string_view text);
  // True if some date of the file can be read only month first: the file
  // writes US dates (or mixes the two), and its dates are not guessed.
  bool MonthFirst() const { return !month_first_.empty(); }
  // The message naming the deciding rows, with `row_word` ("row", "line").
  std::string Explain(absl::string_view row_word) const;

 private:
  std::vector<std::pair<uint32_t, std::string>> day_first_;
  std::vector<std::pair<uint32_t, std::string>> month_first_;
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_IMPORT_UK_VALUES_H_
