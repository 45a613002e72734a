// The joint review as Word (DOCX) and PDF, made by well-kept programs run as
// child processes: pandoc (Debian's `pandoc`) turns the Markdown, with the
// timeline as an SVG picture after the title, into DOCX styled by a
// reference document; headless Chromium (Debian's `chromium`) prints the
// HTML (common/document/review_render.h), timeline included, to A4 PDF.
//
// Each program runs without a shell, in a fresh temporary directory of its
// own (removed afterwards; Chromium's profile too), with no network use
// asked of it, and is killed with everything it started when it runs past
// the time limit. What the board needs installed is in docs/operations.md
// ("Publication tools").
//
// Thread-safety: pure functions (each call its own directory).
#ifndef CASESYNC_COMMON_DOCUMENT_OFFICE_FORMATS_H_
#define CASESYNC_COMMON_DOCUMENT_OFFICE_FORMATS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "casesync/v1/review.pb.h"

namespace casesync {

struct OfficeFormatOptions {
  // The programs, by path or a name looked up on PATH.
  std::string pandoc = "pandoc";
  std::string chromium = "chromium";
  // A DOCX whose styles the Word output takes (pandoc --reference-doc): the
  // partnership's own headings, fonts and margins. Empty: pandoc's.
  std::string reference_docx;
  // How long one conversion may take before it is killed and refused.
  absl::Duration time_limit = absl::Seconds(90);
  // Where the temporary directories go. Empty: $TMPDIR, else /tmp.
  std::string temp_root;
};

// The review as DOCX bytes. UNAVAILABLE if pandoc is missing, fails (its
// last lines of output in the message) or runs past the time limit;
// INTERNAL if the temporary directory cannot be made.
[[nodiscard]] absl::StatusOr<std::string> RenderReviewDocx(
    const v1::JointReview& review, const OfficeFormatOptions& options);

// The review as PDF bytes. Errors as RenderReviewDocx, for Chromium.
[[nodiscard]] absl::StatusOr<std::string> RenderReviewPdf(
    const v1::JointReview& review, const OfficeFormatOptions& options);

}  // namespace casesync

#endif  // CASESYNC_COMMON_DOCUMENT_OFFICE_FORMATS_H_
