"""Turn the ``Document`` into the document HTML through the Jinja templates (the narrative, written once).

One environment, autoescaped and strict: a workbook's text is data and prints literally, and a
template that names a missing value fails loudly instead of printing nothing. A bureau's own
template folder is searched before the built-in one, and its templates can
``{% extends "default:document.html.j2" %}`` to override named blocks; such templates come from
outside the project, so they run in Jinja's sandbox.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    PackageLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from jinja2.sandbox import SecurityError
from markupsafe import Markup

from generator.errors import BudgetError, TemplateProblem
from generator.render import TEMPLATES, sandbox, titles
from generator.render.sandbox import (
    BoundedEnvironment,
    FolderLoader,
    TemplateLimit,
    check_output,
    deadline,
    memory_limit,
    template_line,
    template_problem,
)
from generator.stages.charts import Chart
from generator.stages.compute import Document, amount_text, cn_number, pct, wan
from generator.stages.declared import DeclaredDocument
from generator.stages.derive import q2

DOCUMENT_TEMPLATE = "document.html.j2"
_END = "。；;，,.！!？? "


def clause(value: object) -> str:
    """A fact used inside a sentence: its closing punctuation dropped."""
    return str(value or "").strip().rstrip(_END)


def sentence(value: object) -> str:
    """A fact that ends a sentence: closed with "。" when it is not already."""
    text = clause(value)
    return text + "。" if text else ""


@pass_context
def num(context: Context, value: Decimal | int) -> str:
    """An amount in a declared format's narrative, in its style (``numbers``): "3,121.42", a zero as "0";
    a count (a whole number of vehicles, projects) as itself."""
    if isinstance(value, int):
        return str(value)
    doc = context.get("doc")
    amount = q2(value)
    if amount == 0:
        return str(getattr(doc, "zero", "0.00"))
    return f"{amount:,.2f}" if getattr(doc, "thousands", False) else f"{amount:.2f}"


def chart_filter(face: str) -> Callable[[Chart], Markup]:
    """The ``chart_svg`` filter: a chart drawn as inline SVG with the text in ``face`` (render/charts.py).

    The SVG is ours (matplotlib escapes the chart's text), so it is markup, not text to escape.
    """

    def chart_svg(chart: Chart) -> Markup:
        from generator.render import charts  # matplotlib only when a document has a chart

        return Markup(charts.svg(chart, face))

    return chart_svg


def environment(overrides: Path | None = None, *, chart_face: str = "宋体") -> BoundedEnvironment:
    """The Jinja environment: a bureau's folder first (if any), then the built-ins, also as "default:".

    The bureau's folder is read only inside itself (``sandbox.FolderLoader``); the environment is
    the sandbox with its bounds (``sandbox.BoundedEnvironment``).
    """
    builtin = PackageLoader("generator", "templates")  # the package's resources (render/__init__.py's TEMPLATES)
    loaders: list[BaseLoader] = [FolderLoader(overrides)] if overrides else []
    loader = ChoiceLoader([*loaders, PrefixLoader({"default": builtin}, delimiter=":"), builtin])
    env = BoundedEnvironment(
        loader=loader,
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(wan=wan, pct=pct, amt=amount_text, cn=cn_number, clause=clause, sentence=sentence, num=num)
    env.filters["chart_svg"] = chart_filter(chart_face)
    env.filters.update(title_lines=titles.title_lines, word_spans=titles.word_spans)  # GB/T 9704 title lines
    env.bound_filters()
    return env


def render_html(
    document: Document | DeclaredDocument,
    overrides: Path | None = None,
    *,
    charts: Mapping[str, Chart] | None = None,
    chart_face: str = "宋体",
) -> str:
    """The document HTML of ``document``, with ``charts`` (``stages/charts.py``; none by default)
    drawn after their paragraphs, their text in ``chart_face``."""
    try:
        template = environment(overrides, chart_face=chart_face).get_template(
            getattr(document, "template", DOCUMENT_TEMPLATE)
        )
        if overrides is None:  # the built-in templates alone: ours, not traced
            return check_output(template.generate(doc=document, charts=dict(charts or {})))
        with deadline(sandbox.TIME_LIMIT), memory_limit(sandbox.MEMORY_LIMIT):
            return check_output(template.generate(doc=document, charts=dict(charts or {})))
    except TemplateProblem:
        raise
    except TemplateLimit as exc:
        raise template_problem(exc) from None
    except SecurityError as exc:
        place = template_line(exc)
        at = f"（{os.path.basename(place[0])} 第 {place[1]} 行）" if place else ""
        raise TemplateProblem(f"模板试图执行不允许的操作，已被沙箱拦截{at}：{exc}") from None
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"模板 {exc.name or exc.filename} 第 {exc.lineno} 行有语法错误：{exc.message}") from None
    except TemplateError as exc:
        where = f"（模板文件夹 {overrides}）" if overrides else ""
        line = template_line(exc)
        at = f"{os.path.basename(line[0])} 第 {line[1]} 行：" if line else ""
        raise TemplateProblem(f"模板无法生成文档{where}：{at}{exc}") from None
    except (RecursionError, MemoryError, ArithmeticError, ValueError) as exc:  # a template's arithmetic or recursion
        raise template_problem(exc) from None


# What ``budget-report templates export`` copies: everything a bureau may override.
EXPORTED = (
    "document.html.j2",
    "macros.html.j2",
    "tables.html.j2",
    "charts.html.j2",
    "style.css",
    "reference.docx",
)

PROFILE_SAMPLE = """# 本单位的文档设置（每项都可省略，省略即用内置设置）
# title = "{year}年{bureau}部门（单位）预算公开"
# fiscal_level = "县级"
# charts = true     # 在概况数字后附统计图（收支总计、收入支出构成、功能分类、“三公”经费、机构运行经费）

[docx.fonts]
# body = "仿宋_GB2312"
# heading1 = "黑体"
# heading2 = "楷体_GB2312"
# title = "方正小标宋简体"

[pdf.fonts]
# body = "宋体"      # 宋体、黑体、楷体或仿宋
# heading = "黑体"

# formats = "格式"   # 本文件夹中存放本单位（本省）自己的公开格式的文件夹

[format]             # 本单位不公开的部分（只能删去公开格式中标为可选的表）；其后的编号依次前移
# drop_tables = ["YS13", "YS14"]
# drop_sections = ["s7"]
# drop_glossary = ["财政专户管理资金"]
"""


def export_templates(target: Path, *, force: bool = False) -> list[Path]:
    """Copy the built-in templates, stylesheet, Word reference and a sample profile into ``target``."""
    names = [*EXPORTED, "profile.toml"]
    existing = [n for n in names if (target / n).exists()]
    if existing and not force:
        raise BudgetError(f"{target} 中已有 {', '.join(existing)}；如确需覆盖，请加 --force")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in EXPORTED:
        (target / name).write_bytes((TEMPLATES / name).read_bytes())
        written.append(target / name)
    (target / "profile.toml").write_text(PROFILE_SAMPLE, encoding="utf-8")
    written.append(target / "profile.toml")
    return written
