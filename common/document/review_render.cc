#include "common/document/review_render.h"

#include "absl/strings/str_cat.h"
#include "common/document/markdown_document.h"
#include "common/document/review_document.h"
#include "common/document/timeline_svg.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"
#include "google/protobuf/util/type_resolver_util.h"

namespace casesync {
namespace {

// Reads on a screen and prints on A4: system fonts only, tables that repeat
// their heading row on each page and keep rows whole, colours kept in print.
constexpr char kStyle[] = R"css(
:root { color-scheme: light; }
body { font-family: Georgia, "Times New Roman", serif; color: #111;
  line-height: 1.45; max-width: 64rem; margin: 1.5rem auto; padding: 0 1rem; }
h1, h2, h3, h4, figcaption, table, svg {
  font-family: "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }
h1 { font-size: 1.8rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.35rem; border-bottom: 2px solid #1f4e79; padding-bottom: .2rem;
  margin-top: 2.2rem; }
h3 { font-size: 1.1rem; margin-top: 1.6rem; }
h4 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
table { border-collapse: collapse; width: 100%; font-size: .8rem; margin: .6rem 0 1rem; }
th, td { border: 1px solid #b8bec4; padding: .25rem .4rem; text-align: left;
  vertical-align: top; }
thead th { background: #e8edf2; }
tbody tr:nth-child(even) { background: #f7f9fa; }
thead { display: table-header-group; }
/* The chronology (the one table of eight columns): dates on one line. */
table:has(th:nth-child(8)) td:nth-child(2) { min-width: 6.2em; }
tr { break-inside: avoid; page-break-inside: avoid; }
figure.timeline { margin: 0 0 1.5rem; }
figure.timeline svg { display: block; width: 100%; height: auto; }
figcaption { font-size: .8rem; color: #444; margin-top: .3rem; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  figure.timeline { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-before: auto; }
}
)css";

constexpr char kCaption[] =
    "Timeline of contact: one lane per agency, each mark a chronology entry "
    "(numbered as in the composite chronology; hover for details). Shaded "
    "spans are key practice episodes E1, E2, ...; red rings mark entries in "
    "a discrepancy; hatched bands are gaps in contact, with their length in "
    "days.";

}  // namespace

std::string RenderReviewMarkdown(const v1::JointReview& review) {
  MarkdownDocument doc;
  BuildReviewDocument(review, &doc);
  return doc.RenderMarkdown();
}

std::string RenderReviewHtml(const v1::JointReview& review) {
  // The same document the Markdown export writes, rendered from its tree
  // (review_render_test checks that parsing the Markdown gives the same HTML).
  MarkdownDocument doc;
  BuildReviewDocument(review, &doc);
  const std::string& title = review.review().title();
  std::string page;
  std::string body = doc.RenderHtml();
  std::string svg = RenderTimelineSvg(review);
  page.reserve(body.size() + svg.size() + 4096);
  absl::StrAppend(&page,
                  "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                  "<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, "
                  "initial-scale=1\">\n<title>",
                  HtmlEscape(title.empty() ? "Joint case review" : title),
                  "</title>\n<style>", kStyle, "</style>\n</head>\n<body>\n");
  const std::string figure =
      absl::StrCat("<figure class=\"timeline\">\n", svg, "<figcaption>",
                   kCaption, "</figcaption>\n</figure>\n");
  // The working document opens with the timeline; the published report puts
  // its title first, then the timeline.
  const size_t title_end =
      review.published() ? body.find("</h1>\n") : std::string::npos;
  if (title_end == std::string::npos) {
    absl::StrAppend(&page, figure, "<main>\n", body);
  } else {
    const size_t split = title_end + sizeof("</h1>\n") - 1;
    absl::StrAppend(&page, "<main>\n", absl::string_view(body).substr(0, split),
                    figure, absl::string_view(body).substr(split));
  }
  absl::StrAppend(&page, "</main>\n</body>\n</html>\n");
  return page;
}

std::string RenderReviewJson(const v1::JointReview& review) {
  // MessageToJsonString would serialise the message as it is, and protobuf
  // maps (AgencyContribution.records) iterate in an order that changes from
  // run to run: serialise deterministically (map entries by key) and
  // convert that.
  std::string binary;
  {
    google::protobuf::io::StringOutputStream stream(&binary);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    review.SerializeToCodedStream(&coded);
  }
  static google::protobuf::util::TypeResolver* const resolver =
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          "type.googleapis.com",
          google::protobuf::DescriptorPool::generated_pool());
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = true;
  std::string json;
  const auto status = google::protobuf::util::BinaryToJsonString(
      resolver,
      absl::StrCat("type.googleapis.com/", review.GetDescriptor()->full_name()),
      binary, &json, options);
  if (!status.ok()) {
    // Not expected for this message type; still JSON, and visibly wrong.
    json = "{\"error\": \"cannot write the review as JSON\"}";
  }
  if (json.empty() || json.back() != '\n') json += '\n';
  return json;
}

}  // namespace casesync
