// Walking an XML part of an Office file start to end without holding its
// tree (libxml2's xmlTextReader): a 50,000-row sheet is read in one pass.
// No network access, no external entities, no DTD loading.
//
// Thread-safety: an XmlStream is used by one thread at a time.
#ifndef CASESYNC_COMMON_IMPORT_XML_STREAM_H_
#define CASESYNC_COMMON_IMPORT_XML_STREAM_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace casesync {

class XmlStream {
 public:
  // Reads `xml`, which must outlive the stream; `what` names the part in
  // messages ("the sheet of an XLSX file").
  XmlStream(absl::string_view xml, std::string what);
  ~XmlStream();
  XmlStream(const XmlStream&) = delete;
  XmlStream& operator=(const XmlStream&) = delete;

  // Moves to the next node. False at the end or on an error (then status()
  // says which: INVALID_ARGUMENT naming the part and the line).
  bool Next();
  const absl::Status& status() const { return status_; }

  // Of the current node: an element's start, an element's end, or its text
  // (including significant white space).
  bool IsStart() const;
  bool IsEnd() const;
  bool IsText() const;
  bool IsEmptyElement() const;
  // The element's name without its namespace prefix ("c", "tbl").
  absl::string_view Name() const;
  int Depth() const;
  // The text of a text node.
  absl::string_view Text() const;
  // The value of attribute `name` (as written, prefix included: "r:id"), or
  // empty.
  std::string Attribute(const char* name) const;

 private:
  void* reader_;
  std::string what_;
  absl::Status status_;
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_IMPORT_XML_STREAM_H_
