"""The checker: each consistency rule (勾稽) caught on a broken copy of the example, at its cell, word for word.

Every case edits the example as a clerk might, then compares the whole list of findings (their
``line()``), so a rule that fires where it should not is caught as surely as one that is silent.
Cells are computed from the schema and from the example's rows, found by their content.
"""

# ruff: noqa: E501 - expected messages and finding lines are quoted whole, word for word

from __future__ import annotations

from decimal import Decimal

import pytest
from support import BUREAU, Editor, findings_of, lines_of, small_row, spec, where

from generator.stages.check import HALF_CENT, check, envelope, fmt, has_errors, judge
from generator.workbook.load import load_workbook

D = Decimal

# YS06's 公用经费 items in the example, as YS14 lists them (domain.md §2 rule 10).
YS14_ITEMS = [
    ("30228", "工会经费", 1.91),
    ("30207", "邮电费", 0.5),
    ("30202", "印刷费", 1.5),
    ("30201", "办公费", 3.65),
    ("30239", "其他交通费用", 8.34),
    ("30229", "福利费", 1.15),
]
# The YS03 合计 row as the seed publishes it (the workbook's items hold more digits).
YS03_TOTALS = {
    "total": 1959.63,
    "basic": 186.13,
    "wage": 153.02,
    "family": 16.06,
    "goods": 17.05,
    "project": 1773.5,
    "operating": 246,
    "target": 1527.5,
}
YS14_FIRST = spec("YS14").data_row  # the example leaves YS14 empty: its items go from here
YS08_ROW = spec("YS08").data_row  # YS08's one data row
YS10_FUNDS = "本年拨款一般公共预算＋本年拨款政府性基金预算＋本年拨款国有资本经营预算＋结转结余一般公共预算＋结转结余政府性基金预算＋结转结余国有资本经营预算＋财政专户管理资金＋单位资金"


def fill_ys14(e: Editor, items=YS14_ITEMS, first: int = YS14_FIRST) -> None:
    """Fill YS14 (left empty in the example) with ``items`` from sheet row ``first``."""
    row = first
    for code, name, amount in items:
        e.fill("YS14", row, code=code, name=name, total=amount)
        row += 1


def test_example_is_clean(example_values):
    assert lines_of(example_values) == []


# --- 1. a detail row off ------------------------------------------------------------------------


def test_ys03_item_total_off(broken, rows):
    """事业单位医疗: 合计 1.84 while 基本支出 is 0.844 and no 项目支出."""
    row = rows.find("YS03", name="事业单位医疗")
    assert where("YS03", "total", row) == "YS03!F12"
    findings = findings_of(broken(lambda e: e.set("YS03", "total", row, 1.84)))
    assert [f.line() for f in findings] == [
        "[错误] YS03!F12 小计不符：合计应等于基本支出小计＋项目支出小计（应为 0.844，实为 1.84）"
    ]
    (f,) = findings
    assert (f.severity, f.sheet, f.cell, f.where, f.rule) == ("error", "YS03", "F12", "YS03!F12", "小计不符")
    assert (f.message, f.expected, f.found) == ("合计应等于基本支出小计＋项目支出小计", "0.844", "1.84")


def test_ys03_item_project_off(broken, rows):
    """其他支持中小企业发展和管理支出: 项目支出 287.60 = 其他运转类 168 + 特定目标类 119.60; 特定目标类 typed 119.06."""
    row = rows.find("YS03", name="其他支持中小企业发展和管理支出")
    path = broken(lambda e: e.set("YS03", "target", row, 119.06))
    assert lines_of(path) == [
        f"[错误] {where('YS03', 'project', row)} 小计不符：项目支出小计应等于其他运转类＋特定目标类（应为 287.06，实为 287.60）",
        "[错误] YS10 表间不符：特定目标类项目之和应等于YS03的特定目标类（应为 1526.96，实为 1527.50）",
    ]


def test_ys06_row_total_off(broken, rows):
    """30108: 合计 16.17 while 人员经费 15.17; YS06's 合计 then also differs from YS05's 基本支出 (a derived total: no cell)."""
    row = rows.find("YS06", dept_code="30108")
    path = broken(lambda e: e.set("YS06", "total", row, 16.17))
    assert lines_of(path) == [
        f"[错误] {where('YS06', 'total', row)} 小计不符：合计应等于人员经费＋公用经费（应为 15.17，实为 16.17）",
        "[错误] YS06 表间不符：基本支出合计应等于YS05的基本支出合计（应为 186.126，实为 187.126）",
    ]


