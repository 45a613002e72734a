#include "common/document/published_report.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/document/review_terms.h"

namespace casesync {
namespace {

constexpr const char* kMonths[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

constexpr char kPublishedNote[] =
    " names are pseudonyms, and details that could identify the child, "
    "their family or the practitioners involved have been removed.";

// The standard abbreviations the glossary explains when the report uses
// them.
constexpr std::pair<const char*, const char*> kAbbreviations[] = {
    {"A&E", "Accident and Emergency department"},
    {"CAMHS", "Child and Adolescent Mental Health Services"},
    {"CIN", "Child in Need"},
    {"CP", "Child Protection"},
    {"CSC", "Children's Social Care"},
    {"DSL", "Designated Safeguarding Lead"},
    {"ED", "Emergency Department"},
    {"EHA", "Early Help Assessment"},
    {"GP", "General Practitioner"},
    {"HV", "Health Visitor"},
    {"ICPC", "Initial Child Protection Conference"},
    {"LADO", "Local Authority Designated Officer"},
    {"LCSPR", "Local Child Safeguarding Practice Review"},
    {"MARAC", "Multi-Agency Risk Assessment Conference"},
    {"MASH", "Multi-Agency Safeguarding Hub"},
    {"NHS", "National Health Service"},
    {"SCIE", "Social Care Institute for Excellence"},
};

bool Blank(absl::string_view text) {
  return absl::StripAsciiWhitespace(text).empty();
}

// The non-blank lines of a list field, trimmed.
std::vector<std::string> Lines(absl::string_view text) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty()) out.emplace_back(line);
  }
  return out;
}

// Dates as the published version has them, in words.
class DateWords {
 public:
  explicit DateWords(const v1::JointReview& review) {
    for (const v1::DateLabel& label : review.date_labels()) {
      labels_[label.month()] = label.label();
    }
  }

  std::string operator()(absl::string_view date) const {
    if (date.empty()) return "";
    auto found = labels_.find(std::string(date));
    if (found != labels_.end()) return found->second;
    int year = 0, month = 0;
    if (date.size() == 7 && date[4] == '-' &&
        absl::SimpleAtoi(date.substr(0, 4), &year) &&
        absl::SimpleAtoi(date.substr(5, 2), &month) && month >= 1 &&
        month <= 12) {
      return absl::StrCat(kMonths[month - 1], " ", year);
    }
    return std::string(date);
  }

  std::string Period(absl::string_view start, absl::string_view end) const {
    const std::string from = (*this)(start), to = (*this)(end);
    if (from.empty() && to.empty()) return "";
    if (from == to || to.empty()) return from;
    if (from.empty()) return absl::StrCat("until ", to);
    return absl::StrCat(from, " to ", to);
  }

 private:
  std::map<std::string, std::string> labels_;
};

std::string KindInWords(v1::Review::Kind kind) {
  switch (kind) {
    case v1::Review::KIND_RAPID_REVIEW:
      return "rapid review";
    case v1::Review::KIND_LCSPR:
      return "Local Child Safeguarding Practice Review";
    case v1::Review::KIND_SCR:
      return "serious case review";
    case v1::Review::KIND_LEARNING_REVIEW:
      return "learning review";
    default:
      return "review";
  }
}

std::string MethodInWords(v1::Review::Methodology methodology) {
  switch (methodology) {
    case v1::Review::METHODOLOGY_LEARNING_TOGETHER:
      return "The review used the systems method of SCIE's Learning Together "
             "model. Rather than each agency reviewing its own work alone, "
             "the agencies' records and conversations with the practitioners "
             "involved were brought together into one chronology; key "
             "practice episodes were identified and appraised, with an "
             "explanation of why practice made sense to those involved at "
             "the time; and findings were drawn about the wider system that "
             "the safeguarding partners can act on.";
    case v1::Review::METHODOLOGY_OTHER_SYSTEMS:
      return "The review used a systems approach: it looked beyond what "
             "individual practitioners did to the conditions they worked in, "
             "bringing the agencies' records together into one chronology, "
             "identifying key episodes of practice and drawing findings "
             "about the wider system that the safeguarding partners can act "
             "on.";
    default:
      return "The review brought together the records of each agency that "
             "had contact with the child and family into one chronology, "
             "identified key episodes of practice, and drew findings about "
             "how agencies worked together, to which the safeguarding "
             "partners have responded.";
  }
}

