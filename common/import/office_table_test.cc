#include "common/import/office_table.h"

#include <zip.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::casesync::testing::StatusIs;
using ::testing::ElementsAre;

// Fixtures made by openpyxl and pandoc (testdata/make_fixtures.sh).
std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(CASESYNC_IMPORT_TESTDATA) + "/" + name,
                   std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  EXPECT_FALSE(bytes.str().empty()) << name;
  return bytes.str();
}

const std::vector<std::string> kPoliceHeadings = {"Date",
                                                  "Time",
                                                  "Source of information",
                                                  "Practitioner",
                                                  "Event / contact",
                                                  "Action taken",
                                                  "Child seen?"};

TEST(XlsxTableTest, ReadsTheFirstSheetWithDateCellsAsDates) {
  ASSERT_OK_AND_ASSIGN(
      Table table,
      ReadXlsxTable(Fixture("police_chronology.xlsx"), ArchiveLimits()));
  EXPECT_EQ(table.headings, kPoliceHeadings);
  EXPECT_EQ(table.heading_row, 1u);
  ASSERT_EQ(table.rows.size(), 4u);
  EXPECT_EQ(table.rows[0].number, 2u);
  EXPECT_THAT(
      table.rows[0].cells,
      ElementsAre("2024-03-04", "10:30", "Niche OCC-2291", "PC (response)",
                  "Call-out to the family home: DA incident, Mother's "
                  "partner arrested",
                  "DASH completed (high risk); referral to MARAC", "Y"));
  EXPECT_THAT(
      table.rows[2].cells,
      ElementsAre("?/04/2024", "", "Niche INT-0418", "Intelligence officer",
                  "Information that the partner had returned to the "
                  "address",
                  "Shared with MASH", "N"));
  EXPECT_EQ(table.row_word, "row");
}

TEST(DocxTableTest, ReadsTheFirstTable) {
  ASSERT_OK_AND_ASSIGN(
      Table table,
      ReadDocxTable(Fixture("police_chronology.docx"), ArchiveLimits()));
  EXPECT_EQ(table.headings, kPoliceHeadings);
  ASSERT_EQ(table.rows.size(), 4u);
  EXPECT_EQ(table.rows[1].number, 3u);
  EXPECT_THAT(
      table.rows[1].cells,
      ElementsAre("4th March 2024", "9:15 pm", "Niche OCC-2297", "DS (CAIT)",
                  "Strategy discussion with CSC and health",
                  "S47 enquiries agreed", "N/A"));
  EXPECT_EQ(table.row_word, "table row");
}

TEST(DocxTableTest, ADocumentWithNoTableIsRefused) {
  EXPECT_THAT(ReadDocxTable(Fixture("no_table.docx"), ArchiveLimits()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "the DOCX file has no table"));
}

