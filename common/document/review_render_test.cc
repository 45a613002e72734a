// Tests of the joint review export.
//
// The Markdown and JSON of a fixed review are compared byte for byte with
// the golden files tests/golden/joint_review.md and .json. After a change
// to the document that is meant, regenerate them and review the diff:
//
//   CASESYNC_UPDATE_GOLDEN=1 build/common/review_render_test
//
// The HTML is opened in headless Chromium (deploy/install-deps.sh installs
// it): its DOM must hold every section, the timeline and no script, and it
// must print to PDF.
#include "common/document/review_render.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/document/markdown_document.h"
#include "common/document/review_document.h"
#include "common/document/timeline_svg.h"
#include "common/testing/review_fixture.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

size_t Count(absl::string_view text, absl::string_view what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != absl::string_view::npos;
       at = text.find(what, at + what.size())) {
    ++count;
  }
  return count;
}

// Compares `actual` with the golden file `name`, or rewrites the file when
// CASESYNC_UPDATE_GOLDEN is set.
void ExpectGolden(const std::string& name, const std::string& actual) {
  const std::string path = absl::StrCat(CASESYNC_GOLDEN_DIR, "/", name);
  if (getenv("CASESYNC_UPDATE_GOLDEN") != nullptr) {
    WriteFile(path, actual);
    GTEST_SKIP() << "rewrote " << path;
  }
  const std::string expected = ReadFile(path);
  if (expected == actual) return;
  const std::vector<std::string> want = absl::StrSplit(expected, '\n');
  const std::vector<std::string> got = absl::StrSplit(actual, '\n');
  size_t line = 0;
  while (line < want.size() && line < got.size() && want[line] == got[line]) {
    ++line;
  }
  ADD_FAILURE() << path << " differs from the output, first at line "
                << line + 1 << ":\n  golden: "
                << (line < want.size() ? want[line] : "(end of file)")
                << "\n  output: "
                << (line < got.size() ? got[line] : "(end of output)")
                << "\nIf the change is meant, regenerate with "
                   "CASESYNC_UPDATE_GOLDEN=1 and review the diff.";
}

// The rendered document inside <main> of the HTML page.
std::string MainOf(const std::string& html) {
  const size_t start = html.find("<main>\n");
  const size_t end = html.find("</main>");
  if (start == std::string::npos || end == std::string::npos) return "";
  return html.substr(start + 7, end - start - 7);
}

TEST(ReviewRenderTest, MarkdownMatchesGolden) {
  ExpectGolden("joint_review.md",
               RenderReviewMarkdown(testing::ReviewFixture()));
}

TEST(ReviewRenderTest, JsonMatchesGolden) {
  ExpectGolden("joint_review.json", RenderReviewJson(testing::ReviewFixture()));
}

TEST(ReviewRenderTest, SameReviewSameBytes) {
  const v1::JointReview review = testing::ReviewFixture();
  // The same map content inserted in another order.
  v1::JointReview reordered = review;
  for (v1::AgencyContribution& c : *reordered.mutable_contributions()) {
    std::vector<std::pair<std::string, uint32_t>> records(c.records().begin(),
                                                          c.records().end());
    c.mutable_records()->clear();
    for (auto it = records.rbegin(); it != records.rend(); ++it) {
      (*c.mutable_records())[it->first] = it->second;
    }
  }
  EXPECT_EQ(RenderReviewMarkdown(review), RenderReviewMarkdown(reordered));
  EXPECT_EQ(RenderReviewHtml(review), RenderReviewHtml(reordered));
  EXPECT_EQ(RenderReviewJson(review), RenderReviewJson(reordered));
}

TEST(ReviewRenderTest, JsonKeepsProtoFieldNamesAndEndsInNewline) {
  const std::string json = RenderReviewJson(testing::ReviewFixture());
  EXPECT_THAT(json, HasSubstr("\"terms_of_reference\": "));
  EXPECT_THAT(json, HasSubstr("\"discrepancy_ids\": "));
  EXPECT_THAT(json, Not(HasSubstr("termsOfReference")));
  ASSERT_FALSE(json.empty());
  EXPECT_EQ(json.back(), '\n');
}

TEST(ReviewRenderTest, MarkdownHasEverySectionInOrder) {
  const std::string md = RenderReviewMarkdown(testing::ReviewFixture());
  size_t at = 0;
  for (absl::string_view section : kReviewSections) {
    const size_t found = md.find(absl::StrCat("\n## ", section, "\n"), at);
    ASSERT_NE(found, std::string::npos) << section;
    at = found;
  }
}

