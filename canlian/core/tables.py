"""Reading an uploaded table (XLSX or CSV) for every import: registry, organizations, ledgers,
department lists, survey answers, holiday calendars. This is the one reader; nothing else in the
project opens an uploaded spreadsheet.

The whole file is checked first (empty, too large, a renamed text file, an unknown encoding),
with a Chinese message naming the file problem; rows are then each app's business.

An XLSX is a zip of XML parts, and the reader (python-calamine) builds the first sheet as one
dense rectangle from A1 to the last cell that has a value: a 1.6 KB file with values at A1 and
XFD1048576 asks for 17 billion cells (512 GB) and aborts the process (SIGABRT, which no
`except` catches), and a 3 MB file can unpack to a gigabyte of XML (issue 17 §2). So before
calamine sees a file, `_xlsx_check` reads the archive itself:

- the central directory: at most `MAX_PARTS` parts, plain or deflate, not encrypted, the sizes
  it declares within the kind's `max_unpacked_bytes`;
- every part, inflated here in bounded chunks whatever size the directory claims, counted
  against the same budget, its real size and CRC compared with the directory (a lying
  directory is refused as damaged);
- every part calamine could take for a sheet (each `.xml` part, and any part a relationship
  names as a worksheet): the declared `<dimension ref>` and the position of every cell with a
  value, which must stay within the kind's rows and columns. A fast byte scan covers the cells
  that spreadsheet programs write (`<c r="B7" …>`); anything else in a part (cells without a
  position, namespace prefixes, odd attributes) is read exactly with expat instead, which
  follows calamine's own rules for cells without a position.

Only then does calamine read the file, as an .xlsx (never guessing another format), so the
rectangle it builds is at most `max_rows` × `max_columns` cells. CSV rows and columns are
capped the same way while the file is read.
"""

from __future__ import annotations

import csv
import gc
import html
import io
import os
import pyexpat
import re
import struct
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

MB = 1024 * 1024
MAX_BYTES = 20 * MB
XLSX_MAGIC = b"PK\x03\x04"
MAX_PARTS = 10_000  # Excel writes a few dozen parts; a workbook of pictures a few hundred
_CHUNK = 4 * MB  # inflated bytes handed to the scanner at a time
_MAX_CARRY = 1 * MB  # a start tag longer than this is left to the exact reader
_XLSX_COLUMNS = 16_384  # XFD


@dataclass(frozen=True)
class TableLimits:
    """How large a table one kind of import accepts. `label` names the import in messages
    (“超过残疾人信息导入的上限”). Rows count data rows, the header row not included.
    The rectangle calamine may build is at most (max_rows + 1) × max_columns cells of 32 bytes,
    plus a Python object per cell; choose both with that product in mind."""

    label: str = "本次导入"
    max_bytes: int = MAX_BYTES
    max_rows: int = 200_000
    max_columns: int = 64
    max_unpacked_bytes: int = 512 * MB

    @property
    def sheet_rows(self) -> int:
        return self.max_rows + 1  # the header


DEFAULT_LIMITS = TableLimits()


class ImportFileError(Exception):
    """The file as a whole cannot be read; `message` is Chinese and names the file problem."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a large table is read or imported. Reading and
    checking a file allocate millions of short-lived lists and strings while the whole file is
    held, and each full collection walks all of them: it doubled the time csv takes to read a
    700,000-row list (bench/crosscheck.py) and took a fifth of a registry import
    (bench/registry.py). Imports make no reference cycles worth collecting; collection resumes
    afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _blank(row: list[Any]) -> bool:
    # any() settles nearly every row; 0 and False are values, not blanks.
    return not any(row) and all(cell in (None, "") for cell in row)


def read_table(path: Path, *, filename: str = "",
               limits: TableLimits = DEFAULT_LIMITS) -> tuple[list[Any], list[list[Any]]]:
    """Header and data rows of the first sheet (XLSX) or of a CSV (UTF-8 or GBK), within the
    kind's `limits`; ImportFileError (Chinese message) for a file that cannot or may not be
    read."""
    with gc_paused():
        return _read_table(path, filename=filename, limits=limits)


def read_table_content(content: bytes, *, filename: str,
                       limits: TableLimits = DEFAULT_LIMITS,
                       ) -> tuple[list[Any], list[list[Any]]]:
    """`read_table` for an upload already held in memory (a small form upload)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        path.write_bytes(content)
        return read_table(path, filename=filename, limits=limits)