def test_ys06_public_vs_ys05(broken, rows):
    """办公费 moved from 公用经费 to 人员经费: the row still adds up, the split against YS05 does not."""
    row = rows.find("YS06", dept_code="30201")
    path = broken(lambda e: e.fill("YS06", row, personnel=3.65, public=None))
    assert lines_of(path) == [
        "[错误] YS06 表间不符：基本支出人员经费应等于YS05的基本支出人员经费（应为 169.076，实为 172.726）",
        "[错误] YS06 表间不符：基本支出公用经费应等于YS05的基本支出公用经费（应为 17.05，实为 13.40）",
    ]


# --- 2. a total off -------------------------------------------------------------------------------


def test_ys03_total_row_as_published_is_consistent(broken, rows):
    """The seed's printed 合计 row (1959.63 …) over items holding more digits (… 1959.626): no finding."""
    row = rows.end("YS03")
    assert lines_of(broken(lambda e: e.fill("YS03", row, name="合计", **YS03_TOTALS))) == []


def test_ys03_total_row_off(broken, rows):
    row = rows.end("YS03")
    assert row == 16
    path = broken(lambda e: e.fill("YS03", row, name="合计", **{**YS03_TOTALS, "total": 1969.63}))
    assert lines_of(path) == [
        "[错误] YS03!F16 小计不符：合计应等于基本支出小计＋项目支出小计（应为 1959.63，实为 1969.63）",
        "[错误] YS03!F16 合计不符：合计：合计应等于各科目之和（应为 1959.626，实为 1969.63）",
    ]


def test_ys03_unlabelled_total_row_off(broken, rows):
    """A total row without the 合计 label: each filled column against the items, and it is YS03's printed total."""
    row = rows.end("YS03")
    path = broken(lambda e: e.fill("YS03", row, **{**YS03_TOTALS, "basic": 196.13, "wage": 163.02}))
    assert lines_of(path) == [
        f"[错误] {where('YS03', 'total', row)} 小计不符：合计应等于基本支出小计＋项目支出小计（应为 1969.63，实为 1959.63）",
        f"[错误] {where('YS03', 'basic', row)} 合计不符：基本支出小计：合计应等于各科目之和（应为 186.126，实为 196.13）",
        f"[错误] {where('YS03', 'wage', row)} 合计不符：工资福利支出：合计应等于各科目之和（应为 153.016，实为 163.02）",
        # the unlabelled total row is the official total: YS05 (derived from YS03) carries it to YS06
        "[错误] YS06 表间不符：基本支出合计应等于YS05的基本支出合计（应为 196.13，实为 186.126）",
        "[错误] YS06 表间不符：基本支出人员经费应等于YS05的基本支出人员经费（应为 179.08，实为 169.076）",
    ]


def test_total_row_with_only_its_total_filled(broken, rows):
    """The hint lets a clerk leave parts of a total row empty: they are derived, not read as zero."""
    row = rows.end("YS03")
    assert lines_of(broken(lambda e: e.fill("YS03", row, name="合计", total=1959.63))) == []
    path = broken(lambda e: e.fill("YS03", row, name="合计", total=1969.63))
    assert lines_of(path) == [
        f"[错误] {where('YS03', 'total', row)} 合计不符：合计：合计应等于各科目之和（应为 1959.626，实为 1969.63）"
    ]


def test_ys03_unit_row_off(broken, rows):
    unit = rows.find("YS03", unit_code="021001")
    assert lines_of(broken(lambda e: e.set("YS03", "total", unit, 1959.63))) == []
    path = broken(lambda e: e.set("YS03", "total", unit, 1960.63))
    assert lines_of(path) == [
        f"[错误] {where('YS03', 'total', unit)} 合计不符：合计：单位“{BUREAU}”的金额应等于其下各科目之和（应为 1959.626，实为 1960.63）"
    ]


def test_ys06_total_row_off(broken, rows):
    """A 合计 row (labelled) against its items; YS05 is compared with the items' totals (checked above)."""
    row = rows.end("YS06")
    path = broken(lambda e: e.fill("YS06", row, dept_name="合计", total=186.13, personnel=169.08, public=17.50))
    assert lines_of(path) == [
        f"[错误] {where('YS06', 'total', row)} 小计不符：合计应等于人员经费＋公用经费（应为 186.58，实为 186.13）",
        f"[错误] {where('YS06', 'public', row)} 合计不符：公用经费：合计应等于各明细行之和（应为 17.05，实为 17.50）",
    ]