TEST(ReviewRenderTest, ChronologyShowsUncertaintyDuplicatesGapsAndFlags) {
  const std::string md = RenderReviewMarkdown(testing::ReviewFixture());
  EXPECT_THAT(md, HasSubstr("| c. 2023-12-04 |"));
  EXPECT_THAT(md, HasSubstr("csc: CN-5540; police: CAD-2312-0412 "
                            "*(likely duplicate)*"));
  EXPECT_THAT(md, HasSubstr("**No agency contact for 47 days**"));
  EXPECT_THAT(md, HasSubstr(absl::StrCat("**Discrepancy** ",
                                         testing::kDecidedDiscrepancy)));
  // The gap row sits between the entries either side of it.
  const size_t before = md.find("Referral from school received.");
  const size_t gap = md.find("No agency contact for 47 days");
  const size_t after = md.find("Home visit; Child J not seen");
  EXPECT_LT(before, gap);
  EXPECT_LT(gap, after);
}

TEST(ReviewRenderTest, PublishedVersionSaysSo) {
  v1::JointReview review = testing::ReviewFixture();
  EXPECT_THAT(RenderReviewMarkdown(review),
              Not(HasSubstr("Published version")));
  review.set_published(true);
  EXPECT_THAT(RenderReviewMarkdown(review),
              HasSubstr("**Published version:** names are pseudonyms"));
}

// What the Markdown says is what the HTML shows: parsing the Markdown gives
// the HTML the page holds.
TEST(ReviewRenderTest, HtmlIsTheMarkdownRendered) {
  const v1::JointReview review = testing::ReviewFixture();
  EXPECT_EQ(MarkdownToHtml(RenderReviewMarkdown(review)),
            MainOf(RenderReviewHtml(review)));
}

// Record texts that Markdown or HTML would otherwise act on.
const char* const kHostile[] = {
    "<script>alert(1)</script>",
    "*bold* and __strong__",
    "| pipe | in | a | cell |",
    "[link](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    "first line\n# Not a heading\n| a | b |\n| --- | --- |\n| c | d |",
    "    indented, not code",
    "1. not a list\n- nor this\n> nor a quote",
    "&lt;entity&gt; &amp; &#60;script&#62;",
    "`code` ~~strike~~ ![image](http://example.com/x.png) <http://x.org>",
    "trailing backslash \\",
    "---",
};

v1::JointReview HostileReview() {
  v1::JointReview review = testing::ReviewFixture();
  std::string all;
  for (const char* text : kHostile) absl::StrAppend(&all, text, "\n");
  review.mutable_review()->set_title(kHostile[0]);
  review.mutable_review()->set_terms_of_reference(all);
  review.mutable_review()->set_partnership(kHostile[3]);
  for (size_t i = 0; i < std::size(kHostile); ++i) {
    v1::CompositeEntry* item = review.mutable_chronology()->mutable_entries(
        static_cast<int>(i % review.chronology().entries_size()));
    item->mutable_entry()->set_event(kHostile[i]);
    item->mutable_entry()->set_action(kHostile[(i + 1) % std::size(kHostile)]);
    item->mutable_entry()->set_practitioner_role(kHostile[i]);
  }
  v1::EpisodeSection* episode = review.mutable_episodes(0);
  episode->mutable_episode()->set_title(kHostile[1]);
  episode->mutable_episode()->set_what_happened(all);
  episode->mutable_factors(0)->set_text(kHostile[5]);
  v1::Finding* finding = review.mutable_findings(0)->mutable_findings(0);
  finding->set_statement(all);
  finding->add_questions_for_board(kHostile[7]);
  review.mutable_actions(0)->set_action(kHostile[2]);
  review.mutable_conflicts(0)->set_values(0, kHostile[4]);
  review.mutable_discrepancies(0)->mutable_versions(0)->set_event(kHostile[0]);
  review.mutable_discrepancies(0)->mutable_decision()->set_rationale(all);
  review.mutable_summaries(0)->set_involvement(all);
  return review;
}