def _read_table(path: Path, *, filename: str,
                limits: TableLimits) -> tuple[list[Any], list[list[Any]]]:
    size = path.stat().st_size
    if size == 0:
        raise ImportFileError("文件是空的。")
    if size > limits.max_bytes:
        raise ImportFileError(
            f"文件超过 {limits.max_bytes // MB} MB，请拆分后分批导入。")
    name = (filename or path.name).lower()
    with path.open("rb") as handle:
        magic = handle.read(4)
    if name.endswith(".csv"):
        rows = _read_csv(path, limits)
    elif name.endswith(".xlsx") or magic == XLSX_MAGIC:
        if magic != XLSX_MAGIC:
            raise ImportFileError(
                "该文件不是有效的 Excel（.xlsx）文件，可能是改了扩展名的其他文件。")
        with path.open("rb") as handle:
            _xlsx_check(handle, limits)
        rows = _read_xlsx(path)
    else:
        raise ImportFileError("只支持 Excel（.xlsx）或 CSV 文件。")
    rows = [r for r in rows if not _blank(r)]  # csv and calamine give each row as a list
    if not rows:
        raise ImportFileError("文件中没有数据。")
    return rows[0], rows[1:]


_DAMAGED = "无法读取该 Excel 文件，文件可能已损坏。"


def _read_xlsx(path: Path) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    # calamine picks its reader by the extension and, without one it knows, tries xls, xlsx,
    # xlsb and ods in turn; the checks above are for xlsx, so it must read the file as nothing
    # else (an upload is often saved as "upload" or ".XLSX").
    with tempfile.TemporaryDirectory() as folder:
        target = path
        if path.suffix != ".xlsx":
            target = Path(folder) / "table.xlsx"
            os.symlink(path.resolve(), target)
        try:
            workbook = CalamineWorkbook.from_path(str(target))
            return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
        except Exception as exc:  # calamine raises several types for damaged files
            raise ImportFileError(_DAMAGED) from exc


