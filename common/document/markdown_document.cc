#include "common/document/markdown_document.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <utility>

#include "common/base/text.h"

namespace casesync {
namespace {

// The table extension and its node types. cmark-gfm's headers do not declare
// the types (CMARK_NODE_TABLE...), so they are read off a parsed table.
struct TableSupport {
  cmark_syntax_extension* extension = nullptr;
  cmark_node_type table = CMARK_NODE_NONE;
  cmark_node_type row = CMARK_NODE_NONE;
  cmark_node_type cell = CMARK_NODE_NONE;
};

const TableSupport& Tables() {
  static const TableSupport* const support = [] {
    auto* found = new TableSupport;
    cmark_gfm_core_extensions_ensure_registered();
    found->extension = cmark_find_syntax_extension("table");
    if (found->extension != nullptr) {
      cmark_parser* parser = cmark_parser_new(CMARK_OPT_DEFAULT);
      cmark_parser_attach_syntax_extension(parser, found->extension);
      constexpr char kSample[] = "|a|\n|-|\n|b|\n";
      cmark_parser_feed(parser, kSample, sizeof(kSample) - 1);
      cmark_node* doc = cmark_parser_finish(parser);
      cmark_node* table = cmark_node_first_child(doc);
      cmark_node* row = table ? cmark_node_first_child(table) : nullptr;
      cmark_node* cell = row ? cmark_node_first_child(row) : nullptr;
      if (cell != nullptr) {
        found->table = cmark_node_get_type(table);
        found->row = cmark_node_get_type(row);
        found->cell = cmark_node_get_type(cell);
      }
      cmark_node_free(doc);
      cmark_parser_free(parser);
    }
    if (found->cell == CMARK_NODE_NONE) {
      // The library is unusable; nothing sensible can be rendered.
      std::fprintf(stderr, "cmark-gfm has no working table extension\n");
      std::abort();
    }
    return found;
  }();
  return *support;
}

std::string TakeRendered(char* rendered) {
  std::string out = rendered == nullptr ? "" : rendered;
  cmark_get_default_mem_allocator()->free(rendered);
  return out;
}

}  // namespace

// Where a document's nodes live. A review of 10,000 entries is a few hundred
// thousand nodes: taking them from one arena and dropping it whole is several
// times faster than malloc and free for each, and leaves the heap as it was.
// cmark's allocator interface has no context argument, so the arena in use
// is a thread-local, set for the duration of each call into cmark.
class NodeArena {
 public:
  void* Allocate(size_t size, bool zero) {
    const size_t total = kHeader + Round(size);
    if (static_cast<size_t>(end_ - next_) < total) {
      const size_t block = total > kBlock ? total : kBlock;
      blocks_.push_back(std::make_unique<char[]>(block));
      next_ = blocks_.back().get();
      end_ = next_ + block;
    }
    char* user = next_ + kHeader;
    std::memcpy(next_, &size, sizeof size);
    next_ += total;
    last_ = user;
    if (zero) std::memset(user, 0, size);
    return user;
  }

  void* Reallocate(void* pointer, size_t size) {
    if (pointer == nullptr) return Allocate(size, /*zero=*/false);
    char* user = static_cast<char*>(pointer);
    size_t old;
    std::memcpy(&old, user - kHeader, sizeof old);
    if (size <= old) return pointer;
    // The last block handed out grows in place (cmark's output buffer).
    if (user == last_ && static_cast<size_t>(end_ - user) >= Round(size)) {
      std::memcpy(user - kHeader, &size, sizeof size);
      next_ = user + Round(size);
      return pointer;
    }
    void* moved = Allocate(size, /*zero=*/false);
    std::memcpy(moved, pointer, old);
    return moved;
  }

  // The allocator cmark calls, for the arena of the innermost Scope.
  static cmark_mem* Mem() {
    static cmark_mem mem = {[](size_t count, size_t size) -> void* {
                              if (size != 0 && count > SIZE_MAX / size)
                                throw std::bad_alloc();
                              return current_->Allocate(count * size,
                                                        /*zero=*/true);
                            },
                            [](void* pointer, size_t size) -> void* {
                              return current_->Reallocate(pointer, size);
                            },
                            [](void*) {}};
    return &mem;
  }

  class Scope {
   public:
    explicit Scope(NodeArena* arena) : previous_(current_) { current_ = arena; }
    ~Scope() { current_ = previous_; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    NodeArena* previous_;
  };

 private:
  static constexpr size_t kHeader = 16;  // the size, keeping 16-byte alignment
  static constexpr size_t kBlock = 1 << 20;
  static size_t Round(size_t size) { return (size + 15) & ~size_t{15}; }

