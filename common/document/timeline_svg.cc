#include "common/document/timeline_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/document/markdown_document.h"

namespace casesync {
namespace {

// Layout, in SVG user units (the picture scales to the page width).
constexpr int kWidth = 1000;
constexpr int kLeft = 130;  // lane labels
constexpr int kRight = 16;
constexpr int kTop = 24;   // episode labels
constexpr int kLane = 24;  // height of one lane
constexpr int kAxis = 30;  // month labels under the lanes
constexpr int kLegend = 26;
constexpr int kPlot = kWidth - kLeft - kRight;

constexpr char kMarkColour[] = "#1f4e79";

int DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  int year, month, day;
};

Civil CivilFromDays(int z) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const int doe = z - era * 146097;
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  const int day = doy - (153 * mp + 2) / 5 + 1;
  const int month = mp < 10 ? mp + 3 : mp - 9;
  return {yoe + era * 400 + (month <= 2), month, day};
}

// True for 1..64 characters of [A-Za-z0-9._-]: safe in markup as it is.
bool IsPlainWord(absl::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

std::string SafeText(absl::string_view text) {
  return IsPlainWord(text) ? std::string(text) : HtmlEscape(text);
}

// A coordinate with one decimal, the same on every machine.
void AppendCoord(std::string* out, double value) {
  long tenths = std::lround(value * 10);
  if (tenths < 0) {
    out->push_back('-');
    tenths = -tenths;
  }
  absl::StrAppend(out, tenths / 10);
  if (tenths % 10 != 0) absl::StrAppend(out, ".", tenths % 10);
}

std::string Coord(double value) {
  std::string out;
  AppendCoord(&out, value);
  return out;
}

std::string FormatDate(int days) {
  const Civil c = CivilFromDays(days);
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", c.year, c.month,
                c.day);
  return buffer;
}

// Maps days to x.
class Scale {
 public:
  Scale(int first, int last) : first_(first), span_(last - first + 1) {}
  // The left edge of a day's slot, and its middle.
  double Left(int day) const {
    return kLeft + static_cast<double>(day - first_) * kPlot / span_;
  }
  double Middle(int day) const { return Left(day) + 0.5 * kPlot / span_; }
  int first() const { return first_; }
  int last() const { return first_ + span_ - 1; }

 private:
  int first_;
  int span_;
};

double LaneTop(size_t lane) { return kTop + static_cast<double>(lane) * kLane; }

void AppendMonthTicks(const Scale& scale, double bottom, std::string* out) {
  const Civil first = CivilFromDays(scale.first());
  const Civil last = CivilFromDays(scale.last());
  const int months =
      (last.year - first.year) * 12 + (last.month - first.month) + 1;
  const int step = months <= 18 ? 1 : months <= 54 ? 3 : months <= 108 ? 6 : 12;
  std::string lines, labels;
  int year = first.year, month = first.month;
  for (int i = 0; i <= months; ++i) {
    const int day = DaysFromCivil(year, month, 1);
    if (day >= scale.first() && day <= scale.last() &&
        (month - 1) % step == 0) {
      const std::string x = Coord(scale.Left(day));
      absl::StrAppend(&lines, "<line x1=\"", x, "\" y1=\"", kTop, "\" x2=\"", x,
                      "\" y2=\"", Coord(bottom + 4), "\"/>");
      char label[16];
      if (step == 12) {
        std::snprintf(label, sizeof label, "%04d", year);
      } else {
        std::snprintf(label, sizeof label, "%04d-%02d", year, month);
      }
      absl::StrAppend(&labels, "<text x=\"", x, "\" y=\"", Coord(bottom + 16),
                      "\">", label, "</text>");
    }
    if (++month > 12) {
      month = 1;
      ++year;
    }
  }
  if (labels.empty()) {  // A short span: name its first day.
    absl::StrAppend(&labels, "<text x=\"", kLeft, "\" y=\"", Coord(bottom + 16),
                    "\">", FormatDate(scale.first()), "</text>");
  }
  absl::StrAppend(out, "<g class=\"tl-ticks\" stroke=\"#c8ccd0\">", lines,
                  "</g>\n<g class=\"tl-tick-labels\" fill=\"#444\">", labels,
                  "</g>\n");
}

