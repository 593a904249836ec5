"""Declare the standard workbook once: its sheets, header rows, columns, narrative facts and last year's figures.

Everything that reads or writes the workbook takes its layout from here: the blank template
(``blank.py``), the loader (``load.py``), the checker (``stages/check``) and the tables of the
rendered document (``templates/``). A sheet is laid out as

    row 1            the table's code and title (e.g. "YS03 部门支出总体情况表")
    row 2            a hint line for the clerk (unit, what to fill)
    rows 3 … 2+h     the published header (h rows, merged cells as published)
    rows 3+h …       data, one row per published row

so a header or title that the loader does not find where this schema puts it is "a layout it
does not recognise", reported with its cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnKind = Literal["code", "text", "amount", "choice"]

TITLE_ROW = 1
HINT_ROW = 2
HEADER_ROW = 3

PROJECT_KINDS = ("其他运转类", "特定目标类")
YS11_SECTIONS = ("年度履职目标", "年度主要任务", "绩效指标")


@dataclass(frozen=True)
class Column:
    """One column of a table sheet."""

    key: str
    label: str  # the column's own header text (its lowest header cell), for messages
    kind: ColumnKind
    width: float = 12.0  # Excel column width, in characters
    printed: bool = True  # False: an input the published table does not show
    choices: tuple[str, ...] = ()
    hint: str = ""
    digits: int = 0  # a code typed as a number is left-padded with zeros to this many digits


@dataclass(frozen=True)
class HeaderCell:
    """One cell of a published header, placed as in an HTML ``<thead>``."""

    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True)
class TableSpec:
    """One published table: its sheet, header and columns."""

    code: str
    title: str
    columns: tuple[Column, ...]
    header: tuple[tuple[HeaderCell, ...], ...]
    hint: str
    derived: bool = False  # derived from other sheets when left empty, cross-checked when filled
    empty_note: str = ""  # printed under the table when it has no data
    landscape: bool = False
    widths: tuple[float, ...] = ()  # printed column widths, in percent of the text width
    footnote: str = ""  # printed under the table always
    # Row-internal sums, innermost first: (parent, its parts). Derived where the parent is left
    # empty (``derive.fill_row_sums``), checked where it is filled (小计不符).
    sums: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The row kinds a total or unit row of this table sums (合计不符), for the tables not shaped like YS03.
    detail: tuple[str, ...] = ()
    # YS08: each 三公 column and the 部门经济分类 款 its spending is booked under, in the order checked (三公经费).
    sangong: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def sheet_name(self) -> str:
        """The sheet's name: code and title, cut to Excel's 31 characters (never the code)."""
        return f"{self.code} {self.title}"[:31]

    @property
    def data_row(self) -> int:
        """The first row of data on the sheet."""
        return HEADER_ROW + len(self.header)

    @property
    def printed_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.printed)

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(f"{self.code} has no column {key!r}")

    def column_index(self, key: str) -> int:
        """1-based sheet column of ``key``."""
        for i, col in enumerate(self.columns, start=1):
            if col.key == key:
                return i
        raise KeyError(f"{self.code} has no column {key!r}")

    def amount_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.kind == "amount")


def place_header(header: tuple[tuple[HeaderCell, ...], ...]) -> list[tuple[int, int, HeaderCell]]:
    """Place header cells on a grid as HTML does: (row, column, cell), 0-based, skipping spanned slots."""
    taken: set[tuple[int, int]] = set()
    placed: list[tuple[int, int, HeaderCell]] = []
    for r, cells in enumerate(header):
        c = 0
        for cell in cells:
            while (r, c) in taken:
                c += 1
            placed.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    return placed


def _h(text: str, colspan: int = 1, rowspan: int = 1) -> HeaderCell:
    return HeaderCell(text, colspan, rowspan)


def _amount(key: str, label: str, width: float = 12.0, hint: str = "") -> Column:
    return Column(key, label, "amount", width, hint=hint)


# --- Shared column sets -------------------------------------------------------------------

_SUBJECT = (
    Column("lei", "类", "code", 6, hint="功能分类科目编码：类，3位，如 206", digits=3),
    Column("kuan", "款", "code", 5, hint="款，2位，如 02", digits=2),
    Column("xiang", "项", "code", 5, hint="项，2位，如 99", digits=2),
    Column("unit_code", "单位代码", "code", 10, hint="单位行填写单位代码，如 021001；科目行留空"),
    Column("name", "单位（科目名称）", "text", 30, hint="单位名称或功能分类科目名称"),
)

_SPENDING_COLUMNS = _SUBJECT + (
    _amount("total", "合计"),
    _amount("basic", "基本支出小计"),
    _amount("wage", "工资福利支出"),
    _amount("family", "对个人和家庭的补助"),
    _amount("goods", "商品和服务支出"),
    _amount("capital", "资本性支出"),
    _amount("project", "项目支出小计"),
    _amount("operating", "其他运转类"),
    _amount("target", "特定目标类"),
)

_SPENDING_HEADER = (
    (
        _h("科目编码", colspan=3),
        _h("单位代码", rowspan=3),
        _h("单位（科目名称）", rowspan=3),
        _h("合计", rowspan=3),
        _h("基本支出", colspan=5),
        _h("项目支出", colspan=3),
    ),
    (
        _h("类", rowspan=2),
        _h("款", rowspan=2),
        _h("项", rowspan=2),
        _h("小计", rowspan=2),
        _h("人员经费", colspan=2),
        _h("公用经费", colspan=2),
        _h("小计", rowspan=2),
        _h("其他运转类", rowspan=2),
        _h("特定目标类", rowspan=2),
    ),
    (
        _h("工资福利支出"),
        _h("对个人和家庭的补助"),
        _h("商品和服务支出"),
        _h("资本性支出"),
    ),
)

_SPENDING_WIDTHS = (4.0, 3.5, 3.5, 6.5, 18.0) + (7.15,) * 9
_SPENDING_HINT = (
    "单位：万元。先填汇总行（可留空，由明细自动汇总），再按单位填写：单位行填单位代码和名称，"
    "其下每个功能分类“项”一行。金额可保留两位以上小数（尾差）。"
)

# Income sources, in the order YS01/YS02 list them: (key, YS02 header, YS01 row label).
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

YS01_FISCAL_LABEL = "其中：财政拨款"
YS01_FOOTER = (
    ("本年收入合计", "本年支出合计"),
    ("上年结转结余", "年终结转结余"),
    ("收入总计", "支出总计"),
)

YS04_INCOME_LABELS: tuple[tuple[str, str], ...] = (
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
YS04_SPENDING_FIRST = "一、本年支出"
YS04_SPENDING_LAST = "二、年终结转结余"
YS04_FOOTER = ("收入合计", "支出合计")

# The income columns of YS02 other than 一般公共预算: money YS05 cannot be derived from YS03 with.
NON_GPB_INCOME: tuple[str, ...] = tuple(key for key, _, _ in INCOME_SOURCES if key != "gpb")

# The fund tables that split each YS03 row, by the 财政拨款 budget they spend.
FUND_TABLES: tuple[tuple[str, str], ...] = (("gpb", "YS05"), ("gov_fund", "YS09"), ("soe", "YS13"))

_SPENDING_SUMS = (
    ("basic", ("wage", "family", "goods", "capital")),
    ("project", ("operating", "target")),
    ("total", ("basic", "project")),
)

SANGONG_NOTE = (
    "注：按照党中央、国务院有关规定及部门预算管理有关规定，“三公”经费包括因公出国（境）费、"
    "公务用车购置及运行费和公务接待费。（1）因公出国（境）费，指单位工作人员公务出国（境）的住宿费、"
    "差旅费、伙食补助费、杂费、培训费等支出。（2）公务用车购置及运行费，指单位公务用车购置费及租用费、"
    "燃料费、维修费、过路过桥费、保险费、安全奖励费用等支出，公务用车指用于履行公务的机动车辆，"
    "包括一般公务用车和执法执勤用车。（3）公务接待费，指单位按规定开支的各类公务接待（含外宾接待）支出。"
)


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        code="YS01",
        title="部门收支总体情况表",
        columns=(
            Column("in_label", "收入项目", "text", 30),
            _amount("in_amount", "收入金额", 14),
            Column("out_label", "支出项目", "text", 30),
            _amount("out_amount", "支出金额", 14),
        ),
        header=(
            (_h("收入", colspan=2), _h("支出", colspan=2)),
            (_h("项目"), _h("金额"), _h("项目"), _h("金额")),
        ),
        hint="单位：万元。项目栏已按规范列出，请勿改动；金额可留空，由YS02、YS03自动生成。",
        derived=True,
        widths=(34.0, 16.0, 34.0, 16.0),
    ),
    TableSpec(
        code="YS02",
        sums=(("total", tuple(key for key, _, _ in INCOME_SOURCES) + ("carryover",)),),
        title="部门收入总体情况表",
        columns=_SUBJECT
        + (_amount("total", "合计"),)
        + tuple(_amount(key, label) for key, label, _ in INCOME_SOURCES)
        + (_amount("carryover", "上年结转结余"),),
        header=(
            (
                _h("科目编码", colspan=3),
                _h("单位代码", rowspan=2),
                _h("单位（科目名称）", rowspan=2),
                _h("合计", rowspan=2),
            )
            + tuple(_h(label, rowspan=2) for _, label, _ in INCOME_SOURCES)
            + (_h("上年结转结余", rowspan=2),),
            (_h("类"), _h("款"), _h("项")),
        ),
        hint=(
            "单位：万元。行次同YS03。全部收入均为一般公共预算时可整表留空，由YS03自动生成；"
            "有其他收入来源时请按来源填写。"
        ),
        derived=True,
        landscape=True,
        widths=(3.5, 3.0, 3.0, 5.5, 15.0) + (6.35,) * 11,
    ),
    TableSpec(
        code="YS03",
        sums=_SPENDING_SUMS,
        title="部门支出总体情况表",
        columns=_SPENDING_COLUMNS,
        header=_SPENDING_HEADER,
        hint=_SPENDING_HINT,
        landscape=True,
        widths=_SPENDING_WIDTHS,
    ),
    TableSpec(
        code="YS04",
        title="财政拨款收支总体情况表",
        columns=(
            Column("in_label", "收入项目", "text", 26),
            _amount("in_amount", "收入金额"),
            Column("out_label", "支出项目", "text", 30),
            _amount("out_total", "支出合计"),
            _amount("out_gpb", "一般公共预算小计"),
            _amount("out_gpb_fiscal", "其中：财政拨款"),
            _amount("out_gov_fund", "政府性基金"),
            _amount("out_soe", "国有资本经营预算"),
        ),
        header=(
            (_h("收入", colspan=2), _h("支出", colspan=6)),
            (
                _h("项目", rowspan=2),
                _h("金额", rowspan=2),
                _h("项目", rowspan=2),
                _h("合计", rowspan=2),
                _h("一般公共预算", colspan=2),
                _h("政府性基金", rowspan=2),
                _h("国有资本经营预算", rowspan=2),
            ),
            (_h("小计"), _h("其中：财政拨款")),
        ),
        hint="单位：万元。项目栏已按规范列出，请勿改动；金额可留空，由YS05、YS09、YS13自动生成。",
        derived=True,
        landscape=True,
        widths=(20.0, 10.0, 25.0, 9.0, 9.0, 9.0, 9.0, 9.0),
    ),
    TableSpec(
        code="YS05",
        sums=_SPENDING_SUMS,
        title="一般公共预算支出情况表",
        columns=_SPENDING_COLUMNS,
        header=_SPENDING_HEADER,
        hint="单位：万元。YS03中一般公共预算安排的部分；全部支出均为一般公共预算时可整表留空，由YS03自动生成。",
        derived=True,
        landscape=True,
        widths=_SPENDING_WIDTHS,
    ),
    TableSpec(
        code="YS06",
        sums=(("total", ("personnel", "public")),),
        detail=("item",),
        title="一般公共预算基本支出情况表",
        columns=(
            Column("dept_code", "部门经济分类科目编码", "code", 10, hint="部门预算支出经济分类款级编码，如 30101"),
            Column("dept_name", "部门经济分类科目名称", "text", 24),
            Column("gov_code", "政府经济分类科目编码", "code", 10, hint="政府预算支出经济分类款级编码，如 50101"),
            Column("gov_name", "政府经济分类科目名称", "text", 20),
            _amount("total", "合计"),
            _amount("personnel", "人员经费"),
            _amount("public", "公用经费"),
        ),
        header=(
            (
                _h("部门预算支出经济分类科目", colspan=2),
                _h("政府预算支出经济分类科目", colspan=2),
                _h("本年一般公共预算基本支出", colspan=3),
            ),
            (
                _h("科目编码"),
                _h("科目名称"),
                _h("科目编码"),
                _h("科目名称"),
                _h("合计"),
                _h("人员经费"),
                _h("公用经费"),
            ),
        ),
        hint="单位：万元。先填汇总行（可留空），再每个经济分类科目一行；同一科目可出现多行。",
        widths=(11.0, 25.0, 11.0, 20.0, 11.0, 11.0, 11.0),
    ),
    TableSpec(
        code="YS07",
        sums=(("total", ("gpb", "gov_fund", "soe", "special_account", "unit_funds")),),
        title="支出经济分类汇总表",
        columns=(
            Column("lei", "类", "code", 6, hint="经济分类类级编码，如 301", digits=3),
            Column("kuan", "款", "code", 5, hint="款，2位，如 01；类汇总行留空", digits=2),
            Column("name", "科目名称", "text", 26),
            _amount("total", "合计"),
            _amount("gpb", "一般公共预算"),
            _amount("gov_fund", "政府性基金预算"),
            _amount("soe", "国有资本经营预算"),
            _amount("special_account", "财政专户管理资金"),
            _amount("unit_funds", "单位资金"),
        ),
        header=(
            (
                _h("科目编码", colspan=2),
                _h("科目名称", rowspan=2),
                _h("合计", rowspan=2),
                _h("一般公共预算", rowspan=2),
                _h("政府性基金预算", rowspan=2),
                _h("国有资本经营预算", rowspan=2),
                _h("财政专户管理资金", rowspan=2),
                _h("单位资金", rowspan=2),
            ),
            (_h("类"), _h("款")),
        ),
        hint="单位：万元。可整表留空，由YS06和YS10（项目的经济分类）自动生成。",
        derived=True,
        widths=(6.0, 4.5, 23.5, 11.0, 11.0, 11.0, 11.0, 11.0, 11.0),
    ),
    TableSpec(
        code="YS08",
        sums=(("vehicle", ("vehicle_purchase", "vehicle_running")), ("total", ("abroad", "vehicle", "reception"))),
        sangong=(
            ("abroad", ("30212",)),
            ("reception", ("30217",)),
            ("vehicle_running", ("30231",)),
            ("vehicle_purchase", ("31013",)),
        ),
        title="一般公共预算“三公”经费支出情况表",
        columns=(
            _amount("total", "“三公”经费合计"),
            _amount("abroad", "因公出国（境）费"),
            _amount("vehicle", "公务用车购置及运行费小计"),
            _amount("vehicle_purchase", "公务用车购置费"),
            _amount("vehicle_running", "公务用车运行费"),
            _amount("reception", "公务接待费"),
        ),
        header=(
            (
                _h("“三公”经费合计", rowspan=2),
                _h("因公出国（境）费", rowspan=2),
                _h("公务用车购置及运行费", colspan=3),
                _h("公务接待费", rowspan=2),
            ),
            (_h("小计"), _h("公务用车购置费"), _h("公务用车运行费")),
        ),
        hint="单位：万元。只填一行；合计、小计可留空，自动汇总。",
        footnote=SANGONG_NOTE,
        widths=(17.0, 17.0, 16.0, 17.0, 17.0, 16.0),
    ),
    TableSpec(
        code="YS09",
        sums=_SPENDING_SUMS,
        title="政府性基金预算支出情况表",
        columns=_SPENDING_COLUMNS,
        header=_SPENDING_HEADER,
        hint="单位：万元。没有政府性基金预算安排时整表留空，公开时列出空表并说明。",
        empty_note="说明：没有政府性基金预算安排的部门单位，本表无数据。",
        landscape=True,
        widths=_SPENDING_WIDTHS,
    ),
    TableSpec(
        code="YS10",
        sums=(
            ("total", ("gpb", "gov_fund", "soe", "co_gpb", "co_gov_fund", "co_soe", "special_account", "unit_funds")),
        ),
        detail=("project",),
        title="项目支出预算表",
        columns=(
            Column("kind", "类型", "choice", 12, choices=PROJECT_KINDS, hint="其他运转类或特定目标类"),
            Column("name", "项目名称", "text", 36),
            Column("unit", "项目单位", "text", 24),
            _amount("total", "合计"),
            _amount("gpb", "本年拨款一般公共预算"),
            _amount("gov_fund", "本年拨款政府性基金预算"),
            _amount("soe", "本年拨款国有资本经营预算"),
            _amount("co_gpb", "结转结余一般公共预算"),
            _amount("co_gov_fund", "结转结余政府性基金预算"),
            _amount("co_soe", "结转结余国有资本经营预算"),
            _amount("special_account", "财政专户管理资金"),
            _amount("unit_funds", "单位资金"),
            Column("project_code", "项目编码", "code", 24, printed=False, hint="不公开；与YS12对应"),
            Column("econ_dept", "部门经济分类", "code", 10, printed=False, hint="不公开；款级，如 30227，用于YS07"),
            Column("econ_gov", "政府经济分类", "code", 10, printed=False, hint="不公开；款级，如 50205，可留空"),
        ),
        header=(
            (
                _h("类型", rowspan=2),
                _h("项目名称", rowspan=2),
                _h("项目单位", rowspan=2),
                _h("合计", rowspan=2),
                _h("本年拨款", colspan=3),
                _h("财政拨款结转结余", colspan=3),
                _h("财政专户管理资金", rowspan=2),
                _h("单位资金", rowspan=2),
                _h("项目编码（不公开）", rowspan=2),
                _h("部门经济分类（不公开）", rowspan=2),
                _h("政府经济分类（不公开）", rowspan=2),
            ),
            (
                _h("一般公共预算"),
                _h("政府性基金预算"),
                _h("国有资本经营预算"),
                _h("一般公共预算"),
                _h("政府性基金预算"),
                _h("国有资本经营预算"),
            ),
        ),
        hint=(
            "单位：万元。汇总行和单位行可留空；单位行在“项目名称”栏填单位代码。每个项目一行，"
            "类型选“其他运转类”或“特定目标类”。最后三栏不公开，用于YS07和YS12。"
        ),
        landscape=True,
        widths=(7.5, 21.5, 12.5) + (6.5,) * 9,
    ),
    TableSpec(
        code="YS11",
        title="部门（单位）整体绩效目标表",
        columns=(
            Column("section", "栏目", "choice", 12, choices=YS11_SECTIONS),
            Column("level1", "一级指标（任务名称）", "text", 18),
            Column("level2", "二级指标", "text", 16),
            Column("level3", "三级指标", "text", 20),
            Column("value", "指标值", "text", 10),
            Column("text", "指标值说明（主要内容）", "text", 60),
        ),
        header=(
            (
                _h("栏目"),
                _h("一级指标（任务名称）"),
                _h("二级指标"),
                _h("三级指标"),
                _h("指标值"),
                _h("指标值说明（主要内容）"),
            ),
        ),
        hint=(
            "栏目选“年度履职目标”（内容填在末栏）、“年度主要任务”（任务名称填第二栏，主要内容填末栏）"
            "或“绩效指标”（一、二级指标与上一行相同时可留空）。预算情况由其他表自动生成。"
        ),
        widths=(14.0, 14.0, 16.0, 10.0, 46.0),
    ),
    TableSpec(
        code="YS12",
        sums=(("total", ("gov_funds", "special_account", "unit_funds")),),
        detail=("project",),
        title="部门预算项目绩效目标汇总表",
        columns=(
            Column("code", "单位编码（项目编码）", "code", 24),
            Column("name", "项目单位（项目名称）", "text", 30),
            _amount("total", "资金总额"),
            _amount("gov_funds", "政府预算资金"),
            _amount("special_account", "财政专户管理资金"),
            _amount("unit_funds", "单位资金"),
            Column("cost_ind", "成本指标三级指标", "text", 14),
            Column("cost_val", "成本指标指标值", "text", 10),
            Column("output_ind", "产出指标三级指标", "text", 14),
            Column("output_val", "产出指标指标值", "text", 10),
            Column("effect_ind", "效益指标三级指标", "text", 14),
            Column("effect_val", "效益指标指标值", "text", 10),
            Column("satisfaction_ind", "满意度指标三级指标", "text", 14),
            Column("satisfaction_val", "满意度指标指标值", "text", 10),
        ),
        header=(
            (
                _h("单位编码（项目编码）", rowspan=3),
                _h("项目单位（项目名称）", rowspan=3),
                _h("项目金额（万元）", colspan=4),
                _h("绩效目标", colspan=8),
            ),
            (
                _h("资金总额", rowspan=2),
                _h("政府预算资金", rowspan=2),
                _h("财政专户管理资金", rowspan=2),
                _h("单位资金", rowspan=2),
                _h("成本指标", colspan=2),
                _h("产出指标", colspan=2),
                _h("效益指标", colspan=2),
                _h("满意度指标", colspan=2),
            ),
            (_h("三级指标"), _h("指标值")) * 4,
        ),
        hint=(
            "单位：万元。每个项目的第一行填项目编码、名称和金额；指标多于一个时，在下面的行里续填指标，"
            "编码、名称、金额留空。汇总行由YS10自动生成。"
        ),
        landscape=True,
        widths=(12.0, 11.0, 6.5, 6.5, 5.5, 6.5) + (7.5, 5.5) * 4,
    ),
    TableSpec(
        code="YS13",
        sums=_SPENDING_SUMS,
        title="国有资本经营支出预算表",
        columns=_SPENDING_COLUMNS,
        header=_SPENDING_HEADER,
        hint="单位：万元。没有国有资本经营预算安排时整表留空，公开时列出空表并说明。",
        empty_note="说明：没有国有资本经营支出预算安排的部门单位，本表无数据。",
        landscape=True,
        widths=_SPENDING_WIDTHS,
    ),
    TableSpec(
        code="YS14",
        detail=("item",),
        title="行政（事业）单位机构运行经费表",
        columns=(
            Column("code", "科目编码", "code", 10),
            Column("name", "科目名称", "text", 28),
            _amount("total", "合计"),
        ),
        header=(
            (_h("部门预算支出经济分类项目", colspan=2), _h("机构运行经费支出")),
            (_h("科目编码"), _h("科目名称"), _h("合计")),
        ),
        hint="单位：万元。可整表留空，由YS06的公用经费科目自动生成。",
        derived=True,
        widths=(25.0, 45.0, 30.0),
    ),
)

TABLES_BY_CODE: dict[str, TableSpec] = {t.code: t for t in TABLES}


# --- The narrative facts (基本信息) -------------------------------------------------------

FactKind = Literal["text", "list", "year", "amount", "count", "code"]


@dataclass(frozen=True)
class Fact:
    """One labelled fact on the 基本信息 sheet."""

    key: str
    label: str
    kind: FactKind
    required: bool = True
    hint: str = ""
    default: str = ""  # used when the cell is left empty (only for optional facts)
    # True: the fact describes the bureau, not the year, and ``init --from`` carries it into next
    # year's workbook (unless worded with the old year); False: the clerk fills it anew each year.
    carry: bool = False


FACTS_SHEET = "基本信息"
FACTS_HEADER = ("项目", "内容", "填写说明")

FACTS: tuple[Fact, ...] = (
    Fact("bureau", "部门名称", "text", hint="全文统一使用的部门（单位）全称", carry=True),
    Fact("year", "预算年度", "year", hint="四位年份，如 2024"),
    Fact("dept_code", "部门编码", "code", hint="预算系统中的部门编码，如 021", carry=True),
    Fact("unit_code", "单位编码", "code", hint="本级单位编码，如 021001", carry=True),
    Fact(
        "fiscal_level",
        "财政级次",
        "text",
        required=False,
        hint="财政级次用语：市级、县级等（默认市级）",
        default="市级",
        carry=True,
    ),
    Fact("duties", "主要职责", "list", hint="每条职责一行，本栏可连续多行（项目栏留空表示续上一项）", carry=True),
    Fact("divisions", "内设机构", "list", hint="每个内设机构一行，个数自动统计", carry=True),
    Fact("composition", "预算单位构成", "text", hint="如：某某局本级预算；有所属单位时逐一列明", carry=True),
    Fact("reason_income", "收入增减原因", "text", required=False, hint="收入总计与上年相比增减的主要原因"),
    Fact("reason_spending", "支出增减原因", "text", required=False, hint="支出总计与上年相比增减的主要原因"),
    Fact("reason_gpb", "一般公共预算增减原因", "text", required=False),
    Fact("reason_gov_fund", "政府性基金增减原因", "text", required=False),
    Fact("reason_soe", "国有资本经营预算增减原因", "text", required=False),
    Fact("reason_abroad", "因公出国（境）费增减原因", "text", required=False),
    Fact("reason_reception", "公务接待费增减原因", "text", required=False),
    Fact("reason_vehicle_purchase", "公务用车购置费增减原因", "text", required=False),
    Fact("reason_vehicle_running", "公务用车运行费增减原因", "text", required=False),
    Fact("reason_operating_cost", "机构运行经费增减原因", "text", required=False),
    Fact(
        "personnel_items", "人员经费主要包括", "text", hint="一般公共预算基本支出说明中人员经费的主要内容", carry=True
    ),
    Fact("public_items", "公用经费主要包括", "text", hint="如：在职人员定额公用经费等", carry=True),
    Fact(
        "gov_fund_use",
        "政府性基金用途",
        "text",
        required=False,
        hint="有政府性基金支出时说明用途；没有时可留空",
        default="我单位无政府性基金预算支出。",
    ),
    Fact("procurement_goods", "政府采购货物预算", "amount", hint="万元，没有填 0"),
    Fact("procurement_works", "政府采购工程预算", "amount", hint="万元，没有填 0"),
    Fact("procurement_services", "政府采购服务预算", "amount", hint="万元，没有填 0"),
    Fact("vehicles_general", "一般公务用车", "count", hint="上年末车辆数（辆），没有填 0"),
    Fact("vehicles_enforcement", "一般执法执勤用车", "count", hint="辆，没有填 0"),
    Fact("vehicles_special", "特种专业技术用车", "count", hint="辆，没有填 0"),
    Fact("vehicles_other", "其他用车", "count", hint="辆，没有填 0"),
    Fact("vehicles_other_note", "其他用车主要是", "text", required=False, default="无其他车辆"),
    Fact("equipment_general", "单价50万元以上通用设备", "count", hint="套，没有填 0"),
    Fact("equipment_special", "单位价值100万元以上专用设备", "count", hint="套，没有填 0"),
    Fact("transfer_count", "专项转移支付项目数", "count", hint="负责管理的专项转移支付项目个数，没有填 0"),
    Fact("transfer_note", "专项转移支付项目主要是", "text", required=False, default="无转移支付项目"),
    Fact("key_evaluation", "重点评价项目说明", "text", required=False, hint="如：我部门（单位）2024年无重点评价项目。"),
    Fact(
        "glossary",
        "名词解释",
        "list",
        required=False,
        hint="每条一行，写成“名词：解释”；本栏可连续多行；留空则使用标准名词解释（按财政级次措辞）",
        carry=True,
    ),
)


# --- Last year's figures (上年数) -----------------------------------------------------------


@dataclass(frozen=True)
class PriorFigure:
    """One of last year's figures that the narrative compares with."""

    key: str
    label: str
    hint: str = ""


PRIOR_SHEET = "上年数"
PRIOR_HEADER = ("项目", "上年预算数（万元）", "填写说明")

PRIOR: tuple[PriorFigure, ...] = (
    PriorFigure("income_total", "收入总计", "上年部门预算收入总计"),
    PriorFigure("spending_total", "支出总计", "上年部门预算支出总计"),
    PriorFigure("gpb", "一般公共预算收支预算"),
    PriorFigure("gov_fund", "政府性基金收支预算"),
    PriorFigure("soe", "国有资本经营预算收支预算"),
    PriorFigure("abroad", "因公出国（境）费"),
    PriorFigure("reception", "公务接待费"),
    PriorFigure("vehicle_purchase", "公务用车购置费"),
    PriorFigure("vehicle_running", "公务用车运行费"),
    PriorFigure("operating_cost", "机构运行经费"),
)

ALL_SHEETS: tuple[str, ...] = (FACTS_SHEET, PRIOR_SHEET) + tuple(t.sheet_name for t in TABLES)


@dataclass(frozen=True)
class Placeholders:
    """Text that marks a cell as not yet filled in."""

    markers: tuple[str, ...] = field(default=("XX", "××", "……", "待填写", "待补充"))


PLACEHOLDERS = Placeholders()
