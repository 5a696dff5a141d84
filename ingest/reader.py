"""Find the input files in a folder and read each into a table of raw cells with line numbers.

CSV is decoded strictly as UTF-8 (with or without BOM), then GB18030 (a superset of GBK), and
only then by charset-normalizer's guess. ``.xlsx`` is read with openpyxl in read-only mode
(first worksheet, cached formula values). A file that cannot be read as a table raises
``graph.errors.InputFileError`` naming the file and the problem; nothing of it is loaded.

``open_table`` streams: it checks the encoding in one pass over the bytes (in chunks), reads the
header, and hands back the rows as an iterator, so a caller that validates row by row never
holds the whole file (the ingest job); a broken row further down still raises
``InputFileError`` while iterating. ``read_table`` is the same with the rows in a list.

Limits (a crafted file must not exhaust memory or disk): a cell holds at most ``MAX_CELL_CHARS``
characters (Excel's own limit) — a longer one rejects its row, with the reason, and the rows
beside it load; a CSV field beyond ``MAX_CSV_FIELD`` characters, an .xlsx file of more than
``MAX_ROWS`` rows, or one that unpacks to more than ``MAX_XLSX_UNPACKED`` bytes (or more than
``MAX_XLSX_RATIO`` times its packed size: a zip bomb) is refused as a whole, naming the file.
The .xlsx sheet is streamed row by row; cells right of column ``MAX_COLUMNS`` are not read.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from graph.errors import InputFileError
from ingest.columns import InputSpec, header_index, input_specs, normalise_header

__all__ = ["Table", "FolderInputs", "scan_folder", "open_table", "read_table", "decode_text"]

log = logging.getLogger(__name__)

SUFFIXES = (".csv", ".xlsx")

MAX_CELL_CHARS = 32_767
"""Longest cell accepted (Excel's limit); a longer cell rejects its row."""
MAX_CSV_FIELD = 64 * 1024 * 1024
"""Longest CSV field parsed at all; beyond it the file is refused (the parser would hold it in memory)."""
MAX_ROWS = 5_000_000
MAX_COLUMNS = 256
"""Cells right of this column of an .xlsx sheet are not read (no input file has that many columns)."""
MAX_XLSX_UNPACKED = 512 * 1024 * 1024
MAX_XLSX_RATIO = 100
"""An .xlsx whose parts unpack to more than this many times their packed size (and over 16 MB) is a zip bomb."""

CHUNK_BYTES = 1 << 20
"""The encoding check reads the file in chunks of this size."""

csv.field_size_limit(MAX_CSV_FIELD)

Row = tuple[int, list[str]]


@dataclass
class Table:
    """A file's header and rows; each row is ``(line, cells)`` with the physical line where it starts."""

    path: Path
    headers: list[str]
    fields: list[str | None]  # the schema field of each column, None for unknown columns
    rows: list[Row]  # empty when the rows are streamed (``open_table``)
    encoding: str
    unknown_columns: list[str] = field(default_factory=list)
    ragged: bool = False  # True for CSV: a row whose cell count differs is rejected
    oversize: dict[int, str] = field(default_factory=dict)
    """Line → why the row is rejected before validation (a cell longer than MAX_CELL_CHARS; the
    cell is kept as its first characters only). Filled as the rows are read: a row's entry is
    there when the row is handed out."""


@dataclass
class FolderInputs:
    """What a folder holds: the file of each known stem, files that are not ours, and conflicts."""

    files: dict[str, Path]
    ignored: list[str]
    conflicts: dict[str, InputFileError]


def scan_folder(folder: Path, *, exclude: tuple[str, ...] = ()) -> FolderInputs:
    """Match the top-level files of ``folder`` to the schema's file stems (case-insensitive)."""
    if not folder.is_dir():
        raise InputFileError(f"输入目录不存在 / input folder not found: {folder}")
    known = {s.file: s for s in input_specs()}
    found: dict[str, list[Path]] = {}
    ignored: list[str] = []
    excluded = {e.casefold() for e in exclude}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith(".") or path.name.casefold() in excluded:
            continue
        stem, suffix = path.stem.lower(), path.suffix.lower()
        if stem in known and suffix in SUFFIXES:
            found.setdefault(stem, []).append(path)
        else:
            ignored.append(path.name)
    files: dict[str, Path] = {}
    conflicts: dict[str, InputFileError] = {}
    for stem, paths in found.items():
        if len(paths) == 1:
            files[stem] = paths[0]
        else:
            names = "、".join(p.name for p in paths)
            conflicts[stem] = InputFileError(
                f"{names}: 同一类型有多个文件，无法确定使用哪一个 / several files for the same type "
                f"({', '.join(p.name for p in paths)}); keep one"
            )
    return FolderInputs(files, ignored, conflicts)


# ---------------------------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------------------------


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode a CSV file's bytes; returns the text and a readable encoding name."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), ("UTF-8 (BOM)" if data.startswith(codecs.BOM_UTF8) else "UTF-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GBK/GB18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise InputFileError(
            f"{name}: 无法识别文件编码（应为 UTF-8 或 GBK）/ cannot decode the file: not UTF-8, GBK or "
            "another recognisable text encoding"
        )
    log.warning("%s: decoded as %s (guessed)", name, best.encoding)
    return str(best), f"{best.encoding} (推测)"


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def read_table(path: Path, spec: InputSpec) -> Table:
    """Read one input file completely, map its header to the schema, or raise InputFileError."""
    table, rows = open_table(path, spec)
    table.rows = list(rows)
    return table


