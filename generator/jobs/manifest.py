"""Turn a batch's inputs and outcomes into a record of what was rendered from what, and back.

The record (the manifest, ``OUT/.budget-report/manifest.json``) keeps for each workbook of the
last batch into ``OUT``:

- ``key``: a sha256 over everything its documents are made from: the workbook's bytes, the
  formats, every render option (``RenderOptions``: last year's workbook's bytes (``--previous``),
  the files of the templates folder, the code list, the PDF variant, the charts option
  (``--charts``, ``--no-charts`` or neither)), ``SOURCE_DATE_EPOCH`` and the versions of the tool
  and of the libraries that write the documents. Content hashes, never mtimes: a copy or a touch
  changes nothing, an edit does.
- ``outputs``: each document as written (name, size, mtime, sha256).
- ``outcome``: its ``Outcome``, field by field (but the workbook read and the traceback), so that
  a workbook not rendered again is reported as it was.

A workbook is rendered again unless its key is the same, its outputs are all there unchanged and
its outcome was not an accident of the run (a worker that died, a disk that was full). A manifest
that cannot be read, or that another version wrote, is no record: everything is rendered.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import generator
from generator.errors import Finding
from generator.jobs import outputs, pipeline, service
from generator.options import DEFAULT_OPTIONS, RenderOptions

FORMAT = 1
FOLDER = ".budget-report"
NAME = "manifest.json"
TOOL = "budget-report"
# The libraries whose versions change the documents: a new one may lay out or write them differently.
LIBRARIES = ("weasyprint", "python-docx", "openpyxl", "jinja2")
# Never recorded: the workbook as read (large, and rebuilt by a render) and the traceback (of a bug).
NOT_STORED = frozenset({"budget", "trace"})
# Outcomes that follow from the inputs alone, and so stand while the key does. A failed render
# (a worker that died, a full disk, a bug) may not happen again: it is always rendered again.
REUSABLE = frozenset({"ok", "errors", "refused"})
# The render options that are not the same for every workbook of a batch: each workbook's last
# year's workbook (``--previous`` names one for all, or a folder of them) is in its own key.
PER_WORKBOOK = frozenset({"previous"})
# The dataclasses a recorded value may hold, by name.
DATACLASSES: dict[str, type] = {"Finding": Finding}

Json = Any  # what json.loads gives


class Unreadable(ValueError):
    """A recorded value this version cannot restore: the workbook is rendered again."""


def location(outdir: Path) -> Path:
    """Where the manifest of the batches into ``outdir`` is kept."""
    return outdir / FOLDER / NAME


def file_hash(path: Path) -> str:
    """The sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tool_versions() -> dict[str, str]:
    """The versions of budget-report and of the libraries that write its documents."""
    versions = {"budget-report": generator.__version__}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = ""
    return versions


def package_hash(root: Traversable | None = None) -> str:
    """One sha256 over the package's own files: its code, built-in templates and bundled code lists.

    A version number changes with a release only; a corrected template or code list installed
    without one (an editable install, a patched copy) changes this, so no document made by the
    old files is reused. ``root`` is the package's folder unless given.
    """
    digest = hashlib.sha256()

    def walk(folder: Traversable, prefix: str) -> None:
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name == "__pycache__" or entry.name.startswith("."):
                continue
            if entry.is_dir():
                walk(entry, f"{prefix}{entry.name}/")
            elif not entry.name.endswith((".pyc", ".pyo")):
                digest.update(f"{prefix}{entry.name}\0".encode())
                digest.update(hashlib.sha256(entry.read_bytes()).digest())

    walk(root if root is not None else resources.files("generator"), "")
    return digest.hexdigest()


def folder_hashes(folder: Path) -> dict[str, str]:
    """The sha256 of every file in a templates folder, by its path inside it.

    Hidden files and Word's lock files (~$…) are left out: they appear when the folder is browsed
    or a file in it is open, and never change a document.
    """
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith((".", "~$")) for part in relative.parts) or not path.is_file():
            continue
        found[relative.as_posix()] = file_hash(path)
    return found


