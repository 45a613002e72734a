#include "common/document/review_document.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/document/published_report.h"
#include "common/document/review_terms.h"
#include "common/document/statutory_timeline.h"

namespace casesync {
namespace {

constexpr char kMethod[] =
    "The review follows the systems method of SCIE's Learning Together "
    "model, as the Munro review recommended. Instead of each agency writing "
    "a separate report, the review gathers every agency's records and "
    "conversations with the practitioners involved into one composite "
    "chronology, identifies key practice episodes, appraises them and "
    "explains why practice made sense to those involved at the time, and "
    "draws findings about the system that the safeguarding partners can act "
    "on. It looks in particular at how information was shared between "
    "agencies and whether the child's voice was heard.";

// Where a record refers to others: the numbers the document gives them.
struct Numbering {
  std::map<std::string, int> episode;  // episode id -> E number
  std::map<std::string, int> finding;  // finding id -> F number
  std::map<std::string, int> entry;    // chronology entry id -> row #
};

Numbering NumberRecords(const v1::JointReview& review) {
  Numbering numbers;
  for (int i = 0; i < review.episodes_size(); ++i) {
    numbers.episode.emplace(review.episodes(i).episode().id(), i + 1);
  }
  for (const v1::FindingGroup& group : review.findings()) {
    for (const v1::Finding& finding : group.findings()) {
      numbers.finding.emplace(finding.id(),
                              static_cast<int>(numbers.finding.size()) + 1);
    }
  }
  const auto& entries = review.chronology().entries();
  for (int i = 0; i < entries.size(); ++i) {
    numbers.entry.emplace(entries[i].entry().id(), i + 1);
    for (const v1::EntrySource& source : entries[i].sources()) {
      numbers.entry.emplace(source.entry_id(), i + 1);
    }
  }
  return numbers;
}

std::string Period(absl::string_view start, absl::string_view end) {
  if (start.empty() && end.empty()) return "not given";
  if (end.empty() || end == start) return std::string(start);
  if (start.empty()) return absl::StrCat("until ", end);
  return absl::StrCat(start, " to ", end);
}

// "E1, E3" for episode ids (an id the document does not hold as itself).
std::string EpisodeRefs(
    const Numbering& numbers,
    const google::protobuf::RepeatedPtrField<std::string>& ids) {
  std::vector<std::string> refs;
  for (const std::string& id : ids) {
    auto number = numbers.episode.find(id);
    refs.push_back(number == numbers.episode.end()
                       ? id
                       : absl::StrCat("E", number->second));
  }
  return absl::StrJoin(refs, ", ");
}

// "#3, #7" for chronology entry ids, in order (an id the chronology lacks
// as itself, after them).
std::string EntryRefs(const Numbering& numbers,
                      const std::vector<std::string>& ids) {
  std::set<int> rows;
  std::vector<std::string> others;
  for (const std::string& id : ids) {
    auto number = numbers.entry.find(id);
    if (number == numbers.entry.end()) {
      others.push_back(id);
    } else {
      rows.insert(number->second);
    }
  }
  std::vector<std::string> refs;
  for (int row : rows) refs.push_back(absl::StrCat("#", row));
  refs.insert(refs.end(), others.begin(), others.end());
  return absl::StrJoin(refs, ", ");
}

void AddFact(std::vector<Inlines>* facts, absl::string_view label,
             absl::string_view value) {
  if (value.empty()) return;
  facts->push_back(Inlines().Strong(label).Text(" ").Text(value));
}

void AddIntroduction(const v1::JointReview& review, MarkdownDocument* doc) {
  const v1::Review& r = review.review();
  doc->Heading(1, r.title().empty() ? "Joint case review" : r.title());
  doc->Heading(2, kReviewSections[0]);
  if (review.published()) {
    doc->Paragraph(Inlines()
                       .Strong("Published version:")
                       .Text(" names are pseudonyms, and only records cleared "
                             "for publication are included."));
  }
  std::vector<Inlines> facts;
  AddFact(&facts, "Commissioned by:", r.partnership());
  AddFact(&facts,
          "Period under review:", Period(r.period_start(), r.period_end()));
  AddFact(&facts, "Kind of review:", ReviewKindInWords(r.kind()));
  AddFact(&facts, "Methodology:", MethodologyInWords(r.methodology()));
  AddFact(&facts, "Phase:", PhaseInWords(r.phase()));
  AddFact(&facts, "Reference:", r.id());
  doc->BulletList(facts);
  doc->Heading(3, "Terms of reference");
  if (r.terms_of_reference().find_first_not_of(" \t\r\n") ==
      std::string::npos) {
    doc->Paragraph("No terms of reference recorded.");
  } else {
    doc->TextBlock("", r.terms_of_reference());
  }
  AddStatutoryTimeline(review, doc);
}

void AddMethod(const v1::JointReview& review,
               const std::vector<std::string>& agencies,
               MarkdownDocument* doc) {
  doc->Heading(2, kReviewSections[1]);
  doc->Paragraph(kMethod);
  if (agencies.empty()) {
    doc->Paragraph("No participating agencies are listed yet.");
    return;
  }
  doc->Paragraph(absl::StrCat(
      "Participating agencies: ", absl::StrJoin(agencies, ", "), "."));
  std::map<std::string, std::vector<const v1::AgencySummary*>> summaries;
  for (const v1::AgencySummary& summary : review.summaries()) {
    summaries[summary.owner_agency()].push_back(&summary);
  }
  for (const std::string& agency : agencies) {
    doc->Heading(3, agency);
    auto found = summaries.find(agency);
    if (found == summaries.end()) {
      doc->Paragraph("No summary of involvement yet.");
      continue;
    }
    for (const v1::AgencySummary* summary : found->second) {
      doc->TextBlock("Involvement:", summary->involvement());
      if (!summary->first_contact().empty() ||
          !summary->last_contact().empty()) {
        doc->Paragraph(
            Inlines()
                .Strong("Contact:")
                .Text(absl::StrCat(" ", Period(summary->first_contact(),
                                               summary->last_contact()))));
      }
      doc->TextBlock("Key concerns:", summary->key_concerns());
    }
  }
}

void AddContributions(const v1::JointReview& review, MarkdownDocument* doc) {
  doc->Heading(2, kReviewSections[2]);
  if (review.contributions().empty()) {
    doc->Paragraph("No contribution status is available.");
    return;
  }
  bool verdicts = false;
  for (const v1::AgencyContribution& c : review.contributions()) {
    verdicts |=
        c.has_last_sync() || c.accepted() || c.rejected() || c.pending();
  }
  std::vector<std::string> headings = {"Agency", "Records contributed",
                                       "Outstanding", "Last sync"};
  if (verdicts) {
    headings.insert(headings.end(), {"Accepted", "Rejected", "Pending"});
  }
  MarkdownDocument::Table table = doc->StartTable(headings);
  for (const v1::AgencyContribution& c : review.contributions()) {
    // Map order is not stable: sort by type name.
    std::map<std::string, uint32_t> records(c.records().begin(),
                                            c.records().end());
    std::vector<std::string> counts;
    for (const auto& [type, count] : records) {
      counts.push_back(absl::StrCat(type, " ", count));
    }
    std::vector<Inlines> row = {
        c.agency(), counts.empty() ? "none" : absl::StrJoin(counts, ", "),
        c.outstanding().empty() ? "nothing"
                                : absl::StrJoin(c.outstanding(), ", "),
        c.has_last_sync()
            ? absl::FormatTime("%Y-%m-%d %H:%M UTC",
                               absl::FromUnixSeconds(c.last_sync().seconds()),
                               absl::UTCTimeZone())
            : "not known"};
    if (verdicts) {
      row.insert(row.end(),
                 {absl::StrCat(c.accepted()), absl::StrCat(c.rejected()),
                  absl::StrCat(c.pending())});
    }
    table.AddRow(row);
  }
}

std::vector<Inlines> ChronologyRow(int number, const v1::CompositeEntry& item,
                                   const Numbering& numbers) {
  const v1::ChronologyEntry& e = item.entry();
  std::string date = absl::StrCat(e.date_uncertain() ? "c. " : "", e.date());
  if (!e.end_date().empty() && e.end_date() != e.date()) {
    absl::StrAppend(&date, " to ", e.end_date());
  }
  std::string time = e.time();
  if (!e.end_time().empty()) absl::StrAppend(&time, "\u2013", e.end_time());
  std::vector<std::string> sources;
  for (const v1::EntrySource& source : item.sources()) {
    sources.push_back(
        source.source().empty()
            ? source.agency()
            : absl::StrCat(source.agency(), ": ", source.source()));
  }
  if (sources.empty()) {
    sources.push_back(absl::StrCat(e.owner_agency(), ": ", e.source()));
  }
  Inlines source_cell(absl::StrJoin(sources, "; "));
  if (item.sources_size() > 1) source_cell.Text(" ").Emph("(likely duplicate)");
  Inlines event;
  if (!item.subject_label().empty()) {
    event.Strong(absl::StrCat(item.subject_label(), ":")).Text(" ");
  }
  event.Text(e.event());
  if (!item.child_age().empty()) {
    event.Text(" ").Emph(absl::StrCat("(child aged ", item.child_age(), ")"));
  }
  if (!e.episode_ids().empty()) {
    event.Text(absl::StrCat(" (", EpisodeRefs(numbers, e.episode_ids()), ")"));
  }
  for (const std::string& id : item.discrepancy_ids()) {
    event.Text(" ").Strong("Discrepancy").Text(absl::StrCat(" ", id));
  }
  Inlines action(e.action());
  if (!e.rationale().empty()) {
    action.Text(" ")
        .Strong("Rationale:")
        .Text(absl::StrCat(" ", e.rationale()));
  }
  if (!e.outcome().empty()) {
    action.Text(" ").Strong("Outcome:").Text(absl::StrCat(" ", e.outcome()));
  }
  return {absl::StrCat(number),
          date,
          time,
          source_cell,
          e.practitioner_role(),
          event,
          action,
          absl::StrCat(e.child_seen() ? "Seen" : "Not seen", "; voice ",
                       e.child_voice_recorded() ? "recorded" : "not recorded")};
}

void AddChronology(const v1::JointReview& review, MarkdownDocument* doc,
                   const Numbering& numbers) {
  doc->Heading(2, kReviewSections[3]);
  const auto& entries = review.chronology().entries();
  if (entries.empty()) {
    doc->Paragraph("No chronology entries yet.");
    return;
  }
  std::set<std::string> agencies;
  for (const v1::CompositeEntry& item : entries) {
    for (const v1::EntrySource& source : item.sources()) {
      agencies.insert(source.agency());
    }
  }
  const uint32_t gap_days =
      review.rules().gap_days() == 0 ? 28 : review.rules().gap_days();
  doc->Paragraph(absl::StrCat(
      entries.size(), entries.size() == 1 ? " entry" : " entries", " from ",
      agencies.size(), agencies.size() == 1 ? " agency" : " agencies",
      ", in date order, numbered as in the timeline. A date marked \"c.\" is "
      "uncertain. An event recorded by more than one agency is shown once, "
      "with every source. Entries in a discrepancy name it (see the "
      "appendix). A stretch of ",
      gap_days, " days or more with no agency contact is shown as a gap."));
  std::vector<v1::ContactGap> gaps(review.chronology().gaps().begin(),
                                   review.chronology().gaps().end());
  std::stable_sort(gaps.begin(), gaps.end(),
                   [](const v1::ContactGap& a, const v1::ContactGap& b) {
                     return a.after_date() < b.after_date();
                   });
  MarkdownDocument::Table table = doc->StartTable(
      {"#", "Date", "Time", "Agency / sources", "Practitioner role", "Event",
       "Action / outcome", "Child seen / voice"});
  size_t next_gap = 0;
  const auto add_gap = [&](const v1::ContactGap& gap) {
    table.AddRow({"", absl::StrCat(gap.after_date(), " to ", gap.before_date()),
                  "", "", "",
                  Inlines().Strong(absl::StrCat("No agency contact for ",
                                                gap.days(), " days")),
                  "", ""});
  };
  for (int i = 0; i < entries.size(); ++i) {
    while (next_gap < gaps.size() &&
           gaps[next_gap].after_date() < entries[i].entry().date()) {
      add_gap(gaps[next_gap++]);
    }
    table.AddRow(ChronologyRow(i + 1, entries[i], numbers));
  }
  while (next_gap < gaps.size()) add_gap(gaps[next_gap++]);
}

void AddEpisodes(const v1::JointReview& review, MarkdownDocument* doc,
                 const Numbering& numbers) {
  doc->Heading(2, kReviewSections[4]);
  if (review.episodes().empty()) {
    doc->Paragraph("No key practice episodes yet.");
    return;
  }
  doc->Paragraph(
      "Numbered E1, E2, ... as in the timeline and the chronology, each with "
      "its appraisal, why practice made sense at the time, and the factors "
      "that helped or hindered it.");
  // Chronology entries that name each episode.
  std::map<std::string, std::vector<std::string>> entries_of;
  for (const v1::CompositeEntry& item : review.chronology().entries()) {
    for (const std::string& id : item.entry().episode_ids()) {
      entries_of[id].push_back(item.entry().id());
    }
  }
  for (int i = 0; i < review.episodes_size(); ++i) {
    const v1::KeyPracticeEpisode& e = review.episodes(i).episode();
    doc->Heading(
        3, absl::StrCat("E", i + 1, ". ",
                        e.title().empty() ? "Untitled episode" : e.title()));
    std::vector<Inlines> facts;
    AddFact(&facts, "Period:", Period(e.period_start(), e.period_end()));
    AddFact(&facts, "Agencies:", absl::StrJoin(e.agencies(), ", "));
    std::vector<std::string> evidence = entries_of[e.id()];
    for (const std::string& id : e.evidence_ids()) {
      if (std::find(evidence.begin(), evidence.end(), id) == evidence.end()) {
        evidence.push_back(id);
      }
    }
    AddFact(&facts, "Evidence:", EntryRefs(numbers, evidence));
    doc->BulletList(facts);
    doc->Heading(4, "What happened");
    if (e.what_happened().empty()) doc->Paragraph("Not recorded yet.");
    doc->TextBlock("", e.what_happened());
    doc->Heading(4,
                 absl::StrCat("Appraisal: ", AppraisalInWords(e.appraisal())));
    doc->TextBlock("", e.appraisal_justification());
    doc->Heading(4, "Why it made sense at the time");
    if (e.explanation().empty()) doc->Paragraph("Not recorded yet.");
    doc->TextBlock("", e.explanation());
    doc->Heading(4, "Contributory factors");
    std::vector<Inlines> factors;
    for (const v1::ContributoryFactor& f : review.episodes(i).factors()) {
      std::string label = FactorLevelInWords(f.level());
      if (f.effect() != v1::ContributoryFactor::EFFECT_UNSPECIFIED) {
        label = absl::StrCat(
            f.effect() == v1::ContributoryFactor::EFFECT_SUPPORTS ? "Supports"
                                                                  : "Hinders",
            " (", label, ")");
      }
      factors.push_back(
          Inlines().Strong(absl::StrCat(label, ":")).Text(" ").Text(f.text()));
    }
    if (factors.empty()) doc->Paragraph("None recorded.");
    doc->BulletList(factors);
  }
}

void AddFindings(const v1::JointReview& review, MarkdownDocument* doc,
                 const Numbering& numbers) {
  doc->Heading(2, kReviewSections[5]);
  if (review.findings().empty()) {
    doc->Paragraph("No findings yet.");
    return;
  }
  doc->Paragraph(
      "Grouped by the typology of the Learning Together model and numbered "
      "F1, F2, ...; a finding in two categories is shown under each.");
  for (const v1::FindingGroup& group : review.findings()) {
    doc->Heading(3, CategoryHeading(group.category()));
    for (const v1::Finding& f : group.findings()) {
      doc->Heading(4, absl::StrCat("Finding F", numbers.finding.at(f.id())));
      doc->TextBlock("", f.statement());
      doc->TextBlock("Evidence:", f.evidence());
      if (!f.episode_ids().empty()) {
        doc->Paragraph(Inlines()
                           .Strong("Episodes:")
                           .Text(absl::StrCat(
                               " ", EpisodeRefs(numbers, f.episode_ids()))));
      }
      if (!f.questions_for_board().empty()) {
        doc->Paragraph(Inlines().Strong("Questions for the board:"));
        std::vector<Inlines> questions(f.questions_for_board().begin(),
                                       f.questions_for_board().end());
        doc->OrderedList(questions);
      }
    }
  }
}

void AddActions(const v1::JointReview& review, MarkdownDocument* doc,
                const Numbering& numbers) {
  doc->Heading(2, kReviewSections[6]);
  if (review.actions().empty()) {
    doc->Paragraph("No actions yet.");
    return;
  }
  MarkdownDocument::Table table = doc->StartTable(
      {"Finding", "Response", "Action", "Owner", "Due", "Status"});
  for (const v1::ActionPlanItem& a : review.actions()) {
    auto finding = numbers.finding.find(a.finding_id());
    table.AddRow({finding == numbers.finding.end()
                      ? a.finding_id()
                      : absl::StrCat("F", finding->second),
                  a.response(), a.action(), a.action_owner(), a.due_date(),
                  ActionStatusInWords(a.status())});
  }
}

std::string Score(double score) {
  const long hundredths = std::lround(score * 100);
  return absl::StrCat(hundredths / 100, ".", hundredths % 100 < 10 ? "0" : "",
                      hundredths % 100);
}

void AddDiscrepancy(const v1::Discrepancy& d, const Numbering& numbers,
                    MarkdownDocument* doc) {
  doc->Heading(4, absl::StrCat("Discrepancy ", d.id()));
  std::vector<std::string> entry_ids;
  for (const v1::DiscrepancyVersion& v : d.versions()) {
    entry_ids.push_back(v.entry_id());
  }
  doc->Paragraph(
      Inlines()
          .Strong("Disagree on:")
          .Text(absl::StrCat(" ", d.field(), "; chronology ",
                             EntryRefs(numbers, entry_ids), "; match score ",
                             Score(d.score()), ".")));
  MarkdownDocument::Table table = doc->StartTable(
      {"Version", "Agency", "Source", "Date", "Event", "Value"});
  for (int i = 0; i < d.versions_size(); ++i) {
    const v1::DiscrepancyVersion& v = d.versions(i);
    table.AddRow({absl::StrCat(i + 1), v.agency(), v.source(), v.date(),
                  v.event(), v.value().empty() ? "(not set)" : v.value()});
  }
  if (!d.reasons().empty()) {
    doc->Paragraph(Inlines().Strong("Why they were matched:"));
    std::vector<Inlines> reasons(d.reasons().begin(), d.reasons().end());
    doc->BulletList(reasons);
  }
  if (!d.has_decision()) {
    doc->Paragraph(Inlines().Strong("Decision:").Text(" not made yet."));
    return;
  }
  const v1::DiscrepancyDecision& decision = d.decision();
  std::string whose = "a value of the review team's own";
  for (int i = 0; i < d.versions_size(); ++i) {
    if (!decision.chosen_entry_id().empty() &&
        d.versions(i).entry_id() == decision.chosen_entry_id()) {
      whose = absl::StrCat("version ", i + 1, ", of ", d.versions(i).agency());
    }
  }
  doc->Paragraph(
      Inlines()
          .Strong("Decision:")
          .Text(absl::StrCat(" the review takes \"", decision.value(), "\" (",
                             whose, ").")));
  doc->TextBlock("Rationale:", decision.rationale());
}

void AddAppendix(const v1::JointReview& review, MarkdownDocument* doc,
                 const Numbering& numbers) {
  doc->Heading(2, kReviewSections[7]);
  doc->Heading(3, "Discrepancies");
  if (review.discrepancies().empty()) {
    doc->Paragraph("None.");
  } else {
    doc->Paragraph(
        "Entries of different agencies that look like the same event but "
        "disagree on a fact. The review team decides which version the review "
        "takes; neither agency's record is changed.");
    for (const v1::Discrepancy& d : review.discrepancies()) {
      AddDiscrepancy(d, numbers, doc);
    }
  }
  doc->Heading(3, "Open edit conflicts");
  if (review.conflicts().empty()) {
    doc->Paragraph("None.");
    return;
  }
  doc->Paragraph(
      "Fields that were changed at once by different people. Every value is "
      "kept, the first is the one shown, until someone resolves the conflict "
      "with casesync conflicts resolve.");
  MarkdownDocument::Table table =
      doc->StartTable({"Record", "Type", "Field", "Values"});
  for (const v1::ReviewConflict& c : review.conflicts()) {
    std::vector<std::string> values;
    for (int i = 0; i < c.values_size(); ++i) {
      values.push_back(absl::StrCat(
          i + 1, ") \"", c.values(i), "\"",
          i < c.authors_size() ? absl::StrCat(" by ", c.authors(i)) : ""));
    }
    table.AddRow(
        {c.record_id(), c.type(), c.field(), absl::StrJoin(values, "; ")});
  }
}

}  // namespace

void BuildReviewDocument(const v1::JointReview& review, MarkdownDocument* doc) {
  if (review.published()) {
    BuildPublishedReport(review, doc);
    return;
  }
  const Numbering numbers = NumberRecords(review);
  // Agencies: the review's, those contributing, and those with a summary.
  std::vector<std::string> agencies;
  std::set<std::string> seen;
  for (const v1::AgencyContribution& c : review.contributions()) {
    if (seen.insert(c.agency()).second) agencies.push_back(c.agency());
  }
  for (const std::string& agency : review.review().agencies()) {
    if (seen.insert(agency).second) agencies.push_back(agency);
  }
  for (const v1::AgencySummary& summary : review.summaries()) {
    if (seen.insert(summary.owner_agency()).second) {
      agencies.push_back(summary.owner_agency());
    }
  }
  AddIntroduction(review, doc);
  AddMethod(review, agencies, doc);
  AddContributions(review, doc);
  AddChronology(review, doc, numbers);
  AddEpisodes(review, doc, numbers);
  AddFindings(review, doc, numbers);
  AddActions(review, doc, numbers);
  AddAppendix(review, doc, numbers);
}

}  // namespace casesync