def open_table(path: Path, spec: InputSpec) -> tuple[Table, Iterator[Row]]:
    """Open one input file: its header mapped to the schema, and its rows as an iterator (a
    broken CSV row raises InputFileError when reached). Raises InputFileError for an unreadable
    file or header."""
    if path.suffix.lower() == ".xlsx":
        headers, header_line, xrows = _read_xlsx(path)
        encoding, ragged, raw = "xlsx", False, iter(xrows)
    else:
        headers, header_line, raw, encoding = _open_csv(path)
        ragged = True
    fields, unknown = _map_header(path, spec, headers, header_line)
    table = Table(path, headers, fields, [], encoding, unknown, ragged)
    return table, _checked(table, raw)


def _checked(table: Table, rows: Iterator[Row]) -> Iterator[Row]:
    """Mark rows with an over-long cell in ``table.oversize`` (the cell shortened) as they pass."""
    for line, cells in rows:
        for i, cell in enumerate(cells):
            if len(cell) > MAX_CELL_CHARS:
                col = table.headers[i].strip() if i < len(table.headers) else f"列{i + 1}"
                table.oversize[line] = (
                    f"{col}: 单元格过长（{len(cell):,} 个字符，上限 {MAX_CELL_CHARS:,}）/ cell longer "
                    f"than {MAX_CELL_CHARS:,} characters ({len(cell):,})"
                )
                cells[i] = cell[:200] + "…"
        yield line, cells


def _sniff_encoding(path: Path) -> tuple[str, str] | None:
    """The codec and readable name of a CSV file that decodes strictly as UTF-8 or GB18030,
    checked chunk by chunk; None when neither fits (the caller then guesses on the whole file).
    Raises InputFileError for an empty file or binary content."""
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    for codec, name in (
        ("utf-8-sig", "UTF-8 (BOM)" if head.startswith(codecs.BOM_UTF8) else "UTF-8"),
        ("gb18030", "GBK/GB18030"),
    ):
        decoder = codecs.getincrementaldecoder(codec)(errors="strict")
        blank = True
        try:
            with path.open("rb") as f:
                while chunk := f.read(CHUNK_BYTES):
                    text = decoder.decode(chunk)
                    if "\x00" in text:
                        _binary(path)
                    blank = blank and not text.strip()
                text = decoder.decode(b"", final=True)
                blank = blank and not text.strip()
        except UnicodeDecodeError:
            continue
        if blank:
            raise InputFileError(f"{path.name}: 文件为空 / the file is empty")
        return codec, name
    return None


def _binary(path: Path) -> None:
    raise InputFileError(
        f"{path.name}: 不是文本表格（含二进制内容）/ not a text table (binary content); "
        "Excel 文件请保存为 .xlsx 或 CSV"
    )


def _open_csv(path: Path) -> tuple[list[str], int, Iterator[Row], str]:
    sniffed = _sniff_encoding(path)
    if sniffed is None:  # UTF-16, or a guess: decode the whole file (rare, small exports)
        data = path.read_bytes()
        if not data.strip():
            raise InputFileError(f"{path.name}: 文件为空 / the file is empty")
        text, encoding = decode_text(data, path.name)
        if "\x00" in text:
            _binary(path)
        lines: Iterator[str] = iter(io.StringIO(text, newline=""))
    else:
        codec, encoding = sniffed
        lines = _file_lines(path, codec)
    first = next(lines, "")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows = _csv_rows(path, _chain(first, lines), delimiter)
    for line, cells in rows:  # the header: the first non-blank row
        return cells, line, rows, encoding
    raise InputFileError(f"{path.name}: 没有表头行 / no header row")


def _file_lines(path: Path, codec: str) -> Iterator[str]:
    with path.open(encoding=codec, newline="") as f:
        yield from f


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest


