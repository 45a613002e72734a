// A Markdown document built as a cmark-gfm node tree, so that text is never
// interpreted as Markdown or HTML: every piece of text goes into a text node
// as it is, and cmark-gfm escapes it when it writes the Markdown
// (cmark_render_commonmark) or the HTML (cmark_render_html, safe mode: no raw
// HTML passes through). Tables are GitHub tables (the cmark-gfm "table"
// extension).
//
// What the Markdown means is what the tree says: parsing the Markdown again
// with cmark-gfm and the table extension gives the same HTML as rendering the
// tree (review_render_test checks it). Two rules make that hold, and so shape
// the text:
//   - inline text (headings, table cells, list items, paragraphs built from
//     Inlines) is one line: line breaks, tabs and other control characters
//     become spaces, runs of white space become one space, and the ends are
//     trimmed (leading spaces would make an indented code block, and a
//     second line could turn a paragraph into a table or a heading), and
//     strong or emphasised text is kept apart from its neighbours by a
//     space ("*a*b" is not emphasis in Markdown);
//   - TextBlock splits free text at its line breaks into one paragraph per
//     non-blank line.
// Invalid UTF-8 becomes U+FFFD.
//
// Thread-safety: a MarkdownDocument is not thread-safe; distinct documents
// may be used from different threads. HtmlEscape is a pure function.
#ifndef CASESYNC_COMMON_DOCUMENT_MARKDOWN_DOCUMENT_H_
#define CASESYNC_COMMON_DOCUMENT_MARKDOWN_DOCUMENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

struct cmark_node;

namespace casesync {

class NodeArena;

// A run of inline content: plain, strong (bold) or emphasised (italic)
// text, in order.
class Inlines {
 public:
  Inlines() = default;
  // Implicit on purpose: a plain string is the usual cell.
  Inlines(absl::string_view text) { Text(text); }   // NOLINT
  Inlines(const std::string& text) { Text(text); }  // NOLINT
  Inlines(const char* text) { Text(text); }         // NOLINT

  Inlines& Text(absl::string_view text);
  Inlines& Strong(absl::string_view text);
  Inlines& Emph(absl::string_view text);

  bool empty() const { return spans_.empty(); }

 private:
  friend class MarkdownDocument;
  enum class Kind { kText, kStrong, kEmph };
  struct Span {
    Kind kind;
    std::string text;
  };
  std::vector<Span> spans_;
};

class MarkdownDocument {
 public:
  MarkdownDocument();
  ~MarkdownDocument();
  MarkdownDocument(const MarkdownDocument&) = delete;
  MarkdownDocument& operator=(const MarkdownDocument&) = delete;

  // `level` 1..6.
  void Heading(int level, absl::string_view text);
  // One paragraph. Nothing when `inlines` holds no text.
  void Paragraph(const Inlines& inlines);
  // Free text as paragraphs, one per non-blank line; the first starts with
  // `label` in bold when `label` is not empty. Nothing when `text` is blank.
  void TextBlock(absl::string_view label, absl::string_view text);
  // A bulleted or numbered list, one item per entry, tight. Put something
  // between two lists: cmark keeps adjacent lists apart with an HTML comment
  // in the Markdown, which the HTML of the tree does not have.
  void BulletList(const std::vector<Inlines>& items);
  void OrderedList(const std::vector<Inlines>& items);

  // A table with these column headings; add rows to it before starting
  // anything else. A row with fewer cells than columns is padded with empty
  // ones, extra cells are dropped.
  class Table {
   public:
    void AddRow(const std::vector<Inlines>& cells);

   private:
    friend class MarkdownDocument;
    Table(NodeArena* arena, cmark_node* table, size_t columns)
        : arena_(arena), table_(table), columns_(columns) {}
    NodeArena* arena_;
    cmark_node* table_;
    size_t columns_;
  };
  Table StartTable(const std::vector<std::string>& headings);

  // The document as CommonMark with GitHub tables, lines not wrapped.
  std::string RenderMarkdown() const;
  // The document as an HTML fragment (safe mode).
  std::string RenderHtml() const;

 private:
  // Appends `inlines` to `parent` as one trimmed line; false if nothing was
  // appended.
  static bool AppendInlines(cmark_node* parent, const Inlines& inlines);
  void AppendList(bool ordered, const std::vector<Inlines>& items);

  std::unique_ptr<NodeArena> arena_;  // holds every node
  cmark_node* root_;
};

// `text` escaped for HTML element content by cmark-gfm (rendered as a text
// node), as it is; for free text that must go into generated markup.
std::string HtmlEscape(absl::string_view text);

// `markdown` parsed by cmark-gfm with the table extension and rendered as
// HTML in safe mode; what a reader of the Markdown export sees.
std::string MarkdownToHtml(absl::string_view markdown);

}  // namespace casesync

#endif  // CASESYNC_COMMON_DOCUMENT_MARKDOWN_DOCUMENT_H_
