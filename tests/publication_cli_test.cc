// The published version through the real programs (issue 22): a leak the
// pseudonym map cannot know of refuses the published export, naming record,
// field and text, until the review team redacts it or calls it a false
// alarm; the export needs a sign-off of its current content, which a later
// change makes stale; the redaction log lists every replacement; Word and
// PDF are read back by other programs (pandoc, pdftotext, pdftoppm) and hold
// every section and no real name.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Standard output of `command` run through the shell; empty if it failed.
std::string Output(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  if (pclose(pipe) != 0) out.clear();
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

// The headings ("## Introduction") of a Markdown document, without marks.
std::vector<std::string> Headings(const std::string& markdown) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(markdown, '\n')) {
    if (!absl::ConsumePrefix(&line, "## ")) continue;
    out.emplace_back(line);
  }
  return out;
}

// Share of pixels of a binary PGM (P5, 8-bit) darker than near-white.
double InkShare(const std::string& pgm) {
  std::istringstream in(pgm);
  std::string magic;
  int width = 0, height = 0, max = 0;
  in >> magic >> width >> height >> max;
  in.get();
  if (magic != "P5" || width <= 0 || height <= 0) return 0;
  const std::string pixels((std::istreambuf_iterator<char>(in)),
                           std::istreambuf_iterator<char>());
  size_t ink = 0;
  for (unsigned char p : pixels) ink += p < 200;
  return static_cast<double>(ink) / (static_cast<double>(width) * height);
}

class PublicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(d_.StartBoard());
    ASSERT_TRUE(d_.StartAgency("police"));
    CommandResult created = d_.Board({"review", "create", "r1", "--title",
                                      "Child J", "--agencies", "police"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    SyncWait();
  }

  void SyncWait() {
    CommandResult sync =
        d_.Agency("police", {"sync", "--wait", "--timeout", "60"});
    ASSERT_EQ(sync.exit_code, 0) << sync.err;
  }

  std::string AddPublished(const std::string& event) {
    CommandResult added = d_.Agency(
        "police", {"record", "add", "--review", "r1", "--type", "chronology",
                   "--visibility", "published", "--set", "date=2024-02-01",
                   "--set", "source=PNC 4471", "--set", "event=" + event});
    EXPECT_EQ(added.exit_code, 0) << added.err;
    return added.out.substr(0, added.out.find('\n'));
  }

  CommandResult Published(const std::string& format, const std::string& out) {
    return d_.Board({"export", "--review", "r1", "--format", format,
                     "--published", "--out", out});
  }

  Deployment d_;
};

