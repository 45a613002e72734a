// Names however they are written (issue 22): each form alone, found or
// replaced.
#include "common/publication/name_matcher.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::testing::IsEmpty;
using HitKind = NameMatcher::HitKind;

v1::PseudonymEntry Person(const std::string& real, const std::string& as) {
  v1::PseudonymEntry entry;
  entry.set_real_name(real);
  entry.set_pseudonym(as);
  return entry;
}

v1::PseudonymEntry Of(v1::PseudonymEntry::Kind kind, const std::string& real,
                      const std::string& as) {
  v1::PseudonymEntry entry = Person(real, as);
  entry.set_kind(kind);
  return entry;
}

const std::vector<v1::PseudonymEntry>& Map() {
  static const auto* const map = new std::vector<v1::PseudonymEntry>{
      Person("Jane O'Brien", "Mother"),
      Person("Zoë Smith-Jones", "Child Z"),
      Of(v1::PseudonymEntry::KIND_PLACE, "Elm Street", "a street nearby"),
      Of(v1::PseudonymEntry::KIND_ORGANISATION, "Oakfield Primary School",
         "the primary school"),
  };
  return *map;
}

std::string Replaced(std::string text) {
  const NameMatcher matcher(Map());
  matcher.Replace(&text, nullptr);
  return text;
}

std::vector<std::string> Found(const std::string& text) {
  const NameMatcher matcher(Map());
  std::vector<std::string> out;
  for (const NameMatcher::Hit& hit : matcher.Find(text)) {
    out.push_back(text.substr(hit.begin, hit.end - hit.begin) + " = " +
                  NameMatcher::Describe(hit));
  }
  return out;
}

TEST(NameMatcherTest, FullNamesInEveryWrittenForm) {
  const char* const kForms[] = {
      "Jane O'Brien",            // as in the map
      "Jane O\u2019Brien",       // typographic apostrophe, as Word writes it
      "Jane O\u02bcBrien",       // modifier letter apostrophe
      "JANE O'BRIEN",            // capitals
      "jane o'brien",            // lower case
      "Jane\nO'Brien",           // split across a line break
      "Jane\u00a0O'Brien",       // no-break space
      "Jane\u2009O\u2019Brien",  // thin space
      "Jane  \r\n O'Brien",      // several spaces and a CRLF
      "J\u0430ne O'Brien",       // Cyrillic a
      "Jane \u039f'Brien",       // Greek capital omicron
      "Ja\u200bne O'Brien",      // zero-width space inside
      "Jane O\u00adBrien",       // soft hyphen in place of the apostrophe
      "\uff2a\uff41\uff4e\uff45 O'Brien",  // full-width letters
      "Jane OBrien",                       // no apostrophe
      "Jane O' Brien",                     // apostrophe and space
  };
  for (const char* form : kForms) {
    EXPECT_EQ(Replaced(std::string("Seen with ") + form + " today."),
              "Seen with Mother today.")
        << form;
  }
}

TEST(NameMatcherTest, AccentsInEitherNormalFormAndHyphens) {
  const char* const kForms[] = {
      "Zo\u00eb Smith-Jones",       // precomposed
      "Zoe\u0308 Smith-Jones",      // decomposed
      "Zoe Smith-Jones",            // no accent
      "ZO\u00cb SMITH-JONES",       // capitals
      "Zo\u00eb Smith\u2010Jones",  // Unicode hyphen
      "Zo\u00eb Smith\u2011Jones",  // non-breaking hyphen
      "Zo\u00eb Smith\u2013Jones",  // en dash
      "Zo\u00eb Smith Jones",       // space
      "Zo\u00eb SmithJones",        // nothing
      "Zo\u00eb Smith-\nJones",     // broken at the hyphen
  };
  for (const char* form : kForms) {
    EXPECT_EQ(Replaced(std::string("(") + form + ")"), "(Child Z)") << form;
  }
}

TEST(NameMatcherTest, PossessivesStayOutsideTheName) {
  EXPECT_EQ(Replaced("Jane O\u2019Brien\u2019s flat"), "Mother\u2019s flat");
  EXPECT_EQ(Replaced("Zo\u00eb Smith-Jones' school"), "Child Z' school");
}

TEST(NameMatcherTest, WholeWordsOnly) {
  EXPECT_EQ(Replaced("Janet O'Brienne"), "Janet O'Brienne");
  EXPECT_THAT(Found("Janet, Smithson, Zoey, Elmfield"), IsEmpty());
  // Words of a name written together are the name ("Elmstreet").
  EXPECT_THAT(Found("Elmstreet"), ::testing::ElementsAre("Elmstreet = place"));
}

TEST(NameMatcherTest, PartsAreFoundNotReplaced) {
  EXPECT_EQ(Replaced("Mrs O\u2019Brien"), "Mrs O\u2019Brien");
  EXPECT_THAT(Found("Mrs O\u2019Brien called"),
              ::testing::ElementsAre("O\u2019Brien = part of a real name"));
  EXPECT_THAT(Found("the SMITH-JONES family"),
              ::testing::ElementsAre("SMITH-JONES = part of a real name"));
  EXPECT_THAT(Found("Zoe\u0308's teacher"),
              ::testing::ElementsAre("Zoe\u0308 = part of a real name"));
  EXPECT_THAT(Found("Mr Jones"),
              ::testing::ElementsAre("Jones = part of a real name"));
}

TEST(NameMatcherTest, Initials) {
  for (const char* form : {"J.O'B.", "J. O'B.", "J.O\u2019B", "JOB", "J O'B",
                           "Z.S-J.", "Z. S-J.", "ZSJ", "Z.S.J."}) {
    const std::vector<std::string> found =
        Found(std::string("Seen: ") + form + " at home");
    ASSERT_EQ(found.size(), 1u) << form;
    EXPECT_THAT(found[0], ::testing::EndsWith("= initials")) << form;
  }
  // Lower case, or inside a word, are not initials.
  EXPECT_THAT(Found("a job at jobcentre"), IsEmpty());
}

TEST(NameMatcherTest, BareAbbreviationsAreNotInitials) {
  const std::vector<v1::PseudonymEntry> map = {Person("Gary Peters", "Uncle")};
  const NameMatcher matcher(map);
  EXPECT_THAT(matcher.Find("Seen by the GP."), IsEmpty());
  EXPECT_EQ(matcher.Find("Seen by G.P. at home").size(), 1u);
}

TEST(NameMatcherTest, PlacesAndOrganisations) {
  EXPECT_EQ(Replaced("lives on ELM STREET near Oakfield Primary School"),
            "lives on a street nearby near the primary school");
  // Their distinctive words alone are found; generic ones are not.
  EXPECT_THAT(
      Found("Oakfield Primary and the street"),
      ::testing::ElementsAre("Oakfield = part of an organisation's name"));
  EXPECT_THAT(Found("the elm tree"),
              ::testing::ElementsAre("elm = part of a place name"));
  EXPECT_THAT(Found("a primary school on a street"), IsEmpty());
}

TEST(NameMatcherTest, PseudonymsHideWhatTheyHold) {
  const std::vector<v1::PseudonymEntry> map = {Person("Jay Child", "Child J")};
  const NameMatcher matcher(map);
  EXPECT_THAT(matcher.Find("Child J said no"), IsEmpty());
  ASSERT_EQ(matcher.Find("the child said no").size(), 1u);
}

}  // namespace
}  // namespace casesync