# --- 3. 三公 subtotals -------------------------------------------------------------------------


def test_ys08_vehicle_subtotal_off(broken):
    row = YS08_ROW
    assert where("YS08", "vehicle", row) == "YS08!C5"

    def edit(e: Editor) -> None:
        e.set("YS08", "vehicle", row, 5)  # 购置费 0 + 运行费 4
        e.set("YS08", "total", row, 8)  # keeps the 合计 consistent with the wrong 小计

    assert lines_of(broken(edit)) == [
        "[错误] YS08!C5 小计不符：公务用车购置及运行费小计应等于公务用车购置费＋公务用车运行费（应为 4.00，实为 5.00）"
    ]


def test_ys08_total_off(broken):
    path = broken(lambda e: e.set("YS08", "total", YS08_ROW, 8))
    assert lines_of(path) == [
        "[错误] YS08!A5 小计不符：“三公”经费合计应等于因公出国（境）费＋公务用车购置及运行费小计＋公务接待费（应为 7.00，实为 8.00）"
    ]


# --- 4. YS14 against YS06's 公用经费 --------------------------------------------------------------


def test_ys14_filled_as_ys06_is_clean(broken):
    assert lines_of(broken(lambda e: fill_ys14(e))) == []


def test_ys14_wrong_amount(broken):
    items = [(c, n, 3.56 if c == "30201" else a) for c, n, a in YS14_ITEMS]
    row = YS14_FIRST + [c for c, _, _ in YS14_ITEMS].index("30201")
    path = broken(lambda e: fill_ys14(e, items))
    assert lines_of(path) == [
        f"[错误] {where('YS14', 'total', row)} 表间不符：科目30201应等于YS06的公用经费（应为 3.65，实为 3.56）"
    ]


def test_ys14_wrong_item(broken):
    """30299 typed for 30229: an item YS06 lacks, and YS06's 30229 missing."""
    items = [("30299", "其他商品和服务支出", a) if c == "30229" else (c, n, a) for c, n, a in YS14_ITEMS]
    row = YS14_FIRST + len(items) - 1
    path = broken(lambda e: fill_ys14(e, items))
    assert lines_of(path) == [
        f"[错误] {where('YS14', 'total', row)} 表间不符：科目30299应等于YS06的公用经费（应为 0.00，实为 1.15）",
        "[错误] YS14 表间不符：缺少YS06的公用经费科目30229（应为 1.15，实为 0.00）",
    ]


def test_ys14_total_row_off(broken):
    def edit(e: Editor) -> None:
        e.set("YS14", "total", YS14_FIRST, 17.5)  # an unlabelled total row first, then the items
        fill_ys14(e, first=YS14_FIRST + 1)

    assert lines_of(broken(edit)) == [
        f"[错误] {where('YS14', 'total', YS14_FIRST)} 合计不符：合计：合计应等于各明细行之和（应为 17.05，实为 17.50）"
    ]


# --- 5. projects ----------------------------------------------------------------------------------


def test_ys10_project_total_off_its_funds(broken, rows):
    row = rows.find("YS10", name="创新型中小企业奖励资金")
    path = broken(lambda e: e.set("YS10", "gpb", row, 45))
    assert lines_of(path) == [
        f"[错误] {where('YS10', 'total', row)} 小计不符：合计应等于{YS10_FUNDS}（应为 45.00，实为 40.00）"
    ]


def test_ys10_projects_vs_ys03_project_spending(broken, rows):
    """A project raised to 45 everywhere it appears (YS10 and YS12): YS10 no longer matches YS03's 项目支出."""
    project = rows.find("YS10", name="创新型中小企业奖励资金")
    ys12 = rows.find("YS12", name="创新型中小企业奖励资金")

    def edit(e: Editor) -> None:
        e.fill("YS10", project, total=45, gpb=45)
        e.fill("YS12", ys12, total=45, gov_funds=45)

    assert lines_of(broken(edit)) == [
        "[错误] YS10 表间不符：项目合计应等于YS03的项目支出小计（应为 1773.50，实为 1778.50）",
        "[错误] YS10 表间不符：特定目标类项目之和应等于YS03的特定目标类（应为 1527.50，实为 1532.50）",
    ]


