"""The second example, a county 卫生健康局 with 所属单位 and four income sources, checks clean and reads right.

``inputs/柳溪县卫生健康局2025.xlsx`` (built by ``tools/build_example2.py``) is shaped unlike the first
example on purpose: three units (局本级 305001, 疾控中心 305002, 妇幼保健院 305003), income from
一般公共预算, 政府性基金 (福利彩票公益金), 事业收入 and 上年结转, 政府采购 and vehicles above zero, a
change from a zero base and two 持平. Every expected sentence below is written from arithmetic done
by hand on the script's literals (shown in the comments), never copied from the output.

The figures the arithmetic starts from (万元; see BASIC and PROJECTS in the build script):

    基本支出 (all 一般公共预算)   局本级 300.13    疾控 442.806    妇幼 375.246    = 1118.182
      局本级: 23.86 + 11.93 + (186.42 + 12.30 + 38.60) + 9.12 + 17.90 = 300.13
      疾控:   38.95 + 19.47 + (312.48 + 6.20 + 22.40) + 14.606 + 28.70 = 442.806
      妇幼:   33.20 + 16.60 + (268.50 + 4.80 + 15.30) + 12.446 + 24.40 = 375.246
    projects (12)                   局本级 818.30    疾控 213.00     妇幼 1358.00    = 2389.30
      局本级: 35.00 + 24.00 + 642.80 + 86.50 (结转) + 30.00 (基金) = 818.30
      疾控:   63.00 (18.00 + 45.00 事业收入) + 126.30 + 23.70 (结转) = 213.00
      妇幼:   860.00 + 420.00 (事业收入) + 58.00 + 20.00 (基金) = 1358.00
    spending 1118.182 + 2389.30 = 3507.482 → 3507.48
    by source: 政府性基金 30.00 + 20.00 = 50.00; 事业收入 45.00 + 860.00 + 420.00 = 1325.00;
               上年结转 86.50 + 23.70 = 110.20; 一般公共预算 3507.482 − 50 − 1325 − 110.20 = 2022.282
"""

from __future__ import annotations

import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from support import SECOND, assert_built_as_saved, html_text, tool

from generator.frontends import cli
from generator.render.html import render_html
from generator.stages.check import check
from generator.stages.compute import build_document
from generator.stages.derive import complete
from generator.workbook import schema
from generator.workbook.load import load_workbook
from generator.workbook.model import Table

WHO = "2025年柳溪县卫生健康局部门（单位）"


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def render(path: Path) -> str:
    return render_html(build_document(load_workbook(path)))


@pytest.fixture(scope="module")
def html() -> str:
    if not SECOND.exists():
        pytest.fail(f"{SECOND} is missing: run python tools/build_example2.py")
    return render(SECOND)


@pytest.fixture(scope="module")
def text(html: str) -> str:
    return html_text(html)


def table_rows(html: str, code: str) -> list[list[str]]:
    """The body rows of one table of the 附件, each as its cells' text."""
    for section in re.findall(r'<section class="[^"]*table-page[^"]*".*?</section>', html, flags=re.S):
        if f"<span>{code}</span>" in section:
            body = re.split(r"<tbody[^>]*>", section, maxsplit=1)[1]  # a table may have several row groups
            rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
            cells = [re.findall(r"<td[^>]*>(.*?)</td>", tr, flags=re.S) for tr in rows]
            return [[html_text(c, spaces=True).strip() for c in row] for row in cells]
    raise AssertionError(f"no table {code}")