// A free-text section: its heading and the text, if there is any.
void AddTextSection(absl::string_view heading, absl::string_view text,
                    MarkdownDocument* doc) {
  if (Blank(text)) return;
  doc->Heading(2, heading);
  doc->TextBlock("", text);
}

// A list section: its heading and one item per line, if there is any.
void AddListSection(absl::string_view heading, absl::string_view text,
                    bool numbered, MarkdownDocument* doc) {
  const std::vector<std::string> lines = Lines(text);
  if (lines.empty()) return;
  doc->Heading(2, heading);
  const std::vector<Inlines> items(lines.begin(), lines.end());
  if (numbered) {
    doc->OrderedList(items);
  } else {
    doc->BulletList(items);
  }
}

void AddIntroduction(const v1::JointReview& review, const DateWords& dates,
                     MarkdownDocument* doc) {
  const v1::Review& r = review.review();
  doc->Heading(2, kPublishedReportSections[1]);
  std::string opening =
      absl::StrCat("This report is of a ", KindInWords(r.kind()));
  if (!Blank(r.partnership())) {
    absl::StrAppend(&opening, " commissioned by ", r.partnership());
  }
  const std::string period = dates.Period(r.period_start(), r.period_end());
  if (!period.empty()) {
    absl::StrAppend(&opening, ", covering the period ", period);
  }
  absl::StrAppend(&opening, ".");
  doc->Paragraph(opening);
  if (!Blank(r.terms_of_reference())) {
    doc->Heading(3, "Terms of reference");
    doc->TextBlock("", r.terms_of_reference());
  }
}

void AddMethodology(const v1::JointReview& review, MarkdownDocument* doc) {
  doc->Heading(2, kPublishedReportSections[3]);
  doc->Paragraph(MethodInWords(review.review().methodology()));
  std::vector<std::string> agencies(review.review().agencies().begin(),
                                    review.review().agencies().end());
  if (!agencies.empty()) {
    doc->Paragraph(absl::StrCat(
        "The agencies that took part: ", absl::StrJoin(agencies, ", "), "."));
  }
}

void AddAgencies(const v1::JointReview& review, const DateWords& dates,
                 MarkdownDocument* doc) {
  if (review.summaries().empty()) return;
  doc->Heading(2, kPublishedReportSections[8]);
  for (const v1::AgencySummary& s : review.summaries()) {
    doc->Heading(3, s.owner_agency());
    doc->TextBlock("", s.involvement());
    const std::string period =
        dates.Period(s.first_contact(), s.last_contact());
    if (!period.empty()) {
      doc->Paragraph(Inlines().Strong("Contact:").Text(" ").Text(period));
    }
    doc->TextBlock("Key concerns:", s.key_concerns());
  }
}

void AddChronology(const v1::JointReview& review, const DateWords& dates,
                   MarkdownDocument* doc) {
  if (review.chronology().entries().empty()) return;
  doc->Heading(2, kPublishedReportSections[9]);
  doc->Paragraph(
      "The events the review found most significant, as the agencies "
      "recorded them.");
  MarkdownDocument::Table table = doc->StartTable(
      {"When", "Agency", "What happened", "Action and outcome"});
  for (const v1::CompositeEntry& item : review.chronology().entries()) {
    const v1::ChronologyEntry& e = item.entry();
    std::string when =
        absl::StrCat(e.date_uncertain() ? "about " : "", dates(e.date()));
    if (!e.end_date().empty() && e.end_date() != e.date() &&
        dates(e.end_date()) != dates(e.date())) {
      absl::StrAppend(&when, " to ", dates(e.end_date()));
    }
    std::set<std::string> seen;
    std::vector<std::string> agencies;
    for (const v1::EntrySource& source : item.sources()) {
      if (seen.insert(source.agency()).second) {
        agencies.push_back(source.agency());
      }
    }
    if (agencies.empty()) agencies.push_back(e.owner_agency());
    std::string agency = absl::StrJoin(agencies, ", ");
    if (!e.practitioner_role().empty()) {
      absl::StrAppend(&agency, " (", e.practitioner_role(), ")");
    }
    Inlines action(e.action());
    if (!e.outcome().empty()) {
      if (!e.action().empty()) action.Text(" ");
      action.Strong("Outcome:").Text(" ").Text(e.outcome());
    }
    table.AddRow({when, agency, e.event(), action});
  }
}

