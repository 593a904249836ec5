"""Keep a bureau's templates inside their folder and their bounds: what they read, compute, print, how long they run.

A bureau's template folder comes from outside the project. Jinja's sandbox (``SandboxedEnvironment``)
already refuses unsafe attributes and callables; this module adds what it leaves to the caller,
through its public hooks only:

- **The folder, and nothing outside it.** ``FolderLoader`` resolves every template name (links
  followed) and refuses one that leads outside the folder; ``bureau_file`` does the same for the
  folder's other files (style.css, reference.docx, profile.toml, codes.xlsx). A refusal names the
  file, in Chinese (``OutsideFolder``).
- **Bounded values.** ``BoundedEnvironment`` intercepts ``*``, ``**``, ``+``, ``%`` and ``//``
  (``intercepted_binops``, ``call_binop``), every call (``call``) and every filter, and refuses
  beforehand a text, list or number that would be larger than ``MAX_LENGTH`` items or ``MAX_INT_BITS``
  bits (``'a' * 100000000``, ``10 ** 5000``, ``'a'.ljust(10 ** 9)``, ``s|replace('a', s)``), and
  afterwards one a call or filter returned (a macro's output doubling with each call).
- **Bounded output.** The document is rendered chunk by chunk (``Template.generate``) and stopped
  past ``MAX_OUTPUT`` characters.
- **Bounded time.** ``deadline`` traces the template frames of the rendering thread
  (``sys.settrace``, which is per thread, so a web server's other requests are untouched) and stops
  the rendering past ``TIME_LIMIT`` seconds. Jinja has no per-loop hook (an empty loop calls none of
  the sandbox's), a timer signal reaches only a process's main thread, and a forked process is not
  safe in a threaded server; a trace function sees every line of a template, in whatever thread.
  Only the bureau's own template frames are traced line by line (the built-in ones are reached by
  the hooks); the built-in templates alone (no bureau folder) are not traced at all. The cost: a
  bureau's templates render about 0.1 s slower (the example: 0.07 s to 0.18 s), the call events.
- **Bounded memory.** ``memory_limit`` holds the process's address space, while a bureau's
  templates render, to what it has plus ``MEMORY_LIMIT`` (``resource.setrlimit``): what no hook
  sees (a join of many large texts in one expression) fails with MemoryError, a template error.
- **Errors that name the template and line.** Jinja rewrites a rendering error's traceback so that
  its template frames carry the template's file and line; ``template_line`` reads them back
  (``traceback.extract_tb``), and ``template_problem`` words the error in Chinese.
"""

from __future__ import annotations

import functools
import operator
import os
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from jinja2 import BaseLoader, Environment, TemplateNotFound, TemplateRuntimeError
from jinja2.loaders import split_template_path
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from generator.errors import OutsideFolder, TemplateProblem

MAX_LENGTH = 10_000_000  # items of one text, list or mapping a template makes (10 MB of text)
MAX_INT_BITS = 8_192  # bits of one integer a template makes (about 2,466 digits)
MAX_OUTPUT = 32_000_000  # characters of the document HTML (the example's are 90,000: 350 times that)
TIME_LIMIT = 30.0  # seconds a bureau's templates may take (the example renders in under half a second)
MEMORY_LIMIT = 2 * 1024**3  # bytes of address space a rendering may add (the example's adds a few MB)
_BINOPS = {
    "+": operator.add,
    "*": operator.mul,
    "**": operator.pow,
    "%": operator.mod,
    "//": operator.floordiv,
}


_SIZED = (str, bytes, list, tuple, dict, set, frozenset)
_WIDTH_METHODS = ("ljust", "rjust", "center", "zfill")  # str methods whose int argument is the result's width
_COUNT_FILTERS = ("center", "indent", "batch", "slice", "truncate", "wordwrap")  # filters taking a width or count


class TemplateLimit(TemplateRuntimeError):
    """A template went past a bound; the message says which, in Chinese (its line is added by ``template_problem``)."""


# --- the folder, and nothing outside it ------------------------------------------------------

_TEMPLATE_SUFFIXES = (".j2", "<template>")  # the file names Jinja compiles the built-in templates' code under
_BUREAU_TEMPLATES: set[str] = set()  # the files ``FolderLoader`` read (a bureau may name a template anything)


def is_template_file(name: str) -> bool:
    """Whether the code file ``name`` is a template's (Jinja compiles a template's code under its file name)."""
    return name.endswith(_TEMPLATE_SUFFIXES) or name in _BUREAU_TEMPLATES


