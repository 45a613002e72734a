#!/usr/bin/env bash
# Makes the import tests' fixtures with real tools from Debian: the XLSX with
# python3-openpyxl (dates as Excel date cells, as agencies' systems export
# them), the DOCX with pandoc (a Word table, as partnerships' chronology
# templates hold), the CSV by hand. All three hold the same police
# chronology. Run from this folder: ./make_fixtures.sh; commit the results.
set -euo pipefail
cd "$(dirname "$0")"

cat > police_chronology.csv <<'CSV'
Date,Time,Source of information,Practitioner,Event / contact,Action taken,Child seen?
04/03/2024,10.30am,Niche OCC-2291,PC (response),"Call-out to the family home: DA incident, Mother's partner arrested",DASH completed (high risk); referral to MARAC,Y
4th March 2024,9:15 pm,Niche OCC-2297,DS (CAIT),Strategy discussion with CSC and health,S47 enquiries agreed,N/A
?/04/2024,,Niche INT-0418,Intelligence officer,Information that the partner had returned to the address,Shared with MASH,N
Spring 2023,,Niche HIST-0001,Neighbourhood officer,Earlier calls to the address about noise,None,not recorded
CSV

/usr/bin/python3 - <<'PY'
import datetime
import openpyxl

wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Chronology"
ws.append(["Date", "Time", "Source of information", "Practitioner",
           "Event / contact", "Action taken", "Child seen?"])
rows = [
    (datetime.date(2024, 3, 4), datetime.time(10, 30), "Niche OCC-2291",
     "PC (response)",
     "Call-out to the family home: DA incident, Mother's partner arrested",
     "DASH completed (high risk); referral to MARAC", "Y"),
    # A date typed as text, as people do in spreadsheets.
    ("4th March 2024", "9:15 pm", "Niche OCC-2297", "DS (CAIT)",
     "Strategy discussion with CSC and health", "S47 enquiries agreed", "N/A"),
    ("?/04/2024", None, "Niche INT-0418", "Intelligence officer",
     "Information that the partner had returned to the address",
     "Shared with MASH", "N"),
    ("Spring 2023", None, "Niche HIST-0001", "Neighbourhood officer",
     "Earlier calls to the address about noise", "None", "not recorded"),
]
for row in rows:
    ws.append(list(row))
ws["A2"].number_format = "DD/MM/YYYY"
ws["B2"].number_format = "hh:mm"
wb.save("police_chronology.xlsx")
PY

cat > police_chronology.md <<'MD'
Chronology template: police contribution

| Date | Time | Source of information | Practitioner | Event / contact | Action taken | Child seen? |
|---|---|---|---|---|---|---|
| 04/03/2024 | 10.30am | Niche OCC-2291 | PC (response) | Call-out to the family home: DA incident, Mother's partner arrested | DASH completed (high risk); referral to MARAC | Y |
| 4th March 2024 | 9:15 pm | Niche OCC-2297 | DS (CAIT) | Strategy discussion with CSC and health | S47 enquiries agreed | N/A |
| ?/04/2024 | | Niche INT-0418 | Intelligence officer | Information that the partner had returned to the address | Shared with MASH | N |
| Spring 2023 | | Niche HIST-0001 | Neighbourhood officer | Earlier calls to the address about noise | None | not recorded |
MD
pandoc -f markdown-smart police_chronology.md -o police_chronology.docx
rm police_chronology.md

printf 'Chronology\n\nThe police contribution is in the attached spreadsheet.\n' |
  pandoc -f markdown -o no_table.docx
