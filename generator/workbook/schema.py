"""Declare the standard workbook's layout: its format's sheets, and what is the same in every format.

The tables, the narrative facts (基本信息) and last year's figures (上年数) are declared in the
format's folder (``generator/formats/henan/*.yaml``, read by ``generator/formats``); this module
gives them to the blank template (``blank.py``), the loader (``load.py``), the checker
(``stages/check``) and the tables of the rendered document (``templates/``). A sheet is laid out as

    row 1            the table's code and title (e.g. "YS03 部门支出总体情况表")
    row 2            a hint line for the clerk (unit, what to fill)
    rows 3 … 2+h     the published header (h rows, merged cells as published)
    rows 3+h …       data, one row per published row

so a header or title that the loader does not find where this schema puts it is "a layout it
does not recognise", reported with its cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.formats import DEFAULT, builtin
from generator.formats.shapes import FUND_ROLES
from generator.formats.spec import (
    HEADER_ROW,
    HINT_ROW,
    TITLE_ROW,
    Column,
    ColumnKind,
    Fact,
    FactKind,
    HeaderCell,
    PriorFigure,
    TableSpec,
    place_header,
)

__all__ = [
    "HEADER_ROW",
    "HINT_ROW",
    "TITLE_ROW",
    "Column",
    "ColumnKind",
    "Fact",
    "FactKind",
    "HeaderCell",
    "PriorFigure",
    "TableSpec",
    "place_header",
]

# The format of a workbook that names none (every workbook made before formats existed).
HENAN = builtin(DEFAULT)
TABLES: tuple[TableSpec, ...] = HENAN.tables
TABLES_BY_CODE: dict[str, TableSpec] = {t.code: t for t in TABLES}
FACTS: tuple[Fact, ...] = HENAN.facts
PRIOR: tuple[PriorFigure, ...] = HENAN.prior
PROJECT_KINDS = HENAN.role("projects").column("kind").choices  # 其他运转类, 特定目标类
PERFORMANCE_SECTIONS = HENAN.role("performance").column("section").choices  # 年度履职目标, 年度主要任务, 绩效指标

# --- The fixed lines Henan's derivations write (stages/derive.py); they move into the format with them.

# Income sources, in the order the summary and income tables list them: (key, income table's
# header, summary table's row label).
INCOME_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("gpb", "一般公共预算", "一、一般公共预算"),
    ("gov_fund", "政府性基金预算", "二、政府性基金预算拨款收入"),
    ("soe", "国有资本经营预算", "三、国有资本经营预算拨款收入"),
    ("special_account", "财政专户管理资金", "四、财政专户管理资金收入"),
    ("business_income", "事业收入", "五、事业收入"),
    ("operating_income", "事业单位经营收入", "六、事业单位经营收入"),
    ("superior_subsidy", "上级补助收入", "七、上级补助收入"),
    ("affiliated_income", "附属单位上缴收入", "八、附属单位上缴收入"),
    ("other_income", "其他收入", "九、其他收入"),
)

# The summary table's (收支总表's) fixed lines: the 财政拨款 line under 一般公共预算, and the footer.
SUMMARY_FISCAL_LABEL = "其中：财政拨款"
SUMMARY_FOOTER = (
    ("本年收入合计", "本年支出合计"),
    ("上年结转结余", "年终结转结余"),
    ("收入总计", "支出总计"),
)

# The fiscal summary table's (财政拨款收支总表's) fixed lines: income by key, spending's first and
# last line around the 功能分类 类, and the footer.
FISCAL_INCOME_LABELS: tuple[tuple[str, str], ...] = (
    ("this_year", "一、本年收入"),
    ("gpb", "（一）一般公共预算拨款"),
    ("gpb_fiscal", "其中：财政拨款"),
    ("gov_fund", "（二）政府性基金预算拨款"),
    ("soe", "（三）国有资本经营预算拨款"),
    ("carryover", "二、上年结转"),
    ("co_gpb", "（一）一般公共预算拨款"),
    ("co_gov_fund", "（二）政府性基金预算拨款"),
    ("co_soe", "（三）国有资本经营预算拨款"),
)
FISCAL_SPENDING_FIRST = "一、本年支出"
FISCAL_SPENDING_LAST = "二、年终结转结余"
FISCAL_FOOTER = ("收入合计", "支出合计")

# The income columns other than 一般公共预算: money the gpb_spending table cannot be derived from
# the spending table with.
NON_GPB_INCOME: tuple[str, ...] = tuple(key for key, _, _ in INCOME_SOURCES if key != "gpb")

# The fund tables that split each row of the spending table, by the 财政拨款 budget they spend: (fund, role).
FUND_TABLES: tuple[tuple[str, str], ...] = FUND_ROLES


# --- The narrative facts (基本信息) and last year's figures (上年数): their sheets ----------------

FACTS_SHEET = "基本信息"
# The 基本信息 row naming the workbook's format (``formats.builtin_names``): read before the facts,
# which are the format's; a workbook without it is in the default format.
FORMAT_LABEL = "公开格式"
FACTS_HEADER = ("项目", "内容", "填写说明")
PRIOR_SHEET = "上年数"
PRIOR_HEADER = ("项目", "上年预算数（万元）", "填写说明")

ALL_SHEETS: tuple[str, ...] = (FACTS_SHEET, PRIOR_SHEET) + tuple(t.sheet_name for t in TABLES)


@dataclass(frozen=True)
class Placeholders:
    """Text that marks a cell as not yet filled in."""

    markers: tuple[str, ...] = field(default=("XX", "××", "……", "待填写", "待补充"))


PLACEHOLDERS = Placeholders()