def bureau_file(folder: Path, name: str) -> Path | None:
    """The file ``name`` of a bureau's ``folder`` as a resolved path inside it; None when there is none.

    A name that leads outside the folder once its links are resolved (``pw.j2 -> ../secret``, a
    linked subfolder) raises ``OutsideFolder``: the caller then reads nothing.
    """
    candidate = folder / name
    if not candidate.is_file():
        return None
    resolved = candidate.resolve()
    root = folder.resolve()
    if not resolved.is_relative_to(root):
        raise OutsideFolder(
            f"模板文件夹 {folder} 中的 {name} 指向文件夹以外（{resolved}），已拒绝读取；请把文件本身放进模板文件夹"
        )
    return resolved


class FolderLoader(BaseLoader):
    """Templates from one folder (a bureau's), each name resolved and refused when it leads outside."""

    def __init__(self, folder: Path, encoding: str = "utf-8"):
        self.folder = Path(folder)
        self.encoding = encoding

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        path = bureau_file(self.folder, "/".join(split_template_path(template)))
        if path is None:
            raise TemplateNotFound(template)
        source = path.read_text(encoding=self.encoding)
        mtime = path.stat().st_mtime
        _BUREAU_TEMPLATES.add(str(path))

        def uptodate() -> bool:
            try:
                return path.stat().st_mtime == mtime
            except OSError:
                return False

        return source, str(path), uptodate

    def list_templates(self) -> list[str]:
        root = self.folder.resolve()
        found = []
        for path in root.rglob("*"):
            if path.is_file() and path.resolve().is_relative_to(root):
                found.append(path.relative_to(root).as_posix())
        return sorted(found)


# --- bounded values ------------------------------------------------------------------------------


def _too_long(size: int) -> TemplateLimit:
    return TemplateLimit(f"结果过大（{size:,} 项，上限 {MAX_LENGTH:,}）")


def _check_size(value: Any) -> Any:
    """``value``, refused when a text, list or mapping past ``MAX_LENGTH`` items or an integer past ``MAX_INT_BITS``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if value.bit_length() > MAX_INT_BITS:
            raise TemplateLimit(f"整数过大（{value.bit_length():,} 位二进制，上限 {MAX_INT_BITS:,}）")
    elif isinstance(value, _SIZED):
        size = len(value)
        if size > MAX_LENGTH:
            raise _too_long(size)
    return value


def _int_bits(value: Any) -> int:
    return value.bit_length() if isinstance(value, int) and not isinstance(value, bool) else 0


def _sequence_length(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else None


def _predict_binop(op: str, left: Any, right: Any) -> None:
    """Refuse ``left op right`` before computing it when its result would be past the bounds."""
    if op == "*":
        for seq, count in ((left, right), (right, left)):
            length = _sequence_length(seq)
            if length is not None and isinstance(count, int) and length * max(count, 0) > MAX_LENGTH:
                raise _too_long(length * count)
        if _int_bits(left) + _int_bits(right) > MAX_INT_BITS + 1:
            raise TemplateLimit(
                f"整数过大（约 {_int_bits(left) + _int_bits(right):,} 位二进制，上限 {MAX_INT_BITS:,}）"
            )
    elif op == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            bits = (abs(left).bit_length() - 1) * right
            if bits > MAX_INT_BITS:
                raise TemplateLimit(f"乘方结果过大（约 {bits:,} 位二进制，上限 {MAX_INT_BITS:,}）")
    elif op == "+":
        a, b = _sequence_length(left), _sequence_length(right)
        if a is not None and b is not None and a + b > MAX_LENGTH:
            raise _too_long(a + b)
    elif op == "%" and isinstance(left, str):
        _check_widths(left, printf=True)


_PRINTF_FIELD = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(\d*)(?:\.(\d*))?")  # %-formatting: width, precision
_FORMAT_SPEC = re.compile(r"\{[^{}:]*:([^{}]*)\}")  # str.format: the spec after ":"


def _check_widths(text: str, printf: bool = False) -> None:
    """Refuse a format string (``%`` or ``str.format``) whose field widths would make a text past the bounds."""
    numbers: list[str] = []
    if printf:
        for match in _PRINTF_FIELD.finditer(text):
            numbers += [n for n in match.groups() if n]
    else:
        if re.search(r"\{[^{}]*:[^{}]*\{", text):  # a width given as an argument ({:{}}): not checkable beforehand
            raise TemplateLimit("不支持由参数给出的格式宽度（{:{}}）")
        for spec in _FORMAT_SPEC.findall(text):
            numbers += re.findall(r"\d+", spec)
    for number in numbers:
        if len(number) > len(str(MAX_LENGTH)) or int(number) > MAX_LENGTH:
            raise TemplateLimit(f"格式宽度过大（{int(number):,}，上限 {MAX_LENGTH:,}）")


def _check_count(value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_LENGTH:
        raise TemplateLimit(f"宽度或个数过大（{value:,}，上限 {MAX_LENGTH:,}）")


def _predict_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse a call whose arguments would make a result past the bounds (widths, counts, replacements)."""
    for value in (*args, *kwargs.values()):
        _check_size(value)
    receiver = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if isinstance(receiver, str):
        if name in _WIDTH_METHODS:
            for value in (*args, *kwargs.values()):
                _check_count(value)
        elif name in ("format", "format_map"):
            _check_widths(receiver)
        elif name == "replace" and len(args) >= 2:
            _predict_replace(receiver, args[0], args[1])
        elif name == "join" and args:
            _predict_join(receiver, args[0])
        elif name == "expandtabs":
            _predict_sequence_times(receiver.count("\t"), args[0] if args else 8)


