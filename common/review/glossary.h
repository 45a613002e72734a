// The safeguarding glossary: how agencies write the same thing
// (docs/joint_review.md, "Glossary"). Abbreviations read as their
// expansions ("ICPC", "S47", "A&E"), synonyms as one word ("discussion" as
// "meeting"), and an event type is inferred from an entry's wording with the
// date window that fits it (a conference is one day; a referral and its
// receipt may be days apart). The built-in glossary is the data file
// common/review/glossary/safeguarding_glossary.tsv, compiled in; a
// partnership's file of the same form is merged over it.
//
// Thread-safety: a Glossary is immutable once built; share it freely.
#ifndef CASESYNC_COMMON_REVIEW_GLOSSARY_H_
#define CASESYNC_COMMON_REVIEW_GLOSSARY_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace casesync {

struct EventType {
  // The type's name ("strategy discussion"); empty if no cue fits.
  std::string name;
  // Most days two agencies' records of one such event may be apart.
  int window_days = 0;
};

class Glossary {
 public:
  // The rules of `tsv` (the form the built-in file documents).
  // INVALID_ARGUMENT naming the line for a rule of an unknown kind, with the
  // wrong number of columns, or an event window outside 0-366 days.
  [[nodiscard]] static absl::StatusOr<Glossary> Parse(absl::string_view tsv);
  // The glossary shipped with casesync.
  static const Glossary& BuiltIn();

  // This glossary with `partnership`'s rules over it: its abbreviations and
  // synonyms replace ones of the same term, its event types come first.
  Glossary MergedWith(const Glossary& partnership) const;

  // The words of `text` as the matcher reads them: lower case, dots inside
  // words ignored ("s.47"), abbreviations expanded, synonyms made one.
  std::vector<std::string> Words(absl::string_view text) const;
  // The first event type whose cue `text`'s words hold, or none.
  EventType TypeOf(absl::string_view text) const;

  size_t rule_count() const {
    return expansions_.size() + synonyms_.size() + events_.size();
  }

 private:
  struct EventRule {
    EventType type;
    std::vector<std::string> cues;                // as written
    std::vector<std::vector<std::string>> words;  // each cue's Words()
  };
  // Reads every cue through the glossary's current rules.
  void ReadCues();
  std::map<std::string, std::vector<std::string>> expansions_;
  std::map<std::string, std::string> synonyms_;
  std::vector<EventRule> events_;
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_REVIEW_GLOSSARY_H_