def test_ys10_total_row_vs_ys03(broken, rows):
    """A YS10 total row filled with a wrong figure: against its projects and against YS03, at its cell."""
    row = rows.end("YS10")
    assert lines_of(broken(lambda e: e.fill("YS10", row, total=1773.5, gpb=1773.5))) == []
    path = broken(lambda e: e.fill("YS10", row, total=1783.5, gpb=1783.5))
    assert lines_of(path) == [
        f"[错误] {where('YS10', 'total', row)} 合计不符：合计：合计应等于各明细行之和（应为 1773.50，实为 1783.50）",
        f"[错误] {where('YS10', 'gpb', row)} 合计不符：本年拨款一般公共预算：合计应等于各明细行之和（应为 1773.50，实为 1783.50）",
        f"[错误] {where('YS10', 'total', row)} 表间不符：项目合计应等于YS03的项目支出小计（应为 1773.50，实为 1783.50）",
    ]


def test_ys12_project_vs_ys10(broken, rows):
    row = rows.find("YS12", name="公务接待费")
    path = broken(lambda e: e.fill("YS12", row, total=3.5, gov_funds=3.5))
    assert lines_of(path) == [
        f"[错误] {where('YS12', 'total', row)} 表间不符：项目“公务接待费”的资金总额应等于YS10（应为 3.00，实为 3.50）"
    ]


def _ys12_with_summary_rows(e: Editor, unit_total: float) -> None:
    """YS12 as the system exports it: the 部门 row (code only) and the 单位 row (code and name) first."""
    first = spec("YS12").data_row
    e.sheet("YS12").insert_rows(first, 2)
    e.fill("YS12", first, code="021", total=1773.5, gov_funds=1773.5)
    e.fill("YS12", first + 1, code="021001", name=BUREAU, total=unit_total, gov_funds=unit_total)


def test_ys12_summary_rows_as_published(broken):
    """The 单位 row is a total of the projects, not a project of its own (nor counted twice in the 部门 row)."""
    assert lines_of(broken(lambda e: _ys12_with_summary_rows(e, 1773.5))) == []
    unit = spec("YS12").data_row + 1
    assert lines_of(broken(lambda e: _ys12_with_summary_rows(e, 1783.5))) == [
        f"[错误] {where('YS12', 'total', unit)} 合计不符：资金总额：合计应等于各明细行之和（应为 1773.50，实为 1783.50）",
        f"[错误] {where('YS12', 'gov_funds', unit)} 合计不符：政府预算资金：合计应等于各明细行之和（应为 1773.50，实为 1783.50）",
    ]


# --- 6. codes -------------------------------------------------------------------------------------


GAP = "；内置科目表可能不全，如确为正式科目，可提供财政部门导出的科目代码表（--codes 文件，或模板文件夹中的 codes.xlsx）再检查"


def test_unknown_function_code_under_known_class_is_a_warning(broken, rows):
    """A well-formed 项 our bundled list lacks is more likely our gap than the clerk's mistake."""
    row = rows.find("YS03", name="其他科学技术支出")
    path = broken(lambda e: e.set("YS03", "xiang", row, "98"))
    assert lines_of(path) == [
        f"[警告] {where('YS03', 'lei', row)} 未知科目：功能分类科目“2069998”不在内置2024年科目表中{GAP}"
    ]


def test_unknown_function_code_under_unknown_class_is_an_error(broken, rows):
    row = rows.find("YS03", name="其他科学技术支出")
    path = broken(lambda e: e.set("YS03", "lei", row, "298"))
    assert lines_of(path) == [
        f"[错误] {where('YS03', 'lei', row)} 未知科目：功能分类科目“2989999”的类“298”不存在"
        "（内置2024年科目表中没有此类），请核对编码"
    ]


def test_malformed_function_code(broken, rows):
    """A 款 of three digits is malformed; "2" typed as text or as the number 2 both read "02"."""
    row = rows.find("YS03", name="其他基础研究支出")
    path = broken(lambda e: e.set("YS03", "kuan", row, "002"))
    assert lines_of(path) == [
        f"[错误] {where('YS03', 'lei', row)} 未知科目：功能分类科目编码“206 002 99”格式不对：应为类3位、款2位、项2位"
    ]
    assert lines_of(broken(lambda e: e.set("YS03", "kuan", row, "2"))) == []
    assert lines_of(broken(lambda e: e.set("YS03", "kuan", row, 2))) == []


