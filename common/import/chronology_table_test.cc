#include "common/import/chronology_table.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "casesync/v1/records.pb.h"
#include "common/base/status_macros.h"
#include "common/import/csv_table.h"
#include "common/import/heading_map.h"
#include "common/import/office_table.h"
#include "common/records/field_value.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync {
namespace {

using ::casesync::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(CASESYNC_IMPORT_TESTDATA) + "/" + name,
                   std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

struct Imported {
  std::vector<TableRowError> errors;
  // Each entry as "row: field=value; ...", in the schema's own text.
  std::vector<std::string> entries;
};

[[nodiscard]] absl::StatusOr<Imported> Import(const Table& table) {
  ASSIGN_OR_RETURN(std::vector<ColumnMapping> columns,
                   MapHeadings(table.headings, {}, {}));
  Imported out;
  ASSIGN_OR_RETURN(
      out.errors,
      ImportChronologyTable(
          table, columns, "r1", ChangeLimits(), [&](uint32_t, RecordEdit edit) {
            EXPECT_EQ(edit.record.review_id(), "r1");
            EXPECT_EQ(edit.record.type(), v1::RECORD_TYPE_CHRONOLOGY);
            std::string text;
            for (const FieldEdit& f : edit.fields) {
              const auto* field =
                  v1::ChronologyEntry::descriptor()->FindFieldByNumber(
                      static_cast<int>(f.field));
              absl::StrAppend(&text, text.empty() ? "" : "; ", field->name(),
                              "=", FormatFieldValue(*field, f.value));
            }
            out.entries.push_back(std::move(text));
            return absl::OkStatus();
          }));
  return out;
}

const std::vector<std::string> kPoliceEntries = {
    "date=2024-03-04; time=10:30; source=Niche OCC-2291; "
    "practitioner_role=PC (response); event=Call-out to the family home: DA "
    "incident, Mother's partner arrested; action=DASH completed (high risk); "
    "referral to MARAC; child_seen=yes",
    "date=2024-03-04; time=21:15; source=Niche OCC-2297; "
    "practitioner_role=DS (CAIT); event=Strategy discussion with CSC and "
    "health; action=S47 enquiries agreed",
    "date=2024-04-01; date_uncertain=yes; source=Niche INT-0418; "
    "practitioner_role=Intelligence officer; event=Information that the "
    "partner had returned to the address; action=Shared with MASH; "
    "child_seen=no",
    "date=2023-03-01; date_uncertain=yes; source=Niche HIST-0001; "
    "practitioner_role=Neighbourhood officer; event=Earlier calls to the "
    "address about noise; action=None",
};

TEST(ChronologyTableTest, CsvXlsxAndDocxOfOneChronologyImportAlike) {
  ASSERT_OK_AND_ASSIGN(Table csv,
                       ReadCsvTable(Fixture("police_chronology.csv")));
  ASSERT_OK_AND_ASSIGN(
      Table xlsx,
      ReadXlsxTable(Fixture("police_chronology.xlsx"), ArchiveLimits()));
  ASSERT_OK_AND_ASSIGN(
      Table docx,
      ReadDocxTable(Fixture("police_chronology.docx"), ArchiveLimits()));
  for (const Table* table : {&csv, &xlsx, &docx}) {
    SCOPED_TRACE(table->row_word);
    ASSERT_OK_AND_ASSIGN(Imported imported, Import(*table));
    EXPECT_THAT(imported.errors, IsEmpty());
    EXPECT_EQ(imported.entries, kPoliceEntries);
  }
}

TEST(ChronologyTableTest, AMonthFirstFileIsRefusedNamingTheDecidingRows) {
  ASSERT_OK_AND_ASSIGN(Table table,
                       ReadCsvTable("Date,Source,Event\n"
                                    "03/04/2024,n1,Home visit\n"
                                    "03/14/2024,n2,Strategy meeting\n"
                                    "04/02/2024,n3,Core group\n"));
  EXPECT_THAT(Import(table), StatusIs(absl::StatusCode::kInvalidArgument,
                                      "line 3 '03/14/2024' can only be "
                                      "month/day/year"));
}

TEST(ChronologyTableTest, ATimeInTheDateCellIsKeptUnlessATimeColumnSays) {
  ASSERT_OK_AND_ASSIGN(Table table,
                       ReadCsvTable("Date of contact,Time,Ref,Details\n"
                                    "04/03/2024 10:30,,n1,Home visit\n"
                                    "04/03/2024 10:30,11.00am,n2,Home visit\n"
                                    "04/03/2024,,n3,Home visit\n"));
  ASSERT_OK_AND_ASSIGN(Imported imported, Import(table));
  EXPECT_THAT(imported.errors, IsEmpty());
  EXPECT_THAT(imported.entries,
              ElementsAre("date=2024-03-04; source=n1; event=Home visit; "
                          "time=10:30",
                          "date=2024-03-04; time=11:00; source=n2; "
                          "event=Home visit",
                          "date=2024-03-04; source=n3; event=Home visit"));
}

TEST(ChronologyTableTest, BadCellsNameTheRowAndTheColumn) {
  ASSERT_OK_AND_ASSIGN(Table table,
                       ReadCsvTable("Contact date,Ref,Details,Time,Seen\n"
                                    "31/02/2024,n1,Home visit,,\n"
                                    "01/02/2024,n2,Core group,25:00,\n"
                                    "01/02/2024,n3,Core group,,perhaps\n"
                                    "01/02/2024,,Core group,,\n"
                                    "02/02/2024,n5,Visit,9am,y\n"));
  ASSERT_OK_AND_ASSIGN(Imported imported, Import(table));
  ASSERT_EQ(imported.errors.size(), 4u);
  EXPECT_EQ(imported.errors[0].row, 2u);
  EXPECT_THAT(imported.errors[0].message,
              HasSubstr("column 'Contact date': '31/02/2024' is not a date"));
  EXPECT_EQ(imported.errors[1].row, 3u);
  EXPECT_THAT(imported.errors[1].message,
              HasSubstr("column 'Time': '25:00' is not a time"));
  EXPECT_THAT(imported.errors[2].message,
              HasSubstr("column 'Seen': 'perhaps' is not an answer"));
  EXPECT_EQ(imported.errors[3].message, "field 'source' is required");
  EXPECT_THAT(imported.entries,
              ElementsAre("date=2024-02-02; source=n5; event=Visit; "
                          "time=09:00; child_seen=yes"));
}

}  // namespace
}  // namespace casesync