void AddEpisodes(const v1::JointReview& review, const DateWords& dates,
                 MarkdownDocument* doc) {
  if (review.episodes().empty()) return;
  doc->Heading(2, kPublishedReportSections[10]);
  for (int i = 0; i < review.episodes_size(); ++i) {
    const v1::KeyPracticeEpisode& e = review.episodes(i).episode();
    doc->Heading(3, absl::StrCat("Episode ", i + 1, ": ",
                                 Blank(e.title()) ? "Untitled" : e.title()));
    const std::string period = dates.Period(e.period_start(), e.period_end());
    if (!period.empty()) {
      doc->Paragraph(Inlines().Strong("When:").Text(" ").Text(period));
    }
    doc->TextBlock("", e.what_happened());
    if (e.appraisal() != v1::KeyPracticeEpisode::APPRAISAL_UNSPECIFIED ||
        !Blank(e.appraisal_justification())) {
      doc->Heading(4, absl::StrCat("Appraisal of practice: ",
                                   AppraisalInWords(e.appraisal())));
      doc->TextBlock("", e.appraisal_justification());
    }
    if (!Blank(e.explanation())) {
      doc->Heading(4, "Why it made sense at the time");
      doc->TextBlock("", e.explanation());
    }
    std::vector<Inlines> factors;
    for (const v1::ContributoryFactor& f : review.episodes(i).factors()) {
      factors.push_back(Inlines(f.text()));
    }
    if (!factors.empty()) {
      doc->Heading(4, "What helped or hindered");
      doc->BulletList(factors);
    }
  }
}

// Each finding once, in the order the review first lists it, with every
// category it is in.
struct PublishedFinding {
  const v1::Finding* finding;
  std::vector<std::string> categories;
};

std::vector<PublishedFinding> FindingsOnce(const v1::JointReview& review) {
  std::vector<PublishedFinding> out;
  std::map<std::string, size_t> index;
  for (const v1::FindingGroup& group : review.findings()) {
    for (const v1::Finding& f : group.findings()) {
      auto [at, added] = index.emplace(f.id(), out.size());
      if (added) out.push_back({&f, {}});
      std::vector<std::string>& categories = out[at->second].categories;
      const std::string heading = CategoryHeading(group.category());
      bool listed = false;
      for (const std::string& c : categories) listed |= c == heading;
      if (!listed) categories.push_back(heading);
    }
  }
  return out;
}

void AddFindings(const std::vector<PublishedFinding>& findings,
                 MarkdownDocument* doc) {
  if (findings.empty()) return;
  doc->Heading(2, kPublishedReportSections[11]);
  for (size_t i = 0; i < findings.size(); ++i) {
    const v1::Finding& f = *findings[i].finding;
    doc->Heading(3, absl::StrCat("Finding ", i + 1));
    doc->TextBlock("", f.statement());
    doc->Paragraph(Inlines()
                       .Strong(findings[i].categories.size() == 1
                                   ? "Category:"
                                   : "Categories:")
                       .Text(" ")
                       .Text(absl::StrJoin(findings[i].categories, "; ")));
    doc->TextBlock("Evidence:", f.evidence());
    if (!f.questions_for_board().empty()) {
      doc->Paragraph(
          Inlines().Strong("Questions for the safeguarding partners:"));
      const std::vector<Inlines> questions(f.questions_for_board().begin(),
                                           f.questions_for_board().end());
      doc->OrderedList(questions);
    }
  }
}