TEST(ReviewRenderTest, RecordTextIsNeverMarkup) {
  const v1::JointReview review = HostileReview();
  const std::string md = RenderReviewMarkdown(review);
  const std::string html = RenderReviewHtml(review);
  // The Markdown means exactly the tree it was written from.
  EXPECT_EQ(MarkdownToHtml(md), MainOf(html));
  // Escaped, not acted on.
  EXPECT_THAT(md, HasSubstr("\\<script\\>alert(1)\\</script\\>"));
  EXPECT_THAT(md, HasSubstr("\\*bold\\*"));
  EXPECT_THAT(md, HasSubstr("\\| pipe \\| in \\|"));
  EXPECT_THAT(md, HasSubstr("\\[link\\](javascript:alert(1))"));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("*bold* and __strong__"));
  EXPECT_THAT(html, HasSubstr("| pipe | in | a | cell |"));
  EXPECT_THAT(html, HasSubstr("[link](javascript:alert(1))"));
  EXPECT_THAT(html, HasSubstr("&amp;lt;entity&amp;gt; &amp;amp; &amp;#60;"));
  EXPECT_THAT(html, HasSubstr("<title>&lt;script&gt;alert(1)&lt;/script&gt;"));
  for (const char* markup :
       {"<script", "<img", "<a ", "href=", "<em>bold", "<strong>strong",
        "<del>", "<code>", "<pre>", "<blockquote>", "<h1>Not a heading",
        "<ol>\n<li>not a list"}) {
    EXPECT_THAT(html, Not(HasSubstr(markup))) << markup;
  }
  // Free text split into lines stays paragraphs, inline it stays one line.
  EXPECT_THAT(html, HasSubstr("<p>first line</p>\n<p># Not a heading</p>"));
  EXPECT_THAT(html, HasSubstr("<td>first line # Not a heading | a | b | | --- "
                              "| --- | | c | d |</td>"));
  // Every chronology row is still one row of eight cells.
  const std::string chronology =
      html.substr(html.find("<h2>Composite chronology</h2>"),
                  html.find("<h2>Key practice episodes</h2>") -
                      html.find("<h2>Composite chronology</h2>"));
  EXPECT_EQ(Count(chronology, "<tr>"), 1 + review.chronology().entries_size() +
                                           review.chronology().gaps_size());
  EXPECT_EQ(Count(chronology, "<td"), 8 * (Count(chronology, "<tr>") - 1));
}

// Random text of the characters Markdown and HTML give meaning to, in every
// kind of place the document puts text: the Markdown always means what the
// tree says.
TEST(MarkdownDocumentTest, RandomTextRoundTrips) {
  const unsigned seed = 20240604;
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  std::mt19937 random(seed);
  const std::vector<std::string> pieces = {"*",    "_",         "`",
                                           "[",    "]",         "(",
                                           ")",    "<",         ">",
                                           "!",    "#",         "|",
                                           "\\",   "-",         "+",
                                           "=",    ".",         ":",
                                           "&",    ";",         "~",
                                           " ",    "  ",        "\n",
                                           "\t",   "1",         "a",
                                           "Z",    "\xc3\xa9",  "\"",
                                           "'",    "{",         "}",
                                           "&#",   "&amp;",     "-->",
                                           "<!--", "www.x.org", "http://x.org",
                                           "1. ",  "- ",        "> ",
                                           "    ", "\r\n",      "---",
                                           "***",  "```",       "<b>",
                                           "</b>", "\xff",      "\x01"};
  const auto text = [&] {
    std::string out;
    const int length = std::uniform_int_distribution<int>(0, 12)(random);
    for (int i = 0; i < length; ++i) {
      out += pieces[std::uniform_int_distribution<size_t>(
          0, pieces.size() - 1)(random)];
    }
    return out;
  };
  for (int round = 0; round < 200; ++round) {
    MarkdownDocument doc;
    doc.Heading(1 + round % 4, text());
    doc.Paragraph(Inlines().Text(text()).Strong(text()).Text(text()));
    doc.TextBlock("Label:", text());
    doc.BulletList({Inlines(text()), Inlines().Emph(text()).Text(text())});
    doc.Paragraph("Between lists.");  // else cmark puts a comment there
    doc.OrderedList({Inlines(text()), Inlines(text())});
    MarkdownDocument::Table table = doc.StartTable({text(), text(), text()});
    table.AddRow(
        {text(), Inlines().Strong("Label:").Text(" " + text()), text()});
    table.AddRow({text()});
    const std::string markdown = doc.RenderMarkdown();
    ASSERT_EQ(MarkdownToHtml(markdown), doc.RenderHtml())
        << "round " << round << ", Markdown:\n"
        << markdown;
  }
}

