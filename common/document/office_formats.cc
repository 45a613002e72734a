#include "common/document/office_formats.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/document/child_program.h"
#include "common/document/review_render.h"
#include "common/document/timeline_svg.h"

namespace casesync {
namespace {

constexpr char kTimelineFile[] = "timeline.svg";

// A fresh directory, removed with everything in it when this goes.
class ScratchDirectory {
 public:
  // INTERNAL if it cannot be made.
  [[nodiscard]] static absl::StatusOr<ScratchDirectory> Make(
      const OfficeFormatOptions& options) {
    std::string root = options.temp_root;
    if (root.empty()) {
      const char* tmpdir = std::getenv("TMPDIR");
      root = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
    }
    std::string pattern = root + "/casesync-export-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      return absl::InternalError(absl::StrCat(
          "cannot make a directory in ", root, ": ", std::strerror(errno)));
    }
    return ScratchDirectory(pattern);
  }
  ScratchDirectory(ScratchDirectory&& other) noexcept
      : path_(std::move(other.path_)) {
    other.path_.clear();
  }
  ScratchDirectory& operator=(ScratchDirectory&& other) noexcept {
    std::swap(path_, other.path_);
    return *this;
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  ~ScratchDirectory() {
    if (path_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  explicit ScratchDirectory(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

[[nodiscard]] absl::Status WriteFile(const std::string& path,
                                     const std::string& bytes) {
  std::ofstream file(path, std::ios::binary);
  file << bytes;
  file.close();
  if (!file) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// UNAVAILABLE if the program wrote no output: it failed without saying so.
[[nodiscard]] absl::StatusOr<std::string> ReadOutput(
    const std::string& path, const std::string& program) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream bytes;
  bytes << file.rdbuf();
  if (!file || bytes.str().empty()) {
    return absl::UnavailableError(
        absl::StrCat(program, " finished without writing its output"));
  }
  return bytes.str();
}

// The Markdown with the timeline picture after the title.
std::string MarkdownWithTimeline(const v1::JointReview& review) {
  std::string markdown = RenderReviewMarkdown(review);
  const std::string picture =
      absl::StrCat("![Timeline of contact](", kTimelineFile, ")\n\n");
  const size_t after_title = markdown.find("\n\n");
  if (after_title == std::string::npos) return picture + markdown;
  markdown.insert(after_title + 2, picture);
  return markdown;
}

}  // namespace

absl::StatusOr<std::string> RenderReviewDocx(
    const v1::JointReview& review, const OfficeFormatOptions& options) {
  ASSIGN_OR_RETURN(ScratchDirectory dir, ScratchDirectory::Make(options));
  RETURN_IF_ERROR(
      WriteFile(dir.File("review.md"), MarkdownWithTimeline(review)));
  RETURN_IF_ERROR(
      WriteFile(dir.File(kTimelineFile), RenderTimelineSvg(review)));
  std::vector<std::string> argv = {options.pandoc, "--from=gfm", "--to=docx",
                                   "--output=review.docx"};
  if (!options.reference_docx.empty()) {
    argv.push_back(absl::StrCat(
        "--reference-doc=",
        std::filesystem::absolute(options.reference_docx).string()));
  }
  argv.push_back("review.md");
  RETURN_IF_ERROR(RunChildProgram(argv, dir.path(), options.time_limit));
  return ReadOutput(dir.File("review.docx"), options.pandoc);
}

absl::StatusOr<std::string> RenderReviewPdf(
    const v1::JointReview& review, const OfficeFormatOptions& options) {
  ASSIGN_OR_RETURN(ScratchDirectory dir, ScratchDirectory::Make(options));
  RETURN_IF_ERROR(WriteFile(dir.File("review.html"), RenderReviewHtml(review)));
  const std::vector<std::string> argv = {
      options.chromium,
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-extensions",
      absl::StrCat("--user-data-dir=", dir.File("profile")),
      "--no-pdf-header-footer",
      absl::StrCat("--print-to-pdf=", dir.File("review.pdf")),
      absl::StrCat("file://", dir.File("review.html")),
  };
  RETURN_IF_ERROR(RunChildProgram(argv, dir.path(), options.time_limit));
  return ReadOutput(dir.File("review.pdf"), options.chromium);
}

}  // namespace casesync