void AddRecommendations(const v1::JointReview& review,
                        const std::vector<PublishedFinding>& findings,
                        const DateWords& dates, MarkdownDocument* doc) {
  std::map<std::string, std::vector<const v1::ActionPlanItem*>> actions;
  for (const v1::ActionPlanItem& a : review.actions()) {
    actions[a.finding_id()].push_back(&a);
  }
  bool any = false;
  int number = 0;
  for (size_t i = 0; i < findings.size(); ++i) {
    const v1::Finding& f = *findings[i].finding;
    if (Blank(f.recommendation())) continue;
    if (!any) doc->Heading(2, kPublishedReportSections[13]);
    any = true;
    doc->Heading(3, absl::StrCat("Recommendation ", ++number, " (from finding ",
                                 i + 1, ")"));
    doc->TextBlock("", f.recommendation());
    if (Blank(f.partners_response())) {
      doc->Paragraph(
          Inlines().Strong("The partners' response:").Text(" to be agreed."));
    } else {
      doc->TextBlock("The partners' response:", f.partners_response());
    }
    std::vector<Inlines> items;
    for (const v1::ActionPlanItem* a : actions[f.id()]) {
      std::string item = a->action().empty() ? a->response() : a->action();
      if (!a->due_date().empty()) {
        absl::StrAppend(&item, " (by ", dates(a->due_date()), ")");
      }
      items.push_back(Inlines(item));
    }
    if (!items.empty()) {
      doc->Paragraph(Inlines().Strong("Actions agreed:"));
      doc->BulletList(items);
    }
  }
}

// Whether `word` is in `text` as a whole word.
bool HasWord(absl::string_view text, absl::string_view word) {
  for (size_t at = text.find(word); at != absl::string_view::npos;
       at = text.find(word, at + 1)) {
    const bool starts =
        at == 0 ||
        !absl::ascii_isalnum(static_cast<unsigned char>(text[at - 1]));
    const size_t end = at + word.size();
    const bool ends =
        end == text.size() ||
        !absl::ascii_isalnum(static_cast<unsigned char>(text[end]));
    if (starts && ends) return true;
  }
  return false;
}

void AddGlossary(const v1::JointReview& review, absl::string_view text,
                 MarkdownDocument* doc) {
  std::vector<Inlines> items;
  std::set<std::string> defined;
  for (const std::string& line : Lines(review.review().glossary())) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) {
      items.push_back(Inlines(line));
      continue;
    }
    const std::string term(
        absl::StripAsciiWhitespace(absl::string_view(line).substr(0, colon)));
    defined.insert(term);
    items.push_back(Inlines().Strong(term).Text(":").Text(
        absl::string_view(line).substr(colon + 1)));
  }
  for (const auto& [term, meaning] : kAbbreviations) {
    if (defined.count(term) || !HasWord(text, term)) continue;
    items.push_back(Inlines().Strong(term).Text(": ").Text(meaning));
  }
  if (items.empty()) return;
  doc->Heading(2, kPublishedReportSections[14]);
  doc->BulletList(items);
}

}  // namespace

void BuildPublishedReport(const v1::JointReview& review,
                          MarkdownDocument* doc) {
  const v1::Review& r = review.review();
  const DateWords dates(review);
  doc->Heading(
      1, Blank(r.title()) ? "Child safeguarding practice review" : r.title());
  doc->Paragraph(Inlines().Strong("Published version:").Text(kPublishedNote));
  const std::vector<PublishedFinding> findings = FindingsOnce(review);

  AddTextSection(kPublishedReportSections[0], r.executive_summary(), doc);
  AddIntroduction(review, dates, doc);
  AddTextSection(kPublishedReportSections[2], r.about_the_child(), doc);
  AddMethodology(review, doc);
  AddTextSection(kPublishedReportSections[4], r.family_involvement(), doc);
  AddTextSection(kPublishedReportSections[5], r.practitioner_involvement(),
                 doc);
  AddListSection(kPublishedReportSections[6], r.key_lines_of_enquiry(),
                 /*numbered=*/true, doc);
  AddTextSection(kPublishedReportSections[7], r.parallel_processes(), doc);
  AddAgencies(review, dates, doc);
  AddChronology(review, dates, doc);
  AddEpisodes(review, dates, doc);
  AddFindings(findings, doc);
  AddListSection(kPublishedReportSections[12], r.good_practice(),
                 /*numbered=*/false, doc);
  AddRecommendations(review, findings, dates, doc);
  // The glossary explains what the report itself uses.
  const std::string text = doc->RenderMarkdown();
  AddGlossary(review, text, doc);
}

}  // namespace casesync