TEST(OfficeTableTest, CorruptFilesAreRefusedClearly) {
  std::string xlsx = Fixture("police_chronology.xlsx");
  EXPECT_THAT(ReadXlsxTable("Date,Source\n", ArchiveLimits()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "the file is not a readable XLSX file"));
  // Cut short, as a broken download is.
  EXPECT_THAT(ReadXlsxTable(xlsx.substr(0, xlsx.size() / 2), ArchiveLimits()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Bytes flipped in the middle of the compressed parts.
  std::string flipped = xlsx;
  for (size_t i = flipped.size() / 10; i < flipped.size() * 9 / 10; i += 7)
    flipped[i] ^= 0x5a;
  EXPECT_THAT(ReadXlsxTable(flipped, ArchiveLimits()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A DOCX is no workbook.
  EXPECT_THAT(
      ReadXlsxTable(Fixture("police_chronology.docx"), ArchiveLimits()),
      StatusIs(absl::StatusCode::kInvalidArgument, "not an XLSX workbook"));
}

// A ZIP archive of `parts` (name, content), made with libzip.
std::string ZipOf(
    const std::vector<std::pair<std::string, std::string>>& parts) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* out = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_source_keep(out);
  zip_t* archive = zip_open_from_source(out, ZIP_TRUNCATE, &error);
  for (const auto& [name, content] : parts) {
    zip_source_t* part =
        zip_source_buffer(archive, content.data(), content.size(), 0);
    zip_file_add(archive, name.c_str(), part, ZIP_FL_ENC_UTF_8);
  }
  zip_close(archive);
  zip_source_open(out);
  zip_source_seek(out, 0, SEEK_END);
  const zip_int64_t length = zip_source_tell(out);
  zip_source_seek(out, 0, SEEK_SET);
  std::string bytes(static_cast<size_t>(length), '\0');
  zip_source_read(out, bytes.data(), static_cast<zip_uint64_t>(length));
  zip_source_close(out);
  zip_source_free(out);
  return bytes;
}

std::string ZipOfZeros(size_t size, int entries) {
  std::vector<std::pair<std::string, std::string>> parts;
  for (int i = 0; i < entries; ++i) {
    parts.emplace_back("xl/part" + std::to_string(i) + ".xml",
                       std::string(size, '\0'));
  }
  return ZipOf(parts);
}

// The smallest workbook around `sheet_data` (the rows of a sheet's XML).
std::string Workbook(const std::string& sheet_data, bool date1904 = false) {
  const std::string ns =
      "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
      "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/"
      "relationships\"";
  return ZipOf({
      {"xl/workbook.xml",
       "<workbook " + ns + ">" +
           (date1904 ? "<workbookPr date1904=\"1\"/>" : "") +
           "<sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/>"
           "</sheets></workbook>"},
      {"xl/_rels/workbook.xml.rels",
       "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/"
       "2006/relationships\"><Relationship Id=\"rId1\" "
       "Target=\"worksheets/s.xml\"/></Relationships>"},
      {"xl/styles.xml",
       "<styleSheet " + ns +
           "><numFmts><numFmt numFmtId=\"164\" "
           "formatCode=\"d&quot;/&quot;mmm&quot;/&quot;yy\"/></numFmts>"
           "<cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"164\"/>"
           "<xf numFmtId=\"20\"/><xf numFmtId=\"0\"/></cellXfs></styleSheet>"},
      {"xl/worksheets/s.xml", "<worksheet " + ns + "><sheetData>" + sheet_data +
                                  "</sheetData></worksheet>"},
  });
}

TEST(XlsxTableTest, InlineStringsGapsFormatsAndThe1904Calendar) {
  const std::string rows =
      "<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>Date</t></is></c>"
      "<c r=\"C3\" t=\"inlineStr\"><is><t>Time</t></is></c>"
      "<c r=\"D3\" t=\"inlineStr\"><is><t>Flag</t></is></c></row>"
      "<row r=\"5\"><c r=\"A5\" s=\"1\"><v>45355</v></c>"
      "<c r=\"C5\" s=\"2\"><v>0.4375</v></c><c r=\"D5\" t=\"b\"><v>1</v>"
      "</c></row>";
  ASSERT_OK_AND_ASSIGN(Table table,
                       ReadXlsxTable(Workbook(rows), ArchiveLimits()));
  EXPECT_THAT(table.headings, ElementsAre("Date", "", "Time", "Flag"));
  EXPECT_EQ(table.heading_row, 3u);
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_EQ(table.rows[0].number, 5u);
  EXPECT_THAT(table.rows[0].cells,
              ElementsAre("2024-03-04", "", "10:30", "TRUE"));
  ASSERT_OK_AND_ASSIGN(table,
                       ReadXlsxTable(Workbook(rows, true), ArchiveLimits()));
  EXPECT_EQ(table.rows[0].cells[0], "2028-03-05");
}

TEST(XlsxTableTest, ACellFarToTheRightIsRefused) {
  EXPECT_THAT(
      ReadXlsxTable(Workbook("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is>"
                             "<t>Date</t></is></c><c r=\"XFD1\"><v>1</v></c>"
                             "</row>"),
                    ArchiveLimits()),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "row 1: a cell past column 256"));
}

TEST(OfficeTableTest, DecompressionBombsAreRefusedBeforeInflating) {
  // 16 MiB of zeros squeezes to about 16 KiB: a ratio near 1000.
  const std::string bomb = ZipOfZeros(16 << 20, 1);
  EXPECT_LT(bomb.size(), 1u << 20);
  EXPECT_THAT(
      ReadXlsxTable(bomb, ArchiveLimits()),
      StatusIs(absl::StatusCode::kInvalidArgument, "refused before reading"));
  ArchiveLimits small;
  small.max_total_bytes = 1000;
  EXPECT_THAT(ReadXlsxTable(ZipOfZeros(600, 2), small),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "inflates to more than 1000 bytes"));
  small = ArchiveLimits();
  small.max_entries = 3;
  EXPECT_THAT(
      ReadDocxTable(ZipOfZeros(10, 4), small),
      StatusIs(absl::StatusCode::kInvalidArgument, "lists 4 parts; at most 3"));
}

}  // namespace
}  // namespace casesync