def test_function_name_differs(broken, rows):
    row = rows.find("YS03", name="其他科学技术支出")
    path = broken(lambda e: e.set("YS03", "name", row, "其他科学技术"))
    assert lines_of(path) == [
        f"[警告] {where('YS03', 'name', row)} 科目名称：科目2069999的名称与内置2024年科目表不同（应为 其他科学技术支出，实为 其他科学技术）"
    ]


def test_unknown_economic_codes(broken, rows):
    pension = rows.find("YS06", dept_code="30108")
    bonus = rows.find("YS06", dept_code="30101")
    project = rows.find("YS10", name="工作经费")

    def edit(e: Editor) -> None:
        e.set("YS06", "dept_code", pension, "30198")
        e.set("YS06", "gov_code", bonus, "50109")
        e.set("YS10", "econ_dept", project, "30298")

    assert lines_of(broken(edit)) == [
        f"[警告] {where('YS06', 'dept_code', pension)} 未知科目：部门预算支出经济分类科目“30198”不在内置2024年科目表中{GAP}",
        f"[警告] {where('YS06', 'gov_code', bonus)} 未知科目：政府预算支出经济分类科目“50109”不在内置2024年科目表中{GAP}",
        f"[警告] {where('YS10', 'econ_dept', project)} 未知科目：部门预算支出经济分类科目“30298”不在内置2024年科目表中{GAP}",
    ]


def test_economic_codes_malformed_or_of_unknown_class(broken, rows):
    pension = rows.find("YS06", dept_code="30108")
    bonus = rows.find("YS06", dept_code="30101")

    def edit(e: Editor) -> None:
        e.set("YS06", "dept_code", pension, "3010")
        e.set("YS06", "gov_code", bonus, "58801")

    assert lines_of(broken(edit)) == [
        f"[错误] {where('YS06', 'dept_code', pension)} 未知科目：部门预算支出经济分类科目编码“3010”格式不对：应为类3位或款5位",
        f"[错误] {where('YS06', 'gov_code', bonus)} 未知科目：政府预算支出经济分类科目“58801”的类“588”不存在"
        "（内置2024年科目表中没有此类），请核对编码",
    ]


def test_project_without_economic_code(broken, rows):
    project = rows.find("YS10", name="工作经费")
    path = broken(lambda e: e.set("YS10", "econ_dept", project, None))
    assert lines_of(path) == [
        f"[错误] {where('YS10', 'econ_dept', project)} 必填项：项目“工作经费”缺少部门经济分类，无法生成支出经济分类汇总表"
    ]


# --- 7. facts: placeholders, required, reasons --------------------------------------------------


def test_placeholder_in_a_fact(broken, rows):
    row = rows.fact("预算单位构成")
    path = broken(lambda e: e.fact("预算单位构成", "XX局本级预算"))
    assert lines_of(path) == [f"[错误] 基本信息!B{row} 占位文字：“预算单位构成”含有占位文字“XX”，请填写实际内容"]


def test_placeholder_in_a_list_item_is_named_at_its_own_cell(broken, rows):
    row = rows.fact("主要职责") + 2  # the third duty
    path = broken(lambda e: e.wb["基本信息"].cell(row=row, column=2).__setattr__("value", "待填写"))
    assert lines_of(path) == [f"[错误] 基本信息!B{row} 占位文字：“主要职责”含有占位文字“待填写”，请填写实际内容"]


def test_placeholder_in_a_table(broken, rows):
    row = rows.find("YS10", name="工作经费")
    path = broken(lambda e: e.set("YS10", "unit", row, "××局"))
    assert lines_of(path) == [
        f"[错误] {where('YS10', 'unit', row)} 占位文字：“项目单位”含有占位文字“××”，请填写实际内容"
    ]


def test_required_fact_missing(broken, rows):
    path = broken(lambda e: e.fact("部门名称", None))
    assert lines_of(path) == [f"[错误] 基本信息!B{rows.fact('部门名称')} 必填项：“部门名称”未填写"]


def test_required_list_and_count_missing(broken, rows):
    def edit(e: Editor) -> None:
        e.fact("专项转移支付项目数", None)
        first = e.fact_row("内设机构")
        for i in range(10):
            e.wb["基本信息"].cell(row=first + i, column=2).value = None

    assert lines_of(broken(edit)) == [
        f"[错误] 基本信息!B{rows.fact('内设机构')} 必填项：“内设机构”未填写",
        f"[错误] 基本信息!B{rows.fact('专项转移支付项目数')} 必填项：“专项转移支付项目数”未填写",
    ]