TEST(ReviewRenderTest, HtmlIsOneSelfContainedPage) {
  const std::string html = RenderReviewHtml(testing::ReviewFixture());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0), 0u);
  EXPECT_THAT(html, HasSubstr("<meta charset=\"utf-8\">"));
  EXPECT_THAT(html, HasSubstr("@media print"));
  EXPECT_LT(html.find("<svg"), html.find("<h1>"));
  for (const char* external :
       {"<script", "<link", "src=", "@import", "url(http", "@font-face"}) {
    EXPECT_THAT(html, Not(HasSubstr(external))) << external;
  }
}

TEST(TimelineSvgTest, LanesMarksEpisodesGapsAndFlags) {
  v1::JointReview review = testing::ReviewFixture();
  // An entry of the board's own: it gets a lane after the agencies.
  testing::AddEntry({"01HENTRY00000000000000013",
                     "2024-04-02",
                     false,
                     "",
                     {"board:BRD-1"},
                     "reviewer",
                     "Review meeting.",
                     "",
                     "",
                     false,
                     false,
                     {},
                     {}},
                    &review);
  EXPECT_EQ(
      TimelineLanes(review),
      (std::vector<std::string>{"csc", "health", "police", "school", "board"}));
  const std::string svg = RenderTimelineSvg(review);
  EXPECT_EQ(Count(svg, "class=\"tl-lane\""), 5u);
  const size_t marks = svg.find("<g class=\"tl-marks\"");
  const std::string mark_group =
      svg.substr(marks, svg.find("</g>", marks) - marks);
  EXPECT_EQ(Count(mark_group, "<circle"), 14u);  // 13 entries, one duplicate
  EXPECT_THAT(svg, HasSubstr("<title>#3 c. 2023-12-04 csc</title>"));
  EXPECT_THAT(svg, HasSubstr(">47 days</text>"));
  EXPECT_THAT(svg, HasSubstr(">E1</text>"));
  EXPECT_THAT(svg, HasSubstr(">E2</text>"));
  // Two sources of the duplicate joined; four ringed marks.
  const size_t joins = svg.find("<g class=\"tl-joins\"");
  EXPECT_EQ(Count(svg.substr(joins, svg.find("</g>", joins) - joins), "<line"),
            1u);
  const size_t flags = svg.find("<g class=\"tl-flags\"");
  EXPECT_EQ(
      Count(svg.substr(flags, svg.find("</g>", flags) - flags), "<circle"), 4u);
  EXPECT_THAT(svg, HasSubstr(">2023-12</text>"));
  EXPECT_THAT(svg, HasSubstr(">2024-05</text>"));
}

TEST(TimelineSvgTest, OnlySafeTextGoesIn) {
  v1::JointReview review = testing::ReviewFixture();
  review.mutable_contributions(0)->set_agency("<b>csc</b>");
  review.mutable_chronology()
      ->mutable_entries(2)
      ->mutable_sources(0)
      ->set_agency("<b>csc</b>");
  review.mutable_chronology()->mutable_entries(0)->mutable_entry()->set_event(
      "<script>alert(1)</script>");
  const std::string svg = RenderTimelineSvg(review);
  EXPECT_THAT(svg, Not(HasSubstr("<b>")));
  EXPECT_THAT(svg, HasSubstr("&lt;b&gt;csc&lt;/b&gt;"));
  EXPECT_THAT(svg, Not(HasSubstr("script")));
}

TEST(TimelineSvgTest, ParsesOnlyValidDates) {
  EXPECT_EQ(ParseIsoDate("1970-01-01"), 0);
  EXPECT_EQ(ParseIsoDate("2024-03-01"), 19783);
  EXPECT_EQ(ParseIsoDate("2024-02-29"), 19782);
  EXPECT_EQ(ParseIsoDate("2023-02-29"), std::nullopt);
  EXPECT_EQ(ParseIsoDate("2024-13-01"), std::nullopt);
  EXPECT_EQ(ParseIsoDate("2024-3-01"), std::nullopt);
  EXPECT_EQ(ParseIsoDate("2024-03-01x"), std::nullopt);
  EXPECT_EQ(ParseIsoDate(""), std::nullopt);
}

