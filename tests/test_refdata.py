"""The bundled code lists, every year: structure, counts pinned against truncation, built from their sources."""

from __future__ import annotations

import importlib.util
import json
import re
from importlib.resources import files

import pytest
from support import ROOT

from generator.reference.codes import CodeBook, available_years, load_codes

YEARS = (2024, 2025, 2026)

# Per 类: (款, 项) in each year's 支出功能分类. A truncated or damaged file changes one of them.
COUNTS_2024 = {
    "201": (28, 216), "202": (9, 30), "203": (5, 13), "204": (11, 80), "205": (10, 41), "206": (11, 50),
    "207": (9, 62), "208": (24, 115), "209": (8, 27), "210": (13, 59), "211": (17, 72), "212": (16, 61),
    "213": (14, 124), "214": (17, 101), "215": (8, 59), "216": (3, 16), "217": (5, 26), "219": (9, 0),
    "220": (3, 41), "221": (3, 17), "222": (4, 39), "223": (4, 21), "224": (8, 47), "227": (0, 0),
    "229": (5, 23), "230": (11, 77), "231": (4, 25), "232": (4, 25), "233": (4, 17), "234": (2, 18),
}  # fmt: skip
# 2025: 财预〔2025〕41号 adds 2170404, 22911 and 23107; 23105 (待核) is added with them. 2026 carries 2025 over.
COUNTS_2025 = {**COUNTS_2024, "217": (5, 27), "229": (6, 23), "231": (6, 25)}
COUNTS = {2024: COUNTS_2024, 2025: COUNTS_2025, 2026: COUNTS_2025}
# 经济分类, every year: (类, 款) of the 部门 and the 政府 list, and the 部门 → 政府 pairs.
ECON_COUNTS = {"econ_dept": (10, 100), "econ_gov": (15, 65), "dept_to_gov": 100}

# Codes county disclosures commonly print, 政府性基金 among them: each must be in every year's list.
COMMON = {
    "2010101": "行政运行", "2010350": "事业运行", "2012906": "工会事务", "2040201": "行政运行",
    "2050101": "行政运行", "2050201": "学前教育", "2050202": "小学教育", "2050203": "初中教育",
    "2050204": "高中教育", "2070101": "行政运行", "2080101": "行政运行", "2080501": "行政单位离退休",
    "2080502": "事业单位离退休", "2080505": "机关事业单位基本养老保险缴费支出",
    "2080506": "机关事业单位职业年金缴费支出", "2080801": "死亡抚恤", "2081001": "儿童福利",
    "2082201": "移民补助", "2100101": "行政运行", "2100201": "综合医院", "2100302": "乡镇卫生院",
    "2100408": "基本公共卫生服务", "2100409": "重大公共卫生服务", "2101101": "行政单位医疗",
    "2101102": "事业单位医疗", "2101103": "公务员医疗补助", "2110101": "行政运行", "2120101": "行政运行",
    "2120501": "城乡社区环境卫生", "2120801": "征地和拆迁补偿支出", "2120802": "土地开发支出",
    "2120803": "城市建设支出", "2120804": "农村基础设施建设支出", "2130101": "行政运行",
    "2130104": "事业运行", "2130301": "行政运行", "2130705": "对村民委员会和村党支部的补助",
    "2140101": "行政运行", "2150501": "行政运行", "2200101": "行政运行", "2210201": "住房公积金",
    "2210203": "购房补贴", "2240101": "行政运行", "2296002": "用于社会福利的彩票公益金支出",
}  # fmt: skip


@pytest.fixture(params=YEARS)
def book(request: pytest.FixtureRequest) -> CodeBook:
    return load_codes(request.param)


def test_every_year_is_bundled_and_chosen_as_before() -> None:
    assert set(YEARS) <= set(available_years())
    assert [load_codes(y).year for y in (2020, 2024, 2025, 2026, 2030)] == [2024, 2024, 2025, 2026, 2026]