void AppendLegend(double y, std::string* out) {
  absl::StrAppend(
      out, "<g class=\"tl-legend\" fill=\"#333\">", "<circle cx=\"", kLeft + 6,
      "\" cy=\"", Coord(y), "\" r=\"3.5\" fill=\"", kMarkColour,
      "\"/><text x=\"", kLeft + 14, "\" y=\"", Coord(y + 4),
      "\">contact (chronology entry)</text>", "<circle cx=\"", kLeft + 196,
      "\" cy=\"", Coord(y), "\" r=\"5.5\" fill=\"none\" stroke=\"#c62828\" ",
      "stroke-width=\"1.6\"/><text x=\"", kLeft + 206, "\" y=\"", Coord(y + 4),
      "\">in a discrepancy</text>", "<rect x=\"", kLeft + 330, "\" y=\"",
      Coord(y - 6), "\" width=\"16\" height=\"12\" fill=\"#f0b429\" ",
      "fill-opacity=\".3\"/><text x=\"", kLeft + 352, "\" y=\"", Coord(y + 4),
      "\">key practice episode (E1, E2, ...)</text>", "<rect x=\"", kLeft + 580,
      "\" y=\"", Coord(y - 6),
      "\" width=\"16\" height=\"12\" fill=\"url(#tl-hatch)\"/><text x=\"",
      kLeft + 602, "\" y=\"", Coord(y + 4), "\">gap in contact</text></g>\n");
}

// Each lane's index, by agency.
using LaneIndex = std::map<std::string, size_t>;

// The days the picture spans: the review's period and every dated entry;
// nullopt if nothing is dated.
std::optional<Scale> TimelineScale(const v1::JointReview& review) {
  std::optional<int> first, last;
  const auto extend = [&](std::optional<int> day) {
    if (!day) return;
    if (!first || *day < *first) first = day;
    if (!last || *day > *last) last = day;
  };
  extend(ParseIsoDate(review.review().period_start()));
  extend(ParseIsoDate(review.review().period_end()));
  for (const v1::CompositeEntry& entry : review.chronology().entries()) {
    extend(ParseIsoDate(entry.entry().date()));
  }
  if (!first) return std::nullopt;
  return Scale(*first, *last);
}

// The opening <svg> tag, the title (naming the span, if any) and the hatch
// pattern of the gaps.
void AppendOpening(const std::optional<Scale>& scale, double height,
                   std::string* out) {
  absl::StrAppend(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" ",
                  "class=\"timeline\" viewBox=\"0 0 ", kWidth, " ",
                  Coord(height),
                  "\" role=\"img\" aria-labelledby=\"tl-title\" ",
                  "font-family=\"sans-serif\" font-size=\"11\">\n",
                  "<title id=\"tl-title\">Timeline of agency contact");
  if (scale) {
    absl::StrAppend(out, ", ", FormatDate(scale->first()), " to ",
                    FormatDate(scale->last()));
  }
  absl::StrAppend(
      out, "</title>\n",
      "<defs><pattern id=\"tl-hatch\" patternUnits=\"userSpaceOnUse\" ",
      "width=\"6\" height=\"6\" patternTransform=\"rotate(45)\">",
      "<rect width=\"6\" height=\"6\" fill=\"#eceff1\"/>",
      "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#9aa3ab\" ",
      "stroke-width=\"2\"/></pattern></defs>\n");
}

// The lanes and their labels. Returns each lane's label as it went into the
// markup.
std::vector<std::string> AppendLanes(const std::vector<std::string>& lanes,
                                     std::string* out) {
  absl::StrAppend(out, "<g class=\"tl-lanes\">");
  std::vector<std::string> labels;
  for (size_t i = 0; i < lanes.size(); ++i) {
    labels.push_back(SafeText(lanes[i]));
    absl::StrAppend(out, "<rect class=\"tl-lane\" x=\"", kLeft, "\" y=\"",
                    Coord(LaneTop(i)), "\" width=\"", kPlot, "\" height=\"",
                    kLane, "\" fill=\"", i % 2 ? "#ffffff" : "#f3f5f7",
                    "\"/><text x=\"", kLeft - 6, "\" y=\"",
                    Coord(LaneTop(i) + kLane / 2 + 4),
                    "\" text-anchor=\"end\">", labels.back(), "</text>");
  }
  absl::StrAppend(out, "</g>\n");
  return labels;
}