def _predict_replace(text: Any, old: Any, new: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        count = text.count(old) if old else len(text) + 1
        size = len(text) + count * (len(new) - len(old))
        if size > MAX_LENGTH:
            raise _too_long(size)


def _predict_join(separator: str, items: Any) -> None:
    if isinstance(items, (list, tuple)):
        size = len(separator) * max(len(items) - 1, 0) + sum(len(i) for i in items if isinstance(i, str))
        if size > MAX_LENGTH:
            raise _too_long(size)


def _predict_sequence_times(count: int, width: Any) -> None:
    if isinstance(width, int) and count * max(width, 0) > MAX_LENGTH:
        raise _too_long(count * width)


def bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """The filter ``name`` (``function``) with its arguments and result held to the bounds.

    ``functools.wraps`` keeps what Jinja reads from the filter (whether it is passed the context,
    eval context or environment first), so the bounded filter is called exactly as the filter was.
    """

    @functools.wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        check_deadline()
        for value in (*args, *kwargs.values()):
            _check_size(value)
        if name in _COUNT_FILTERS:
            for value in (*args[1:], *kwargs.values()):
                _check_count(value)
        texts = [a for a in args if isinstance(a, str)]
        if name == "replace" and len(texts) >= 3:  # (eval_ctx,) s, old, new
            _predict_replace(texts[0], texts[1], texts[2])
        elif name == "format" and texts:
            _check_widths(texts[0], printf=True)  # the format filter is printf-style
        elif name == "join":
            sequences = [a for a in args if isinstance(a, (list, tuple))]
            separator = kwargs.get("d", texts[0] if texts else "")
            if sequences and isinstance(separator, str):
                _predict_join(separator, sequences[0])
        return _check_size(function(*args, **kwargs))

    return bounded


class BoundedEnvironment(SandboxedEnvironment):
    """Jinja's sandbox, with every operator, call and filter held to the bounds and the deadline."""

    intercepted_binops = frozenset(_BINOPS)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        check_deadline()
        _predict_binop(operator, left, right)
        return _check_size(_BINOPS[operator](left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        check_deadline()
        _predict_call(__obj, args, kwargs)
        return _check_size(SandboxedEnvironment.call(__self, __context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        """An attribute, held to the bounds (``ns.s`` of a namespace doubled by ``ns.s ~ ns.s``)."""
        check_deadline()
        if isinstance(obj, str) and attribute in ("format", "format_map"):
            _check_widths(obj)  # the sandbox hands back its own wrapper of str.format: check the widths here
        return _check_size(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        check_deadline()
        return _check_size(super().getitem(obj, argument))

    def bound_filters(self) -> None:
        """Hold every filter (Jinja's and ours) to the bounds: call once the filters are all in place."""
        for name, function in list(self.filters.items()):
            self.filters[name] = bounded_filter(name, function)


# --- bounded time -----------------------------------------------------------------------------

_deadlines: dict[int, tuple[float, float]] = {}  # the rendering threads' (deadline, seconds), by thread id


class TimeLimit(TemplateLimit):
    """The templates ran past their time (``TIME_LIMIT``)."""


def check_deadline() -> None:
    """Stop the rendering in this thread when its deadline has passed (none outside ``deadline``)."""
    found = _deadlines.get(threading.get_ident())
    if found is not None and time.monotonic() > found[0]:
        raise TimeLimit(f"运行超过 {found[1]:g} 秒，已停止")


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Run the block with this thread's template frames traced and stopped after ``seconds``.

    A tracer already set (a debugger, coverage) is kept and called first; ours is added for the
    template frames only, and the previous one is restored after.
    """
    ident = threading.get_ident()
    end = time.monotonic() + seconds
    _deadlines[ident] = (end, seconds)
    previous = sys.gettrace()
    clock = time.monotonic
    # Only the bureau's own template frames are traced line by line: the built-in templates' loops
    # run over the document's data, and every step of theirs goes through the hooks (check_deadline).
    bureau = _BUREAU_TEMPLATES

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if clock() > end:
            raise TimeLimit(f"运行超过 {seconds:g} 秒，已停止")
        return local

    def ours(frame: FrameType, event: str, arg: Any) -> Any:
        # called on every Python call of this thread: most are a filter or Jinja's runtime, left untraced
        return local if frame.f_code.co_filename in bureau else None

    def chained(frame: FrameType, event: Any, arg: Any) -> Any:
        inner = previous(frame, event, arg) if previous is not None else None
        if frame.f_code.co_filename not in bureau:
            return inner
        if inner is None:
            return local

        def both(f: FrameType, e: Any, a: Any) -> Any:
            nonlocal inner
            if inner is not None:
                inner = inner(f, e, a)
            return local(f, e, a) and both

        return both

    sys.settrace(ours if previous is None else chained)
    try:
        yield
    finally:
        sys.settrace(previous)
        _deadlines.pop(ident, None)


# --- bounded memory ----------------------------------------------------------------------------


def _address_space() -> int | None:
    """This process's address space in bytes (Linux's /proc/self/statm), or None where it cannot be read."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def memory_limit(extra: int) -> Iterator[None]:
    """Run the block with this process's address space held to what it has now plus ``extra`` bytes.

    What no hook sees (``s ~ s ~ s ~ …`` joined in one step) still cannot take the machine: past
    the limit an allocation fails with MemoryError, which ends the rendering as a template error.
    The soft limit is lowered for the block and given back after (``resource.setrlimit``, which a
    process may always do within its hard limit). Where the address space cannot be read (not
    Linux), the block runs without it, bounded by the values' checks alone.
    """
    used = _address_space()
    try:
        import resource
    except ImportError:  # not on POSIX
        used = None
    if used is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = used + extra
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft != resource.RLIM_INFINITY and soft <= limit:  # already lower: keep it
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


# --- errors that name the template and line -------------------------------------------------


def template_line(exc: BaseException) -> tuple[str, int] | None:
    """The template and line where ``exc`` was raised: the innermost template frame of its traceback."""
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if is_template_file(frame.filename):
            found = (frame.filename, frame.lineno or 0)
    return found


def _where(exc: BaseException) -> str:
    place = template_line(exc)
    if place is None:
        return "模板"
    name, line = place
    return f"模板 {os.path.basename(name) if name != '<template>' else name} 第 {line} 行"


def template_problem(exc: BaseException) -> TemplateProblem:
    """``exc``, raised while rendering, as a template error in Chinese naming the template file and line."""
    where = _where(exc)
    if isinstance(exc, TemplateLimit):
        return TemplateProblem(f"{where}：{exc}（模板的资源用量有上限，请简化模板）")
    if isinstance(exc, RecursionError):
        return TemplateProblem(f"{where}：递归过深（宏调用自身的层数过多），已停止")
    if isinstance(exc, MemoryError):
        return TemplateProblem(f"{where}：内存不足，已停止（模板生成的内容过大）")
    if isinstance(exc, OverflowError):
        return TemplateProblem(f"{where}：数值或范围过大（{exc}）")
    return TemplateProblem(f"{where} 出错：{type(exc).__name__}：{exc}")


def check_output(chunks: Iterator[str]) -> str:
    """The document HTML from Jinja's ``generate`` chunks, stopped past ``MAX_OUTPUT`` characters."""
    parts: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise TemplateProblem(f"模板生成的文档过大（超过 {MAX_OUTPUT:,} 个字符，已停止）；请检查模板中的循环和重复")
        parts.append(chunk)
    return "".join(parts)


__all__ = [
    "MAX_INT_BITS",
    "MAX_LENGTH",
    "MAX_OUTPUT",
    "TIME_LIMIT",
    "BoundedEnvironment",
    "FolderLoader",
    "TemplateLimit",
    "bureau_file",
    "check_deadline",
    "check_output",
    "deadline",
    "template_line",
    "template_problem",
]
