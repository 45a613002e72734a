// A small, realistic joint review for rendering and publishing tests: four
// agencies (csc, health, police, school), twelve chronology entries with an
// uncertain date, a likely duplicate recorded by two agencies, a discrepancy
// the review team has decided and one it has not, a gap in contact, two key
// practice episodes with contributory factors, findings in two categories
// with questions for the board, an action plan and an open edit conflict.
// Names in it are pseudonyms already ("Child J").
#ifndef CASESYNC_COMMON_TESTING_REVIEW_FIXTURE_H_
#define CASESYNC_COMMON_TESTING_REVIEW_FIXTURE_H_

#include <string>
#include <vector>

#include "casesync/v1/records.pb.h"
#include "casesync/v1/review.pb.h"

namespace casesync::testing {

inline constexpr char kDecidedDiscrepancy[] = "d3f1a9c07b2e4";
inline constexpr char kOpenDiscrepancy[] = "d81c0e5ab6d77";

struct EntrySpec {
  const char* id;
  const char* date;
  bool uncertain;
  const char* time;
  // "agency:source" of each source; the first owns the entry shown.
  std::vector<std::string> sources;
  const char* role;
  const char* event;
  const char* action;
  const char* outcome;
  bool seen;
  bool voice;
  std::vector<std::string> episodes;
  std::vector<std::string> discrepancies;
};

inline void AddEntry(const EntrySpec& spec, v1::JointReview* review) {
  v1::CompositeEntry* item = review->mutable_chronology()->add_entries();
  v1::ChronologyEntry* e = item->mutable_entry();
  e->set_id(spec.id);
  e->set_review_id("child-j-2024");
  e->set_date(spec.date);
  e->set_date_uncertain(spec.uncertain);
  e->set_time(spec.time);
  e->set_practitioner_role(spec.role);
  e->set_event(spec.event);
  e->set_action(spec.action);
  e->set_outcome(spec.outcome);
  e->set_child_seen(spec.seen);
  e->set_child_voice_recorded(spec.voice);
  e->set_visibility(v1::VISIBILITY_REVIEW);
  for (const std::string& id : spec.episodes) e->add_episode_ids(id);
  for (size_t i = 0; i < spec.sources.size(); ++i) {
    const std::string& s = spec.sources[i];
    const size_t colon = s.find(':');
    v1::EntrySource* source = item->add_sources();
    source->set_agency(s.substr(0, colon));
    source->set_source(s.substr(colon + 1));
    source->set_entry_id(
        i == 0 ? spec.id : std::string(spec.id) + "-" + source->agency());
    if (i == 0) {
      e->set_owner_agency(source->agency());
      e->set_source(source->source());
    }
  }
  for (const std::string& id : spec.discrepancies)
    item->add_discrepancy_ids(id);
}

// A pseudonym map entry: `real` becomes `pseudonym` in anything published.
inline v1::PseudonymEntry PseudonymFor(const std::string& real,
                                       const std::string& pseudonym) {
  v1::PseudonymEntry entry;
  entry.set_real_name(real);
  entry.set_pseudonym(pseudonym);
  return entry;
}

// The map of the fixture's people; ReviewFixture() names them by pseudonym
// only.
inline std::vector<v1::PseudonymEntry> ReviewFixturePseudonyms() {
  return {PseudonymFor("Jayden Walker", "Child J"),
          PseudonymFor("Kelly Walker", "Mother")};
}

inline v1::JointReview ReviewFixture() {
  v1::JointReview r;
  v1::Review* review = r.mutable_review();
  review->set_id("child-j-2024");
  review->set_review_id("child-j-2024");
  review->set_owner_agency("board");
  review->set_title("Child J rapid review");
  review->set_phase(v1::Review::PHASE_ANALYSIS);
  for (const char* agency : {"csc", "health", "police", "school"}) {
    review->add_agencies(agency);
  }
  review->set_terms_of_reference(
      "To establish how agencies worked together to safeguard Child J "
      "between November 2023 and May 2024.\n"
      "To identify what the partnership can learn about sharing "
      "information and hearing the child's voice.");
  review->set_partnership("Northshire Safeguarding Children Partnership");
  review->set_period_start("2023-11-01");
  review->set_period_end("2024-05-31");

  r.mutable_rules()->set_gap_days(28);

  struct Contribution {
    const char* agency;
    std::vector<std::pair<const char*, uint32_t>> records;
    std::vector<const char*> outstanding;
    int64_t last_sync;  // 0: none
    uint32_t accepted, rejected, pending;
  };
  const Contribution contributions[] = {
      {"csc", {{"summary", 1}, {"chronology", 5}}, {}, 1717406100, 41, 1, 0},
      {"health", {{"chronology", 3}, {"summary", 1}}, {}, 1717346400, 12, 0, 0},
      {"police", {{"summary", 1}, {"chronology", 3}}, {}, 1717321500, 9, 0, 2},
      {"school", {{"chronology", 2}}, {"summary"}, 0, 4, 0, 0},
  };
  for (const Contribution& c : contributions) {
    v1::AgencyContribution* out = r.add_contributions();
    out->set_agency(c.agency);
    for (const auto& [type, count] : c.records) {
      (*out->mutable_records())[type] = count;
    }
    for (const char* type : c.outstanding) out->add_outstanding(type);
    if (c.last_sync != 0) out->mutable_last_sync()->set_seconds(c.last_sync);
    out->set_accepted(c.accepted);
    out->set_rejected(c.rejected);
    out->set_pending(c.pending);
  }

  const struct {
    const char *agency, *involvement, *first, *last, *concerns;
  } summaries[] = {
      {"csc",
       "Two contacts before the admission: a neighbour's call and a police "
       "notification, neither taken to assessment.\n"
       "A referral from school in January led to a single-agency assessment.",
       "2023-12-04", "2024-03-09",
       "Repeated low-level concerns were judged one at a time."},
      {"health",
       "GP and health visiting service; the emergency department at the "
       "admission.",
       "2023-11-14", "2024-03-09", "A missed appointment was not followed up."},
      {"police", "A domestic incident and a welfare check.", "2023-12-05",
       "2024-03-06", ""},
  };
  int n = 0;
  for (const auto& s : summaries) {
    v1::AgencySummary* out = r.add_summaries();
    out->set_id("01HSUMMARY00000000000000S" + std::to_string(++n));
    out->set_owner_agency(s.agency);
    out->set_involvement(s.involvement);
    out->set_first_contact(s.first);
    out->set_last_contact(s.last);
    out->set_key_concerns(s.concerns);
  }

  const char* e1 = "01HEPISODE000000000000000E1";
  const char* e2 = "01HEPISODE000000000000000E2";
  AddEntry({"01HENTRY00000000000000001",
            "2023-11-14",
            false,
            "10:30",
            {"health:GP-2311-07"},
            "GP",
            "Mother brought Child J with a bruise to the left cheek; said he "
            "fell from the sofa.",
            "Examined; explanation accepted.",
            "No referral made.",
            true,
            false,
            {},
            {}},
           &r);
  AddEntry({"01HENTRY00000000000000002",
            "2023-11-20",
            false,
            "",
            {"school:SCH-LOG-118"},
            "class teacher",
            "Child J arrived late and hungry, the third time this month.",
            "Logged on the safeguarding system.",
            "",
            true,
            true,
            {},
            {}},
           &r);
  AddEntry({"01HENTRY00000000000000003",
            "2023-12-04",
            true,
            "",
            {"csc:CN-5531"},
            "duty social worker",
            "Anonymous call from a neighbour about shouting at the home.",
            "Recorded as information only.",
            "",
            false,
            false,
            {},
            {}},
           &r);
  AddEntry({"01HENTRY00000000000000004",
            "2023-12-05",
            false,
            "23:10",
            {"csc:CN-5540", "police:CAD-2312-0412"},
            "response officer",
            "Domestic incident at the family home; Child J present.",
            "DASH risk assessment: standard.",
            "Notification sent to children's social care.",
            true,
            false,
            {e1},
            {}},
           &r);
  r.mutable_chronology()->mutable_entries(3)->add_duplicate_reasons(
      "csc and police: score 0.95, agree on every fact compared");
  AddEntry({"01HENTRY00000000000000005",
            "2023-12-07",
            false,
            "",
            {"csc:CN-5552"},
            "team manager",
            "Strategy discussion with police by telephone.",
            "Agreed a single-agency assessment.",
            "",
            false,
            false,
            {e1},
            {kDecidedDiscrepancy}},
           &r);
  AddEntry({"01HENTRY00000000000000006",
            "2023-12-08",
            false,
            "",
            {"police:PPN-88213"},
            "detective sergeant",
            "Strategy discussion with children's social care.",
            "No further police action.",
            "",
            false,
            false,
            {e1},
            {kDecidedDiscrepancy}},
           &r);
  AddEntry({"01HENTRY00000000000000007",
            "2024-01-10",
            false,
            "",
            {"health:HV-0110"},
            "health visitor",
            "Missed developmental review; letter sent.",
            "",
            "",
            false,
            false,
            {},
            {}},
           &r);
  AddEntry({"01HENTRY00000000000000008",
            "2024-01-15",
            false,
            "14:00",
            {"school:SCH-REF-07"},
            "designated safeguarding lead",
            "Referral to children's social care after Child J said \"Mum's "
            "friend shouts at me\".",
            "Referral form sent by e-mail.",
            "",
            true,
            true,
            {},
            {kOpenDiscrepancy}},
           &r);
  AddEntry({"01HENTRY00000000000000009",
            "2024-01-17",
            false,
            "",
            {"csc:CN-5720"},
            "duty social worker",
            "Referral from school received.",
            "Single-agency assessment opened.",
            "",
            false,
            false,
            {},
            {kOpenDiscrepancy}},
           &r);
  AddEntry({"01HENTRY00000000000000010",
            "2024-03-04",
            false,
            "11:00",
            {"csc:CN-6012"},
            "social worker",
            "Home visit; Child J not seen (said to be at his grandmother's).",
            "Visit rescheduled.",
            "",
            false,
            false,
            {e2},
            {}},
           &r);
  AddEntry({"01HENTRY00000000000000011",
            "2024-03-06",
            false,
            "",
            {"police:CAD-2403-0099"},
            "response officer",
            "Welfare check at the family home.",
            "Child J seen and spoken to.",
            "No concerns recorded.",
            true,
            true,
            {e2},
            {}},
           &r);
  AddEntry({"01HENTRY00000000000000012",
            "2024-03-09",
            false,
            "02:15",
            {"health:ED-240309-3"},
            "emergency department doctor",
            "Child J admitted with a head injury.",
            "Skeletal survey; referral to children's social care.",
            "Section 47 enquiry started.",
            true,
            false,
            {e2},
            {}},
           &r);
  v1::ContactGap* gap = r.mutable_chronology()->add_gaps();
  gap->set_after_date("2024-01-17");
  gap->set_before_date("2024-03-04");
  gap->set_days(47);

  const auto add_episode =
      [&](const char* id, const char* title, const char* start, const char* end,
          std::vector<const char*> agencies,
          v1::KeyPracticeEpisode::Appraisal appraisal, const char* what,
          const char* justification, const char* explanation) {
        v1::EpisodeSection* section = r.add_episodes();
        v1::KeyPracticeEpisode* e = section->mutable_episode();
        e->set_id(id);
        e->set_owner_agency("board");
        e->set_title(title);
        e->set_period_start(start);
        e->set_period_end(end);
        for (const char* a : agencies) e->add_agencies(a);
        e->set_appraisal(appraisal);
        e->set_what_happened(what);
        e->set_appraisal_justification(justification);
        e->set_explanation(explanation);
        return section;
      };
  const auto add_factor = [](v1::EpisodeSection* section, const char* id,
                             v1::ContributoryFactor::Level level,
                             v1::ContributoryFactor::Effect effect,
                             const char* text) {
    v1::ContributoryFactor* f = section->add_factors();
    f->set_id(id);
    f->set_owner_agency("board");
    f->set_level(level);
    f->set_effect(effect);
    f->set_text(text);
    f->set_episode_id(section->episode().id());
  };
  v1::EpisodeSection* first = add_episode(
      e1, "Response to the domestic incident", "2023-12-05", "2023-12-08",
      {"csc", "police"}, v1::KeyPracticeEpisode::APPRAISAL_PROBLEMATIC,
      "Police attended a domestic incident with Child J present and "
      "notified children's social care. A strategy discussion was held by "
      "telephone between the two agencies only.\n"
      "Neither health nor school was asked what they knew.",
      "The decision rested on the incident alone; the earlier bruise and "
      "the school's concerns were not known to those deciding.",
      "The duty team was working to a threshold document that asks about "
      "the referral in hand, and the telephone discussion had no agenda "
      "item for other agencies' history.");
  add_factor(first, "01HFACTOR0000000000000001",
             v1::ContributoryFactor::LEVEL_INTER_AGENCY_TEAM,
             v1::ContributoryFactor::EFFECT_HINDERS,
             "Strategy discussions were held without health or education.");
  add_factor(first, "01HFACTOR0000000000000002",
             v1::ContributoryFactor::LEVEL_STAFF_MEMBER,
             v1::ContributoryFactor::EFFECT_SUPPORTS,
             "The attending officer recorded Child J's presence promptly.");
  v1::EpisodeSection* second = add_episode(
      e2, "Home visit and admission", "2024-03-04", "2024-03-09",
      {"csc", "police", "health"}, v1::KeyPracticeEpisode::APPRAISAL_MIXED,
      "A planned home visit did not see Child J. A police welfare check two "
      "days later did, and recorded no concerns. Three days after that Child "
      "J was admitted with a head injury.",
      "The welfare check was thorough; the missed visit was not escalated.",
      "Caseloads in the assessment team were at 130% of the agreed level.");
  add_factor(second, "01HFACTOR0000000000000003",
             v1::ContributoryFactor::LEVEL_CONDITIONS_OF_WORK,
             v1::ContributoryFactor::EFFECT_HINDERS,
             "High caseloads left no time to re-arrange the visit quickly.");

  v1::Finding voice;
  voice.set_id("01HFINDING000000000000001");
  voice.set_owner_agency("board");
  voice.set_statement(
      "What Child J said at school did not reach the people assessing his "
      "safety.");
  voice.add_categories("family_professional_interaction");
  voice.add_categories("multi_agency_longer_term");
  voice.set_evidence("Chronology entries 8 and 9; conversation with the DSL.");
  voice.add_questions_for_board(
      "How does the partnership make sure a child's own words travel with a "
      "referral?");
  voice.add_episode_ids(e2);
  v1::Finding picture;
  picture.set_id("01HFINDING000000000000002");
  picture.set_owner_agency("board");
  picture.set_statement(
      "Agencies each held part of the picture, and no forum put it "
      "together.");
  picture.add_categories("multi_agency_longer_term");
  picture.set_evidence("Episodes E1 and E2.");
  picture.add_questions_for_board(
      "Should strategy discussions always include health and education?");
  picture.add_questions_for_board(
      "What would prompt an agency to ask others what they know?");
  picture.add_episode_ids(e1);
  picture.add_episode_ids(e2);
  v1::FindingGroup* family = r.add_findings();
  family->set_category("family_professional_interaction");
  *family->add_findings() = voice;
  v1::FindingGroup* longer = r.add_findings();
  longer->set_category("multi_agency_longer_term");
  *longer->add_findings() = voice;
  *longer->add_findings() = picture;

  const auto add_action = [&](const char* id, const char* finding,
                              const char* response, const char* action,
                              const char* owner, const char* due,
                              v1::ActionPlanItem::Status status) {
    v1::ActionPlanItem* a = r.add_actions();
    a->set_id(id);
    a->set_owner_agency("board");
    a->set_finding_id(finding);
    a->set_response(response);
    a->set_action(action);
    a->set_action_owner(owner);
    a->set_due_date(due);
    a->set_status(status);
  };
  add_action("01HACTION0000000000000001", picture.id().c_str(), "Accepted.",
             "Invite health and education to every strategy discussion.", "csc",
             "2024-09-30", v1::ActionPlanItem::STATUS_AGREED);
  add_action("01HACTION0000000000000002", voice.id().c_str(), "Accepted.",
             "Referral forms carry the child's words verbatim.", "school",
             "2024-12-31", v1::ActionPlanItem::STATUS_IN_PROGRESS);

  v1::ReviewConflict* conflict = r.add_conflicts();
  conflict->set_record_id(e2);
  conflict->set_type("episode");
  conflict->set_field("title");
  conflict->add_values("Home visit and admission");
  conflict->add_values("Missed home visit");
  conflict->add_authors("reviewer at board (board:12)");
  conflict->add_authors("csc (csc:40)");

  const auto add_version = [](v1::Discrepancy* d, const char* agency,
                              const char* entry, const char* source,
                              const char* value, const char* event) {
    v1::DiscrepancyVersion* v = d->add_versions();
    v->set_agency(agency);
    v->set_entry_id(entry);
    v->set_source(source);
    v->set_value(value);
    v->set_date(value);
    v->set_event(event);
  };
  v1::Discrepancy* decided = r.add_discrepancies();
  decided->set_id(kDecidedDiscrepancy);
  decided->set_review_id("child-j-2024");
  decided->set_field("date");
  add_version(decided, "csc", "01HENTRY00000000000000005", "CN-5552",
              "2023-12-07", "Strategy discussion with police by telephone.");
  add_version(decided, "police", "01HENTRY00000000000000006", "PPN-88213",
              "2023-12-08", "Strategy discussion with children's social care.");
  decided->add_reasons("dates 1 day apart (2023-12-07, 2023-12-08) [+0.10]");
  decided->add_reasons(
      "event wording 57% alike (shared: strategy, discussion) [+0.34]");
  decided->set_score(0.6);
  v1::DiscrepancyDecision* decision = decided->mutable_decision();
  decision->set_id("01HDECISION00000000000001");
  decision->set_owner_agency("board");
  decision->set_discrepancy_id(kDecidedDiscrepancy);
  decision->set_field("date");
  decision->add_entry_ids("01HENTRY00000000000000005");
  decision->add_entry_ids("01HENTRY00000000000000006");
  decision->set_chosen_entry_id("01HENTRY00000000000000006");
  decision->set_value("2023-12-08");
  decision->set_rationale(
      "The police minutes are signed and dated; the social care note was "
      "written up the day before from the diary.");
  v1::Discrepancy* open = r.add_discrepancies();
  open->set_id(kOpenDiscrepancy);
  open->set_review_id("child-j-2024");
  open->set_field("date");
  add_version(open, "csc", "01HENTRY00000000000000009", "CN-5720", "2024-01-17",
              "Referral from school received.");
  add_version(open, "school", "01HENTRY00000000000000008", "SCH-REF-07",
              "2024-01-15",
              "Referral to children's social care after Child J said \"Mum's "
              "friend shouts at me\".");
  open->add_reasons("dates 2 days apart (2024-01-15, 2024-01-17) [+0.10]");
  open->add_reasons("event wording 50% alike (shared: referral) [+0.30]");
  open->set_score(0.5);
  return r;
}

}  // namespace casesync::testing

#endif  // CASESYNC_COMMON_TESTING_REVIEW_FIXTURE_H_
