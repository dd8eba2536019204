"""The one guarded table reader (issue 17 §2): a crafted XLSX or CSV is refused with a clear
message before the reader can allocate the sheet's rectangle or inflate it without bound.

The risky reads run in a subprocess with a 3 GB address-space limit, so a regression makes
that subprocess abort (and the test fail) instead of killing pytest.
"""

from __future__ import annotations

import json
import re
import resource
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from canlian.core.tables import ImportFileError, TableLimits, read_table

ROOT = Path(__file__).resolve().parents[3]

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>')
_PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>')
HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>身份证号</t></is></c></row>'


def write_xlsx(path: Path, sheet_data: str | bytes, *, dimension: str = "A1") -> Path:
    """A minimal workbook whose first sheet holds `sheet_data` (the inside of <sheetData>)."""
    data = sheet_data.encode() if isinstance(sheet_data, str) else sheet_data
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
             b'openxmlformats.org/spreadsheetml/2006/main"><dimension ref="'
             + dimension.encode() + b'"/><sheetData>' + data + b"</sheetData></worksheet>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def corner_bomb(path: Path, *, dimension: str) -> Path:
    """The probe's 1.6 KB file: values at A1 and XFD1048576, 17 billion cells between."""
    return write_xlsx(path, HEADER_ROW + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
                      dimension=dimension)


KINDS = {
    "registry": "from canlian.registry.importing import TABLE_LIMITS",
    "crosscheck": "from canlian.crosscheck.jobs import LIST_LIMITS as TABLE_LIMITS",
    "survey": "from canlian.crosscheck.survey_views import SURVEY_LIMITS as TABLE_LIMITS",
    "organizations": "from canlian.organizations.importing import TABLE_LIMITS",
    "ledger": "from canlian.benefits.ledger import TABLE_LIMITS",
    "calendar": "from canlian.core.workdays import CALENDAR_LIMITS as TABLE_LIMITS",
}


