"""Turn the files of an upload request into workbooks stored under fixed names: files, zips of them, and the
reference files beside them (the official code list, last year's workbook, a 决算's budget workbook).

An uploaded file is stored in the request's own folder under a fixed name (``NNN/upload.xlsx``),
never under a name the browser sent; that name is kept only for display (``display_name``) and,
sanitised, for downloads (``download_stem``). A zip is expanded into its workbooks, bounded in
number and size, with names as their author saw them.
"""

from __future__ import annotations

import itertools
import re
import shutil
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from werkzeug.datastructures import FileStorage

from generator.errors import BudgetError
from generator.jobs import pipeline, service
from generator.options import RenderOptions
from generator.reference import codelist
from generator.workbook.load import MAX_FILE_BYTES

UPLOAD_NAME = "upload.xlsx"  # every uploaded workbook is stored under this name, in a folder of its own
LAST_YEAR_NAME = "last-year.xlsx"  # last year's uploaded workbook is stored under this name
BUDGET_NAME = "budget.xlsx"  # the uploaded budget workbook (a 决算's 年初预算数) is stored under this name
MAX_WORKBOOKS = 30  # per upload (files and zip members together)
MAX_EXTRACTED_BYTES = 200 * 1024 * 1024  # all members of the uploaded zips together


class Refused(Exception):
    """An upload the app turns away, with the message the page shows."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


# --- names -------------------------------------------------------------------------------------

_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def display_name(raw: str | None) -> str:
    """An uploaded file's name as the page shows it: its last path part, no control characters."""
    name = unicodedata.normalize("NFC", (raw or "").replace("\\", "/")).rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > 120:
        name = name[:80] + "…" + name[-30:]
    return name or "（未命名文件）"


def download_stem(name: str) -> str:
    """The stem for a download's name: the workbook's own stem, with nothing a file system or a
    header could misread; "预算公开" when nothing is left."""
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    stem = _UNSAFE_IN_FILENAME.sub("_", display_name(stem)).strip(" ._")
    if stem == "（未命名文件）":
        stem = ""
    return stem[:80] or "预算公开"


# --- receiving files ---------------------------------------------------------------------------


@dataclass
class Item:
    """One workbook to process: its display name and where this request stored it (or why not)."""

    name: str
    path: Path | None
    refusal: str = ""
    from_zip: bool = False


def receive(files: Iterable[FileStorage], work: Path) -> list[Item]:
    """Store the uploaded files in ``work`` under fixed names; expand .zip archives into their workbooks."""
    slots = (work / f"{n:03d}" for n in itertools.count())
    items: list[Item] = []
    extracted = [0]
    for storage in files:
        name = display_name(storage.filename)
        slot = next(slots)
        slot.mkdir()
        target = slot / UPLOAD_NAME
        storage.save(target)
        kind = _kind(target, name)
        if kind == "zip":
            items += _unzip(target, name, slots, extracted)
            shutil.rmtree(slot)
        elif kind == "bad-zip":
            raise Refused(f"{name} 不是有效的 .zip 压缩包，无法解压。请重新压缩后上传，或直接上传 .xlsx 工作簿。")
        else:
            items.append(Item(name, target))
        if len(items) > MAX_WORKBOOKS:
            raise Refused(f"一次最多上传 {MAX_WORKBOOKS} 个工作簿，本次有 {len(items)} 个以上。请分批上传。")
    return items


def _kind(path: Path, name: str) -> str:
    """What an uploaded file is: "zip" for an archive of workbooks, "bad-zip" for a broken one,
    else "workbook" (which the loader accepts or refuses with its own message)."""
    named_zip = name.lower().endswith(".zip")
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "bad-zip" if named_zip else "workbook"
    if "[Content_Types].xml" in names or any(n.startswith("xl/") for n in names):
        return "workbook"  # an .xlsx file, whatever its name
    if named_zip or any(service.is_workbook_name(n) for n in names):
        return "zip"
    return "workbook"


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its author saw it: zips made on Chinese Windows store names in GBK
    without saying so, which Python reads as CP437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _unzip(path: Path, name: str, slots: Iterable[Path], extracted: list[int]) -> list[Item]:
    """The workbooks in the archive at ``path``, each copied (bounded) into a slot of its own."""
    items: list[Item] = []
    slot_iter = iter(slots)
    with zipfile.ZipFile(path) as archive:
        members = [info for info in archive.infolist() if service.is_workbook_name(info.filename)]
        if not members:
            raise Refused(f"压缩包 {name} 中没有 .xlsx 工作簿。")
        if len(members) > MAX_WORKBOOKS:
            raise Refused(f"压缩包 {name} 中有 {len(members)} 个工作簿，一次最多 {MAX_WORKBOOKS} 个。请分批上传。")
        for info in members:
            member = display_name(member_name(info))
            item = Item(member, None, from_zip=True)
            items.append(item)
            if info.flag_bits & 0x1:
                item.refusal = f"{member} 在压缩包中已加密，无法读取。请解除加密后再上传。"
                continue
            if info.file_size > MAX_FILE_BYTES:
                item.refusal = f"{member} 超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，无法读取。"
                continue
            extracted[0] += info.file_size
            if extracted[0] > MAX_EXTRACTED_BYTES:
                raise Refused(
                    f"压缩包 {name} 解压后超过 {MAX_EXTRACTED_BYTES // (1024 * 1024)} MB，无法处理。请分批上传。"
                )
            slot = next(slot_iter)
            slot.mkdir()
            target = slot / UPLOAD_NAME
            try:
                _copy_member(archive, info, target)
            except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError):
                shutil.rmtree(slot, ignore_errors=True)
                item.refusal = f"{member} 在压缩包中已损坏或使用了不支持的压缩方式，无法解压。"
                continue
            item.path = target
    return items


