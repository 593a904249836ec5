"""Turn command lines into library calls: ``budget-report init | check | render | batch``.

Each command parses its options, calls one library function and translates the library's own
errors (``BudgetError``) into a Chinese message and exit code 1. Usage errors exit with 2.
Nothing here computes anything.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from generator.errors import Finding
from generator.formats import DEFAULT as DEFAULT_FORMAT
from generator.formats import Catalog, Format, FormatError
from generator.jobs import pipeline, service
from generator.options import RenderOptions
from generator.reference import codelist
from generator.workbook.schema import TABLES_BY_CODE


class _State:
    debug = False


def _terminated(signum: int, _frame: object) -> None:
    """SIGTERM (kill, a service manager stopping us) as Ctrl+C: every clean-up runs on the way out,
    and the worker processes are interrupted, so that a stopped run leaves no temporary file."""
    raise KeyboardInterrupt


def _say(message: str) -> None:
    """A note for the clerk while a command works (another process writing the same outputs)."""
    click.echo(message, err=True)


def _fail(exc: BaseException) -> None:
    """Print a library error for a clerk (a traceback only with --debug) and exit 1."""
    if _State.debug:
        traceback.print_exception(exc)
    click.echo(service.clerk_message(exc), err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="出错时显示完整的调用栈（供开发人员排查）。")
@click.version_option(package_name="budget-report")
def main(debug: bool) -> None:
    """部门（单位）预算公开生成工具：从标准工作簿生成预算公开、决算公开文档（PDF、DOCX）。"""
    _State.debug = debug
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)


# Options several commands share, declared once.
_output_option = click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("outputs"),
    show_default=True,
    help="输出文件夹。",
)
_formats_option = click.option(
    "--format", "formats", default="pdf,docx", show_default=True, help="输出格式，逗号分隔：pdf、docx、html。"
)


def _variant(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """A withdrawn variant (pdf/a-1b) is a usage error naming the one to use instead."""
    if value == "pdf/a-1b":
        from generator.render.pdf import WITHDRAWN_VARIANTS

        raise click.UsageError(WITHDRAWN_VARIANTS[value])
    return value


_variant_option = click.option(
    "--pdf-variant",
    type=click.Choice(["pdf/a-1b", "pdf/a-2b", "pdf/a-3b", "pdf/ua-1"]),
    default=None,
    callback=_variant,
    help="PDF 存档格式：pdf/a-2b、pdf/a-3b（存档）或 pdf/ua-1（无障碍标识；所有 PDF 都带结构标签）。pdf/a-1b 已停用。",
)
_codes_option = click.option(
    "--codes",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="财政部门的科目代码表（.xlsx 或 .csv，从预算管理一体化系统导出），代替内置科目表核对科目编码。",
)
_templates_option = click.option(
    "--templates",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="本单位的模板文件夹，其中的模板和设置优先于内置的。",
)
_format_dir_option = click.option(
    "--format-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="本单位或本省自己的公开格式文件夹（含 format.yaml，或其中的若干格式文件夹），工作簿的“公开格式”可以用它。",
)
_charts_option = click.option(
    "--charts/--no-charts",
    default=None,
    help="在概况数字后附统计图（默认按模板文件夹的 profile.toml，未设置则不附）。",
)


_previous_option = click.option(
    "--previous",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="上年的工作簿：上年数的每个数字须与它算出的数字相同，不同的列为错误。",
)

_budget_option = click.option(
    "--budget",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="决算用：同一年度的预算工作簿（任一预算格式）；每个年初预算数须与它按科目编码算出的数字相同，不同的列为错误。",
)


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--year",
    type=click.IntRange(1990, 2100),
    default=None,
    help="预算年度（默认为明年；有 --from 时为上年工作簿的下一年）。",
)
@click.option("--force", is_flag=True, help="文件已存在时覆盖。")
@click.option(
    "--from",
    "--previous",
    "last",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="上年的工作簿（决算用上年的决算工作簿）：带入部门信息、名词解释等，并用它算出的数字填写上年数。",
)
@click.option(
    "--keep-projects", is_flag=True, help="与 --from 同用：带入上年的其他运转类项目及其绩效目标（金额留空）。"
)
@click.option(
    "--codes",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="与 --from 同用：检查上年工作簿时代替内置科目表的科目代码表（.xlsx 或 .csv）。",
)
@click.option(
    "--format",
    "format_name",
    default=None,
    help="工作簿的公开格式（默认 henan；有 --from 时沿用上年工作簿的）；可用的格式见 README 的 Formats 一节。",
)
@_format_dir_option
@click.option(
    "--budget",
    "budget_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="决算用（与 --format 决算格式同用）：同一年度的预算工作簿，按科目编码预填年初预算数。",
)
def init(
    path: Path,
    year: int | None,
    force: bool,
    last: Path | None,
    keep_projects: bool,
    codes: Path | None,
    format_name: str | None,
    format_dir: Path | None,
    budget_path: Path | None,
) -> None:
    """生成空白的标准工作簿 PATH（.xlsx），供财务人员填写；有 --from 时从上年的工作簿开始。"""
    from datetime import date

    from generator.workbook.blank import save, write_blank

    formats, fmt = _chosen_format(format_name, format_dir)
    if path.suffix.lower() != ".xlsx":
        raise click.UsageError(f"文件名应以 .xlsx 结尾：{path}")
    if budget_path is not None and (last is None or format_name is not None):
        _require_budget_columns(fmt)
    if (keep_projects or codes) and last is None:
        option = "--keep-projects" if keep_projects else "--codes"
        raise click.UsageError(f"{option} 须与 --from 上年工作簿 一起使用")
    if last is not None and path.resolve() == last.resolve():
        raise click.UsageError(f"新工作簿不能写在上年工作簿 {last} 上：请换一个文件名")
    if path.exists() and not force:
        raise click.UsageError(f"{path} 已存在；如确需覆盖，请加 --force")
    if budget_path is not None and last is None:
        _init_from_budget(path, budget_path, fmt, year, formats)
        return
    if last is None:
        try:
            pipeline.write_atomic(path, lambda tmp: write_blank(tmp, year=year or date.today().year + 1, fmt=fmt))
        except Exception as exc:
            _fail(exc)
        click.echo(f"已生成空白工作簿：{path}（公开格式：{fmt.name}，{fmt.title}）")
        return
    from generator.jobs.nextyear import start_from

    try:
        started = start_from(last, year=year, keep_projects=keep_projects, codes=codes, catalog=formats)
    except Exception as exc:
        _fail(exc)
    if format_name is not None and started.fmt.name != fmt.name:
        raise click.UsageError(
            f"上年工作簿 {last.name} 的公开格式是 {started.fmt.name}，不是 --format {fmt.name}：新工作簿沿用上年的格式"
        )
    fmt = started.fmt
    prefilled = None
    if budget_path is not None:
        from generator.jobs.prefill import start_final

        _require_budget_columns(fmt)
        try:
            prefilled = start_final(budget_path, fmt, year=started.year, catalog=formats, workbook=started.workbook)
        except Exception as exc:
            _fail(exc)
    try:
        pipeline.write_atomic(path, lambda tmp: save(started.workbook, tmp))
    except Exception as exc:
        _fail(exc)
    click.echo(f"已从 {last.name}（{started.last.year}年）生成 {started.year} 年工作簿：{path}")
    click.echo(
        f"  带入（请核对，已用黄色标出）：{'、'.join(started.carried) or '无'}；上年数 {len(started.last.figures)} 项"
    )
    if keep_projects:
        click.echo(f"  带入其他运转类项目 {started.projects} 个（金额留空）")
    click.echo(f"  未带入（按当年情况填写）：{'、'.join(started.left) or '无'}")
    if prefilled is not None:
        click.echo(
            f"  由预算工作簿 {prefilled.planned.name} 预填年初预算数（已用黄色标出，请核对）：{prefilled.summary()}"
        )


def _chosen_format(name: str | None, folder: Path | None) -> tuple[Catalog, Format]:
    """The formats a command may use (the built-in ones, and those in ``folder``) and the one ``name`` chooses
    (default henan): an unknown name is a usage error, an own folder that cannot be read a bad input."""
    formats = Catalog((folder,) if folder is not None else ())
    try:
        found = formats.find(name or DEFAULT_FORMAT)
    except FormatError as exc:  # an own format folder that cannot be read
        _fail(exc)
    if found is None:  # a name no format has: a usage error
        raise click.UsageError(formats.unknown(name or DEFAULT_FORMAT))
    return formats, found


def _require_budget_columns(fmt: Format) -> None:
    """--budget only for a format with 年初预算数 columns (a 决算): a usage error otherwise."""
    from generator.stages.budgetlink import wants_budget

    if not wants_budget(fmt):
        raise click.UsageError(
            f"--budget 只用于有年初预算数列的决算格式（如 final-accounts）：公开格式 {fmt.name}（{fmt.title}）没有"
        )


def _init_from_budget(path: Path, budget_path: Path, fmt: Format, year: int | None, formats: Catalog) -> None:
    """``init --budget``: the blank 决算 workbook with its 年初预算数 prefilled from the budget workbook."""
    from generator.jobs.prefill import start_final
    from generator.workbook.blank import save

    try:
        started = start_final(budget_path, fmt, year=year, catalog=formats)
        pipeline.write_atomic(path, lambda tmp: save(started.workbook, tmp))
    except Exception as exc:
        _fail(exc)
    click.echo(
        f"已生成 {started.year} 年决算工作簿 {path}（公开格式：{fmt.name}），由预算工作簿 {budget_path.name} "
        f"预填年初预算数（已用黄色标出，请核对）：{started.summary()}"
    )


def _group_lines(findings: list[Finding], fmt: Format | None = None) -> list[str]:
    """The findings under a heading per sheet: a table's code and title (of ``fmt``, Henan's by default)."""
    specs = {t.code: t for t in fmt.tables} if fmt is not None else TABLES_BY_CODE
    lines: list[str] = []
    current = None
    for f in findings:
        if f.sheet != current:
            current = f.sheet
            spec = specs.get(f.sheet)
            lines.append(spec.heading if spec else f.sheet)
        lines.append(f"  {f.line()}")
    return lines


def _render_options(command: Callable[..., None]) -> Callable[..., None]:
    """The command given its render options as one ``options`` value (``RenderOptions``), made from
    the parameters named as its fields; put it right above the function, under the click options.

    So a new render option is its field, its click option and the commands that take it: no
    command lists the options one by one again.
    """
    names = {field.name for field in dataclasses.fields(RenderOptions)}

    @functools.wraps(command)
    def with_options(**params: Any) -> None:
        chosen = {name: params.pop(name) for name in params.keys() & names}
        command(options=RenderOptions(**chosen), **params)

    return with_options


def _check_inputs(options: RenderOptions) -> None:
    """Refuse a bad profile, official code list or unreadable last year's workbook once, before any workbook is
    read (and before a PDF process is started for one)."""
    from generator.profile import load_profile

    try:
        load_profile(options.templates)
        codelist.check_code_list(options.codes, options.templates)
        pipeline.check_previous(options.previous, options)
        pipeline.check_budget(options)
    except Exception as exc:
        _fail(exc)


@main.command("check")
@click.argument("workbook", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="输出格式。"
)
@_codes_option
@_templates_option
@_format_dir_option
@_previous_option
@_budget_option
@click.option(
    "--rules",
    "list_rules",
    is_flag=True,
    help="列出检查规则（规则名、级别、检查内容），不报告检查结果；给出工作簿时列出它的公开格式的规则。",
)
@_render_options
def check_cmd(workbook: Path | None, fmt: str, options: RenderOptions, list_rules: bool) -> None:
    """检查工作簿的勾稽关系、必填项和科目编码（有 --previous 时还有上年数）；有错误时退出码为 1。

    决算工作簿有 --budget 时，还核对每个年初预算数。
    """
    if list_rules:
        from generator.stages.check import rules_text

        disclosure = None
        if workbook is not None:  # the rules of that workbook's format
            try:
                disclosure = pipeline.inspect(workbook, options=options)[0].format
            except Exception as exc:
                _fail(exc)
        for line in rules_text(disclosure):
            click.echo(line)
        return
    if workbook is None:
        ctx = click.get_current_context()
        param = next(p for p in ctx.command.params if p.name == "workbook")
        raise click.MissingParameter(
            "请给出要检查的工作簿；列出全部检查规则请用 --rules", ctx=ctx, param=param, param_hint="'WORKBOOK'"
        )
    try:
        budget, findings, book = pipeline.inspect(workbook, options=options)
    except Exception as exc:
        _fail(exc)
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    if fmt == "json":
        payload = {
            "workbook": str(workbook),
            "errors": errors,
            "warnings": warnings,
            "codes": book.label,
            "findings": [f.as_dict() for f in findings],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for line in _group_lines(findings, budget.format):
            click.echo(line)
        click.echo(f"{workbook.name}：{errors} 处错误，{warnings} 处警告（科目表：{book.label}）")
    sys.exit(1 if errors else 0)


def _formats(value: str) -> tuple[str, ...]:
    chosen = tuple(part.strip().lower() for part in value.split(",") if part.strip())
    bad = [f for f in chosen if f not in pipeline.FORMATS]
    if bad or not chosen:
        raise click.BadParameter(f"可选格式为 {', '.join(pipeline.FORMATS)}，不认识：{', '.join(bad) or '（空）'}")
    return chosen


@main.command("render")
@click.argument("workbooks", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@_output_option
@_formats_option
@_variant_option
@_templates_option
@_format_dir_option
@_codes_option
@_previous_option
@_budget_option
@_charts_option
@_render_options
def render_cmd(workbooks: tuple[Path, ...], outdir: Path, formats: str, options: RenderOptions) -> None:
    """把工作簿生成预算或决算公开文档（默认 PDF 和 DOCX），写入输出文件夹。"""
    chosen = _formats(formats)
    _check_inputs(options)
    failed = False
    for workbook in workbooks:
        outcome = service.render_job(workbook, outdir, chosen, options=options, on_wait=_say)
        if outcome.internal:  # a bug: stop here, as any other command does
            if _State.debug and outcome.trace:
                click.echo(outcome.trace, err=True, nl=False)
            click.echo(outcome.error, err=True)
            sys.exit(1)
        if outcome.error is not None:
            click.echo(outcome.error, err=True)
            failed = True
            continue
        note = f"（{outcome.warnings} 处警告，可用 check 查看）" if outcome.warnings else ""
        click.echo(f"{workbook.name} → {', '.join(str(p) for p in outcome.written)}{note}")
    sys.exit(1 if failed else 0)


@main.command("batch")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o", "--output", "outdir", required=True, type=click.Path(file_okay=False, path_type=Path), help="输出文件夹。"
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="同时处理的工作簿个数，默认为 CPU 个数。")
@_formats_option
@_variant_option
@_templates_option
@_format_dir_option
@_codes_option
@click.option(
    "--previous",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="上年的工作簿，或放着各单位上年工作簿的文件夹（按文件名对应：同名，或名中年份减一）：上年数须与它算出的数字相同。",
)
@_charts_option
@click.option("--force", is_flag=True, help="全部重新生成：不沿用上次生成后未变的工作簿的文档。")
@_render_options
def batch_cmd(
    paths: tuple[Path, ...], outdir: Path, jobs: int | None, formats: str, options: RenderOptions, force: bool
) -> None:
    """批量生成：PATHS 为工作簿或文件夹（处理其中的 .xlsx），出错的跳过，最后列出全部失败。

    再次运行时只生成上次以来有改动的工作簿（模板、科目表、上年工作簿或选项改了的，全部重新生成）。
    """
    from generator.jobs import batch, summary

    chosen = _formats(formats)
    # A folder of last years' workbooks is read workbook by workbook, as the batch finds each one's own.
    folder = options.previous is not None and not options.previous.is_file()
    _check_inputs(dataclasses.replace(options, previous=None) if folder else options)
    workbooks = batch.collect(paths)
    if not workbooks:
        raise click.UsageError("没有找到 .xlsx 工作簿")
    with click.progressbar(length=len(workbooks), label="生成中", file=sys.stderr, show_pos=True) as bar:
        result = batch.run(
            workbooks,
            outdir,
            chosen,
            options=options,
            jobs=jobs,
            on_done=lambda _: bar.update(1),
            force=force,
            on_wait=_say,
        )
    for failure in result.failures:
        if _State.debug and failure.trace:
            click.echo(failure.trace, err=True)
        click.echo(failure.error, err=True)
        if failure.stale:
            files = "、".join(str(p) for p in failure.stale)
            # a workbook the check refused has errors; any other failure (a full disk) is the run's, not the workbook's
            why = "有错误，未重新生成" if failure.status in ("errors", "refused") else "未能重新生成"
            click.echo(f"{failure.workbook.name}：{why}；{files} 为上次生成的旧文件", err=True)
    done = len(result.outcomes) - len(result.failures)
    reused = sum(o.ok and o.reused for o in result.outcomes)
    kept = f"（其中 {reused} 个未变，沿用上次的文档）" if reused else ""
    click.echo(
        f"{done} 个工作簿已生成{kept}，{len(result.failures)} 个失败，输出在 {outdir}（用时 {result.seconds:.1f} 秒）"
    )
    warned = [o.workbook.name for o in result.outcomes if o.ok and o.warnings]
    if warned:
        click.echo(f"有警告（可用 check 查看）：{'、'.join(warned)}")
    try:
        written = summary.write(result.outcomes, outdir)
    except Exception as exc:  # the documents stand; only the summary is missing
        click.echo(f"汇总未写入：{service.clerk_message(exc)}", err=True)
        sys.exit(1)
    click.echo(f"汇总表：{written.workbook}；汇总页：{written.page}")
    sys.exit(1 if result.failures else 0)


@main.command("diff")
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@_templates_option
@_format_dir_option
@_codes_option
@_render_options
def diff_cmd(old: Path, new: Path, options: RenderOptions) -> None:
    """比较工作簿的两个版本：列出改动的数字，以及因此改变的每一句叙述。"""
    from generator.jobs.diff import diff

    try:
        result = diff(old, new, options=options)
    except Exception as exc:
        _fail(exc)
    click.echo(f"数字的变化（{len(result.figures)} 处）：")
    for figure in result.figures:
        click.echo(f"  {figure.line()}")
    if result.note:
        click.echo(result.note)
        return
    click.echo(f"叙述的变化（{len(result.sentences)} 句）：")
    section = None
    for change in result.sentences:
        if change.section != section:
            section = change.section
            click.echo(f"  [{section}]")
        if change.old:
            click.echo(f"  - {change.old}")
        if change.new:
            click.echo(f"  + {change.new}")


@main.command("watch")
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@_output_option
@_formats_option
@_templates_option
@_format_dir_option
@click.option(
    "--interval", type=click.FloatRange(0.1, 60), default=1.0, show_default=True, help="检查文件是否保存的间隔（秒）。"
)
@_codes_option
@_previous_option
@_charts_option
@_render_options
def watch_cmd(workbook: Path, outdir: Path, formats: str, interval: float, options: RenderOptions) -> None:
    """监视工作簿：每次保存后自动检查并重新生成文档（按 Ctrl+C 退出）。"""
    from generator.frontends.watch import watch

    chosen = _formats(formats)
    _check_inputs(options)
    try:
        watch(workbook, outdir, chosen, options=options, interval=interval, echo=click.echo)
    except KeyboardInterrupt:
        click.echo("已停止监视。")


@main.command("import")
@click.argument("exports", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="要生成的标准工作簿（.xlsx）。",
)
@click.option(
    "--format",
    "format_name",
    default=None,
    help="导出的表属于哪个公开格式（默认 henan；有 --from 时沿用上年工作簿的）。",
)
@click.option(
    "--from",
    "last",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="上年的工作簿：同 init --from，带入部门信息、名词解释等，并填写上年数。",
)
@click.option("--force", is_flag=True, help="工作簿已存在时覆盖。")
@_format_dir_option
def import_cmd(
    exports: tuple[Path, ...],
    output: Path,
    format_name: str | None,
    last: Path | None,
    force: bool,
    format_dir: Path | None,
) -> None:
    """从预算管理一体化系统导出的表（.xlsx、.xls、.et、.ods）生成标准工作簿：按标题和表头找表，换算单位。"""
    from generator.workbook.blank import save
    from generator.workbook.importer import import_exports

    if format_name is not None and last is not None:
        raise click.UsageError("--format 不能与 --from 同用：新工作簿沿用上年工作簿的公开格式")
    if output.suffix.lower() != ".xlsx":
        raise click.UsageError(f"文件名应以 .xlsx 结尾：{output}")
    for source in (*exports, *((last,) if last is not None else ())):
        if output.resolve() == source.resolve():
            raise click.UsageError(f"工作簿不能写在要读取的文件 {source} 上：请换一个文件名")
    if output.exists() and not force:
        raise click.UsageError(f"{output} 已存在；如确需覆盖，请加 --force")
    formats, fmt = _chosen_format(format_name, format_dir)
    start = None
    last_year = None
    try:
        if last is not None:
            from generator.jobs.nextyear import load_last_year, start_from

            previous = load_last_year(last, formats)
            fmt, last_year = previous.format, previous.year

            def start(year: int) -> Any:
                return start_from(last, year=year, catalog=formats, budget=previous).workbook

        imported = import_exports(exports, fmt, start, last_year=last_year)
        pipeline.write_atomic(output, lambda tmp: save(imported.workbook, tmp))
    except Exception as exc:
        _fail(exc)
    click.echo(f"已生成 {imported.year} 年工作簿：{output}（公开格式：{fmt.name}，{fmt.title}）")
    for table in imported.found:
        unit = table.unit if table.unit == table.spec.unit else f"{table.unit}，已换算为{table.spec.unit}"
        dropped = f"；删去{'、'.join(table.dropped)}" if table.dropped else ""
        click.echo(
            f"  找到 {table.spec.heading}：{table.file.name} 工作表“{table.sheet}”{table.range}，"
            f"{len(table.rows)} 行（单位：{unit}{dropped}）"
        )
    for spec in imported.missing:
        click.echo(f"  未找到 {spec.heading}：请在工作簿中填写")
    for line in imported.report:
        click.echo(f"  {line}")
    if last is None:
        click.echo("  基本信息和上年数未填写：请填写（或用 --from 上年工作簿 带入），然后运行 check")


@main.group("templates")
def templates_group() -> None:
    """本单位模板：导出内置模板，作为改版的起点。"""


@templates_group.command("export")
@click.argument("folder", type=click.Path(file_okay=True, path_type=Path))
@click.option("--force", is_flag=True, help="覆盖文件夹中已有的同名文件。")
def templates_export(folder: Path, force: bool) -> None:
    """把内置模板、样式表、Word 参考文档和示例 profile.toml 复制到 FOLDER。"""
    from generator.render.html import export_templates

    if folder.exists() and not folder.is_dir():
        raise click.UsageError(f"{folder} 不是文件夹")
    existing = [p for p in folder.iterdir()] if folder.is_dir() else []
    if existing and not force and any(p.name in ("document.html.j2", "profile.toml") for p in existing):
        raise click.UsageError(f"{folder} 中已有模板；如确需覆盖，请加 --force")
    try:
        written = export_templates(folder, force=force)
    except Exception as exc:
        _fail(exc)
    click.echo(f"已导出 {len(written)} 个文件到 {folder}：{', '.join(p.name for p in written)}")
    click.echo(f"修改后使用：budget-report render 工作簿.xlsx --templates {folder}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址；默认只有本机能访问。")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="端口。")
def serve_cmd(host: str, port: int) -> None:
    """启动本机网页版：在浏览器中下载空白工作簿、上传检查、预览并下载文档（按 Ctrl+C 退出）。"""
    from generator.frontends.web import serve

    try:
        serve(host, port, ready=lambda url: click.echo(f"网页版已启动，请在浏览器中打开 {url}（按 Ctrl+C 退出）"))
    except Exception as exc:
        _fail(exc)
