#include "common/import/xml_stream.h"

#include <libxml/xmlreader.h>

#include "absl/strings/str_cat.h"

namespace casesync {
namespace {

xmlTextReaderPtr Reader(void* reader) {
  return static_cast<xmlTextReaderPtr>(reader);
}

absl::string_view View(const xmlChar* text) {
  return text == nullptr
             ? absl::string_view()
             : absl::string_view(reinterpret_cast<const char*>(text));
}

}  // namespace

XmlStream::XmlStream(absl::string_view xml, std::string what)
    : reader_(xmlReaderForMemory(xml.data(), static_cast<int>(xml.size()),
                                 nullptr, "UTF-8",
                                 XML_PARSE_NONET | XML_PARSE_NOERROR |
                                     XML_PARSE_NOWARNING | XML_PARSE_COMPACT)),
      what_(std::move(what)) {
  if (reader_ == nullptr || xml.size() > INT32_MAX) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat(what_, " cannot be read as XML"));
  }
}

XmlStream::~XmlStream() {
  if (reader_ != nullptr) xmlFreeTextReader(Reader(reader_));
}

bool XmlStream::Next() {
  if (!status_.ok()) return false;
  const int result = xmlTextReaderRead(Reader(reader_));
  if (result == 1) return true;
  if (result < 0) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat(what_, " is not well-formed XML near line ",
                     xmlTextReaderGetParserLineNumber(Reader(reader_)),
                     "; save the file again from the program that made it"));
  }
  return false;
}

bool XmlStream::IsStart() const {
  return xmlTextReaderNodeType(Reader(reader_)) == XML_READER_TYPE_ELEMENT;
}

bool XmlStream::IsEnd() const {
  return xmlTextReaderNodeType(Reader(reader_)) == XML_READER_TYPE_END_ELEMENT;
}

bool XmlStream::IsText() const {
  const int type = xmlTextReaderNodeType(Reader(reader_));
  return type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
         type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE;
}

bool XmlStream::IsEmptyElement() const {
  return xmlTextReaderIsEmptyElement(Reader(reader_)) == 1;
}

absl::string_view XmlStream::Name() const {
  return View(xmlTextReaderConstLocalName(Reader(reader_)));
}

int XmlStream::Depth() const { return xmlTextReaderDepth(Reader(reader_)); }

absl::string_view XmlStream::Text() const {
  return View(xmlTextReaderConstValue(Reader(reader_)));
}

std::string XmlStream::Attribute(const char* name) const {
  xmlChar* value = xmlTextReaderGetAttribute(
      Reader(reader_), reinterpret_cast<const xmlChar*>(name));
  if (value == nullptr) return "";
  std::string out(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return out;
}

}  // namespace casesync
