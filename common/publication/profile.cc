#include "common/publication/profile.h"

#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace casesync {
namespace {

struct YearMonthDay {
  int year = 0, month = 0, day = 0;
};

// "YYYY-MM-DD" or "YYYY-MM" (day 0); false otherwise.
bool ParseDate(absl::string_view s, YearMonthDay* out) {
  if (s.size() != 7 && s.size() != 10) return false;
  if (s[4] != '-' || (s.size() == 10 && s[7] != '-')) return false;
  if (!absl::SimpleAtoi(s.substr(0, 4), &out->year) ||
      !absl::SimpleAtoi(s.substr(5, 2), &out->month)) {
    return false;
  }
  out->day = 0;
  if (s.size() == 10 && !absl::SimpleAtoi(s.substr(8, 2), &out->day)) {
    return false;
  }
  return out->month >= 1 && out->month <= 12;
}

// A date as the profile has it: the same, or its month.
std::string Coarsened(const v1::PublicationProfile& profile,
                      const std::string& date) {
  if (profile.dates() == v1::PublicationProfile::DATES_KEEP) return date;
  YearMonthDay d;
  if (!ParseDate(date, &d)) return date;
  return date.substr(0, 7);
}

void Coarsen(const v1::PublicationProfile& profile, std::string* date,
             std::set<std::string>* months) {
  if (date->empty()) return;
  *date = Coarsened(profile, *date);
  if (date->size() == 7) months->insert(*date);
}

// Empties what feeds the report's section `key` (kPublishedSectionKeys).
void OmitSection(absl::string_view key, v1::JointReview* review) {
  v1::Review* r = review->mutable_review();
  if (key == "summary") r->clear_executive_summary();
  if (key == "child") r->clear_about_the_child();
  if (key == "family") r->clear_family_involvement();
  if (key == "practitioners") r->clear_practitioner_involvement();
  if (key == "enquiry") r->clear_key_lines_of_enquiry();
  if (key == "parallel") r->clear_parallel_processes();
  if (key == "good_practice") r->clear_good_practice();
  if (key == "agencies") review->clear_summaries();
  if (key == "chronology") review->clear_chronology();
  if (key == "episodes") review->clear_episodes();
  if (key == "findings") review->clear_findings();
  if (key == "recommendations") {
    for (v1::FindingGroup& group : *review->mutable_findings()) {
      for (v1::Finding& finding : *group.mutable_findings()) {
        finding.clear_recommendation();
        finding.clear_partners_response();
      }
    }
    review->clear_actions();
  }
}

}  // namespace

absl::Status CheckPublicationProfile(const v1::PublicationProfile& profile) {
  for (const std::string& key : profile.omit_sections()) {
    bool known = false;
    for (absl::string_view section : kPublishedSectionKeys) {
      known |= section == key;
    }
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the publication profile leaves out section '", key,
          "', which the report does not have (docs/joint_review.md lists "
          "the sections)"));
    }
  }
  YearMonthDay birth;
  if (!profile.child_birth_date().empty() &&
      !ParseDate(profile.child_birth_date(), &birth)) {
    return absl::InvalidArgumentError(
        "the child's date of birth in the publication profile is not a date");
  }
  return absl::OkStatus();
}

std::string AgeInWords(absl::string_view birth_date, absl::string_view date) {
  YearMonthDay born, on;
  if (!ParseDate(birth_date, &born) || !ParseDate(date, &on)) return "";
  int months = (on.year - born.year) * 12 + (on.month - born.month);
  if (on.day != 0 && born.day != 0 && on.day < born.day) --months;
  if (months < 0) return "before birth";
  const int years = months / 12;
  months %= 12;
  const auto plural = [](int n, const char* unit) {
    return absl::StrCat(n, " ", unit, n == 1 ? "" : "s");
  };
  if (years == 0) {
    return months == 0 ? "aged under a month"
                       : absl::StrCat("aged ", plural(months, "month"));
  }
  if (months == 0) return absl::StrCat("aged ", plural(years, "year"));
  return absl::StrCat("aged ", plural(years, "year"), " ",
                      plural(months, "month"));
}

void ApplyPublicationProfile(const v1::PublicationProfile& profile,
                             v1::JointReview* review) {
  for (const std::string& key : profile.omit_sections()) {
    OmitSection(key, review);
  }
  std::set<std::string> months;
  v1::Review* r = review->mutable_review();
  r->clear_phase();
  r->clear_reopened();
  Coarsen(profile, r->mutable_period_start(), &months);
  Coarsen(profile, r->mutable_period_end(), &months);
  review->clear_contributions();
  review->clear_conflicts();
  review->clear_discrepancies();
  review->clear_rules();
  for (v1::AgencySummary& s : *review->mutable_summaries()) {
    Coarsen(profile, s.mutable_first_contact(), &months);
    Coarsen(profile, s.mutable_last_contact(), &months);
  }
  for (v1::CompositeEntry& item :
       *review->mutable_chronology()->mutable_entries()) {
    v1::ChronologyEntry* e = item.mutable_entry();
    e->clear_source();
    e->clear_time();
    e->clear_end_time();
    Coarsen(profile, e->mutable_date(), &months);
    Coarsen(profile, e->mutable_end_date(), &months);
    for (v1::EntrySource& source : *item.mutable_sources()) {
      source.clear_source();
    }
    item.clear_duplicate_reasons();
    item.clear_discrepancy_ids();
  }
  for (v1::ContactGap& gap : *review->mutable_chronology()->mutable_gaps()) {
    Coarsen(profile, gap.mutable_after_date(), &months);
    Coarsen(profile, gap.mutable_before_date(), &months);
  }
  for (v1::EpisodeSection& section : *review->mutable_episodes()) {
    Coarsen(profile, section.mutable_episode()->mutable_period_start(),
            &months);
    Coarsen(profile, section.mutable_episode()->mutable_period_end(), &months);
  }
  review->clear_date_labels();
  if (profile.dates() == v1::PublicationProfile::DATES_CHILD_AGE &&
      !profile.child_birth_date().empty()) {
    for (const std::string& month : months) {
      v1::DateLabel* label = review->add_date_labels();
      label->set_month(month);
      label->set_label(AgeInWords(profile.child_birth_date(), month));
    }
  }
}

}  // namespace casesync