def edited(tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    target = tmp_path / SECOND.name
    shutil.copyfile(SECOND, target)
    wb = openpyxl.load_workbook(target)
    edit(wb)
    wb.save(target)
    return target


def set_label(wb: openpyxl.Workbook, sheet: str, label: str, value: object) -> None:
    ws = wb[sheet]
    for row in range(2, ws.max_row + 1):
        if ws.cell(row=row, column=1).value == label:
            ws.cell(row=row, column=2).value = value
            return
    raise AssertionError(f"{label} not on {sheet}")


# --- the workbook ------------------------------------------------------------------------------


def test_workbook_is_what_the_script_builds():
    assert_built_as_saved("build_example2", SECOND)


def test_checks_without_findings():
    findings = check(load_workbook(SECOND))
    assert [f.line() for f in findings] == []


# --- the narrative -----------------------------------------------------------------------------


def test_part1_counts_and_composition(text):
    assert "柳溪县卫生健康局内设机构9个，包括办公室、" in text
    assert (
        "具体是：柳溪县卫生健康局本级预算，以及所属事业单位柳溪县疾病预防控制中心、柳溪县妇幼保健院的单位预算。"
    ) in text


def test_section1_totals_against_last_year(text):
    # 收入总计 = 本年收入 3397.282 + 上年结转 110.20 = 3507.482 → 3507.48 = 支出总计 (no 年终结转结余)
    # last year 3296.50: 3507.48 − 3296.50 = 210.98; 210.98 / 3296.50 = 6.4001 % → 6.40
    reason = "主要原因是：妇幼保健院医疗业务收入增加，基本公共卫生服务补助标准提高"
    assert (
        f"{WHO}收入总计3507.48万元，支出总计3507.48万元，与2024年预算相比，"
        f"收入增加210.98万元，增长6.40%，{reason}；支出增加210.98万元，增长6.40%，{reason}。"
    ) in text


def test_section2_lists_every_source_with_its_share(text):
    # 收入合计 = 2022.28 + 50.00 + 1325.00 + 110.20 = 3507.48
    # 2022.28 / 3507.48 = 57.656 % → 57.66;  50.00 / 3507.48 = 1.4255 % → 1.43
    # 1325.00 / 3507.48 = 37.776 % → 37.78;  110.20 / 3507.48 = 3.1419 % → 3.14
    assert (
        f"{WHO}收入合计3507.48万元，其中：一般公共预算2022.28万元，占57.66%；政府性基金预算50.00万元，占1.43%；"
        "事业收入1325.00万元，占37.78%；上年结转结余110.20万元，占3.14%。"
    ) in text


def test_section3_basic_and_project(text):
    # 1118.18 / 3507.48 = 31.880 % → 31.88;  2389.30 / 3507.48 = 68.120 % → 68.12
    assert f"{WHO}支出合计3507.48万元，其中：基本支出1118.18万元，占31.88%；项目支出2389.30万元，占68.12%。" in text


def test_section4_funds_with_carryover_and_flat(text):
    # 一般公共预算: 本年 2022.282 + 结转 110.20 = 2132.482 → 2132.48; last year 2050.00:
    #   + 82.48, 82.48 / 2050 = 4.0234 % → 4.02
    # 政府性基金: 30.00 + 20.00 = 50.00; last year 40.00: + 10.00, 10 / 40 = 25.00 %
    # 国有资本经营: 0 both years, no reason given → just 持平
    assert (
        f"{WHO}一般公共预算收支预算2132.48万元（含上年结转110.20万元），政府性基金收支预算50.00万元，"
        "国有资本经营预算收支预算0.00万元。与2024年相比，一般公共预算收支预算增加82.48万元，增长4.02%，"
        "主要原因是：基本公共卫生服务补助标准提高，安排上年结转的医疗服务与保障能力提升补助资金；"
        "政府性基金收支预算增加10.00万元，增长25.00%，主要原因是：新增福利彩票公益金困境儿童健康关爱项目；"
        "国有资本经营预算收支预算持平。"
    ) in text


def test_section5_gpb_by_class(text):
    # YS05 (一般公共预算, 结转 included) = 3507.482 − 50 (基金) − 1325 (事业收入) = 2132.482 → 2132.48
    # basic 1118.18 / 2132.48 = 52.436 % → 52.44; project 2132.482 − 1118.182 = 1014.30, 47.564 % → 47.56
    # 208: 23.86 + 11.93 + 38.95 + 19.47 + 33.20 + 16.60 = 144.01; 144.01 / 2132.48 = 6.7532 % → 6.75
    # 210: 局本级 237.32 + 145.50 + 642.80 + 9.12 = 1034.74; 疾控 (341.08 + 18.00) + 150.00 + 14.606
    #      = 523.686; 妇幼 288.60 + 58.00 + 12.446 = 359.046; 1917.472 → 1917.47, 89.917 % → 89.92
    # 221: 17.90 + 28.70 + 24.40 = 71.00; 71 / 2132.48 = 3.3295 % → 3.33
    assert (
        f"{WHO}一般公共预算支出年初预算为2132.48万元。其中基本支出1118.18万元，占52.44%；项目支出1014.30万元，"
        "占47.56%。主要用于以下方面：社会保障和就业支出144.01万元，占6.75%；卫生健康支出1917.47万元，占89.92%；"
        "住房保障支出71.00万元，占3.33%。"
    ) in text


def test_section6_personnel_and_public(text):
    # 公用经费 38.60 + 22.40 + 15.30 = 76.30; 人员经费 1118.182 − 76.30 = 1041.882 → 1041.88
    # 1041.88 / 1118.18 = 93.176 % → 93.18; 76.30 / 1118.18 = 6.8236 % → 6.82
    assert "人员经费支出1041.88万元，占93.18%；" in text
    assert "公用经费支出76.30万元，占6.82%；" in text


def test_section8_sangong_zero_base_and_flat(text):
    # this year 0 + 2.50 + 24.00 + 8.00 = 34.50; last year 0 + 0 + 30.00 + 8.00 = 38.00
    # 38.00 − 34.50 = 3.50; 3.5 / 38 = 9.2105 % → 9.21
    assert f"{WHO}“三公”经费预算为34.50万元。2025年“三公”经费支出预算数较2024年减少3.50万元，下降9.21%。" in text
    assert "（一）因公出国（境）费0.00万元，" in text
    assert "预算数较2024年持平，主要原因是：无此项业务。" in text
    # 公务接待费 from nothing: 增加 2.50, no percentage
    assert (
        "（二）公务接待费2.50万元，主要用于按规定开支的各类公务接待（含外宾接待）支出。"
        "预算数较2024年增加2.50万元，主要原因是：承接全市妇幼健康工作现场会接待任务。"
    ) in text
    # 购置 30.00 → 24.00: 6.00 less, 6 / 30 = 20.00 %; 运行 8.00 → 8.00 持平, no reason given
    assert "（三）公务用车购置及运行费32.00万元，其中，公务用车购置费24.00万元，" in text
    assert "较2024年减少6.00万元，下降20.00%，主要原因是：更新车辆数量减少；公务用车运行维护费8.00万元，" in text
    assert "安全奖励费用等支出，较2024年持平。" in text


def test_section9_fund_spending_and_use(text):
    # YS09: 30.00 (局本级) + 20.00 (妇幼保健院) = 50.00
    assert (
        f"{WHO}政府性基金预算支出50.00万元，用于：支持医养结合机构开展老年人健康服务和困境儿童健康关爱，"
        "资金来源为福利彩票公益金。"
    ) in text
    assert "无政府性基金预算支出" not in text


def test_section10(text):
    # (一) 机构运行经费 = YS06 公用经费 76.30; last year 82.60: 6.30 less, 6.3 / 82.6 = 7.627 % → 7.63
    assert (
        f"{WHO}机构运行经费支出预算76.30万元，主要保障机构正常运转及正常履职需要，较2024年减少6.30万元，"
        "下降7.63%，主要原因：压减一般性支出。"
    ) in text
    # (二) 186.40 + 45.00 + 32.60 = 264.00
    assert (
        "2025年我部门（单位）政府采购预算安排264.00万元，其中：政府采购货物预算186.40万元、"
        "政府采购工程预算45.00万元、政府采购服务预算32.60万元。"
    ) in text
    # (三) 12 projects, 2389.30; 100万元及以上: 642.80 + 126.30 + 860.00 + 420.00 = 2049.10 (4)
    assert (
        "纳入预算绩效管理的支出总额为3507.48万元，其中人员经费支出1041.88万元，公用经费支出76.30万元，"
        "支出项目共12个，支出总额2389.30万元，其中预算支出100万元及100万元以上项目4个，支出总额2049.10万元。"
    ) in text
    # (四) 2 + 3 + 4 + 0 = 9 vehicles; 其他用车主要是 left empty with none: its default
    assert (
        "2024年期末，我部门（单位）共有车辆9辆，其中：一般公务用车2辆、一般执法执勤用车3辆、特种专业技术用车4辆；"
        "其他用车0辆，其他用车主要是：无其他车辆；单价50万元以上通用设备1套，单位价值100万元以上专用设备2套。"
    ) in text
    # (五) none, note left empty: its default
    assert "负责管理的专项转移支付项目共有0项，主要是：无转移支付项目。" in text


def test_glossary_is_the_county_s(text):
    assert "一、财政拨款收入：是指县级财政当年拨付的资金；" in text
    assert "市级财政" not in text


def test_no_empty_or_broken_wording(html, text):
    for bad in ("None", "nan", "NaN", "增长0.00%", "下降0.00%", "增长100.00%", "%，%", "：；", "：。", "，，", "；。"):
        assert bad not in text, bad
    assert "None" not in html and ">nan<" not in html


# --- the tables --------------------------------------------------------------------------------


def test_ys02_income_by_source_per_unit(html):
    # columns: 类 款 项 单位代码 名称 合计, then 一般公共预算 政府性基金 国有资本 财政专户 事业收入
    # 经营收入 上级补助 附属单位 其他收入, and 上年结转结余
    rows = table_rows(html, "YS02")
    assert rows[0][5:] == ["3,507.48", "2,022.28", "50.00", "", "", "1,325.00", "", "", "", "", "110.20"]
    assert rows[1][4] == "合计"
    units = {r[3]: r for r in rows if r[3]}
    # 局本级 1118.43 = 一般公共预算 1118.43 − 30.00 − 86.50 = 1001.93 + 基金 30.00 + 结转 86.50
    assert units["305001"][4] == "柳溪县卫生健康局"
    assert units["305001"][5:] == ["1,118.43", "1,001.93", "30.00", "", "", "", "", "", "", "", "86.50"]
    # 疾控 655.806 → 655.81 = 一般公共预算 587.106 (→ 587.11) + 事业收入 45.00 + 结转 23.70
    assert units["305002"][5:] == ["655.81", "587.11", "", "", "", "45.00", "", "", "", "", "23.70"]
    # 妇幼 1733.246 → 1733.25 = 一般公共预算 433.246 (→ 433.25) + 基金 20.00 + 事业收入 1280.00
    assert units["305003"][5:] == ["1,733.25", "433.25", "20.00", "", "", "1,280.00", "", "", "", "", ""]
    items = [r for r in rows if r[0]]
    # 局本级 210 01 99: 35.00 + 24.00 一般公共预算, 86.50 结转
    assert items[3][:7] == ["210", "01", "99", "", "其他卫生健康管理事务支出", "145.50", "59.00"]
    assert items[3][-1] == "86.50"
    # 妇幼 210 04 03: 288.60 基本支出 (一般公共预算) + 860.00 + 420.00 事业收入
    mch = next(r for r in items if r[:3] == ["210", "04", "03"])
    assert mch[:11] == ["210", "04", "03", "", "妇幼保健机构", "1,568.60", "288.60", "", "", "", "1,280.00"]
    assert len(items) == 8 + 6 + 7  # each unit's 项 rows under it


def test_ys03_units_and_rounding_difference(html):
    rows = table_rows(html, "YS03")
    units = [r for r in rows if r[3]]
    assert [(r[3], r[5]) for r in units] == [("305001", "1,118.43"), ("305002", "655.81"), ("305003", "1,733.25")]
    # 尾差: 1118.43 + 655.81 + 1733.25 = 3507.49 printed, under a total of 3507.482 → 3507.48
    assert rows[0][5] == "3,507.48"
    assert sum(Decimal(r[5].replace(",", "")) for r in units) == Decimal("3507.49")
    # the precise 事业单位医疗: 14.606 → 14.61, 12.446 → 12.45
    assert [r[5] for r in rows if r[:3] == ["210", "11", "02"]] == ["14.61", "12.45"]


def test_ys09_fund_spending_by_unit(html):
    rows = table_rows(html, "YS09")
    assert [(r[3], r[4], r[5], r[11], r[13]) for r in rows] == [
        ("", "", "50.00", "50.00", "50.00"),
        ("", "合计", "50.00", "50.00", "50.00"),
        ("305001", "柳溪县卫生健康局", "30.00", "30.00", "30.00"),
        ("", "用于社会福利的彩票公益金支出", "30.00", "30.00", "30.00"),
        ("305003", "柳溪县妇幼保健院", "20.00", "20.00", "20.00"),
        ("", "用于社会福利的彩票公益金支出", "20.00", "20.00", "20.00"),
    ]
    assert "本表无数据" not in html.split("<span>YS09</span>", 1)[1].split("</section>", 1)[0]


def test_ys01_and_ys04_carry_over(html):
    ys01 = {r[0]: r[1] for r in table_rows(html, "YS01") if r[0]}
    assert ys01["一、一般公共预算"] == "2,022.28" and ys01["五、事业收入"] == "1,325.00"
    # 本年收入合计 2022.282 + 50 + 1325 = 3397.282 → 3397.28; + 110.20 = 3507.48
    assert (ys01["本年收入合计"], ys01["上年结转结余"], ys01["收入总计"]) == ("3,397.28", "110.20", "3,507.48")
    ys04 = table_rows(html, "YS04")
    left = [(r[0], r[1]) for r in ys04]
    assert ("一、本年收入", "2,072.28") in left  # 2022.282 + 50.00
    assert ("二、上年结转", "110.20") in left
    # 收入合计 2072.282 + 110.20 = 2182.48; 支出: 一般公共预算 2132.48 + 基金 50.00
    assert ys04[-1][:7] == ["收入合计", "2,182.48", "支出合计", "2,182.48", "2,132.48", "2,132.48", "50.00"]


def test_ys10_ys12_units_and_ys11_funding(html):
    ys10 = table_rows(html, "YS10")
    units = [(r[1], r[2], r[3]) for r in ys10 if not r[0] and r[1]]
    assert units == [
        ("305001", "柳溪县卫生健康局", "818.30"),
        ("305002", "柳溪县疾病预防控制中心", "213.00"),
        ("305003", "柳溪县妇幼保健院", "1,358.00"),
    ]
    assert ys10[0][3:] == ["2,389.30", "904.10", "50.00", "", "110.20", "", "", "", "1,325.00"]
    ys12 = table_rows(html, "YS12")
    heads = [(r[0], r[1], r[2], r[3], r[5]) for r in ys12 if r[0] and len(r[0]) <= 6]
    # 政府预算资金: 局本级 818.30; 疾控 18.00 + 126.30 + 23.70 = 168.00; 妇幼 58.00 + 20.00 = 78.00
    assert heads == [
        ("305", "", "2,389.30", "1,064.30", "1,325.00"),
        ("305001", "柳溪县卫生健康局", "818.30", "818.30", ""),
        ("305002", "柳溪县疾病预防控制中心", "213.00", "168.00", "45.00"),
        ("305003", "柳溪县妇幼保健院", "1,358.00", "78.00", "1,280.00"),
    ]
    # each unit's projects follow its row: the 疾控 block holds its three projects
    codes = [r[0] for r in ys12 if r[0]]
    cdc = codes.index("305002")
    assert codes[cdc + 1 : cdc + 4] == ["41999925000000000201", "41999925000000000202", "41999924000000000466"]
    # YS11: 政府预算资金 2022.282 + 50.00 + 结转 110.20 = 2182.48; 单位资金 1325.00; sum 3507.48
    ys11 = html.split("<span>YS11</span>", 1)[1]
    funding = (("（1）政府预算资金", "2,182.48"), ("（3）单位资金", "1,325.00"), ("部门预算总额（万元）", "3,507.48"))
    for label, amount in funding:
        assert re.search(rf"{re.escape(label)}</td><td class=\"num[^\"]*\">{re.escape(amount)}</td>", ys11), label


def test_ys14_lists_each_item_once(html):
    rows = table_rows(html, "YS14")
    codes = [r[0] for r in rows if r[0]]
    assert len(codes) == len(set(codes))
    # 办公费 8.20 (局本级) + 12.60 (事业单位) = 20.80; 工会经费 4.30 + 6.80 = 11.10
    assert ["30201", "办公费", "20.80"] in rows and ["30228", "工会经费", "11.10"] in rows
    assert rows[0][2] == "76.30"


# --- wording that adapts -----------------------------------------------------------------------


def test_derived_income_keeps_each_unit_apart():
    """With YS02 left empty, each unit's 208 05 05 row takes its own 一般公共预算, not another unit's."""
    budget = load_workbook(SECOND)
    budget.tables["YS02"] = Table(schema.TABLES_BY_CODE["YS02"])
    ys02 = complete(budget).tables["YS02"]
    pension = [r.amount("gpb") for r in ys02 if r.kind == "item" and r.subject == "2080505"]
    assert pension == [Decimal("23.86"), Decimal("38.95"), Decimal("33.2")]
    funds = [r.amount("gov_fund") for r in ys02 if r.kind == "item" and r.subject == "2296002"]
    assert funds == [Decimal("30.0"), Decimal("20.0")]


def test_a_change_too_small_for_a_percentage(tmp_path):
    # 3507.48 − 3507.47 = 0.01; 0.01 / 3507.47 = 0.0003 % → 0.00: the amount is stated, no percentage
    path = edited(tmp_path, lambda wb: set_label(wb, schema.PRIOR_SHEET, "收入总计", 3507.47))
    text = html_text(render(path))
    assert "收入增加0.01万元，主要原因是：" in text
    assert not re.search(r"(?<![\d.])0\.00%", text)


def test_empty_optional_facts_leave_their_clause_out(tmp_path):
    def edit(wb):  # type: ignore[no-untyped-def]
        set_label(wb, schema.FACTS_SHEET, "政府性基金用途", None)
        set_label(wb, schema.FACTS_SHEET, "其他用车", 1)
        set_label(wb, schema.FACTS_SHEET, "专项转移支付项目数", 2)

    text = html_text(render(edited(tmp_path, edit)))
    # fund spending but no 用途 given: the amount alone, never the default "我单位无政府性基金预算支出"
    assert f"{WHO}政府性基金预算支出50.00万元。十、" in text
    # one other vehicle (2 + 3 + 4 + 1 = 10) and no note: no "其他用车主要是："
    assert "共有车辆10辆，" in text and "其他用车1辆；单价50万元以上通用设备1套" in text
    assert "共有2项。我单位将按照《预算法》" in text
    assert "无其他车辆" not in text and "无转移支付项目" not in text


# --- PDF and DOCX ------------------------------------------------------------------------------


def test_pdf_and_docx_carry_the_sentences_and_tables(tmp_path):
    result = CliRunner().invoke(cli.main, ["render", str(SECOND), "-o", str(tmp_path), "--format", "pdf,docx"])
    assert result.exit_code == 0, result.output
    sentences = [
        "收入合计3507.48万元，其中：一般公共预算2022.28万元，占57.66%；政府性基金预算50.00万元，占1.43%；",
        "预算数较2024年增加2.50万元，主要原因是：承接全市妇幼健康工作现场会接待任务。",
        "政府性基金预算支出50.00万元，用于：",
    ]
    figures = ["1,001.93", "587.11", "433.25", "1,280.00", "110.20", "2,182.48", "1,064.30"]
    document = docx.Document(str(tmp_path / f"{SECOND.stem}.docx"))
    paragraphs = flat("".join(p.text for p in document.paragraphs))
    cells = flat("".join(c.text for t in document.tables for row in t.rows for c in row.cells))
    assert len(document.tables) >= 14
    for sentence in sentences:
        assert sentence in paragraphs
    for figure in figures:
        assert figure in cells, figure
    pdf = subprocess.run(
        [tool("pdftotext"), "-enc", "UTF-8", str(tmp_path / f"{SECOND.stem}.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pdf = flat(re.sub(r"—\s*\d+\s*—", "", pdf))
    for sentence in sentences:
        assert sentence in pdf
    for figure in figures:
        assert figure in pdf, figure
