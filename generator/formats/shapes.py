"""Declare the shape of a format folder's files: every key, its type, its default and what it means.

The reader (``declare.py``) checks each file against these shapes; the README's section on formats
is written from them (``tools/readme_formats.py``), so what a key means is said once, here.
"""

from __future__ import annotations

from generator.formats.declare import Key, Shape

# The files of a format folder, in the order they are read, with what each declares.
FILES: tuple[tuple[str, str, str], ...] = (
    ("format.yaml", "format", "the format's name, title and units"),
    ("tables.yaml", "tables_file", "the published tables: columns, header tree, row grammar, sums, notes"),
    ("workbook.yaml", "workbook_file", "the narrative facts (基本信息) and last year's figures (上年数)"),
    ("document.yaml", "document_file", "the document: parts and numbered sections, the 附件's tables, the 名词解释"),
    ("checks.yaml", "checks_file", "engine declared only: the checks, as relations between cells, rows and tables"),
    ("figures.yaml", "figures_file", "engine declared only: the narrative's figures and lists, by name"),
)
# The files only a format computed from its declarations has (``engine: declared``).
DECLARED_FILES = ("checks.yaml", "figures.yaml")

COLUMN_KINDS = ("code", "text", "amount", "choice")
# How a table's data rows are told apart (``workbook/load.classify``): each grammar names the row kinds it yields.
ROW_GRAMMARS: dict[str, str] = {
    "subjects": "功能分类 rows under unit rows: item (类/款/项 given), unit (单位代码 given), sum (合计), total",
    "lines": "fixed labelled lines (a 收支总表, the 三公 row): every row is a line",
    "economic": "经济分类 items (first code column given), then sum (合计) and total rows",
    "classes": "经济分类 类 rows (class) with their 款 rows (item), sum and total",
    "projects": "projects (类型 given), unit rows (名称 or 单位 given), total",
    "indicators": "projects (编码 and 名称 given), their continuation rows (neither), unit and total rows (编码 only)",
    "form": "a form's entries; the first column carries down to the rows below it",
    "tree": "codes split over the `levels` columns: class (first level given), subclass (a middle level), item "
    "(the last level); sum (合计)",
}
# The columns each grammar reads by name (``economic`` reads its first two columns: a code, then a name).
ROW_GRAMMAR_COLUMNS: dict[str, tuple[str, ...]] = {
    "subjects": ("lei", "kuan", "xiang", "unit_code", "name"),
    "lines": (),
    "economic": (),
    "classes": ("lei", "kuan", "name"),
    "projects": ("kind", "name", "unit"),
    "indicators": ("code", "name"),
    "form": (),
    "tree": ("name",),
}
TABLE_KINDS = ("grid", "form")
TABLE_UNITS = ("万元", "元")  # a table's amounts: as typed in the workbook and printed
NARRATIVE_UNITS = ("万元",)  # the narrative's amounts (the Henan engine's sentences say 万元)
# What the engine does with a table (``stages/derive``, ``stages/check``, ``stages/compute``): each
# role is one table's part in the derivations and checks, and a budget format gives every role to
# exactly one of its tables. Generic code asks the format for a role's table (``Format.role``),
# never for a code.
TABLE_ROLES: dict[str, str] = {
    "summary": "the 收支总表: income by source and spending by 功能分类 类, derived from income and spending",
    "income": "income by source, on the rows of the spending table",
    "spending": "all spending by unit and 功能分类, basic and project: the table the others split or detail",
    "fiscal_summary": "the 财政拨款 收支总表: income and spending by fund, derived from the fund tables",
    "gpb_spending": "the 一般公共预算 part of the spending table (a fund table)",
    "gpb_basic": "the 一般公共预算 basic spending by 经济分类: the detail of gpb_spending's 基本支出",
    "economic": "all spending by 经济分类 and source, derived from gpb_basic and projects",
    "sangong": "the 三公 row, each column at least the spending booked under its 经济分类",
    "gov_fund_spending": "the 政府性基金预算 part of the spending table (a fund table)",
    "projects": "the projects: the spending table's 项目支出, by type, with their 经济分类",
    "performance": "the 整体绩效目标 form",
    "project_goals": "the projects' 绩效目标, matched to projects by 项目编码",
    "soe_spending": "the 国有资本经营预算 part of the spending table (a fund table)",
    "operating_cost": "the 机构运行经费: gpb_basic's 公用经费 items",
}
# The fund tables that split each row of the spending table, by the 财政拨款 budget they spend.
FUND_ROLES: tuple[tuple[str, str], ...] = (
    ("gpb", "gpb_spending"),
    ("gov_fund", "gov_fund_spending"),
    ("soe", "soe_spending"),
)
# What a budget format's table gives a 决算 (its 年初预算数, ``init --budget``/``check --budget``): a
# budget table declares the measures its columns give (``measures``), a 决算's column the measure it
# takes (``from_budget``); matched by name, so a 决算 reads a budget workbook of any format.
MEASURES: dict[str, str] = {
    "gpb_spending": "一般公共预算财政拨款支出, by 功能分类 code",
    "gov_fund_spending": "政府性基金预算财政拨款支出, by 功能分类 code",
    "soe_spending": "国有资本经营预算财政拨款支出, by 功能分类 code",
    "sangong_total": "“三公”经费合计",
    "sangong_abroad": "因公出国（境）费",
    "sangong_vehicle": "公务用车购置及运行费小计",
    "sangong_vehicle_purchase": "公务用车购置费",
    "sangong_vehicle_running": "公务用车运行费",
    "sangong_reception": "公务接待费",
}
# The measures given by 功能分类 code (a tree or subjects table: 类, 款, 项 and the 合计); the others are
# one figure each (a lines table's first row).
CODE_MEASURES = ("gpb_spending", "gov_fund_spending", "soe_spending")
FACT_KINDS = ("text", "list", "year", "amount", "count", "code")
FORMAT_KINDS = ("budget", "final")  # 预算公开, 决算公开
# What computes a format: Henan's Python (derivations, checks, document), or its declarations alone.
ENGINES = ("henan", "declared")
ANNEX_NUMBERS = ("chinese", "arabic")
HENAN_META = ["部门：{bureau}", "{year}年度", "{code}", "单位：{unit}"]
# The rules a declared check may name (stages/check/registry.py), and the functions of an expression.
CHECK_KINDS = ("tree", "equal", "at_least", "match", "explain")
# What a declared chart draws (stages/charts.py builds it, render/charts.py draws it), as figures.yaml names it.
CHART_KINDS: dict[str, str] = {
    "bars": "columns, this year against last year: each figure one with a prior",
    "hbars": "horizontal bars of parts, largest first, each with its share; a zero part left out",
    "pie": "slices of the whole the parts make, each with its share; a zero part left out, one part no pie",
}