// Many entries: everything is in the document, and every source has its
// mark (tests never assert times).
TEST(ReviewRenderTest, TenThousandEntries) {
  v1::JointReview review = testing::ReviewFixture();
  review.mutable_chronology()->clear_entries();
  review.mutable_chronology()->clear_gaps();
  const char* agencies[] = {"csc", "health", "police", "school"};
  constexpr int kEntries = 10000;
  for (int i = 0; i < kEntries; ++i) {
    char id[32], date[16], event[64];
    std::snprintf(id, sizeof id, "01HBULK%019d", i);
    std::snprintf(date, sizeof date, "%04d-%02d-%02d", 2020 + i / 2000,
                  1 + (i / 160) % 12, 1 + (i / 6) % 27);
    std::snprintf(event, sizeof event, "Contact evt%05d: home visit", i);
    testing::AddEntry({id,
                       date,
                       false,
                       "",
                       {absl::StrCat(agencies[i % 4], ":ref-", i)},
                       "social worker",
                       event,
                       "Visit recorded; next visit planned.",
                       "",
                       i % 2 == 0,
                       i % 3 == 0,
                       {},
                       {}},
                      &review);
  }
  const std::string html = RenderReviewHtml(review);
  size_t at = 0;
  for (int i = 0; i < kEntries; ++i) {
    char event[32];
    std::snprintf(event, sizeof event, "evt%05d:", i);
    at = html.find(event, at);
    ASSERT_NE(at, std::string::npos) << "entry " << i << " missing";
  }
  const size_t marks = html.find("<g class=\"tl-marks\"");
  EXPECT_EQ(
      Count(html.substr(marks, html.find("</g>", marks) - marks), "<circle"),
      static_cast<size_t>(kEntries));
}

// --- Headless Chromium ---

// Runs `command` through the shell; its exit status.
int RunShell(const std::string& command) {
  const int status = system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Chromium() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

// Chromium's command line, bounded in time, with a private profile.
std::string ChromiumCommand(const std::string& chromium,
                            const testing::TempDir& dir,
                            const std::string& headless,
                            const std::string& action,
                            const std::string& html) {
  return absl::StrCat("timeout 60 ", chromium, " ", headless,
                      " --no-sandbox --disable-gpu --no-first-run",
                      " --user-data-dir=", dir.Sub("profile"), " ", action,
                      " file://", html, " 2>", dir.Sub("chromium.log"));
}

TEST(ReviewRenderChromiumTest, OpensAndPrints) {
  const std::string chromium = Chromium();
  ASSERT_FALSE(chromium.empty())
      << "Chromium is needed to check the HTML export: run "
         "deploy/install-deps.sh";
  testing::TempDir dir;
  const v1::JointReview review = testing::ReviewFixture();
  const std::string html = dir.Sub("review.html");
  WriteFile(html, RenderReviewHtml(review));

  std::string dom;
  for (const char* headless : {"--headless", "--headless=new"}) {
    const int code = RunShell(absl::StrCat(
        ChromiumCommand(chromium, dir, headless, "--dump-dom", html), " >",
        dir.Sub("dom.html")));
    dom = ReadFile(dir.Sub("dom.html"));
    if (code == 0 && dom.find("</html>") != std::string::npos) break;
  }
  ASSERT_THAT(dom, HasSubstr("</html>"))
      << "Chromium printed no DOM; its log:\n"
      << ReadFile(dir.Sub("chromium.log"));

  for (absl::string_view section : kReviewSections) {
    EXPECT_THAT(dom, HasSubstr(absl::StrCat("<h2>", section, "</h2>")));
  }
  EXPECT_THAT(dom, HasSubstr("<svg"));
  EXPECT_EQ(Count(dom, "class=\"tl-lane\""), TimelineLanes(review).size());
  const size_t marks = dom.find("<g class=\"tl-marks\"");
  ASSERT_NE(marks, std::string::npos);
  size_t sources = 0;
  for (const v1::CompositeEntry& entry : review.chronology().entries()) {
    sources += entry.sources_size();
  }
  EXPECT_EQ(
      Count(dom.substr(marks, dom.find("</g>", marks) - marks), "<circle"),
      sources);
  EXPECT_THAT(dom, Not(HasSubstr("<script")));
  EXPECT_THAT(dom, HasSubstr("<title>Child J rapid review</title>"));

  const std::string pdf = dir.Sub("review.pdf");
  for (const char* headless : {"--headless", "--headless=new"}) {
    RunShell(ChromiumCommand(chromium, dir, headless,
                             absl::StrCat("--print-to-pdf=", pdf), html));
    if (ReadFile(pdf).rfind("%PDF-", 0) == 0) break;
  }
  const std::string printed = ReadFile(pdf);
  EXPECT_EQ(printed.rfind("%PDF-", 0), 0u) << "no PDF; Chromium's log:\n"
                                           << ReadFile(dir.Sub("chromium.log"));
  EXPECT_GT(printed.size(), 10000u);
}

}  // namespace
}  // namespace casesync