TEST_F(PublicationTest, LeaksAreResolvedSignedOffAndLogged) {
  const std::string entry = AddPublished(
      "Officer visited Mrs O\u2019Brien; NHS number 943 476 5919 noted");
  SyncWait();
  ASSERT_EQ(d_.Board({"pseudonym", "add", "--review", "r1", "--name",
                      "Jane O'Brien", "--as", "Mother"})
                .exit_code,
            0);
  const std::string out = d_.dir() + "/published.md";

  // The surname alone and the NHS number: refused, each named.
  CommandResult refused = Published("md", out);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr(entry));
  EXPECT_THAT(refused.err, HasSubstr("event"));
  EXPECT_THAT(refused.err, HasSubstr("943 476 5919"));
  EXPECT_THAT(refused.err, HasSubstr("NHS number"));
  EXPECT_THAT(refused.err, HasSubstr("part of a real name"));
  EXPECT_FALSE(std::ifstream(out).good());
  // Nor may it be signed off.
  EXPECT_EQ(d_.Board({"publication", "signoff", "--review", "r1", "--note",
                      "Approved"})
                .exit_code,
            1);

  CommandResult redacted = d_.Board(
      {"publication", "redact", "--review", "r1", "--record", entry, "--field",
       "event", "--text", "943 476 5919", "--reason", "NHS number"});
  ASSERT_EQ(redacted.exit_code, 0) << redacted.err;
  CommandResult by_name =
      d_.Board({"publication", "redact", "--review", "r1", "--record", entry,
                "--field", "event", "--text", "Mrs O\u2019Brien", "--with",
                "the mother", "--reason", "surname"});
  ASSERT_EQ(by_name.exit_code, 0) << by_name.err;
  // A decision on text that is not there is refused.
  EXPECT_EQ(d_.Board({"publication", "false-alarm", "--review", "r1",
                      "--record", entry, "--field", "event", "--text",
                      "not there", "--reason", "x"})
                .exit_code,
            1);
  CommandResult check = d_.Board({"publication", "check", "--review", "r1"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_THAT(check.out, HasSubstr("not signed off"));

  // Fit to publish but not signed off.
  CommandResult unsigned_export = Published("md", out);
  EXPECT_EQ(unsigned_export.exit_code, 1);
  EXPECT_THAT(unsigned_export.err, HasSubstr("not signed off"));
  CommandResult signed_off = d_.Board({"publication", "signoff", "--review",
                                       "r1", "--note", "Partners, 4 March"});
  ASSERT_EQ(signed_off.exit_code, 0) << signed_off.err;
  CommandResult passed = Published("md", out);
  ASSERT_EQ(passed.exit_code, 0) << passed.err;
  const std::string text = ReadFile(out);
  // Markdown escapes the brackets of "[redacted]".
  EXPECT_THAT(text, HasSubstr("Officer visited the mother; NHS number"));
  EXPECT_THAT(text, HasSubstr("redacted"));
  EXPECT_THAT(text, Not(HasSubstr("Brien")));
  EXPECT_THAT(text, Not(HasSubstr("PNC")));

  // The log lists both replacements, never the map.
  CommandResult log = d_.Board({"publication", "log", "--review", "r1"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  EXPECT_THAT(log.out, HasSubstr("943 476 5919"));
  EXPECT_THAT(log.out, HasSubstr("the mother"));
  EXPECT_THAT(log.out, HasSubstr("redaction by"));

  // A later change to published content makes the sign-off stale.
  AddPublished("Strategy meeting held");
  SyncWait();
  CommandResult stale = Published("md", out + ".2");
  EXPECT_EQ(stale.exit_code, 1);
  EXPECT_THAT(stale.err, HasSubstr("earlier content"));
}

TEST_F(PublicationTest, WordAndPdfHoldEverySectionAndNoRealName) {
  AddPublished("Jane O'Brien reported that the child was frightened");
  AddPublished("School nurse saw the child with Jane O'Brien");
  SyncWait();
  ASSERT_EQ(d_.Board({"pseudonym", "add", "--review", "r1", "--name",
                      "Jane O'Brien", "--as", "Mother"})
                .exit_code,
            0);
  ASSERT_EQ(d_.Board({"publication", "signoff", "--review", "r1", "--note",
                      "Approved"})
                .exit_code,
            0);
  const std::string md = d_.dir() + "/r.md";
  ASSERT_EQ(Published("md", md).exit_code, 0);
  const std::vector<std::string> headings = Headings(ReadFile(md));
  ASSERT_GE(headings.size(), 3u);

  // Word, read back by pandoc.
  const std::string docx = d_.dir() + "/r.docx";
  CommandResult word = Published("docx", docx);
  ASSERT_EQ(word.exit_code, 0) << word.err;
  const std::string from_word =
      Output(absl::StrCat("pandoc -f docx -t markdown '", docx, "'"));
  ASSERT_FALSE(from_word.empty());
  for (const std::string& heading : headings) {
    EXPECT_THAT(from_word, HasSubstr(heading)) << "docx lacks " << heading;
  }
  EXPECT_THAT(from_word, HasSubstr("Mother reported"));
  EXPECT_THAT(from_word, Not(HasSubstr("Brien")));
  // The timeline: a picture in the document's media.
  EXPECT_THAT(
      Output(absl::StrCat("python3 -c 'import sys, zipfile; "
                          "print(zipfile.ZipFile(sys.argv[1]).namelist())' '",
                          docx, "'")),
      HasSubstr(".svg"));

  // PDF, turned to text and its first page to pixels.
  const std::string pdf = d_.dir() + "/r.pdf";
  CommandResult printed = Published("pdf", pdf);
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  const std::string from_pdf =
      Output(absl::StrCat("pdftotext -layout '", pdf, "' -"));
  ASSERT_FALSE(from_pdf.empty());
  for (const std::string& heading : headings) {
    EXPECT_THAT(from_pdf, HasSubstr(heading)) << "pdf lacks " << heading;
  }
  EXPECT_THAT(from_pdf, Not(HasSubstr("Brien")));
  for (int page = 1; page <= 2; ++page) {
    const std::string pgm = Output(absl::StrCat(
        "pdftoppm -gray -r 24 -f ", page, " -l ", page, " '", pdf, "'"));
    if (page > 1 && pgm.empty()) break;  // a one-page report
    EXPECT_GT(InkShare(pgm), 0.002) << "page " << page << " is blank";
  }
}

}  // namespace
}  // namespace casesync::testing