def test_each_xiang_has_its_kuan_and_each_kuan_its_lei(book: CodeBook) -> None:
    classes = {fc.code for fc in book.function_classes}
    for code in book.functions:
        assert re.fullmatch(r"2\d{4}(\d\d)?", code), code
        assert code[:3] in classes, code
        if len(code) == 7:
            assert code[:5] in book.functions, code


def test_economic_codes_are_well_formed_and_each_kuan_has_its_lei(book: CodeBook) -> None:
    for mapping, first in ((book.econ_dept, "3"), (book.econ_gov, "5")):
        for code in mapping:
            assert re.fullmatch(rf"{first}\d\d(\d\d)?", code), code
            assert code[:3] in mapping, code


def test_names_are_present_and_clean(book: CodeBook) -> None:
    named = [(fc.code, fc.name) for fc in book.function_classes]
    named += [*book.functions.items(), *book.econ_dept.items(), *book.econ_gov.items()]
    for code, name in named:
        assert name and name == name.strip() and " " not in name, code
        assert "(" not in name and ")" not in name, code  # the official lists use full-width brackets


def test_counts_per_lei_are_pinned(book: CodeBook) -> None:
    counts = {fc.code: [0, 0] for fc in book.function_classes}
    for code in book.functions:
        counts[code[:3]][0 if len(code) == 5 else 1] += 1
    assert {k: tuple(v) for k, v in counts.items()} == COUNTS[book.year]


def test_economic_counts_are_pinned(book: CodeBook) -> None:
    def levels(mapping: object) -> tuple[int, int]:
        codes = list(mapping)  # type: ignore[call-overload]
        return sum(len(c) == 3 for c in codes), sum(len(c) == 5 for c in codes)

    assert levels(book.econ_dept) == ECON_COUNTS["econ_dept"]
    assert levels(book.econ_gov) == ECON_COUNTS["econ_gov"]
    assert len(book.dept_to_gov_map) == ECON_COUNTS["dept_to_gov"]


def test_mapping_joins_codes_of_both_lists(book: CodeBook) -> None:
    for dept, gov in book.dept_to_gov_map.items():
        assert dept in book.econ_dept and gov in book.econ_gov, (dept, gov)
        assert len(dept) == len(gov) == 5


def test_uncertain_codes_are_listed_codes_with_a_reason(book: CodeBook) -> None:
    known = {fc.code for fc in book.function_classes} | set(book.functions) | set(book.econ_dept) | set(book.econ_gov)
    assert book.uncertain
    for code, note in book.uncertain.items():
        assert code in known, code
        assert note.startswith("待核"), code


def test_the_source_says_what_it_is(book: CodeBook) -> None:
    assert f"政府收支分类科目（{book.year}年）" in book.source
    assert "不是财政部门下发的正式文件" in book.source and "--codes" in book.source


@pytest.mark.parametrize(("code", "name"), sorted(COMMON.items()))
def test_common_county_codes(book: CodeBook, code: str, name: str) -> None:
    assert book.function_name(code) == name


def test_year_changes_of_2025() -> None:
    assert load_codes(2024).function_name("2170404") is None
    assert load_codes(2025).function_name("2170404") == "中央金融机构注资特别国债支出"
    assert load_codes(2026).function_name("2170404") == "中央金融机构注资特别国债支出"


def test_bundled_json_is_what_its_sources_build() -> None:
    """tools/refdata/*.tsv are what maintainers edit; the shipped JSON must not drift from them."""
    spec = importlib.util.spec_from_file_location("build_refdata", ROOT / "tools" / "build_refdata.py")
    assert spec is not None and spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    for year in YEARS:
        shipped = files("generator.reference.refdata").joinpath(f"codes_{year}.json").read_text(encoding="utf-8")
        assert json.loads(shipped) == builder.build(year), year
        assert shipped == builder.render(builder.build(year)), year