def read_in_subprocess(path: Path, kinds: list[str] | None = None, *,
                       limits: str = "", filename: str = "upload.xlsx") -> dict[str, object]:
    """read_table in a child process capped at 3 GB of address space and 120 s, with the limits
    of each import kind in `kinds` (or `limits`, a TableLimits expression): per kind what it
    answered. A reader that aborts fails the test, not pytest."""
    if kinds:
        setup = "import django\ndjango.setup()\n" + "".join(
            f"{KINDS[kind]}\nLIMITS[{kind!r}] = TABLE_LIMITS\n" for kind in kinds)
    else:
        setup = f"LIMITS['limits'] = {limits}\n"
    script = f"""
import json, sys
from pathlib import Path
from canlian.core.tables import ImportFileError, TableLimits, read_table
LIMITS = {{}}
{setup}
answers = {{}}
for kind, limits in LIMITS.items():
    try:
        header, rows = read_table(Path(sys.argv[1]), filename=sys.argv[2], limits=limits)
        answers[kind] = {{"rows": len(rows)}}
    except ImportFileError as exc:
        answers[kind] = {{"refused": exc.message}}
print(json.dumps(answers, ensure_ascii=False))
"""

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    done = subprocess.run(
        [sys.executable, "-c", script, str(path), filename], cwd=ROOT, capture_output=True,
        text=True, timeout=120, preexec_fn=cap_memory,
        env={"DJANGO_SETTINGS_MODULE": "canlian.settings_test", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, f"reader died ({done.returncode}): {done.stderr[-2000:]}"
    answers: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answers if kinds else answers["limits"]  # type: ignore[return-value]


def refusal(path: Path, limits: str, filename: str = "upload.xlsx") -> str:
    answer = read_in_subprocess(path, limits=limits, filename=filename)
    assert "refused" in answer, answer
    return str(answer["refused"])


def test_xlsx_with_values_at_a1_and_xfd1048576_is_refused_by_every_import(
        tmp_path: Path) -> None:
    bomb = corner_bomb(tmp_path / "bomb.xlsx", dimension="A1:XFD1048576")
    assert bomb.stat().st_size < 2000  # the probe's file was 1.6 KB
    answers = read_in_subprocess(bomb, list(KINDS))
    for kind, answer in answers.items():
        message = str(answer["refused"])  # type: ignore[index]
        assert "A1:XFD1048576（1,048,576 行、16,384 列）" in message, kind
        assert "上限" in message and "或拆分后分批导入" in message, kind


def test_sheet_declaring_a_small_range_is_refused_by_where_its_cells_are(
        tmp_path: Path) -> None:
    bomb = corner_bomb(tmp_path / "bomb.xlsx", dimension="A1")
    assert refusal(bomb, "TableLimits(label='残疾人信息导入')") == (
        "表格第 1,048,576 行（单元格 XFD1048576）还有内容，超过残疾人信息导入每次最多 "
        "200,000 行数据的上限。请删除多余的行，或拆分后分批导入。")


def test_cells_without_positions_are_placed_as_the_reader_places_them(tmp_path: Path) -> None:
    # 16,384 cells in a row without `r`, then a last row: calamine would span A1:XFD1048576.
    row = "<row>" + "<c><v>1</v></c>" * 16_384 + "</row>"
    bomb = write_xlsx(tmp_path / "bomb.xlsx", row + '<row r="1048576"><c><v>1</v></c></row>')
    assert "第 AG 列（单元格 AG1）还有内容，超过本次导入最多 32 列（到 AF 列）" in refusal(
        bomb, "TableLimits(max_columns=32)")


def test_million_row_xml_bomb_is_refused_at_the_row_limit(tmp_path: Path) -> None:
    # 1,000,000 rows compress to a few dozen KB and inflate to 26 MB of XML.
    rows = b"<row><c><v>1</v></c></row>" * 1_000_000
    bomb = write_xlsx(tmp_path / "rows.xlsx", HEADER_ROW.encode() + rows)
    assert bomb.stat().st_size < 200_000
    assert refusal(bomb, "TableLimits()").startswith(
        "表格第 200,002 行（单元格 A200002）还有内容，超过本次导入每次最多 200,000 行数据")


def test_rows_with_positions_are_refused_by_the_byte_scan(tmp_path: Path) -> None:
    rows = "".join(f'<row r="{n}"><c r="A{n}" s="1"><v>1</v></c></row>' for n in range(2, 3000))
    bomb = write_xlsx(tmp_path / "rows.xlsx", HEADER_ROW + rows)
    assert "第 2,002 行（单元格 A2002）" in refusal(bomb, "TableLimits(max_rows=2000)")


def test_xml_larger_than_the_kind_allows_is_refused_before_it_is_read(tmp_path: Path) -> None:
    # 40 MB of one inline string compresses to about 40 KB.
    bomb = write_xlsx(tmp_path / "text.xlsx",
                      HEADER_ROW.encode() + b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
                      + b"x" * (40 << 20) + b"</t></is></c></row>")
    assert bomb.stat().st_size < 200_000
    assert "解压后超过 16 MB" in refusal(bomb, "TableLimits(max_unpacked_bytes=16 << 20)")


def test_central_directory_understating_a_part_is_refused(tmp_path: Path) -> None:
    # The directory claims 100 bytes; the part inflates to 60 KB. Read by the directory, the
    # check would see 100 bytes while calamine inflated the whole stream.
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(2, 2000))
    path = write_xlsx(tmp_path / "lying.xlsx", HEADER_ROW + rows)
    raw = bytearray(path.read_bytes())
    sheet_entry = raw.rfind(b"PK\x01\x02")  # the sheet is the last part written
    struct.pack_into("<I", raw, sheet_entry + 24, 100)  # "uncompressed size: 100 bytes"
    path.write_bytes(bytes(raw))
    assert refusal(path, "TableLimits()") == "无法读取该 Excel 文件，文件可能已损坏。"


def test_second_position_attribute_is_not_overlooked(tmp_path: Path) -> None:
    # calamine reads the last of two `r` attributes; the scan must not trust the first.
    path = write_xlsx(tmp_path / "twice.xlsx", HEADER_ROW
                      + '<row r="2"><c r="A2" t="n"r="XFD1048576"><v>1</v></c></row>')
    assert refusal(path, "TableLimits()") == "无法读取该 Excel 文件，文件可能已损坏。"


def test_cells_behind_a_namespace_prefix_or_a_comment_are_checked(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "prefix.xlsx", HEADER_ROW
                      + '<row r="9"><x:c r="A9" xmlns:x="urn:x"><v>1</v></x:c>'
                      + '<x:c r="BZ9" xmlns:x="urn:x"><v>1</v></x:c></row>')
    assert "第 BZ 列" in refusal(path, "TableLimits()")
    path = write_xlsx(tmp_path / "comment.xlsx", HEADER_ROW + '<!-- <row r="1"> -->'
                      + '<row><c><v>1</v></c><c r="ZZ2"><v>1</v></c></row>')
    assert "第 ZZ 列" in refusal(path, "TableLimits()")


def test_a_renamed_ods_is_not_read_as_another_format(tmp_path: Path) -> None:
    # Without a known extension calamine tries xls, xlsx, xlsb, then ods; the check is for xlsx.
    path = tmp_path / "upload"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", '<office:document-content><table:table-cell '
                         'table:number-columns-repeated="16384"/></office:document-content>')
    assert refusal(path, "TableLimits()", filename="upload") == (
        "无法读取该 Excel 文件，文件可能已损坏。")