def test_prior_figure_missing(broken, rows):
    path = broken(lambda e: e.prior("公务接待费", None))
    assert lines_of(path) == [f"[错误] 上年数!B{rows.prior('公务接待费')} 必填项：上年数“公务接待费”未填写（没有填 0）"]


def test_missing_reason_for_a_change(broken, rows):
    """公务接待费 3.00 against 16.00 last year: a decrease needs its reason."""
    path = broken(lambda e: e.fact("公务接待费增减原因", None))
    assert lines_of(path) == [
        f"[错误] 基本信息!B{rows.fact('公务接待费增减原因')} 缺少原因：公务接待费较上年减少，须填写“公务接待费增减原因”"
    ]


def test_no_reason_needed_when_unchanged(broken):
    """因公出国（境）费 is 0.00 both years: its reason may stay empty."""
    assert lines_of(broken(lambda e: e.fact("因公出国（境）费增减原因", None))) == []


def test_increase_and_decrease_need_their_reason(broken, rows):
    """机构运行经费 17.05 (YS14, derived from YS06) against 16.06 last year: an increase; against 20.00 a decrease."""
    row = rows.fact("机构运行经费增减原因")
    path = broken(lambda e: e.fact("机构运行经费增减原因", None))
    assert lines_of(path) == [f"[错误] 基本信息!B{row} 缺少原因：机构运行经费较上年增加，须填写“机构运行经费增减原因”"]

    def edit(e: Editor) -> None:
        e.prior("机构运行经费", 20)
        e.fact("机构运行经费增减原因", None)

    assert lines_of(broken(edit)) == [
        f"[错误] 基本信息!B{row} 缺少原因：机构运行经费较上年减少，须填写“机构运行经费增减原因”"
    ]

    def unchanged(e: Editor) -> None:
        e.prior("机构运行经费", 17.05)
        e.fact("机构运行经费增减原因", None)

    assert lines_of(broken(unchanged)) == []


# --- 8. 三公 against 经济分类 ---------------------------------------------------------------------


def test_sangong_item_below_its_economic_spending(broken, rows):
    """YS08 公务接待费 1.00 while the 公务接待费 project (30217) spends 3.00."""
    assert rows.find("YS10", name="公务接待费", econ_dept="30217")

    def edit(e: Editor) -> None:
        e.set("YS08", "reception", YS08_ROW, 1)
        e.set("YS08", "total", YS08_ROW, 5)  # 合计 kept consistent with its items

    findings = findings_of(broken(edit))
    assert [f.line() for f in findings] == [
        "[错误] YS08!F5 三公经费：公务接待费不能小于经济分类科目30217的支出（基本支出＋项目支出）（应为 ≥ 3.00，实为 1.00）"
    ]
    assert findings[0].where == "YS08!F5"


def test_sangong_item_above_its_spending_is_fine(broken):
    """三公 also covers 项目支出 outside these 款: "≤", never equality."""

    def edit(e: Editor) -> None:
        e.set("YS08", "reception", YS08_ROW, 5)
        e.set("YS08", "total", YS08_ROW, 9)
        e.fact("公务接待费增减原因", "严格执行八项规定")

    assert lines_of(broken(edit)) == []


def test_sangong_vehicle_running_counts_basic_and_project_spending(broken, rows):
    """公务用车运行费 4.00 covers the 30231 project (4.00); a 30231 basic item of 1.00 on top breaks it."""
    row = rows.end("YS06")

    def edit(e: Editor) -> None:
        e.fill(
            "YS06",
            row,
            dept_code="30231",
            dept_name="公务用车运行维护费",
            gov_code="50201",
            gov_name="办公经费",
            total=1,
            public=1,
        )

    lines = lines_of(broken(edit))
    assert (
        "[错误] YS08!E5 三公经费：公务用车运行费不能小于经济分类科目30231的支出（基本支出＋项目支出）（应为 ≥ 5.00，实为 4.00）"
        in lines
    )


@pytest.mark.parametrize(
    ("reception", "expected"),
    [
        (2.995, []),  # rounds to 3.00: consistent
        (
            2.99,
            [
                "[警告] YS08!F5 尾差：公务接待费不能小于经济分类科目30217的支出（基本支出＋项目支出），差额在 0.01 万元以内（应为 ≥ 3.00，实为 2.99）"
            ],
        ),
        (
            2.989,
            [
                "[错误] YS08!F5 三公经费：公务接待费不能小于经济分类科目30217的支出（基本支出＋项目支出）（应为 ≥ 3.00，实为 2.989）"
            ],
        ),
    ],
)
def test_sangong_rounding_envelope(broken, reception, expected):
    """The "≤" of 三公 against 经济分类 honours the 尾差 envelope too (n = 1)."""

    def edit(e: Editor) -> None:
        e.set("YS08", "reception", YS08_ROW, reception)
        e.set("YS08", "total", YS08_ROW, None)

    assert lines_of(broken(edit)) == expected