  static thread_local NodeArena* current_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* next_ = nullptr;
  char* end_ = nullptr;
  char* last_ = nullptr;
};

thread_local NodeArena* NodeArena::current_ = nullptr;

namespace {

// Nodes of a MarkdownDocument: call only inside a NodeArena::Scope.
cmark_node* NewNode(cmark_node_type type) {
  return cmark_node_new_with_mem(type, NodeArena::Mem());
}

cmark_node* NewTableNode(cmark_node_type type) {
  return cmark_node_new_with_mem_and_ext(type, NodeArena::Mem(),
                                         Tables().extension);
}

cmark_node* TextNode(cmark_node* node, const std::string& text) {
  cmark_node_set_literal(node, text.c_str());
  return node;
}

}  // namespace

Inlines& Inlines::Text(absl::string_view text) {
  spans_.push_back({Kind::kText, std::string(text)});
  return *this;
}
Inlines& Inlines::Strong(absl::string_view text) {
  spans_.push_back({Kind::kStrong, std::string(text)});
  return *this;
}
Inlines& Inlines::Emph(absl::string_view text) {
  spans_.push_back({Kind::kEmph, std::string(text)});
  return *this;
}

MarkdownDocument::MarkdownDocument() : arena_(std::make_unique<NodeArena>()) {
  NodeArena::Scope scope(arena_.get());
  root_ = NewNode(CMARK_NODE_DOCUMENT);
}

// Every node is in the arena: nothing to free one by one.
MarkdownDocument::~MarkdownDocument() = default;

void MarkdownDocument::Heading(int level, absl::string_view text) {
  NodeArena::Scope scope(arena_.get());
  cmark_node* heading = NewNode(CMARK_NODE_HEADING);
  cmark_node_set_heading_level(heading, level < 1 ? 1 : level > 6 ? 6 : level);
  std::string line = OneLine(text, /*trim=*/true);
  if (!line.empty()) {
    cmark_node_append_child(heading, TextNode(NewNode(CMARK_NODE_TEXT), line));
  }
  cmark_node_append_child(root_, heading);
}

void MarkdownDocument::Paragraph(const Inlines& inlines) {
  NodeArena::Scope scope(arena_.get());
  cmark_node* paragraph = NewNode(CMARK_NODE_PARAGRAPH);
  if (AppendInlines(paragraph, inlines)) {
    cmark_node_append_child(root_, paragraph);
  } else {
    cmark_node_free(paragraph);
  }
}

void MarkdownDocument::TextBlock(absl::string_view label,
                                 absl::string_view text) {
  bool first = true;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of("\r\n", start);
    if (end == absl::string_view::npos) end = text.size();
    absl::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (OneLine(line, /*trim=*/true).empty()) continue;
    Inlines inlines;
    if (first && !label.empty()) inlines.Strong(label).Text(" ");
    inlines.Text(line);
    Paragraph(inlines);
    first = false;
  }
}

void MarkdownDocument::AppendList(bool ordered,
                                  const std::vector<Inlines>& items) {
  NodeArena::Scope scope(arena_.get());
  const cmark_list_type type = ordered ? CMARK_ORDERED_LIST : CMARK_BULLET_LIST;
  cmark_node* list = NewNode(CMARK_NODE_LIST);
  cmark_node_set_list_type(list, type);
  cmark_node_set_list_tight(list, 1);
  if (type == CMARK_ORDERED_LIST) {
    cmark_node_set_list_start(list, 1);
    cmark_node_set_list_delim(list, CMARK_PERIOD_DELIM);
  }
  bool any = false;
  for (const Inlines& item : items) {
    cmark_node* paragraph = NewNode(CMARK_NODE_PARAGRAPH);
    if (!AppendInlines(paragraph, item)) {
      cmark_node_free(paragraph);
      continue;
    }
    cmark_node* node = NewNode(CMARK_NODE_ITEM);
    cmark_node_append_child(node, paragraph);
    cmark_node_append_child(list, node);
    any = true;
  }
  if (any) {
    cmark_node_append_child(root_, list);
  } else {
    cmark_node_free(list);
  }
}

void MarkdownDocument::BulletList(const std::vector<Inlines>& items) {
  AppendList(/*ordered=*/false, items);
}

void MarkdownDocument::OrderedList(const std::vector<Inlines>& items) {
  AppendList(/*ordered=*/true, items);
}

MarkdownDocument::Table MarkdownDocument::StartTable(
    const std::vector<std::string>& headings) {
  const auto columns = static_cast<uint16_t>(headings.size());
  cmark_node* table;
  {
    NodeArena::Scope scope(arena_.get());
    table = NewTableNode(Tables().table);
    cmark_gfm_extensions_set_table_columns(table, columns);
    // The table keeps the array (no alignment for any column).
    auto* alignments = static_cast<uint8_t*>(
        NodeArena::Mem()->calloc(columns == 0 ? 1 : columns, 1));
    cmark_gfm_extensions_set_table_alignments(table, columns, alignments);
    cmark_node_append_child(root_, table);
  }
  Table out(arena_.get(), table, columns);
  std::vector<Inlines> cells(headings.begin(), headings.end());
  out.AddRow(cells);
  cmark_gfm_extensions_set_table_row_is_header(cmark_node_first_child(table),
                                               1);
  return out;
}

void MarkdownDocument::Table::AddRow(const std::vector<Inlines>& cells) {
  NodeArena::Scope scope(arena_);
  cmark_node* row = NewTableNode(Tables().row);
  for (size_t i = 0; i < columns_; ++i) {
    cmark_node* cell = NewTableNode(Tables().cell);
    if (i < cells.size()) AppendInlines(cell, cells[i]);
    cmark_node_append_child(row, cell);
  }
  cmark_node_append_child(table_, row);
}

// cmark renders into a buffer from the root's allocator: the arena, which
// keeps it until the document goes.
std::string MarkdownDocument::RenderMarkdown() const {
  NodeArena::Scope scope(arena_.get());
  const char* markdown = cmark_render_commonmark(root_, CMARK_OPT_DEFAULT, 0);
  return markdown == nullptr ? "" : markdown;
}

std::string MarkdownDocument::RenderHtml() const {
  NodeArena::Scope scope(arena_.get());
  const char* html = cmark_render_html(root_, CMARK_OPT_DEFAULT, nullptr);
  return html == nullptr ? "" : html;
}

bool MarkdownDocument::AppendInlines(cmark_node* parent,
                                     const Inlines& inlines) {
  // Normalise every span, then trim the ends of the whole line: a leading
  // space would change what the Markdown means.
  using Kind = Inlines::Kind;
  std::vector<std::pair<Kind, std::string>> spans;
  bool space_after = false;  // the last span is emphasis
  for (const Inlines::Span& span : inlines.spans_) {
    const bool text = span.kind == Kind::kText;
    // Emphasis must not start or end with a space to stay emphasis.
    std::string line = OneLine(span.text, /*trim=*/!text);
    if (line.empty()) continue;
    // Nor touch other text: "*a*b" is not emphasis in Markdown, so a space
    // keeps it apart.
    if (text && space_after && line.front() != ' ') line.insert(0, " ");
    if (!text && !spans.empty() && spans.back().second.back() != ' ') {
      if (spans.back().first == Kind::kText) {
        spans.back().second += ' ';
      } else {
        spans.emplace_back(Kind::kText, " ");
      }
    }
    space_after = !text;
    spans.emplace_back(span.kind, std::move(line));
  }
  while (!spans.empty() && spans.front().second.front() == ' ') {
    spans.front().second.erase(0, 1);
    if (spans.front().second.empty()) spans.erase(spans.begin());
  }
  while (!spans.empty() && spans.back().second.back() == ' ') {
    spans.back().second.pop_back();
    if (spans.back().second.empty()) spans.pop_back();
  }
  // Neighbouring plain spans make one text node.
  for (size_t i = 0; i < spans.size(); ++i) {
    const auto& [kind, text] = spans[i];
    if (kind == Kind::kText) {
      std::string joined = text;
      while (i + 1 < spans.size() && spans[i + 1].first == Kind::kText) {
        joined += spans[++i].second;
      }
      cmark_node_append_child(parent,
                              TextNode(NewNode(CMARK_NODE_TEXT), joined));
      continue;
    }
    cmark_node* wrapper =
        NewNode(kind == Kind::kStrong ? CMARK_NODE_STRONG : CMARK_NODE_EMPH);
    cmark_node_append_child(wrapper, TextNode(NewNode(CMARK_NODE_TEXT), text));
    cmark_node_append_child(parent, wrapper);
  }
  return !spans.empty();
}

std::string HtmlEscape(absl::string_view text) {
  // The renderer wants a whole document.
  cmark_node* doc = cmark_node_new(CMARK_NODE_DOCUMENT);
  cmark_node* paragraph = cmark_node_new(CMARK_NODE_PARAGRAPH);
  cmark_node_append_child(doc, paragraph);
  // The literal is a C string: cut at a NUL, as every text node is.
  std::string literal(text.substr(0, text.find('\0')));
  cmark_node_append_child(paragraph,
                          TextNode(cmark_node_new(CMARK_NODE_TEXT), literal));
  std::string html =
      TakeRendered(cmark_render_html(doc, CMARK_OPT_DEFAULT, nullptr));
  cmark_node_free(doc);
  // "<p>" + escaped + "</p>\n"
  constexpr absl::string_view kOpen = "<p>", kClose = "</p>\n";
  absl::string_view view = html;
  if (view.substr(0, kOpen.size()) == kOpen) view.remove_prefix(kOpen.size());
  if (view.size() >= kClose.size() &&
      view.substr(view.size() - kClose.size()) == kClose) {
    view.remove_suffix(kClose.size());
  }
  return std::string(view);
}

std::string MarkdownToHtml(absl::string_view markdown) {
  const TableSupport& tables = Tables();
  cmark_parser* parser = cmark_parser_new(CMARK_OPT_DEFAULT);
  cmark_parser_attach_syntax_extension(parser, tables.extension);
  cmark_parser_feed(parser, markdown.data(), markdown.size());
  cmark_node* doc = cmark_parser_finish(parser);
  std::string html = TakeRendered(cmark_render_html(
      doc, CMARK_OPT_DEFAULT, cmark_parser_get_syntax_extensions(parser)));
  cmark_node_free(doc);
  cmark_parser_free(parser);
  return html;
}

}  // namespace casesync
