#include "common/document/statutory_timeline.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace casesync {
namespace {

std::string WorkingDays(int n) {
  return absl::StrCat(n, n == 1 ? " working day" : " working days");
}

// Met, missed, open or overdue, in words.
Inlines DeadlineStatus(const v1::Deadline& d, const std::string& as_of) {
  Inlines status;
  if (d.done() && !d.late()) {
    status.Strong("Met").Text(absl::StrCat(" on ", d.done_date()));
    if (d.days_left() > 0) {
      status.Text(absl::StrCat(", ", WorkingDays(d.days_left()), " early"));
    }
  } else if (d.done()) {
    status.Strong("Missed:").Text(absl::StrCat(
        " done ", d.done_date(), ", ", WorkingDays(-d.days_left()), " late"));
  } else if (d.overdue()) {
    status.Strong("Overdue");
    if (d.days_left() < 0) {
      status.Text(
          absl::StrCat(" by ", WorkingDays(-d.days_left()), " on ", as_of));
    }
  } else if (!d.due().empty()) {
    status.Text(
        absl::StrCat("Open: ", WorkingDays(d.days_left()), " left on ", as_of));
  } else {
    status.Text("Not yet known");
  }
  if (!d.note().empty()) status.Text(absl::StrCat(" (", d.note(), ")"));
  return status;
}

struct Row {
  std::string date;
  Inlines event;
  Inlines status;
};

}  // namespace

void AddStatutoryTimeline(const v1::JointReview& review,
                          MarkdownDocument* doc) {
  const v1::StatutoryClock& clock = review.clock();
  if (clock.key_dates().empty() && clock.deadlines().empty()) return;
  doc->Heading(3, "Statutory timeline");
  doc->Paragraph(absl::StrCat(
      "The review's key dates and the deadlines Working Together to "
      "Safeguard Children sets, in date order, as on ",
      clock.as_of(),
      ". Working days are Monday to Friday except bank holidays and the "
      "partnership's closure days (",
      clock.calendar(), ")."));
  std::vector<Row> rows;
  for (const v1::KeyDate& key : clock.key_dates()) {
    rows.push_back({key.date(), Inlines(key.label()), Inlines("")});
  }
  for (const v1::Deadline& d : clock.deadlines()) {
    Inlines event;
    event.Strong("Due:").Text(
        absl::StrCat(" ", d.label(), " (", d.rule(), ")"));
    rows.push_back({d.due(), event, DeadlineStatus(d, clock.as_of())});
  }
  // Deadlines not yet known go last.
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.date.empty() != b.date.empty()) return b.date.empty();
    return a.date < b.date;
  });
  MarkdownDocument::Table table = doc->StartTable({"Date", "Event", "Status"});
  for (const Row& row : rows) {
    table.AddRow(
        {row.date.empty() ? "not yet known" : row.date, row.event, row.status});
  }
  std::vector<Inlines> missed;
  for (const v1::Deadline& d : clock.deadlines()) {
    if (!d.late() && !d.overdue()) continue;
    Inlines item;
    item.Strong(absl::StrCat(d.label(), ":"))
        .Text(absl::StrCat(" due ", d.due(), "; "));
    if (d.delay_reason().empty()) {
      item.Text("no reason for the delay is recorded.");
    } else {
      item.Text(absl::StrCat("reason: ", d.delay_reason()));
    }
    missed.push_back(item);
  }
  if (missed.empty()) return;
  doc->Heading(4, "Missed deadlines");
  doc->BulletList(missed);
}

}  // namespace casesync