# --- 9. 尾差: the rounding envelope --------------------------------------------------------------


def test_envelope():
    assert HALF_CENT == D("0.005")
    assert envelope(1) == D("0.010")
    assert envelope(2) == D("0.015")
    assert envelope(9) == D("0.050")


@pytest.mark.parametrize(
    ("given", "expected", "items", "result"),
    [
        ("5.00", "5.009", 1, "warning"),
        ("5.00", "5.010", 1, "warning"),
        ("5.00", "5.011", 1, "error"),
        ("5.009", "5.00", 1, "warning"),
        ("5.010", "5.00", 1, "warning"),
        ("5.011", "5.00", 1, "error"),
        ("5.00", "5.00", 1, None),
        ("5.00", "5.004", 1, None),  # cent roundings agree: consistent, however many items
        ("5.00", "5.004", 0, None),
        ("6.83", "6.828", 1, None),  # the seed's 30110 (6.828 printed 6.83)
        ("1959.63", "1959.626", 9, None),  # the seed's YS03 total over its items
        ("6.83", str(D("5.98") + D("0.84")), 2, "warning"),  # the seed's 卫生健康: 5.98 + 0.84 under 6.83
        ("6.84", "6.82", 2, "error"),  # 0.02 > 0.015
        ("6.835", "6.82", 2, "warning"),  # 0.015 = (2 + 1) × 0.005: still 尾差
        ("6.836", "6.82", 2, "error"),
        ("1959.63", "1959.62", 9, "warning"),  # the seed's YS03 detail rows printed: 1959.62 under 1959.63
    ],
)
def test_judge(given, expected, items, result):
    assert judge(D(given), D(expected), items) == result


def test_fmt():
    assert fmt(D("3")) == "3.00"
    assert fmt(D("3.5")) == "3.50"
    assert fmt(D("0.844")) == "0.844"
    assert fmt(D("1959.6260")) == "1959.626"
    assert fmt(D("0.010")) == "0.01"


@pytest.mark.parametrize(
    ("amount", "line"),
    [
        (3.641, "[警告] YS14!C8 尾差：科目30201应等于YS06的公用经费，差额在 0.01 万元以内（应为 3.65，实为 3.641）"),
        (3.64, "[警告] YS14!C8 尾差：科目30201应等于YS06的公用经费，差额在 0.01 万元以内（应为 3.65，实为 3.64）"),
        (3.639, "[错误] YS14!C8 表间不符：科目30201应等于YS06的公用经费（应为 3.65，实为 3.639）"),
        (3.659, "[警告] YS14!C8 尾差：科目30201应等于YS06的公用经费，差额在 0.01 万元以内（应为 3.65，实为 3.659）"),
        (3.66, "[警告] YS14!C8 尾差：科目30201应等于YS06的公用经费，差额在 0.01 万元以内（应为 3.65，实为 3.66）"),
        (3.661, "[错误] YS14!C8 表间不符：科目30201应等于YS06的公用经费（应为 3.65，实为 3.661）"),
    ],
    ids=["-0.009", "-0.010", "-0.011", "+0.009", "+0.010", "+0.011"],
)
def test_single_item_boundaries_ys14(broken, amount, line):
    """YS14's 30201 against the ONE YS06 row of 30201 (3.65): n = 1, envelope 0.010."""
    items = [(c, n, amount if c == "30201" else a) for c, n, a in YS14_ITEMS]
    assert YS14_FIRST + [c for c, _, _ in items].index("30201") == 8
    findings = findings_of(broken(lambda e: fill_ys14(e, items)))
    assert [f.line() for f in findings] == [line]
    assert has_errors(findings) == line.startswith("[错误]")