def _copy_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    """Copy one member, reading no more than its declared size (a lying header is an error)."""
    left = info.file_size
    with archive.open(info) as source, target.open("wb") as sink:
        while True:
            chunk = source.read(min(1024 * 1024, left + 1))
            if not chunk:
                break
            left -= len(chunk)
            if left < 0:
                raise zipfile.BadZipFile("member larger than declared")
            sink.write(chunk)


@dataclass(frozen=True)
class Reference:
    """A file uploaded beside the workbooks (the code list, last year's workbook, the budget workbook),
    stored under a fixed name."""

    path: Path
    shown: str  # the clerk's own file name
    label: str  # how the library's messages name such a file: "科目代码表", "上年工作簿", "预算工作簿"

    def rename(self, text: str) -> str:
        """A library message naming this file as the clerk named it."""
        return text.replace(f"{self.label} {self.path.name}", f"{self.label} {self.shown}")


@dataclass(frozen=True)
class References:
    """The files uploaded beside the workbooks, each stored (or None): what every workbook of the upload
    is checked against, one value for the options and for the messages."""

    codes: Reference | None = None
    previous: Reference | None = None
    budget: Reference | None = None

    def rename(self, text: str) -> str:
        """A library message naming each of these files as the clerk named it."""
        for reference in (self.codes, self.previous, self.budget):
            if reference is not None:
                text = reference.rename(text)
        return text

    def options(self, *, charts: bool | None) -> RenderOptions:
        """The render options of an upload: these files, and its 附统计图 box; the page offers no templates
        folder and no PDF variant (the built-in ones)."""
        return RenderOptions(
            codes=self.codes.path if self.codes else None,
            previous=self.previous.path if self.previous else None,
            budget=self.budget.path if self.budget else None,
            charts=charts,
        )


def _store_reference(
    storage: FileStorage | None, work: Path, target: Path, label: str, check: Callable[[Path], None]
) -> Reference | None:
    """The uploaded file stored at ``work / target`` and read once by ``check`` (``Refused`` saying why), or None."""
    if storage is None or not storage.filename:
        return None
    path = work / target
    path.parent.mkdir()
    storage.save(path)
    reference = Reference(path, display_name(storage.filename), label)
    try:
        check(path)
    except BudgetError as exc:
        raise Refused(reference.rename(str(exc)), 422) from None
    return reference


def receive_codes(storage: FileStorage | None, work: Path) -> Reference | None:
    """The uploaded official code list, stored and read once (``Refused`` naming its row), or None."""
    if storage is None or not storage.filename:
        return None
    name = display_name(storage.filename)
    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise Refused(f"科目代码表 {name} 应为 .xlsx 或 .csv 文件（从预算管理一体化系统导出）。", 422)
    return _store_reference(storage, work, Path("codes", f"codes{suffix}"), "科目代码表", codelist.check_code_list)


def receive_previous(storage: FileStorage | None, work: Path) -> Reference | None:
    """Last year's uploaded workbook (``--previous``), stored and read once (``Refused`` saying why), or None."""
    return _store_reference(storage, work, Path("previous", LAST_YEAR_NAME), "上年工作簿", pipeline.check_previous)


def receive_budget(storage: FileStorage | None, work: Path) -> Reference | None:
    """The uploaded budget workbook a 决算's 年初预算数 are checked against (``--budget``), stored and read
    once (``Refused`` saying why), or None."""
    return _store_reference(storage, work, Path("budget", BUDGET_NAME), "预算工作簿", _check_budget)


def _check_budget(path: Path) -> None:
    pipeline.check_budget(RenderOptions(budget=path))
