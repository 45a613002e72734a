#include "common/review/joint_review.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/calendar/dates.h"
#include "common/records/access_rules.h"
#include "common/records/change_check.h"
#include "common/records/field_value.h"
#include "common/records/record_types.h"
#include "common/replica/review_lookup.h"
#include "common/review/event_matching.h"
#include "common/review/statutory_clock.h"
#include "google/protobuf/util/time_util.h"

namespace casesync {
namespace {

// What every agency is asked for, and so listed as outstanding until given.
constexpr absl::string_view kExpectedOfEveryAgency[] = {"chronology",
                                                        "summary"};

// The category findings without one are listed under.
constexpr absl::string_view kUncategorised = "uncategorised";

template <typename T>
T As(const RecordView& view) {
  T typed;
  typed.CopyFrom(*view.message);
  return typed;
}

// The review's records, sorted into their kinds.
struct ReviewRecords {
  std::vector<v1::ChronologyEntry> chronology;
  std::vector<v1::KeyPracticeEpisode> episodes;
  std::vector<v1::ContributoryFactor> factors;
  std::vector<v1::Finding> findings;
  std::vector<v1::ActionPlanItem> actions;
  std::vector<v1::AgencySummary> summaries;
  std::map<std::string, v1::DiscrepancyDecision> decisions;  // by discrepancy
  std::vector<v1::ReviewSubject> subjects;
  std::map<std::string, std::string> born;  // subject id -> date of birth
  // Owner agency -> type name -> records.
  std::map<std::string, std::map<std::string, uint32_t>> counts;
};

[[nodiscard]] absl::StatusOr<ReviewRecords> ReadReviewRecords(
    const Replica& replica, absl::string_view review_id, bool published) {
  ASSIGN_OR_RETURN(std::vector<RecordView> views,
                   replica.ListRecords(review_id, std::nullopt,
                                       /*include_deleted=*/false));
  ReviewRecords records;
  for (const RecordView& view : views) {
    // The review itself, and what never leaves the board (the pseudonym
    // map, the publication's own records), are no agency's contribution.
    const RecordTypeInfo* type = FindRecordType(view.ref.type());
    if (view.ref.type() == v1::RECORD_TYPE_REVIEW || type == nullptr ||
        !type->disclosable) {
      continue;
    }
    if (published && view.visibility != v1::VISIBILITY_PUBLISHED &&
        view.ref.type() != v1::RECORD_TYPE_SUBJECT &&
        view.ref.type() != v1::RECORD_TYPE_BIRTH_DATE) {
      continue;
    }
    // The statutory process's own records are not contributions.
    switch (view.ref.type()) {
      case v1::RECORD_TYPE_SUBJECT:
        records.subjects.push_back(As<v1::ReviewSubject>(view));
        continue;
      case v1::RECORD_TYPE_BIRTH_DATE: {
        const v1::SubjectBirthDate birth = As<v1::SubjectBirthDate>(view);
        records.born[birth.subject_id()] = birth.date_of_birth();
        continue;
      }
      case v1::RECORD_TYPE_REQUEST:
      case v1::RECORD_TYPE_RESPONSE:
        continue;
      default:
        break;
    }
    ++records.counts[view.ref.owner_agency()][RecordTypeName(view.ref.type())];
    switch (view.ref.type()) {
      case v1::RECORD_TYPE_CHRONOLOGY:
        records.chronology.push_back(As<v1::ChronologyEntry>(view));
        break;
      case v1::RECORD_TYPE_EPISODE:
        records.episodes.push_back(As<v1::KeyPracticeEpisode>(view));
        break;
      case v1::RECORD_TYPE_FACTOR:
        records.factors.push_back(As<v1::ContributoryFactor>(view));
        break;
      case v1::RECORD_TYPE_FINDING:
        records.findings.push_back(As<v1::Finding>(view));
        break;
      case v1::RECORD_TYPE_ACTION:
        records.actions.push_back(As<v1::ActionPlanItem>(view));
        break;
      case v1::RECORD_TYPE_SUMMARY:
        records.summaries.push_back(As<v1::AgencySummary>(view));
        break;
      case v1::RECORD_TYPE_DECISION: {
        v1::DiscrepancyDecision decision = As<v1::DiscrepancyDecision>(view);
        // Two decisions on one discrepancy (made at once on a restored
        // board, say): the later record id, a ULID, wins.
        v1::DiscrepancyDecision& slot =
            records.decisions[decision.discrepancy_id()];
        if (slot.id() < decision.id()) slot = std::move(decision);
        break;
      }
      default:
        break;  // Conversations are working material, not in the document.
    }
  }
  return records;
}

void AddContributions(const v1::Review& review, const ReviewRecords& records,
                      const v1::BoardStatus* board, v1::JointReview* out) {
  std::map<std::string, const v1::BoardAgencyRow*> rows;
  if (board != nullptr) {
    for (const v1::BoardAgencyRow& row : board->agencies()) {
      rows[row.agency()] = &row;
    }
  }
  for (const std::string& agency : review.agencies()) {
    v1::AgencyContribution* contribution = out->add_contributions();
    contribution->set_agency(agency);
    auto counts = records.counts.find(agency);
    if (counts != records.counts.end()) {
      for (const auto& [type, count] : counts->second) {
        (*contribution->mutable_records())[type] = count;
      }
    }
    for (absl::string_view type : kExpectedOfEveryAgency) {
      if (contribution->records().count(std::string(type)) == 0) {
        contribution->add_outstanding(std::string(type));
      }
    }
    auto row = rows.find(agency);
    if (row != rows.end()) {
      if (row->second->has_last_contact()) {
        *contribution->mutable_last_sync() = row->second->last_contact();
      }
      contribution->set_accepted(row->second->accepted());
      contribution->set_rejected(row->second->rejected());
      contribution->set_pending(row->second->pending());
    }
  }
}

void AddEpisodes(ReviewRecords& records, v1::JointReview* out) {
  std::sort(
      records.episodes.begin(), records.episodes.end(),
      [](const v1::KeyPracticeEpisode& a, const v1::KeyPracticeEpisode& b) {
        return std::tie(a.period_start(), a.id()) <
               std::tie(b.period_start(), b.id());
      });
  std::map<std::string, v1::EpisodeSection*> by_id;
  for (v1::KeyPracticeEpisode& episode : records.episodes) {
    v1::EpisodeSection* section = out->add_episodes();
    by_id[episode.id()] = section;
    *section->mutable_episode() = std::move(episode);
  }
  // Factors name their episode; an episode may also list factor ids.
  std::map<std::string, const v1::ContributoryFactor*> factors;
  for (const v1::ContributoryFactor& factor : records.factors) {
    factors[factor.id()] = &factor;
  }
  for (v1::EpisodeSection& section : *out->mutable_episodes()) {
    std::set<std::string> ids(section.episode().factor_ids().begin(),
                              section.episode().factor_ids().end());
    for (const auto& [id, factor] : factors) {
      if (factor->episode_id() == section.episode().id() || ids.count(id)) {
        *section.add_factors() = *factor;
      }
    }
  }
}

void AddFindings(const ReviewRecords& records, v1::JointReview* out) {
  std::map<std::string, std::vector<const v1::Finding*>> groups;
  for (const v1::Finding& finding : records.findings) {
    if (finding.categories().empty()) {
      groups[std::string(kUncategorised)].push_back(&finding);
    }
    for (const std::string& category : finding.categories()) {
      groups[category].push_back(&finding);
    }
  }
  for (const auto& [category, findings] : groups) {
    v1::FindingGroup* group = out->add_findings();
    group->set_category(category);
    for (const v1::Finding* finding : findings)
      *group->add_findings() = *finding;
  }
}

// The subject an entry names (by id or label, in any case), or null.
const v1::ReviewSubject* SubjectNamed(const ReviewRecords& records,
                                      absl::string_view name) {
  if (name.empty()) return nullptr;
  for (const v1::ReviewSubject& subject : records.subjects) {
    if (subject.id() == name || absl::EqualsIgnoreCase(subject.label(), name)) {
      return &subject;
    }
  }
  return nullptr;
}

bool IsChild(const v1::ReviewSubject& subject) {
  return subject.relationship() == v1::ReviewSubject::RELATIONSHIP_CHILD;
}

// Each entry's subject as the review labels it, and the child's age on its
// date: the age of the subject it is about if that is a child of the review
// whose date of birth is held, otherwise of the review's child.
void AddSubjectsAndAges(const ReviewRecords& records,
                        v1::CompositeChronology* chronology) {
  const v1::ReviewSubject* child = nullptr;
  for (const v1::ReviewSubject& subject : records.subjects) {
    if (!IsChild(subject) || records.born.count(subject.id()) == 0) continue;
    if (child == nullptr || subject.label() < child->label()) child = &subject;
  }
  for (v1::CompositeEntry& item : *chronology->mutable_entries()) {
    const v1::ChronologyEntry& entry = item.entry();
    const v1::ReviewSubject* about = SubjectNamed(records, entry.subject());
    if (about != nullptr) item.set_subject_label(about->label());
    const v1::ReviewSubject* whose =
        about != nullptr && IsChild(*about) && records.born.count(about->id())
            ? about
            : child;
    if (whose == nullptr) continue;
    absl::StatusOr<absl::CivilDay> born =
        ParseDate(records.born.at(whose->id()), "date_of_birth");
    absl::StatusOr<absl::CivilDay> on = ParseDate(entry.date(), "date");
    if (!born.ok() || !on.ok()) continue;
    item.set_child_age(absl::StrCat(entry.date_uncertain() ? "c. " : "",
                                    AgeInWords(*born, *on)));
  }
}

[[nodiscard]] absl::Status AddConflicts(const Replica& replica,
                                        absl::string_view review_id,
                                        v1::JointReview* out) {
  ASSIGN_OR_RETURN(std::vector<FieldConflict> conflicts,
                   replica.ListConflicts(review_id));
  for (const FieldConflict& conflict : conflicts) {
    v1::ReviewConflict* entry = out->add_conflicts();
    entry->set_record_id(conflict.record.record_id());
    entry->set_type(RecordTypeName(conflict.record.type()));
    entry->set_field(conflict.field->name());
    for (const v1::HeadValue& value : conflict.values) {
      entry->add_values(FormatFieldValue(*conflict.field, value.value()));
      entry->add_authors(absl::StrCat(
          value.author().empty() ? "" : value.author(),
          value.author().empty() ? "" : " at ", value.dot().replica(), " (",
          FormatDot(value.dot()), ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::JointReview> BuildJointReview(
    const Replica& replica, absl::string_view review_id,
    const JointReviewOptions& options) {
  ASSIGN_OR_RETURN(std::optional<v1::Review> review,
                   ReadReview(replica, review_id));
  if (!review.has_value()) {
    return absl::NotFoundError(absl::StrCat("there is no review ", review_id));
  }
  ASSIGN_OR_RETURN(v1::MatchRules rules, EffectiveRules(options.rules));
  ASSIGN_OR_RETURN(ReviewRecords records,
                   ReadReviewRecords(replica, review_id, options.published));

  v1::JointReview out;
  *out.mutable_review() = *review;
  out.set_published(options.published);
  *out.mutable_rules() = rules;
  AddContributions(*review, records, options.board, &out);
  if (options.clock != nullptr) {
    v1::StatutoryClock clock = ClockOf(*review, *options.clock, options.as_of);
    if (!clock.key_dates().empty() || !clock.deadlines().empty()) {
      *out.mutable_clock() = std::move(clock);
    }
  }
  std::sort(records.summaries.begin(), records.summaries.end(),
            [](const v1::AgencySummary& a, const v1::AgencySummary& b) {
              return std::tie(a.owner_agency(), a.id()) <
                     std::tie(b.owner_agency(), b.id());
            });
  for (v1::AgencySummary& summary : records.summaries) {
    *out.add_summaries() = std::move(summary);
  }

  MatchResult matched =
      MatchChronology(review_id, std::move(records.chronology), rules);
  *out.mutable_chronology() = std::move(matched.chronology);
  AddSubjectsAndAges(records, out.mutable_chronology());
  for (v1::Discrepancy& discrepancy : matched.discrepancies) {
    auto decision = records.decisions.find(discrepancy.id());
    if (decision != records.decisions.end()) {
      *discrepancy.mutable_decision() = decision->second;
    }
    *out.add_discrepancies() = std::move(discrepancy);
  }

  AddEpisodes(records, &out);
  AddFindings(records, &out);
  std::sort(records.actions.begin(), records.actions.end(),
            [](const v1::ActionPlanItem& a, const v1::ActionPlanItem& b) {
              return std::tie(a.due_date(), a.id()) <
                     std::tie(b.due_date(), b.id());
            });
  for (v1::ActionPlanItem& action : records.actions) {
    *out.add_actions() = std::move(action);
  }
  // Open edit conflicts are working material: not in a published report.
  if (!options.published)
    RETURN_IF_ERROR(AddConflicts(replica, review_id, &out));
  return out;
}

absl::StatusOr<std::vector<v1::PseudonymEntry>> PseudonymMap(
    const Replica& replica, absl::string_view review_id) {
  ASSIGN_OR_RETURN(std::vector<RecordView> views,
                   replica.ListRecords(review_id, v1::RECORD_TYPE_PSEUDONYM,
                                       /*include_deleted=*/false));
  std::vector<v1::PseudonymEntry> map;
  map.reserve(views.size());
  for (const RecordView& view : views) {
    map.push_back(As<v1::PseudonymEntry>(view));
  }
  return map;
}

}  // namespace casesync
