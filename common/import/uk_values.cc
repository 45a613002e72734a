#include "common/import/uk_values.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"

namespace casesync {
namespace {

constexpr absl::string_view kDateForms =
    "a date such as 04/03/2024, 4/3/24, 4 Mar 2024, 4th March 2024 or "
    "2024-03-04, or an uncertain one such as ?/04/2024, April 2024, "
    "Spring 2023 or c. 2019";

[[nodiscard]] absl::Status NotADate(absl::string_view text) {
  return absl::InvalidArgumentError(
      absl::StrCat("'", text, "' is not ", kDateForms));
}

std::string Iso(const absl::CivilDay& day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

// The day, if year-month-day names one that exists.
std::optional<absl::CivilDay> Day(int year, int month, int day) {
  if (year < 1900 || year > 2200 || month < 1 || month > 12 || day < 1 ||
      day > 31) {
    return std::nullopt;
  }
  const absl::CivilDay civil(year, month, day);
  if (civil.month() != month || civil.day() != day) return std::nullopt;
  return civil;
}

absl::CivilDay LastOfMonth(int year, int month) {
  return absl::CivilDay(absl::CivilMonth(year, month) + 1) - 1;
}

// "24" -> 2024, "97" -> 1997, "2024" -> 2024; -1 if no year.
int Year(absl::string_view text) {
  int year = 0;
  if (!absl::SimpleAtoi(text, &year)) return -1;
  if (text.size() == 4) return year;
  if (text.size() == 2) return year <= 69 ? 2000 + year : 1900 + year;
  return -1;
}

// 1-12 for a month's name or its abbreviation ("Mar", "Sept"), else 0.
int MonthOfName(absl::string_view word) {
  static constexpr const char* kMonths[] = {
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  if (word.size() < 3) return 0;
  for (int m = 0; m < 12; ++m) {
    const absl::string_view name = kMonths[m];
    if (absl::StartsWith(name, word)) return m + 1;
  }
  if (word == "sept") return 9;
  return 0;
}

bool IsWeekday(absl::string_view word) {
  static constexpr const char* kDays[] = {"monday",   "tuesday", "wednesday",
                                          "thursday", "friday",  "saturday",
                                          "sunday"};
  if (word.size() < 3) return false;
  for (const char* day : kDays) {
    if (absl::StartsWith(day, word)) return true;
  }
  return word == "tues" || word == "thur" || word == "thurs";
}

// A day of the month as written: "4", "04", "4th", "1st", "22nd", "3rd".
int DayOfMonth(absl::string_view word) {
  for (absl::string_view suffix : {"st", "nd", "rd", "th"}) {
    if (absl::ConsumeSuffix(&word, suffix)) break;
  }
  int day = 0;
  if (word.empty() || word.size() > 2 || !absl::SimpleAtoi(word, &day)) {
    return 0;
  }
  return day >= 1 && day <= 31 ? day : 0;
}

bool Unknown(absl::string_view part) {
  return !part.empty() &&
         part.find_first_not_of("?x") == absl::string_view::npos;
}

enum class Part { kWhole, kEarly, kMid, kLate };

// A span narrowed to its first, middle or last third.
ImportedDate Span(absl::CivilDay first, absl::CivilDay last, Part part) {
  const int64_t days = last - first + 1;
  if (part == Part::kEarly) last = first + days / 3 - 1;
  if (part == Part::kMid) {
    first = first + days / 3;
    last = first + days / 3 - 1;
  }
  if (part == Part::kLate) first = last - days / 3 + 1;
  ImportedDate out;
  out.date = Iso(first);
  out.latest = Iso(last);
  out.uncertain = true;
  return out;
}

[[nodiscard]] absl::StatusOr<ImportedDate> Numeric(absl::string_view original,
                                                   absl::string_view text,
                                                   Part part) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(text, absl::ByAnyChar("/.-"), absl::SkipWhitespace());
  for (absl::string_view& p : parts) p = absl::StripAsciiWhitespace(p);
  // ISO: 2024-03-04, or 2024-03 for a month.
  if (!parts.empty() && parts[0].size() == 4 && !Unknown(parts[0])) {
    int year = Year(parts[0]);
    int month = 0;
    int day = 0;
    if (parts.size() == 3 && absl::SimpleAtoi(parts[1], &month) &&
        absl::SimpleAtoi(parts[2], &day)) {
      std::optional<absl::CivilDay> civil = Day(year, month, day);
      if (!civil) return NotADate(original);
      ImportedDate out;
      out.date = Iso(*civil);
      return out;
    }
    if (parts.size() == 2 && absl::SimpleAtoi(parts[1], &month) &&
        Day(year, month, 1)) {
      return Span(absl::CivilDay(year, month, 1), LastOfMonth(year, month),
                  part);
    }
    return NotADate(original);
  }
  if (parts.size() == 2) {  // 04/2024: a month
    int month = 0;
    const int year = Year(parts[1]);
    if (absl::SimpleAtoi(parts[0], &month) && parts[1].size() == 4 &&
        Day(year, month, 1)) {
      return Span(absl::CivilDay(year, month, 1), LastOfMonth(year, month),
                  part);
    }
    return NotADate(original);
  }
  if (parts.size() != 3) return NotADate(original);
  const int year = Year(parts[2]);
  if (year < 0) return NotADate(original);
  if (Unknown(parts[0]) && Unknown(parts[1])) {  // ?/?/2019
    return Span(absl::CivilDay(year, 1, 1), absl::CivilDay(year, 12, 31), part);
  }
  int first = 0;
  int second = 0;
  if (!absl::SimpleAtoi(parts[1], &second)) return NotADate(original);
  if (Unknown(parts[0])) {  // ?/04/2024
    if (!Day(year, second, 1)) return NotADate(original);
    return Span(absl::CivilDay(year, second, 1), LastOfMonth(year, second),
                part);
  }
  if (!absl::SimpleAtoi(parts[0], &first) || parts[0].size() > 2 ||
      parts[1].size() > 2) {
    return NotADate(original);
  }
  std::optional<absl::CivilDay> day_first = Day(year, second, first);
  if (!day_first) {
    if (Day(year, first, second)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", original,
          "' can only be month first (a US date); casesync reads dates day "
          "first (dd/mm/yyyy) and never guesses: write it as ",
          Iso(*Day(year, first, second))));
    }
    return NotADate(original);
  }
  ImportedDate out;
  out.date = Iso(*day_first);
  out.order = first > 12 ? ImportedDate::Order::kDayFirst
                         : ImportedDate::Order::kEither;
  if (part != Part::kWhole) out.uncertain = true;
  return out;
}

[[nodiscard]] absl::StatusOr<ImportedDate> Words(absl::string_view original,
                                                 absl::string_view text,
                                                 Part part) {
  std::vector<std::string> words =
      absl::StrSplit(text, absl::ByAnyChar(" ,-/"), absl::SkipWhitespace());
  int day = 0;
  int month = 0;
  int year = -1;
  int season = 0;  // 1 spring, 2 summer, 3 autumn, 4 winter
  for (std::string& word : words) {
    absl::StripTrailingAsciiWhitespace(&word);
    if (absl::EndsWith(word, ".")) word.pop_back();
    if (word == "of" || IsWeekday(word)) continue;
    if (word == "spring") {
      season = 1;
    } else if (word == "summer") {
      season = 2;
    } else if (word == "autumn" || word == "fall") {
      season = 3;
    } else if (word == "winter") {
      season = 4;
    } else if (int m = MonthOfName(word); m != 0 && month == 0) {
      month = m;
    } else if (word.size() == 4 && Year(word) > 0 && year < 0) {
      year = Year(word);
    } else if (word.size() == 2 && day != 0 && month != 0 && year < 0 &&
               Year(word) > 0) {
      year = Year(word);  // "4 Mar 24"
    } else if (int d = DayOfMonth(word); d != 0 && day == 0 && year < 0) {
      day = d;  // "4th March 2024", or "March 4 2024": the month is spelt
    } else {
      return NotADate(original);
    }
  }
  if (year < 0) return NotADate(original);
  if (season != 0) {
    if (month != 0 || day != 0) return NotADate(original);
    const int start = season * 3;  // 3 March, 6 June, 9 September, 12
    const absl::CivilDay first(year, start, 1);
    const absl::CivilDay last =
        absl::CivilDay(absl::CivilMonth(year, start) + 3) - 1;
    return Span(first, last, part);
  }
  if (month == 0) {
    if (day != 0) return NotADate(original);
    return Span(absl::CivilDay(year, 1, 1), absl::CivilDay(year, 12, 31), part);
  }
  if (day == 0) {
    return Span(absl::CivilDay(year, month, 1), LastOfMonth(year, month), part);
  }
  std::optional<absl::CivilDay> civil = Day(year, month, day);
  if (!civil) return NotADate(original);
  ImportedDate out;
  out.date = Iso(*civil);
  out.uncertain = part != Part::kWhole;
  return out;
}

}  // namespace