def test_formatted_empty_cells_far_out_do_not_refuse_a_sheet(tmp_path: Path) -> None:
    # Excel writes a formatted but empty cell as <c r="…" s="1"/>: no value, no rectangle.
    path = write_xlsx(tmp_path / "formatted.xlsx", HEADER_ROW
                      + '<row r="2"><c r="A2"><v>5</v></c></row>'
                      + '<row r="900000"><c r="ZZ900000" s="1"/></row>')
    header, rows = read_table(path, limits=TableLimits(max_rows=10, max_columns=5))
    assert header == ["身份证号"] and rows == [[5.0]]


def test_ordinary_workbook_reads_within_limits(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "ok.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "身份证号", "金额"])
    for n in range(1, 101):
        sheet.write_row(n, 0, [f"张{n}", f"5201{n:014d}", n * 1.5])
    workbook.close()
    header, rows = read_table(path, filename="台账.XLSX",
                              limits=TableLimits(max_rows=100, max_columns=3))
    assert header == ["姓名", "身份证号", "金额"] and len(rows) == 100
    assert rows[-1] == ["张100", "520100000000000100", 150.0]
    with pytest.raises(ImportFileError, match="每次最多 99 行数据"):
        read_table(path, limits=TableLimits(max_rows=99, max_columns=3))
    with pytest.raises(ImportFileError, match=r"数据范围 A1:C101（101 行、3 列）.*2 列"):
        read_table(path, limits=TableLimits(max_rows=100, max_columns=2))


def test_csv_rows_and_columns_are_capped(tmp_path: Path) -> None:
    limits = TableLimits(label="测试导入", max_rows=3, max_columns=4)
    path = tmp_path / "list.csv"
    path.write_text("姓名,身份证号\n" + "甲,1\n" * 4, encoding="utf-8")
    with pytest.raises(ImportFileError, match="超过测试导入每次最多 3 行数据"):
        read_table(path, limits=limits)
    path.write_text("姓名,身份证号\n甲,1\n乙,2" + "," * 5000 + "x\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="第 3 行的列数超过测试导入最多 4 列"):
        read_table(path, limits=limits)
    path.write_text("姓名,身份证号\n甲,1" + "," * 10 + "\n", encoding="utf-8")  # trailing blanks
    assert read_table(path, limits=limits) == (["姓名", "身份证号"], [["甲", "1"]])
    path.write_text('姓名,身份证号\n"' + "x" * 200_000 + '",1\n', encoding="utf-8")
    with pytest.raises(ImportFileError, match="第 2 行无法按 CSV 读取"):
        read_table(path, limits=limits)


def test_no_import_reads_a_spreadsheet_but_through_core_tables() -> None:
    """Every upload goes through the guarded reader: nothing else opens a workbook or parses
    CSV rows. (core/regions.py reads the operator's region file given to load_regions.)"""
    allowed = {"canlian/core/tables.py", "canlian/core/regions.py"}
    direct = re.compile(r"python_calamine|CalamineWorkbook|load_workbook|csv\.(reader|DictReader)")
    offenders = [
        str(path.relative_to(ROOT)) for path in (ROOT / "canlian").rglob("*.py")
        if "tests" not in path.parts and str(path.relative_to(ROOT)) not in allowed
        and direct.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
