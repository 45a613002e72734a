#include "common/calendar/calendar_file.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "toml++/toml.h"

namespace casesync {
namespace {

// "FILE line L: ".
std::string Where(absl::string_view origin, const toml::source_region& region) {
  return absl::StrCat(origin, " line ", region.begin.line, ": ");
}

[[nodiscard]] absl::Status Refuse(absl::string_view origin,
                                  const toml::node& node,
                                  absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat(Where(origin, node.source()), problem));
}

std::optional<absl::CivilDay> DayOf(const toml::node& node) {
  const toml::value<toml::date>* date = node.as_date();
  if (date == nullptr) return std::nullopt;
  const toml::date& d = date->get();
  const absl::CivilDay day(d.year, d.month, d.day);
  if (day.year() != d.year || day.month() != d.month || day.day() != d.day) {
    return std::nullopt;
  }
  return day;
}

// The date under `key` of `table`.
[[nodiscard]] absl::StatusOr<absl::CivilDay> DateKey(absl::string_view origin,
                                                     const toml::table& table,
                                                     const char* key) {
  const toml::node* node = table.get(key);
  if (node == nullptr) {
    return Refuse(origin, table,
                  absl::StrCat("'", key, "' is missing (a date, unquoted: ",
                               key, " = 2024-01-01)"));
  }
  std::optional<absl::CivilDay> day = DayOf(*node);
  if (!day.has_value()) {
    return Refuse(
        origin, *node,
        absl::StrCat("'", key, "' must be a date, unquoted (2024-01-01)"));
  }
  return *day;
}

// The string under `key` of `table`.
[[nodiscard]] absl::StatusOr<std::string> StringKey(absl::string_view origin,
                                                    const toml::table& table,
                                                    const char* key) {
  const toml::node* node = table.get(key);
  if (node == nullptr || !node->is_string()) {
    return Refuse(
        origin, node == nullptr ? static_cast<const toml::node&>(table) : *node,
        absl::StrCat("'", key, "' must be a string"));
  }
  return std::string(node->as_string()->get());
}

[[nodiscard]] absl::Status OnlyKeys(absl::string_view origin,
                                    const toml::table& table,
                                    std::vector<absl::string_view> allowed) {
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return Refuse(origin, node, absl::StrCat("unknown key '", name, "'"));
    }
  }
  return absl::OkStatus();
}

[[nodiscard]] absl::StatusOr<std::vector<WorkingCalendar::Holiday>> Holidays(
    absl::string_view origin, const toml::table& table) {
  std::vector<WorkingCalendar::Holiday> holidays;
  const toml::node* node = table.get("holiday");
  if (node == nullptr) return holidays;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    return Refuse(origin, *node,
                  "'holiday' must be a list of tables ([[holiday]])");
  }
  for (const toml::node& element : *array) {
    const toml::table* entry = element.as_table();
    if (entry == nullptr) {
      return Refuse(origin, element, "each [[holiday]] must be a table");
    }
    absl::Status keys = OnlyKeys(origin, *entry, {"date", "name"});
    if (!keys.ok()) return keys;
    absl::StatusOr<absl::CivilDay> day = DateKey(origin, *entry, "date");
    if (!day.ok()) return day.status();
    absl::StatusOr<std::string> name = StringKey(origin, *entry, "name");
    if (!name.ok()) return name.status();
    holidays.push_back({*day, *std::move(name)});
  }
  return holidays;
}

}  // namespace

absl::StatusOr<WorkingCalendar> ParseCalendarFile(absl::string_view text,
                                                  absl::string_view origin) {
  toml::table table;
  try {
    table = toml::parse(std::string_view(text.data(), text.size()),
                        std::string_view(origin.data(), origin.size()));
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(origin, e.source()), std::string(e.description())));
  }
  absl::Status keys = OnlyKeys(
      origin, table, {"calendar", "valid_from", "valid_until", "holiday"});
  if (!keys.ok()) return keys;
  absl::StatusOr<std::string> name = StringKey(origin, table, "calendar");
  if (!name.ok()) return name.status();
  absl::StatusOr<absl::CivilDay> first = DateKey(origin, table, "valid_from");
  if (!first.ok()) return first.status();
  absl::StatusOr<absl::CivilDay> last = DateKey(origin, table, "valid_until");
  if (!last.ok()) return last.status();
  absl::StatusOr<std::vector<WorkingCalendar::Holiday>> holidays =
      Holidays(origin, table);
  if (!holidays.ok()) return holidays.status();
  absl::StatusOr<WorkingCalendar> calendar =
      WorkingCalendar::Create(*std::move(name), *first, *last, *holidays);
  if (!calendar.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": ", calendar.status().message()));
  }
  return calendar;
}

absl::StatusOr<WorkingCalendar> ReadCalendarFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the calendar file ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseCalendarFile(text.str(), path);
}

absl::StatusOr<WorkingCalendar> EnglandAndWalesCalendar() {
  static const absl::StatusOr<WorkingCalendar>* const calendar =
      new absl::StatusOr<WorkingCalendar>(
          []() -> absl::StatusOr<WorkingCalendar> {
            absl::StatusOr<WorkingCalendar> parsed =
                ParseCalendarFile(EnglandAndWalesCalendarText(),
                                  "england-and-wales.toml (built in)");
            if (!parsed.ok())
              return absl::InternalError(parsed.status().message());
            return parsed;
          }());
  return *calendar;
}

}  // namespace casesync