absl::StatusOr<ImportedDate> ParseUkDate(absl::string_view original) {
  std::string text =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(original));
  bool uncertain = false;
  // A date and a time in one cell: the time is the last word, with a colon
  // or a dot, or am/pm ("2024-03-04 10:30", "4 Mar 2024 9.15pm").
  std::string time;
  if (text.size() > 10 && text[4] == '-' && text[10] == 't') text[10] = ' ';
  if (const size_t space = text.rfind(' '); space != std::string::npos) {
    const std::string tail = text.substr(space + 1);
    if (tail.find_first_of(":.") != std::string::npos ||
        absl::EndsWith(tail, "am") || absl::EndsWith(tail, "pm")) {
      absl::StatusOr<std::string> parsed = ParseUkTime(tail);
      if (parsed.ok()) {
        time = *std::move(parsed);
        text.resize(space);
        absl::StripTrailingAsciiWhitespace(&text);
      }
    }
  }
  while (!text.empty() && text.back() == '?') {
    text.pop_back();
    uncertain = true;
  }
  Part part = Part::kWhole;
  for (bool again = true; again;) {
    again = false;
    for (absl::string_view prefix :
         {"circa ", "c. ", "c.", "c ", "approx. ", "approx ", "approximately ",
          "about ", "around ", "~", "est. ", "estimated ", "before ",
          "after "}) {
      if (absl::StartsWith(text, prefix) &&
          !(prefix == "c " && text.size() < 3)) {
        if (prefix == "before " || prefix == "after ") {
          return absl::InvalidArgumentError(
              absl::StrCat("'", original,
                           "' gives no date; write the span it may be in, "
                           "such as 'c. 2019' or 'Spring 2023'"));
        }
        text = std::string(absl::StripLeadingAsciiWhitespace(
            absl::string_view(text).substr(prefix.size())));
        uncertain = true;
        again = true;
      }
    }
    for (auto [prefix, narrowed] :
         {std::pair<absl::string_view, Part>{"early ", Part::kEarly},
          {"mid ", Part::kMid},
          {"mid-", Part::kMid},
          {"late ", Part::kLate}}) {
      if (absl::StartsWith(text, prefix)) {
        text = text.substr(prefix.size());
        part = narrowed;
        again = true;
      }
    }
  }
  if (text.empty()) return NotADate(original);
  const bool numeric =
      text.find_first_not_of("0123456789?x/.- ") == std::string::npos &&
      text.find_first_of("/.-") != std::string::npos;
  absl::StatusOr<ImportedDate> date =
      numeric ? Numeric(original, text, part) : Words(original, text, part);
  if (!date.ok()) return date;
  if (uncertain) date->uncertain = true;
  date->time = std::move(time);
  return date;
}