def option_input(name: str, value: object) -> Json:
    """How one render option enters the key: a folder by its files' hashes, a file by its hash (content,
    never a name or a date), a choice (True, False, a variant, None) as it is.

    A templates folder that is not one is recorded as None, as no folder is: the render then uses
    the built-in templates.
    """
    if not isinstance(value, Path):
        return value
    if value.is_dir():
        return folder_hashes(value)
    return None if name == "templates" else file_hash(value)


def run_inputs(formats: Iterable[str], options: RenderOptions = DEFAULT_OPTIONS) -> dict[str, Json]:
    """What every workbook of a batch is rendered with: the part of each key they share.

    Every render option is in it by its field's name (``option_input``), but those ``PER_WORKBOOK``:
    an option added to ``RenderOptions`` changes the key with no code here. ``charts`` is kept as
    given (True, False or None): None leaves it to the templates folder's profile.toml, whose bytes
    the templates' hashes already cover.
    """
    chosen = {
        field.name: option_input(field.name, getattr(options, field.name))
        for field in dataclasses.fields(options)
        if field.name not in PER_WORKBOOK
    }
    return {
        "formats": sorted(set(formats)),
        **chosen,
        "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH"),
        "versions": tool_versions(),
        "package": package_hash(),
    }


def workbook_key(
    workbook: Path, previous: Path | None, shared: Mapping[str, Json], previous_hash: Callable[[Path], str] = file_hash
) -> str:
    """The key of one workbook's documents: its bytes, last year's workbook's and the batch's inputs.

    ``previous_hash`` hashes last year's workbook: a batch gives one that reads a file shared by all
    its workbooks once.
    """
    parts = {
        "format": FORMAT,
        "workbook": file_hash(workbook),
        "previous": previous_hash(previous) if previous is not None else None,
        **shared,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


# ---------- values: Path, Decimal, Finding, lists, tuples and dicts, to JSON and back ----------


def encode(value: object, base: Path) -> Json:
    """A value as JSON; a path inside ``base`` (the output folder) relative to it, so the record
    stays true when the folder is named another way (relative, absolute) next time."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, Path):
        try:
            return {"$path": value.resolve().relative_to(base.resolve()).as_posix(), "in": "output"}
        except ValueError:
            return {"$path": str(value)}
    if isinstance(value, list):
        return [encode(item, base) for item in value]
    if isinstance(value, tuple):
        return {"$tuple": [encode(item, base) for item in value]}
    if isinstance(value, dict):
        return {"$dict": [[encode(k, base), encode(v, base)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if DATACLASSES.get(name) is not type(value):
            raise TypeError(f"cannot record a {name}")
        return {"$dataclass": name, "fields": encode_fields(value, base)}
    raise TypeError(f"cannot record a {type(value).__name__}")


def decode(data: Json, base: Path) -> object:
    """The value ``encode`` recorded; ``Unreadable`` for anything it would not have written."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(item, base) for item in data]
    if not isinstance(data, dict):
        raise Unreadable(f"not a recorded value: {data!r}")
    try:
        if "$decimal" in data:
            return Decimal(data["$decimal"])
        if "$path" in data:
            return base / data["$path"] if data.get("in") == "output" else Path(data["$path"])
        if "$tuple" in data:
            return tuple(decode(item, base) for item in data["$tuple"])
        if "$dict" in data:
            return {decode(k, base): decode(v, base) for k, v in data["$dict"]}
        if "$dataclass" in data:
            return decode_fields(DATACLASSES[data["$dataclass"]], data["fields"], base)
    except (KeyError, TypeError, ArithmeticError, ValueError) as exc:
        raise Unreadable(f"not a recorded value: {data!r}") from exc
    raise Unreadable(f"not a recorded value: {data!r}")


def encode_fields(obj: object, base: Path, skip: frozenset[str] = frozenset()) -> dict[str, Json]:
    """A dataclass instance's fields (but ``skip``), each encoded: fields added later need no code here."""
    return {f.name: encode(getattr(obj, f.name), base) for f in dataclasses.fields(obj) if f.name not in skip}  # type: ignore[arg-type]


def decode_fields(cls: type, data: Json, base: Path, skip: frozenset[str] = frozenset()) -> Any:
    """An instance of the dataclass ``cls`` from its recorded fields; ``Unreadable`` when one is missing.

    A field the record lacks (the class gained it since) would be a guess: the record is not used.
    """
    if not isinstance(data, dict):
        raise Unreadable(f"not recorded fields: {data!r}")
    names = [f.name for f in dataclasses.fields(cls) if f.init and f.name not in skip]
    missing = [name for name in names if name not in data]
    if missing:
        raise Unreadable(f"{cls.__name__} lacks {', '.join(missing)}")
    try:
        return cls(**{name: decode(data[name], base) for name in names})
    except TypeError as exc:
        raise Unreadable(str(exc)) from exc


def encode_outcome(outcome: service.Outcome, base: Path) -> dict[str, Json]:
    """An outcome as recorded: every field but the workbook read and the traceback."""
    return encode_fields(outcome, base, NOT_STORED)


def decode_outcome(data: Json, base: Path) -> service.Outcome:
    """The outcome ``encode_outcome`` recorded (without the workbook read and the traceback)."""
    outcome = decode_fields(service.Outcome, data, base, NOT_STORED)
    assert isinstance(outcome, service.Outcome)
    return outcome


# ---------- the outputs as written ----------


def output_record(path: Path) -> dict[str, Json]:
    """An output file as it is now: enough to tell later whether it is still the one written."""
    stat = path.stat()
    return {"name": path.name, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": file_hash(path)}


def unchanged(record: Mapping[str, Json], outdir: Path) -> bool:
    """Whether the output ``record`` describes is still there as written: the same size and mtime, or bytes."""
    name = record["name"]
    if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
        return False  # only files directly in the output folder are ever recorded
    path = outdir / name
    try:
        stat = path.stat()
        if stat.st_size != record["size"]:
            return False
        return stat.st_mtime_ns == record["mtime_ns"] or file_hash(path) == record["sha256"]
    except OSError:
        return False


def _valid_output(record: Json) -> bool:
    return (
        isinstance(record, dict)
        and isinstance(record.get("name"), str)
        and isinstance(record.get("size"), int)
        and isinstance(record.get("mtime_ns"), int)
        and isinstance(record.get("sha256"), str)
    )


def _valid_entry(entry: Json) -> bool:
    return (
        isinstance(entry, dict)
        and (entry.get("key") is None or isinstance(entry.get("key"), str))
        and isinstance(entry.get("outputs"), list)
        and all(_valid_output(o) for o in entry["outputs"])
        and isinstance(entry.get("outcome"), dict)
    )


def load(outdir: Path) -> dict[str, dict[str, Json]]:
    """The entries of the manifest in ``outdir``, by workbook file name; none when there is no manifest
    this version wrote (missing, corrupt, another format or another tool's)."""
    try:
        data = json.loads(location(outdir).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, unreadable, not UTF-8, not JSON
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("tool") != TOOL:
        return {}
    workbooks = data.get("workbooks")
    if not isinstance(workbooks, dict):
        return {}
    return {name: entry for name, entry in workbooks.items() if isinstance(name, str) and _valid_entry(entry)}


def save(outdir: Path, entries: Mapping[str, Mapping[str, Json]]) -> None:
    """Write the manifest, atomically: a reader finds the old one or the new one, never half of one."""
    text = json.dumps(
        {"format": FORMAT, "tool": TOOL, "workbooks": dict(sorted(entries.items()))}, ensure_ascii=False, indent=1
    )

    def write(tmp: Path) -> None:
        tmp.write_text(text + "\n", encoding="utf-8")

    pipeline.write_atomic(location(outdir), write)


# ---------- one batch's record ----------


class Record:
    """The manifest of one batch: read once at its start, written once the work is chosen and again
    after each workbook, so an interrupted batch keeps what finished.

    Workbooks are known by file name: their outputs are named after it, and a batch refuses two
    workbooks of one name.
    """

    def __init__(
        self,
        outdir: Path,
        formats: Iterable[str],
        options: RenderOptions = DEFAULT_OPTIONS,
        *,
        force: bool = False,
    ) -> None:
        self.outdir = outdir
        self.formats = tuple(formats)
        self.force = force
        self.old = load(outdir)
        self.shared = run_inputs(self.formats, options)
        self.entries: dict[str, dict[str, Json]] = {}
        self.keys: dict[str, str | None] = {}
        self.before: dict[str, dict[Path, tuple[int, int]]] = {}  # each rendered workbook's outputs before
        self.previous_hashes: dict[Path, str] = {}  # last year's workbooks, each read once a batch

    def key(self, workbook: Path, previous: Path | None) -> str | None:
        """The workbook's key, or None when a file cannot be read (the render will say why)."""
        try:
            key = workbook_key(workbook, previous, self.shared, self._previous_hash)
        except OSError:
            key = None
        self.keys[workbook.name] = key
        return key

    def _previous_hash(self, path: Path) -> str:
        if path not in self.previous_hashes:
            self.previous_hashes[path] = file_hash(path)
        return self.previous_hashes[path]

    def reuse(self, workbook: Path, previous: Path | None) -> service.Outcome | None:
        """The outcome of the last batch for ``workbook`` when nothing it depends on changed, else None."""
        key = self.key(workbook, previous)
        entry = self.old.get(workbook.name)
        if self.force or key is None or entry is None or entry["key"] != key:
            return None
        if not all(unchanged(record, self.outdir) for record in entry["outputs"]):
            return None
        try:
            outcome = decode_outcome(entry["outcome"], self.outdir)
        except Unreadable:
            return None
        if outcome.status not in REUSABLE or outcome.internal:
            return None
        outcome.workbook, outcome.reused = workbook, True
        self.entries[workbook.name] = entry
        return outcome

    def keep(self, workbook: Path) -> None:
        """Keep the last batch's entry of a workbook not rendered this time (or not yet)."""
        if workbook.name in self.old:
            self.entries[workbook.name] = self.old[workbook.name]

    def start(self, workbooks: Iterable[Path]) -> None:
        """Before rendering ``workbooks``: note their outputs as they are, and write what is chosen.

        Their entries stay as the last batch left them until each is done, so an interrupted batch
        renders them again: their keys, or their outputs, no longer match.
        """
        for workbook in workbooks:
            self.keep(workbook)
            self.before[workbook.name] = _signatures(self._outputs_of(workbook))
        self.save()

    def stale(self, workbook: Path) -> list[Path]:
        """``workbook``'s outputs kept from an earlier run: those there before the batch and untouched by it."""
        before = self.before.get(workbook.name)
        if before is None:
            before = _signatures(self._outputs_of(workbook))
        now = _signatures(before)
        return [path for path, signature in before.items() if now.get(path) == signature]

    def done(self, outcome: service.Outcome) -> None:
        """Record a rendered workbook's outcome (a failure's old outputs marked stale) and write the manifest."""
        name = outcome.workbook.name
        if not outcome.ok:
            outcome.stale = self.stale(outcome.workbook)
        try:
            self.entries[name] = {
                "key": self.keys.get(name),
                "outputs": [output_record(path) for path in (outcome.written if outcome.ok else outcome.stale)],
                "outcome": encode_outcome(outcome, self.outdir),
            }
        except (OSError, TypeError):  # an output gone already, or a value this version cannot record
            self.entries.pop(name, None)
        self.save()

    def save(self) -> None:
        """Write the manifest; not when there is nothing to record and no manifest to update."""
        if not self.entries and not location(self.outdir).exists():
            return
        try:
            save(self.outdir, self.entries)
        except (OSError, outputs.DiskFull):
            pass  # without a record the next batch renders everything again: slower, never wrong

    def _outputs_of(self, workbook: Path) -> list[Path]:
        """The files that are, or were, ``workbook``'s outputs: this batch's formats, and the last one's."""
        paths = [self.outdir / f"{workbook.stem}.{fmt}" for fmt in self.formats]
        entry = self.old.get(workbook.name)
        if entry is not None:
            paths += [
                self.outdir / record["name"]
                for record in entry["outputs"]
                if Path(record["name"]).name == record["name"]
            ]
        return list(dict.fromkeys(paths))


def _signatures(paths: Iterable[Path]) -> dict[Path, tuple[int, int]]:
    """Size and mtime of each of ``paths`` that exists."""
    found: dict[Path, tuple[int, int]] = {}
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue
        found[path] = (stat.st_size, stat.st_mtime_ns)
    return found