SHAPES: dict[str, Shape] = {
    s.name: s
    for s in (
        Shape(
            "format",
            "format.yaml: who the format is",
            (
                Key(
                    "name",
                    "text",
                    "the name a workbook gives on 基本信息 in the row 公开格式 (lowercase letters, digits, - and _)",
                    True,
                ),
                Key("title", "text", "the format's name as a clerk reads it, in Chinese", True),
                Key("kind", "text", "budget (预算公开) or final (决算公开)", default="budget", choices=FORMAT_KINDS),
                Key(
                    "engine",
                    "text",
                    "what computes it: henan (Henan's derivations and checks, in Python) or declared (checks.yaml "
                    "and figures.yaml alone)",
                    default="henan",
                    choices=ENGINES,
                ),
                Key("template", "text", "the narrative template (in templates/)", default="document.html.j2"),
                Key(
                    "document_title",
                    "text",
                    "the document's title; {year} and {bureau} are filled in; a profile's title wins",
                    default="{year}年{bureau}部门（单位）预算公开",
                ),
                Key(
                    "table_meta",
                    "texts",
                    "the line above each table, one text a part; {bureau}, {year}, {code} and {unit} are filled in",
                    default=HENAN_META,
                ),
                Key(
                    "annex_numbers",
                    "text",
                    "how the 附件's tables are numbered",
                    default="chinese",
                    choices=ANNEX_NUMBERS,
                ),
                Key("numbers", "map", "how the narrative prints an amount", default={}, shape="numbers"),
                Key("unit", "text", "the unit of the narrative's amounts", default="万元", choices=NARRATIVE_UNITS),
                Key("source", "text", "where the format comes from (the document or rule it follows)", default=""),
            ),
        ),
        Shape(
            "tables_file",
            "tables.yaml: the published tables",
            (
                Key("column_sets", "column_sets", "named lists of columns tables share (`- use: NAME`)", default={}),
                Key("header_sets", "header_sets", "named header trees that tables share (`header: NAME`)", default={}),
                Key("tables", "list", "the tables, one mapping each", True, shape="table"),
            ),
        ),
        Shape(
            "table",
            "one published table, and its sheet in the workbook",
            (
                Key("code", "text", "the table's code, its sheet's first word (YS03)", True),
                Key(
                    "role",
                    "text",
                    "engine henan: what the engine does with it, its part in the derivations and checks, one table "
                    "each (required there; a declared format has none)",
                    default="",
                    choices=tuple(TABLE_ROLES),
                ),
                Key("title", "text", "the title printed above the table and on its sheet", True),
                Key(
                    "rows",
                    "text",
                    "how its data rows are told apart: its row grammar",
                    True,
                    choices=tuple(ROW_GRAMMARS),
                ),
                Key("columns", "columns", "its columns, left to right; `- use: NAME` inserts a column set", True),
                Key(
                    "header",
                    "header",
                    "the published header: rows of cells (text, colspan, rowspan), or a header set's name",
                    True,
                ),
                Key("hint", "text", "the line under the title on the sheet: what the clerk fills", default=""),
                Key(
                    "unit",
                    "text",
                    "the unit its amounts are typed and printed in (the 尾差 envelope follows it)",
                    default="万元",
                    choices=TABLE_UNITS,
                ),
                Key("levels", "texts", "rows tree: its code columns, outermost first (类, 款, 项)", default=[]),
                Key("print_zero", "bool", "a zero amount printed as 0.00 (else the cell is left blank)", default=False),
                Key(
                    "kind",
                    "text",
                    "grid (a table) or form (label and value cells)",
                    default="grid",
                    choices=TABLE_KINDS,
                ),
                Key(
                    "derived",
                    "bool",
                    "may be left empty: derived from other tables, cross-checked when filled",
                    default=False,
                ),
                Key(
                    "optional",
                    "bool",
                    "a bureau may leave it out of its publication (profile.toml's [format] drop_tables)",
                    default=False,
                ),
                Key("empty_note", "text", "printed under the table when it has no data", default=""),
                Key("footnote", "text", "printed under the table always", default=""),
                Key("landscape", "bool", "printed on a landscape page", default=False),
                Key("widths", "numbers", "printed column widths, in percent of the text width", default=[]),
                Key(
                    "sums",
                    "sums",
                    "row-internal sums, innermost first: `parent: [parts]`; derived where the "
                    "parent is empty, checked where filled",
                    default=[],
                ),
                Key(
                    "detail",
                    "texts",
                    "the row kinds a total row sums, for tables not shaped like the 功能分类 tables",
                    default=[],
                ),
                Key("sangong", "sums", "三公 columns and the 经济分类 款 their spending is booked under", default=[]),
                Key(
                    "right_half",
                    "texts",
                    "printed in two halves side by side: the rows of these codes (a 类 and its 款) and these "
                    "uncoded rows (by name) on the right, the others on the left; uncoded rows close both halves",
                    default=[],
                ),
                Key(
                    "measures",
                    "measures",
                    "a budget table: `NAME: column`, the column giving measure NAME to a 决算's 年初预算数 "
                    "(`init --budget`, `check --budget`): "
                    + "; ".join(f"{k}: {v}" for k, v in MEASURES.items())
                    + " (by code: a tree or subjects table; the others: a lines table's first row)",
                    default=[],
                    choices=tuple(MEASURES),
                ),
            ),
        ),
        Shape(
            "column",
            "one column of a table (a list item; `use: NAME` instead inserts a column set)",
            (
                Key("key", "text", "the column's name in the declarations (lowercase letters, digits and _)", True),
                Key("label", "text", "its lowest header text, used in messages", True),
                Key("kind", "text", "what a cell holds", True, choices=COLUMN_KINDS),
                Key("width", "number", "Excel column width, in characters", default=12.0),
                Key("printed", "bool", "false: an input the published table does not show", default=True),
                Key("choices", "texts", "for kind choice: the values a cell may hold", default=[]),
                Key("hint", "text", "the cell comment on the sheet", default=""),
                Key(
                    "digits", "int", "a code typed as a number is left-padded with zeros to this many digits", default=0
                ),
                Key(
                    "from_budget",
                    "text",
                    "a 决算's 年初预算数 column: the measure (a budget table's `measures`) that `init --budget` "
                    "fills it with and `check --budget` compares it with, by the row's code (rows tree) or as the "
                    "one figure (rows lines)",
                    default="",
                    choices=tuple(MEASURES),
                ),
            ),
        ),
        Shape(
            "header_cell",
            "one cell of a header row",
            (
                Key("text", "text", "the printed text", True),
                Key("colspan", "int", "columns it spans", default=1),
                Key("rowspan", "int", "header rows it spans", default=1),
            ),
        ),
        Shape(
            "workbook_file",
            "workbook.yaml: what the workbook asks for besides the tables",
            (
                Key("facts", "list", "the 基本信息 sheet's facts, in order", True, shape="fact"),
                Key("prior", "list", "the 上年数 sheet's figures, in order", True, shape="prior"),
            ),
        ),
        Shape(
            "fact",
            "one narrative fact (基本信息): label in column A, value in column B",
            (
                Key("key", "text", "its name in the templates (doc.facts.KEY)", True),
                Key("label", "text", "the label in column A", True),
                Key("kind", "text", "what the value is", True, choices=FACT_KINDS),
                Key("required", "bool", "must be filled", default=True),
                Key("hint", "text", "the 填写说明 beside it", default=""),
                Key("default", "text", "used when an optional fact is left empty and the tables agree", default=""),
                Key(
                    "carry",
                    "bool",
                    "describes the bureau: `init --from` carries it into next year's workbook",
                    default=False,
                ),
            ),
        ),
        Shape(
            "prior",
            "one of last year's figures (上年数) the narrative compares with",
            (
                Key("key", "text", "its name", True),
                Key("label", "text", "the label in column A", True),
                Key("hint", "text", "the 填写说明 beside it", default=""),
            ),
        ),
        Shape(
            "document_file",
            "document.yaml: the document's frame",
            (
                Key("parts", "list", "the parts of the document, in order", True, shape="part"),
                Key(
                    "annex", "texts", "the tables of the 附件, in order (their codes); numbered 一、二… as listed", True
                ),
                Key(
                    "glossary",
                    "list",
                    "the standard 名词解释, used when the workbook gives none",
                    default=[],
                    shape="term",
                ),
            ),
        ),
        Shape(
            "part",
            "one part (第一部分 …) and its numbered sections",
            (
                Key("id", "text", "the part's template block and anchor (part1)", True),
                Key("sections", "list", "its sections, numbered 一、二… in this order", default=[], shape="section"),
            ),
        ),
        Shape(
            "section",
            "one numbered section: the template block that writes it, and its heading",
            (
                Key("id", "text", "the template block that writes the section (s8, duties)", True),
                Key("heading", "text", "the heading after its number; {bureau} and {year} are filled in", True),
                Key(
                    "facts",
                    "texts",
                    "the 基本信息 facts it prints: not asked for when the bureau drops the section",
                    default=[],
                ),
                Key(
                    "prior",
                    "texts",
                    "the 上年数 figures it compares with: not asked for when the bureau drops the section",
                    default=[],
                ),
                Key(
                    "toc",
                    "text",
                    "listed in the 目录 with this text (and anchored by its id); empty: not listed",
                    default="",
                ),
            ),
        ),
        Shape(
            "term",
            "one 名词解释 item",
            (
                Key("term", "text", "the term", True),
                Key("text", "text", "its explanation; {财政级次} is filled in (市级, 县级…)", True),
            ),
        ),
        Shape(
            "numbers",
            "how the narrative prints an amount (format.yaml's numbers)",
            (
                Key("thousands", "bool", "thousands separators: 3,121.42", default=False),
                Key("zero", "text", 'what a zero prints as ("0" or "0.00")', default="0.00"),
            ),
        ),
        Shape(
            "checks_file",
            "checks.yaml: the checks of a declared format",
            (Key("checks", "list", "the checks, in the order they run", True, shape="check"),),
        ),
        Shape(
            "check",
            "one check: a relation between cells, rows or tables, and what a finding says",
            (
                Key(
                    "tree",
                    "texts",
                    "合计不符: in each of these tables (rows tree) each class, subclass and the sum "
                    "row equals the rows below it, every amount column",
                    default=[],
                ),
                Key("equal", "texts", "two expressions that must be equal (within the 尾差 envelope)", default=[]),
                Key("at_least", "texts", "two expressions: the first must not be less than the second", default=[]),
                Key("match", "map", "two tables whose rows of the same code must be equal", default={}, shape="match"),
                Key(
                    "explain",
                    "map",
                    "rows whose actual amount differs from their budget must give a reason (决算数与预算数不同)",
                    default={},
                    shape="explain",
                ),
                Key("rule", "text", "the rule it reports under (check --rules), e.g. 表间不符", default=""),
                Key("message", "text", "what a finding says", default=""),
            ),
        ),
        Shape(
            "match",
            "two tables compared row by row (rows of the same code)",
            (
                Key("tables", "texts", "the two tables; findings are reported in the first", True),
                Key("columns", "texts", "the column of each table compared", True),
                Key("kinds", "texts", "the row kinds compared (class, subclass, item)", default=["item"]),
                Key(
                    "by",
                    "text",
                    "the first table's text column naming each row, when it has no codes (a 总表's "
                    "“八、社会保障和就业支出” lines): matched to the second's rows by name, ordinal dropped",
                    default="",
                ),
            ),
        ),
        Shape(
            "explain",
            "rows whose 决算数 differs from their 年初预算数, and the column giving the reason",
            (
                Key("tables", "texts", "the tables whose rows are compared", True),
                Key("actual", "text", "the amount column of the actual figure (决算数)", True),
                Key("budget", "text", "the amount column of the budget (年初预算数)", True),
                Key("reason", "text", "the text column that must say why they differ", True),
                Key("kinds", "texts", "the row kinds compared (class, subclass, item, line)", default=["item"]),
            ),
        ),
        Shape(
            "figures_file",
            "figures.yaml: the narrative's figures and lists, by name",
            (
                Key(
                    "figures",
                    "figures",
                    "each figure: an expression, or {value: …, prior: 上年数 key} for a figure compared with last year",
                    default=[],
                ),
                Key("lists", "lists", "each list: rows of tables, with an amount and a text each", default=[]),
                Key(
                    "shares",
                    "sums",
                    "each share: `name: [part, whole]`, two figures; printed as a percentage to the cent "
                    "(doc.share.NAME), none of a zero whole",
                    default=[],
                ),
                Key(
                    "charts",
                    "list",
                    "the charts drawn when a bureau wants them (--charts), each after its block chart_NAME",
                    default=[],
                    shape="chart",
                ),
                Key(
                    "summary",
                    "list",
                    "the columns of this format's sheet in a batch's 汇总.xlsx and index.html, in order (none: "
                    "the budget figures of jobs/summary.FIGURES that it has)",
                    default=[],
                    shape="summary_column",
                ),
            ),
        ),
        Shape(
            "chart",
            "one chart: what it draws, from the figures the text prints",
            (
                Key("name", "text", "its key: the template shows it in block chart_NAME (charts.NAME)", True),
                Key("kind", "text", "what it draws", True, choices=tuple(CHART_KINDS)),
                Key("title", "text", "its caption after 图N and the year (2024年…; bars: …与2023年对比)", True),
                Key(
                    "figures",
                    "pairs",
                    "what it draws: `[label, figure]` pairs, in order (bars: figures with a prior)",
                    True,
                ),
            ),
        ),
        Shape(
            "summary_column",
            "one column of a batch's summary: a figure, its 年初预算 or its 完成率 (exactly one of the three)",
            (
                Key("figure", "text", "a figure: its amount, in 万元", default=""),
                Key("budget", "text", "a figure with a budget: its 年初预算 (doc.plan), in 万元", default=""),
                Key(
                    "plan",
                    "text",
                    "a figure with a budget: its 完成年初预算的百分比 (doc.plan), to the cent; empty of a zero budget",
                    default="",
                ),
                Key("header", "text", "the column's header; 汇总.xlsx adds its unit, （万元） or （%）", True),
            ),
        ),
        Shape(
            "figure",
            "one figure: its expression, and the 上年数 it is compared with",
            (
                Key("value", "text", "the expression (cell, code, total, fact, prior, + and -)", True),
                Key("prior", "text", "the 上年数 key it is compared with: a change (增加/减少/持平)", default=""),
                Key(
                    "reason",
                    "text",
                    "the 基本信息 fact giving the reason of a change: required when it changed",
                    default="",
                ),
                Key(
                    "budget",
                    "text",
                    "an expression: this year's 年初预算 of the figure, compared in doc.plan (完成年初预算的…%, "
                    "none of a zero budget)",
                    default="",
                ),
                Key(
                    "budget_reason",
                    "text",
                    "the 基本信息 fact saying why the figure differs from its budget: required when it does",
                    default="",
                ),
            ),
        ),
        Shape(
            "list",
            "one list over the rows of tables (e.g. each 项 with its amount and purpose)",
            (
                Key("tables", "texts", "the tables whose rows it lists, in order", True),
                Key("kind", "text", "the row kind listed", default="item"),
                Key("amount", "text", "the amount column (none: rows listed by name, whatever they hold)", default=""),
                Key("text", "text", "a list fact whose lines are “CODE：text”, giving each row its text", default=""),
                Key(
                    "texts", "texts", "text columns of the row itself, given to each item (item.notes.KEY)", default=[]
                ),
                Key(
                    "budget",
                    "text",
                    "the row's amount column holding its 年初预算数: each item compared with it (item.plan)",
                    default="",
                ),
                Key(
                    "reason",
                    "text",
                    "the row's text column saying why its amount differs from its budget (item.plan.reason)",
                    default="",
                ),
                Key("share_of", "text", "a figure: each item's share of it (item.share, a percentage)", default=""),
                Key(
                    "codes",
                    "texts",
                    "only rows whose code begins with one of these (经济分类 301, 303: the 人员经费 items)",
                    default=[],
                ),
            ),
        ),
    )
}