// Gaps in contact: hatched bands across every lane, down to `bottom`,
// labelled with their length.
void AppendGaps(const v1::JointReview& review, const Scale& scale,
                double bottom, std::string* out) {
  absl::StrAppend(out, "<g class=\"tl-gaps\">");
  for (const v1::ContactGap& gap : review.chronology().gaps()) {
    const std::optional<int> after = ParseIsoDate(gap.after_date());
    const std::optional<int> before = ParseIsoDate(gap.before_date());
    if (!after || !before || *before - *after < 2) continue;
    const double x0 = scale.Left(*after + 1), x1 = scale.Left(*before);
    absl::StrAppend(out, "<rect x=\"", Coord(x0), "\" y=\"", kTop,
                    "\" width=\"", Coord(x1 - x0), "\" height=\"",
                    Coord(bottom - kTop), "\" fill=\"url(#tl-hatch)\"/>",
                    "<text x=\"", Coord((x0 + x1) / 2), "\" y=\"",
                    Coord((kTop + bottom) / 2 + 4),
                    "\" text-anchor=\"middle\" fill=\"#555\">",
                    *before - *after, " days</text>");
  }
  absl::StrAppend(out, "</g>\n");
}

// Key practice episodes: a span on the lanes of their agencies (all
// `lane_count` lanes when none is known), labelled by number.
void AppendEpisodes(const v1::JointReview& review, const Scale& scale,
                    const LaneIndex& lane_of, size_t lane_count,
                    std::string* out) {
  absl::StrAppend(out, "<g class=\"tl-episodes\">");
  for (int e = 0; e < review.episodes_size(); ++e) {
    const v1::KeyPracticeEpisode& episode = review.episodes(e).episode();
    std::optional<int> start = ParseIsoDate(episode.period_start());
    std::optional<int> end = ParseIsoDate(episode.period_end());
    if (!start) start = end;
    if (!end) end = start;
    if (!start || *end < *start) continue;
    const int from = std::max(*start, scale.first());
    const int to = std::min(*end, scale.last());
    if (to < from) continue;
    std::set<size_t> on;
    for (const std::string& agency : episode.agencies()) {
      auto lane = lane_of.find(agency);
      if (lane != lane_of.end()) on.insert(lane->second);
    }
    if (on.empty()) {
      for (size_t i = 0; i < lane_count; ++i) on.insert(i);
    }
    const double x0 = scale.Left(from), x1 = scale.Left(to + 1);
    for (size_t lane : on) {
      absl::StrAppend(out, "<rect x=\"", Coord(x0), "\" y=\"",
                      Coord(LaneTop(lane) + 1), "\" width=\"", Coord(x1 - x0),
                      "\" height=\"", kLane - 2,
                      "\" fill=\"#f0b429\" fill-opacity=\".3\" ",
                      "stroke=\"#c98a00\" stroke-width=\".5\"/>");
    }
    absl::StrAppend(out, "<text x=\"", Coord(x0), "\" y=\"",
                    Coord(LaneTop(*on.begin()) - 3),
                    "\" fill=\"#7a5200\" font-weight=\"bold\">E", e + 1,
                    "</text>");
  }
  absl::StrAppend(out, "</g>\n");
}

