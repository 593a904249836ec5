"""Changed inputs change the affected sentences correctly: decrease, increase, 持平 and a zero base.

Expected sentences are written from arithmetic done here by hand, not copied from output.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from support import EXAMPLE, html_text

from generator.render.html import render_html
from generator.stages.compute import Change, build_document, cn_number, share
from generator.workbook.load import load_workbook
from generator.workbook.schema import FACTS_SHEET, PRIOR_SHEET


def _edit(tmp_path: Path, sheet: str, label: str, value: object) -> Path:
    target = tmp_path / "edited.xlsx"
    if not target.exists():
        shutil.copy(EXAMPLE, target)
    wb = openpyxl.load_workbook(target)
    ws = wb[sheet]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == label:
            row[1].value = value
            break
    else:
        raise AssertionError(f"{label} not on {sheet}")
    wb.save(target)
    return target


def _text(path: Path) -> str:
    return html_text(render_html(build_document(load_workbook(path))))


# --- 三公: 公务接待费 3.00 this year --------------------------------------------------------


@pytest.mark.parametrize(
    ("prior", "expected"),
    [
        # 16.00 → 3.00: 13.00 less; 13 / 16 = 81.25 %
        (
            "16",
            "（二）公务接待费3.00万元，主要用于按规定开支的各类公务接待（含外宾接待）支出。预算数较2023年减少13.00万元，下降81.25%，主要原因是：严格执行八项规定，精简公务接待支出。",
        ),
        # 2.40 → 3.00: 0.60 more; 0.6 / 2.4 = 25.00 %
        ("2.4", "预算数较2023年增加0.60万元，增长25.00%，主要原因是：严格执行八项规定，精简公务接待支出。"),
        # equal: 持平
        ("3", "预算数较2023年持平，主要原因是：严格执行八项规定，精简公务接待支出。"),
        # from nothing: an increase with no percentage
        ("0", "预算数较2023年增加3.00万元，主要原因是：严格执行八项规定，精简公务接待支出。"),
    ],
)
def test_sangong_reception_wording(tmp_path, prior, expected):
    text = _text(_edit(tmp_path, PRIOR_SHEET, "公务接待费", prior))
    assert expected in text


def test_sangong_total_follows_its_items(tmp_path):
    # last year: 出国 0 + 接待 3 + 购置 0 + 运行 4 = 7.00, equal to this year's 7.00
    _edit(tmp_path, PRIOR_SHEET, "公务接待费", "3")
    text = _text(_edit(tmp_path, PRIOR_SHEET, "公务用车运行费", "4"))
    assert "2024年“三公”经费支出预算数较2023年持平。" in text
    assert "增长100" not in text


def test_sangong_total_from_zero_base(tmp_path):
    for label in ("公务接待费", "公务用车运行费"):
        path = _edit(tmp_path, PRIOR_SHEET, label, 0)
    text = _text(path)
    assert "2024年“三公”经费支出预算数较2023年增加7.00万元。" in text


# --- income: 1959.63 this year ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("prior", "expected"),
    [
        # 1981.65 → 1959.63: 22.02 less; 22.02 / 1981.65 = 1.1112 % → 1.11
        ("1981.65", "收入减少22.02万元，下降1.11%，主要原因是：科技口奖补资金不在我单位列预算；"),
        # 1800 → 1959.63: 159.63 more; 159.63 / 1800 = 8.8683 % → 8.87
        ("1800", "收入增加159.63万元，增长8.87%，主要原因是：科技口奖补资金不在我单位列预算；"),
        ("1959.63", "收入持平，主要原因是：科技口奖补资金不在我单位列预算；"),
        ("0", "收入增加1959.63万元，主要原因是：科技口奖补资金不在我单位列预算；"),
    ],
)
def test_income_wording(tmp_path, prior, expected):
    text = _text(_edit(tmp_path, PRIOR_SHEET, "收入总计", prior))
    assert expected in text
    assert "%，%" not in text and "None" not in text


def test_flat_without_reason_says_only_flat(tmp_path):
    _edit(tmp_path, PRIOR_SHEET, "收入总计", "1959.63")
    text = _text(_edit(tmp_path, FACTS_SHEET, "收入增减原因", None))
    assert "与2023年预算相比，收入持平；支出减少22.02万元" in text


# --- the arithmetic itself -------------------------------------------------------------------


def test_change_is_rounded_half_up():
    # 0.125 % exactly: half-up gives 0.13 (banker's rounding would give 0.12)
    change = Change(Decimal("1000.00"), Decimal("800.00"))
    assert change.rate == Decimal("25.00")
    assert Change(Decimal("8.01"), Decimal("8.00")).rate == Decimal("0.13")  # 0.01/8 = 0.125 %
    assert Change(Decimal("5"), Decimal("0")).rate is None
    assert Change(Decimal("5"), Decimal("5")).direction == "flat"
    assert Change(Decimal("5"), None).direction == "unknown"


def test_share_and_numerals():
    assert share(Decimal("186.13"), Decimal("1959.63")) == Decimal("9.50")
    assert share(Decimal("1407.90"), Decimal("1959.63")) == Decimal("71.85")
    assert share(Decimal("1"), Decimal("0")) is None
    assert [cn_number(n) for n in (1, 10, 11, 16, 20, 21, 34)] == [
        "一",
        "十",
        "十一",
        "十六",
        "二十",
        "二十一",
        "三十四",
    ]


def test_counts_are_derived(tmp_path):
    document = build_document(load_workbook(EXAMPLE))
    assert len(document.divisions) == 10
    assert document.project_count == 15
    assert (document.big_project_count, document.big_project_total) == (3, Decimal("1334.40"))