def _csv_rows(path: Path, lines: Iterator[str], delimiter: str) -> Iterator[Row]:
    """Non-blank rows with the physical line where each starts."""
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    previous_end = 0
    try:
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if any(c.strip() for c in cells):
                yield start, cells
    except csv.Error as e:
        if "field limit" in str(e):
            raise InputFileError(
                f"{path.name}: 第 {previous_end + 1} 行起有超过 {MAX_CSV_FIELD // 1024 // 1024} MB 的单元格，文件无法读取 / "
                f"a field from line {previous_end + 1} is larger than {MAX_CSV_FIELD // 1024 // 1024} MB; "
                "the file is refused"
            ) from e
        raise InputFileError(
            f"{path.name}: 第 {previous_end + 1} 行起 CSV 格式错误（引号不成对或引号后多余字符），整个文件无法解析 / "
            f"broken CSV quoting from line {previous_end + 1}, the table cannot be parsed: {e}"
        ) from e


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_xlsx_package(path: Path) -> None:
    """Refuse a workbook that would unpack into more than the limits, before opening it."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise InputFileError(
            f"{path.name}: 不是有效的 Excel (.xlsx) 文件 / not a valid .xlsx workbook: {e}"
        ) from e
    unpacked = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    limit_mb = MAX_XLSX_UNPACKED // 1024 // 1024
    if unpacked > MAX_XLSX_UNPACKED:
        raise InputFileError(
            f"{path.name}: 解压后 {unpacked // 1024 // 1024:,} MB，超过上限 {limit_mb} MB，"
            f"请拆分文件或另存为 CSV / unpacks to {unpacked // 1024 // 1024:,} MB, more than "
            f"{limit_mb} MB: split it or save it as CSV"
        )
    if unpacked > 16 * 1024 * 1024 and unpacked / packed > MAX_XLSX_RATIO:
        raise InputFileError(
            f"{path.name}: 压缩比异常（{unpacked / packed:,.0f} 倍，上限 {MAX_XLSX_RATIO} 倍），"
            f"疑似压缩炸弹 / the workbook unpacks to {unpacked / packed:,.0f} times its size "
            f"(limit {MAX_XLSX_RATIO}): refused as a zip bomb"
        )


def _read_xlsx(path: Path) -> tuple[list[str], int, list[tuple[int, list[str]]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    check_xlsx_package(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as e:
        raise InputFileError(
            f"{path.name}: 不是有效的 Excel (.xlsx) 文件 / not a valid .xlsx workbook: {e}"
        ) from e
    try:
        if not wb.worksheets:
            raise InputFileError(f"{path.name}: 工作簿中没有工作表 / the workbook has no worksheet")
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # some exporters write wrong dimensions; read every row
        headers: list[str] | None = None
        header_line = 0
        rows: list[tuple[int, list[str]]] = []
        # At most MAX_COLUMNS cells per row are built: a cell far to the right (XFD1048576)
        # does not make every row 16,384 cells wide.
        for line, values in enumerate(ws.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
            if line > MAX_ROWS:
                raise InputFileError(
                    f"{path.name}: 超过 {MAX_ROWS:,} 行，请拆分文件 / more than {MAX_ROWS:,} rows: "
                    "split the file"
                )
            cells = [_cell_text(v) for v in values[:MAX_COLUMNS]]
            while cells and not cells[-1] and (headers is None or len(cells) > len(headers)):
                cells.pop()  # max_col pads every row: drop the padding
            if not any(c.strip() for c in cells):
                continue
            if headers is None:
                while cells and not cells[-1].strip():
                    cells.pop()
                headers, header_line = cells, line
                continue
            if len(cells) < len(headers):
                cells.extend([""] * (len(headers) - len(cells)))
            rows.append((line, cells))
    finally:
        wb.close()
    if headers is None:
        raise InputFileError(f"{path.name}: 第一个工作表为空 / the first worksheet is empty")
    return headers, header_line, rows


def _map_header(
    path: Path, spec: InputSpec, headers: list[str], line: int
) -> tuple[list[str | None], list[str]]:
    index = header_index(spec.model)
    fields: list[str | None] = []
    unknown: list[str] = []
    seen: dict[str, str] = {}
    for raw in headers:
        name = index.get(normalise_header(raw))
        if name is None:
            if raw.strip():
                unknown.append(raw.strip())
            fields.append(None)
            continue
        if name in seen:
            raise InputFileError(
                f"{path.name}: 列“{seen[name]}”和“{raw.strip()}”是同一字段 {name}，重复 / columns "
                f"{seen[name]!r} and {raw.strip()!r} are the same field {name!r}"
            )
        seen[name] = raw.strip()
        fields.append(name)
    if not seen:
        raise InputFileError(
            f"{path.name}: 第 {line} 行不是可识别的表头，文件不是“{spec.title}”表格 / not a table of {spec.name}: "
            f"no known column in the header row (line {line}); 期望列 / expected e.g. "
            + "、".join(_display(spec, f) for f in spec.model.model_fields)
        )
    missing = [f for f in spec.required_fields if f not in seen]
    if missing:
        cols = "、".join(_display(spec, f) for f in missing)
        raise InputFileError(f"{path.name}: 缺少必填列 / missing required column(s): {cols}")
    return fields, unknown


def _display(spec: InputSpec, name: str) -> str:
    title = spec.model.model_fields[name].title
    return f"{title}({name})" if title else name