// Contacts: a mark per source on its agency's lane (labelled as in
// `lane_labels`); the marks of one entry joined; entries in a discrepancy
// ringed.
void AppendContacts(const v1::JointReview& review, const Scale& scale,
                    const LaneIndex& lane_of,
                    const std::vector<std::string>& lane_labels,
                    std::string* out) {
  std::string joins, marks, flags;
  marks.reserve(80 * static_cast<size_t>(review.chronology().entries_size()));
  const auto& entries = review.chronology().entries();
  for (int n = 0; n < entries.size(); ++n) {
    const v1::CompositeEntry& entry = entries[n];
    const std::optional<int> day = ParseIsoDate(entry.entry().date());
    if (!day) continue;
    const std::string x = Coord(scale.Middle(*day));
    const bool uncertain = entry.entry().date_uncertain();
    std::set<size_t> on;
    for (const v1::EntrySource& source : entry.sources()) {
      const size_t lane = lane_of.at(source.agency());
      on.insert(lane);
      const std::string y = Coord(LaneTop(lane) + kLane / 2.0);
      absl::StrAppend(
          &marks, "<circle cx=\"", x, "\" cy=\"", y, "\" r=\"3.5\"",
          uncertain ? " fill-opacity=\".45\"" : "", "><title>#", n + 1,
          uncertain ? " c. " : " ", FormatDate(*day), " ", lane_labels[lane],
          entry.sources_size() > 1 ? ", likely duplicate" : "",
          entry.discrepancy_ids_size() > 0 ? ", in a discrepancy" : "",
          "</title></circle>");
      if (entry.discrepancy_ids_size() > 0) {
        absl::StrAppend(&flags, "<circle cx=\"", x, "\" cy=\"", y,
                        "\" r=\"5.5\"/>");
      }
    }
    if (on.size() > 1) {
      absl::StrAppend(&joins, "<line x1=\"", x, "\" y1=\"",
                      Coord(LaneTop(*on.begin()) + kLane / 2.0), "\" x2=\"", x,
                      "\" y2=\"", Coord(LaneTop(*on.rbegin()) + kLane / 2.0),
                      "\"/>");
    }
  }
  absl::StrAppend(out, "<g class=\"tl-joins\" stroke=\"", kMarkColour,
                  "\" stroke-width=\"1.2\" stroke-opacity=\".6\">", joins,
                  "</g>\n", "<g class=\"tl-marks\" fill=\"", kMarkColour, "\">",
                  marks, "</g>\n",
                  "<g class=\"tl-flags\" fill=\"none\" stroke=\"#c62828\" ",
                  "stroke-width=\"1.6\">", flags, "</g>\n");
}

}  // namespace

std::optional<int> ParseIsoDate(absl::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-')
    return std::nullopt;
  int parts[3] = {0, 0, 0};
  const std::pair<size_t, size_t> fields[3] = {{0, 4}, {5, 2}, {8, 2}};
  for (int i = 0; i < 3; ++i) {
    for (size_t k = 0; k < fields[i].second; ++k) {
      const char c = date[fields[i].first + k];
      if (c < '0' || c > '9') return std::nullopt;
      parts[i] = parts[i] * 10 + (c - '0');
    }
  }
  const int year = parts[0], month = parts[1], day = parts[2];
  if (year < 1 || month < 1 || month > 12 || day < 1) return std::nullopt;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[month - 1] + (month == 2 && leap ? 1 : 0)) {
    return std::nullopt;
  }
  return DaysFromCivil(year, month, day);
}

std::vector<std::string> TimelineLanes(const v1::JointReview& review) {
  std::vector<std::string> lanes;
  std::set<std::string> seen;
  for (const v1::AgencyContribution& contribution : review.contributions()) {
    if (seen.insert(contribution.agency()).second) {
      lanes.push_back(contribution.agency());
    }
  }
  for (const std::string& agency : review.review().agencies()) {
    if (seen.insert(agency).second) lanes.push_back(agency);
  }
  std::set<std::string> others;
  for (const v1::CompositeEntry& entry : review.chronology().entries()) {
    for (const v1::EntrySource& source : entry.sources()) {
      if (!seen.count(source.agency())) others.insert(source.agency());
    }
  }
  lanes.insert(lanes.end(), others.begin(), others.end());
  return lanes;
}

std::string RenderTimelineSvg(const v1::JointReview& review) {
  const std::vector<std::string> lanes = TimelineLanes(review);
  LaneIndex lane_of;
  for (size_t i = 0; i < lanes.size(); ++i) lane_of[lanes[i]] = i;
  const std::optional<Scale> scale = TimelineScale(review);
  const double bottom = LaneTop(lanes.size());
  std::string out;
  out.reserve(4096 +
              120 * static_cast<size_t>(review.chronology().entries_size()));
  AppendOpening(scale, bottom + kAxis + kLegend, &out);
  const std::vector<std::string> lane_labels = AppendLanes(lanes, &out);
  if (!scale) {
    absl::StrAppend(&out, "<text x=\"", kLeft + 6, "\" y=\"", Coord(kTop + 16),
                    "\">No dated entries.</text>\n</svg>\n");
    return out;
  }
  AppendMonthTicks(*scale, bottom, &out);
  // Gaps under everything else, then episodes, then the contacts on top.
  AppendGaps(review, *scale, bottom, &out);
  AppendEpisodes(review, *scale, lane_of, lanes.size(), &out);
  AppendContacts(review, *scale, lane_of, lane_labels, &out);
  AppendLegend(bottom + kAxis + kLegend / 2.0, &out);
  absl::StrAppend(&out, "</svg>\n");
  return out;
}

}  // namespace casesync