@pytest.mark.parametrize(
    ("amount", "severity", "found"),
    [
        (3.009, "warning", "3.009"),
        (3.010, "warning", "3.01"),
        (3.011, "error", "3.011"),
        (2.991, "warning", "2.991"),
        (2.990, "warning", "2.99"),
        (2.989, "error", "2.989"),
    ],
    ids=["+0.009", "+0.010", "+0.011", "-0.009", "-0.010", "-0.011"],
)
def test_single_item_boundaries_ys03_unit_row(small, amount, severity, found):
    """The small budget's 测试中心 covers ONE 项 (3.00): its unit row's 合计 within 0.010 is a 尾差."""
    unit = small_row("YS03", 3)
    assert unit == 9
    findings = findings_of(small(lambda e: e.set("YS03", "total", unit, amount)))
    message = "合计：单位“测试中心”的金额应等于其下各科目之和"
    if severity == "warning":
        expected = f"[警告] YS03!F{unit} 尾差：{message}，差额在 0.01 万元以内（应为 3.00，实为 {found}）"
    else:
        expected = f"[错误] YS03!F{unit} 合计不符：{message}（应为 3.00，实为 {found}）"
    assert [f.line() for f in findings] == [expected]


def test_two_items_seed_rounding(small):
    """The seed's 行政单位医疗 5.98 + 事业单位医疗 0.84 = 6.82 under a parent printed 6.83: a 尾差 (n = 2)."""
    unit = small_row("YS03", 5)
    path = small(lambda e: e.set("YS03", "total", unit, 6.83))
    assert lines_of(path) == [
        f"[警告] YS03!F{unit} 尾差：合计：单位“测试站”的金额应等于其下各科目之和，差额在 0.015 万元以内（应为 6.82，实为 6.83）"
    ]
    path = small(lambda e: e.set("YS03", "total", unit, 6.84))
    assert lines_of(path) == [
        f"[错误] YS03!F{unit} 合计不符：合计：单位“测试站”的金额应等于其下各科目之和（应为 6.82，实为 6.84）"
    ]


def test_seed_typed_as_printed_gives_only_rounding_warnings(broken):
    """Every amount of the example rounded to the cent, as the seed prints it: 尾差 warnings, no error."""

    def edit(e: Editor) -> None:
        for code in ("YS03", "YS06", "YS08", "YS10", "YS12"):
            ws = e.sheet(code)
            for key in spec(code).amount_keys():
                for row in range(spec(code).data_row, ws.max_row + 1):
                    value = e.get(code, key, row)
                    if isinstance(value, float):
                        e.set(code, key, row, float(D(repr(value)).quantize(D("0.01"), rounding="ROUND_HALF_UP")))

    findings = findings_of(broken(edit))
    assert not has_errors(findings)
    assert [f.line() for f in findings] == [
        "[警告] YS06 尾差：基本支出合计应等于YS05的基本支出合计，差额在 0.135 万元以内（应为 186.12，实为 186.13）",
        "[警告] YS06 尾差：基本支出人员经费应等于YS05的基本支出人员经费，差额在 0.135 万元以内（应为 169.07，实为 169.08）",
    ]


# --- findings: order and shape --------------------------------------------------------------------


def test_findings_are_grouped_by_sheet_errors_first(broken, rows):
    def edit(e: Editor) -> None:
        e.fact("部门名称", None)
        fill_ys14(e, [(c, n, 3.64 if c == "30201" else a) for c, n, a in YS14_ITEMS])
        e.set("YS08", "total", YS08_ROW, 8)
        e.set("YS03", "total", rows.find("YS03", name="事业单位医疗"), 1.84)
        e.set("YS03", "name", rows.find("YS03", name="其他科学技术支出"), "其他科学技术")

    findings = findings_of(broken(edit))
    assert [(f.sheet, f.severity) for f in findings] == [
        ("基本信息", "error"),
        ("YS03", "error"),
        ("YS03", "warning"),
        ("YS08", "error"),
        ("YS14", "warning"),
    ]


def test_check_of_a_budget_without_year_uses_a_code_book(broken, rows):
    path = broken(lambda e: e.fact("预算年度", None))
    budget = load_workbook(path)
    assert budget.year == 0
    assert [f.line() for f in check(budget)] == [f"[错误] 基本信息!B{rows.fact('预算年度')} 必填项：“预算年度”未填写"]


def test_blank_workbook_reports_what_is_missing(blank_values):
    lines = lines_of(blank_values)
    assert "[错误] YS03 必填项：部门支出总体情况表没有数据" in lines
    assert "[错误] 基本信息!B3 必填项：“部门名称”未填写" in lines
    assert "[错误] 上年数!B2 必填项：上年数“收入总计”未填写（没有填 0）" in lines