def _read_csv(path: Path, limits: TableLimits) -> list[list[Any]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        del raw
        return _csv_rows(text, limits)
    raise ImportFileError("无法识别 CSV 文件的编码，请另存为 UTF-8 编码的 CSV。")


def _too_many_columns(number: int, limits: TableLimits) -> ImportFileError:
    return ImportFileError(
        f"第 {number:,} 行的列数超过{limits.label}最多 {limits.max_columns} 列的上限。"
        "请删除多余的列（包括空白列）后重新导入。")


def _csv_rows(text: str, limits: TableLimits) -> list[list[Any]]:
    # A line of a million commas would become a list of a million cells before any check:
    # refuse a line with far more separators than columns allowed before csv reads it.
    most = max(256, 4 * limits.max_columns)
    wide = re.search(f"(?m)^(?:[^,\\n]*,){{{most}}}", text)
    if wide is not None:
        raise _too_many_columns(text.count("\n", 0, wide.start()) + 1, limits)
    rows: list[list[Any]] = []
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            if _blank(row):
                continue  # dropped before numbering anyway, and never held
            if len(row) > limits.max_columns:
                while row and row[-1] == "":  # "a,b,,,,": a sheet saved with stray columns
                    row.pop()
                if len(row) > limits.max_columns:
                    raise _too_many_columns(reader.line_num, limits)
            rows.append(row)
            if len(rows) > limits.sheet_rows:
                raise ImportFileError(_too_many_rows(limits))
    except csv.Error as exc:
        raise ImportFileError(
            f"第 {reader.line_num:,} 行无法按 CSV 读取（例如某个单元格过长或引号不成对）。"
        ) from exc
    return rows


# ---------------------------------------------------------------- XLSX checks

def _too_many_rows(limits: TableLimits) -> str:
    return (f"表格超过{limits.label}每次最多 {limits.max_rows:,} 行数据的上限，"
            "请拆分后分批导入。")


def _unpacked_too_large(limits: TableLimits) -> ImportFileError:
    return ImportFileError(
        f"该 Excel 文件解压后超过 {limits.max_unpacked_bytes // MB} MB，超过{limits.label}的"
        "上限。请删除不需要的工作表、图片和多余的行列，或拆分后分批导入。")


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _check_cell(row: int, column: int, ref: str, limits: TableLimits) -> None:
    """A cell with a value at 1-based (row, column) must lie inside the kind's rectangle."""
    if row > limits.sheet_rows:
        raise ImportFileError(
            f"表格第 {row:,} 行（单元格 {ref}）还有内容，超过{limits.label}每次最多 "
            f"{limits.max_rows:,} 行数据的上限。请删除多余的行，或拆分后分批导入。")
    if column > limits.max_columns:
        raise ImportFileError(
            f"表格第 {_column_letters(column)} 列（单元格 {ref}）还有内容，超过"
            f"{limits.label}最多 {limits.max_columns} 列（到 "
            f"{_column_letters(limits.max_columns)} 列）的上限。请删除多余的列后重新导入。")


_REF = re.compile(r"([A-Za-z]*)([0-9]+)")


def _check_dimension(ref: str, limits: TableLimits) -> None:
    """The sheet's declared used range (`<dimension ref="A1:XFD1048576">`)."""
    corners = [_REF.fullmatch(part) for part in ref.split(":")]
    if not all(corners):
        return  # calamine refuses a malformed dimension itself
    rows = max(int(c[2]) for c in corners if c)
    columns = max(_column_number(c[1]) for c in corners if c)
    if rows > limits.sheet_rows or columns > limits.max_columns:
        raise ImportFileError(
            f"表格的数据范围 {ref[:40]}（{rows:,} 行、{columns:,} 列）超过{limits.label}的上限："
            f"每次最多 {limits.max_rows:,} 行数据、{limits.max_columns} 列。请删除多余的行和列"
            "（包括只设了格式的空白单元格），或拆分后分批导入。")


def _xlsx_check(handle: IO[bytes], limits: TableLimits) -> None:
    import zipfile

    try:
        archive = zipfile.ZipFile(handle)
        parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportFileError(_DAMAGED) from exc
    if not parts or len(parts) > MAX_PARTS:
        raise ImportFileError(_DAMAGED)
    # Python adds any bytes found before the archive to every offset; calamine's zip reader
    # must see the same parts at the same places, so the first part starts the file.
    if min(info.header_offset for info in parts) != 0:
        raise ImportFileError(_DAMAGED)
    for info in parts:
        if info.flag_bits & 0x1:
            raise ImportFileError("该 Excel 文件设置了打开密码，请取消密码后重新导入。")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ImportFileError(
                "该 Excel 文件使用了不支持的压缩方式，请在 Excel 中另存为 .xlsx 后重新导入。")
    if sum(info.file_size for info in parts) > limits.max_unpacked_bytes:
        raise _unpacked_too_large(limits)
    budget = _Budget(limits)
    sheet_names: set[str] = set()
    for info in parts:
        if info.filename.lower().endswith(".rels"):
            sheet_names |= _sheet_targets(_read_small(handle, info, budget))
    for info in parts:
        name = info.filename.lower()
        if name.endswith(".rels"):
            continue
        if name.endswith(".xml") or _basename(name) in sheet_names:
            if not _scan_fast(_inflate(handle, info, budget), limits):
                budget.used -= info.file_size  # read again, exactly
                _scan_exact(_inflate(handle, info, budget), limits)
        else:
            for _chunk in _inflate(handle, info, budget):
                pass


class _Budget:
    def __init__(self, limits: TableLimits) -> None:
        self.limits = limits
        self.used = 0

    def spend(self, size: int) -> None:
        self.used += size
        if self.used > self.limits.max_unpacked_bytes:
            raise _unpacked_too_large(self.limits)


def _inflate(handle: IO[bytes], info: Any, budget: _Budget) -> Iterator[bytes]:
    """A part's content in chunks of at most _CHUNK bytes, inflated here from its compressed
    bytes whatever size the central directory declares; the real size and CRC must match it."""
    handle.seek(info.header_offset)
    local = handle.read(30)
    if len(local) != 30 or local[:4] != XLSX_MAGIC:
        raise ImportFileError(_DAMAGED)
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    handle.seek(info.header_offset + 30 + name_length + extra_length)
    inflater = zlib.decompressobj(-15) if info.compress_type == 8 else None
    left, size, crc = info.compress_size, 0, 0
    while left > 0 and not (inflater and inflater.eof):
        pending = handle.read(min(left, _CHUNK))
        if not pending:
            raise ImportFileError(_DAMAGED)
        left -= len(pending)
        while pending:
            try:
                out = inflater.decompress(pending, _CHUNK) if inflater else pending
            except zlib.error as exc:
                raise ImportFileError(_DAMAGED) from exc
            pending = inflater.unconsumed_tail if inflater else b""
            if out:
                size += len(out)
                budget.spend(len(out))
                crc = zlib.crc32(out, crc)
                yield out
            if inflater and inflater.eof:
                break
    if inflater:
        rest = inflater.flush()
        if rest:
            size += len(rest)
            budget.spend(len(rest))
            crc = zlib.crc32(rest, crc)
            yield rest
        if not inflater.eof:
            raise ImportFileError(_DAMAGED)
    if size != info.file_size or crc != info.CRC:
        raise ImportFileError(_DAMAGED)


def _read_small(handle: IO[bytes], info: Any, budget: _Budget) -> bytes:
    """A relationships part: a few hundred bytes in any real workbook."""
    if info.file_size > _MAX_CARRY:
        raise ImportFileError(_DAMAGED)
    content = b""
    for chunk in _inflate(handle, info, budget):
        content += chunk
        if len(content) > _MAX_CARRY:
            raise ImportFileError(_DAMAGED)
    return content


def _basename(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1].lower()


_TAG = re.compile(rb"<[^<>]*>")
_ATTRIBUTE = re.compile(rb"""(?:^|\s)(?:[^\s=]*:)?(Type|Target)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SHEET_TYPES = ("/worksheet", "/chartsheet", "/dialogsheet")


def _sheet_targets(relations: bytes) -> set[str]:
    """Lower-case file names of the parts a relationships part names as sheets. Read from the
    raw bytes, entities both kept and resolved, so no spelling hides a sheet from the checks."""
    names: set[str] = set()
    for tag in _TAG.findall(relations):
        types: list[str] = []
        targets: list[str] = []
        for key, double, single in _ATTRIBUTE.findall(tag):
            value = (double or single).decode("utf-8", "replace")
            (types if key == b"Type" else targets).append(value)
        if any(t.endswith(_SHEET_TYPES) or html.unescape(t).endswith(_SHEET_TYPES)
               or "&" in t or "%" in t for t in types):
            for target in targets:
                names |= {_basename(target), _basename(html.unescape(target))}
    return names


# The fast scan. A start tag of a cell is `<c` or `<prefix:c` followed by XML whitespace, `/`
# or `>`. Spreadsheet programs write `<c r="B7" s="1" t="s">`: the position first, in double
# quotes. The scan looks for anything else: a cell tag not in that form or placed outside the
# limits (`_UNUSUAL`), a prefixed cell tag, and an `r` attribute anywhere but first in `<c` or
# `<row` (calamine takes the last of two). A cell outside the limits that can hold a value
# (not `<c …/>`) is refused at once; anything else unusual sends the part to the exact reader.
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_OTHER_R = re.compile(rb"""r(?<=[\s"']r)(?<!<c r)(?<!<row r)\s*=""")
_PLACED = re.compile(
    rb"""<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?=(?:[^<>"']|"[^"<]*"|'[^'<]*')*(?<!/)>)""")
_DIMENSION = re.compile(
    rb"""<(?:[^\s/>:]*:)?dimension\s(?:[^>]*?\s)?ref\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"


def _at_most(text: str, alphabet: str, *, first: str) -> str:
    """A regex for the strings of `alphabet` (`first` for the leading character, both in
    ascending order) that are at most `text`: shorter, or as long and not greater."""
    options = [text]
    if len(text) > 1:
        options.append(f"[{first}][{alphabet}]{{0,{len(text) - 2}}}")
    for index, char in enumerate(text):
        letters = first if index == 0 else alphabet
        lower = letters[:letters.index(char)]
        if lower:
            options.append(f"{text[:index]}[{lower}][{alphabet}]{{{len(text) - index - 1}}}")
    return "(?:" + "|".join(options) + ")"


_SCANNERS: dict[tuple[int, int], re.Pattern[bytes]] = {}


def _unusual(limits: TableLimits) -> re.Pattern[bytes]:
    key = (limits.sheet_rows, limits.max_columns)
    if key not in _SCANNERS:
        columns = _at_most(_column_letters(limits.max_columns), _LETTERS, first=_LETTERS)
        rows = _at_most(str(limits.sheet_rows), _DIGITS, first=_DIGITS[1:])
        _SCANNERS[key] = re.compile(
            f'<c(?! r="{columns}{rows}"[\\s/>])[\\s/>]'.encode())
    return _SCANNERS[key]


def _scan_fast(chunks: Iterable[bytes], limits: TableLimits) -> bool:
    """Check a part's cells by a byte scan; False when the exact reader must read it."""
    unusual = _unusual(limits)
    carry = b""
    chunks = iter(chunks)
    while True:
        chunk = next(chunks, None)
        buffer = carry + chunk if chunk is not None else carry
        # Tags are whole up to the last "<" (a cell tag's name and attributes hold none);
        # from there on the text waits for the next chunk.
        last = buffer.rfind(b"<")
        cut = len(buffer) if chunk is None or last < 0 else last
        if b"dimension" in buffer:
            for double, single in _DIMENSION.findall(buffer):
                _check_dimension((double or single).decode("ascii", "replace"), limits)
        odd = False
        found = unusual.search(buffer, 0, cut)
        if found is not None:
            placed = _PLACED.match(buffer, found.start())
            if placed is None:
                odd = True  # not the usual form, or an empty cell (`<c …/>`) far out
            else:
                column, row = placed[1].decode(), placed[2].decode()
                _check_cell(int(row), _column_number(column), column + row, limits)
                odd = True  # within limits after all: a form the patterns do not cover
        if odd or _PREFIXED_CELL.search(buffer, 0, cut) or _OTHER_R.search(buffer, 0, cut):
            for _rest in chunks:  # the directory's size and CRC are still checked
                pass
            return False
        if chunk is None:
            return True
        carry = buffer[cut:]
        if len(carry) > _MAX_CARRY:
            for _rest in chunks:
                pass
            return False


def _local(name: str) -> str:
    return name.split(":", 1)[1] if ":" in name else name  # as quick-xml: after the first ':'


def _position(value: str, *, needs_column: bool) -> tuple[int, int]:
    match = _REF.fullmatch(value)
    if match is None or int(match[2]) == 0 or (needs_column and not match[1]):
        raise ImportFileError(f"{_DAMAGED}（无法识别单元格位置 {value[:20]}）")
    return int(match[2]), _column_number(match[1])


def _scan_exact(chunks: Iterable[bytes], limits: TableLimits) -> None:
    """Read a part with expat, placing cells as calamine does: a cell's `r` when it has one,
    otherwise the row's position (its `r`, or one after the previous row) and one column after
    the previous cell. A cell counts when it has any child (a value, a formula, a string)."""
    parser = pyexpat.ParserCreate()
    parser.ordered_attributes = True
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    state = {"row": 1, "column": 1, "cell": None, "filled": False}

    def refuse_doctype(*args: Any) -> None:
        raise ImportFileError(_DAMAGED)

    def start(name: str, attributes: list[str]) -> None:
        local = _local(name)
        if state["cell"] is not None:
            state["filled"] = True  # anything inside a cell is read as its value
            return
        values = dict(zip(attributes[::2], attributes[1::2], strict=True))
        if local == "row" and "r" in values:
            state["row"] = max(state["row"], _position(values["r"], needs_column=False)[0])
        elif local == "c":
            if "r" in values:
                row, column = _position(values["r"], needs_column=True)
                state["column"] = column
            else:
                row, column = state["row"], state["column"]
            state["cell"], state["filled"] = (row, column, values.get("r", "")), False
        elif local == "dimension" and "ref" in values:
            _check_dimension(values["ref"], limits)

    def end(name: str) -> None:
        local = _local(name)
        if local == "c" and state["cell"] is not None:
            row, column, ref = state["cell"]
            if state["filled"]:
                _check_cell(row, column, ref or _column_letters(column) + str(row), limits)
            state["cell"] = None
            state["column"] = column + 1
        elif local == "row" and state["cell"] is None:
            state["row"] += 1
            state["column"] = 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except pyexpat.ExpatError as exc:
        raise ImportFileError(_DAMAGED) from exc