absl::StatusOr<std::string> ParseUkTime(absl::string_view original) {
  std::string text =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(original));
  auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", original,
        "' is not a time such as 10.30am, 9:15 pm, 21:15 or 0930"));
  };
  int add = -1;  // 0 for am, 12 for pm
  for (auto [suffix, hours] : {std::pair<absl::string_view, int>{"a.m.", 0},
                               {"p.m.", 12},
                               {"am", 0},
                               {"pm", 12},
                               {"hrs", -1},
                               {"hours", -1},
                               {"h", -1}}) {
    if (absl::EndsWith(text, suffix)) {
      text.resize(text.size() - suffix.size());
      add = hours;
      break;
    }
  }
  absl::StripTrailingAsciiWhitespace(&text);
  if (text == "12 noon" || text == "noon" || text == "midday") return "12:00";
  if (text == "midnight") return "00:00";
  int hour = 0;
  int minute = 0;
  const size_t sep = text.find_first_of(".:");
  if (sep != std::string::npos) {
    if (!absl::SimpleAtoi(text.substr(0, sep), &hour) ||
        text.size() - sep - 1 != 2 ||
        !absl::SimpleAtoi(text.substr(sep + 1), &minute)) {
      return bad();
    }
    if (sep > 2) return bad();
  } else if (text.size() == 4 && add < 0) {  // 0930, 2115
    if (!absl::SimpleAtoi(text, &hour)) return bad();
    minute = hour % 100;
    hour /= 100;
  } else if (text.size() <= 2 && add >= 0) {  // 9am
    if (!absl::SimpleAtoi(text, &hour)) return bad();
  } else {
    return bad();
  }
  if (minute < 0 || minute > 59 || hour < 0) return bad();
  if (add >= 0) {
    if (hour < 1 || hour > 12) return bad();
    hour = hour % 12 + add;
  } else if (hour > 23) {
    return bad();
  }
  return absl::StrFormat("%02d:%02d", hour, minute);
}

void DateOrder::Note(uint32_t row, absl::string_view text) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::StripAsciiWhitespace(text), absl::ByAnyChar("/.-"));
  if (parts.size() != 3 || parts[0].size() > 2 || parts[1].size() > 2) return;
  int first = 0;
  int second = 0;
  if (!absl::SimpleAtoi(parts[0], &first) ||
      !absl::SimpleAtoi(parts[1], &second)) {
    return;
  }
  auto& list = first > 12 && second <= 12   ? day_first_
               : second > 12 && first <= 12 ? month_first_
                                            : day_first_;
  if ((first > 12) == (second > 12)) return;  // either order, or neither
  if (list.size() < 5) list.emplace_back(row, std::string(text));
}

std::string DateOrder::Explain(absl::string_view row_word) const {
  auto rows = [&](const std::vector<std::pair<uint32_t, std::string>>& list) {
    return absl::StrJoin(list, ", ", [&](std::string* out, const auto& r) {
      absl::StrAppend(out, row_word, " ", r.first, " '", r.second, "'");
    });
  };
  std::string out = absl::StrCat(
      "the file writes dates month first (US style), which casesync never "
      "guesses: ",
      rows(month_first_), " can only be month/day/year");
  if (!day_first_.empty()) {
    absl::StrAppend(&out, ", while ", rows(day_first_),
                    " can only be day/month/year");
  }
  absl::StrAppend(&out,
                  ". Export the dates as dd/mm/yyyy or yyyy-mm-dd and import "
                  "again");
  return out;
}

}  // namespace casesync
