"""Tests for the bundled reference code lists and their loader."""

from __future__ import annotations

import re

import pytest

from generator.reference.codes import CodeBook, FunctionClass, available_years, load_codes


@pytest.fixture(scope="module")
def book() -> CodeBook:
    return load_codes(2024)


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 15 → 十五, 20 → 二十, 34 → 三十四 (1..99)."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    if tens == 0:
        return digits[ones]
    head = "十" if tens == 1 else digits[tens] + "十"
    return head + (digits[ones] if ones else "")


def test_chinese_numeral_helper() -> None:
    assert [chinese_numeral(n) for n in (1, 9, 10, 11, 19, 20, 21, 27, 30, 34)] == [
        "一",
        "九",
        "十",
        "十一",
        "十九",
        "二十",
        "二十一",
        "二十七",
        "三十",
        "三十四",
    ]


SEED_FUNCTIONS = {
    "20602": "基础研究",
    "2060299": "其他基础研究支出",
    "20604": "技术研究与开发",
    "2060499": "其他技术与开发支出",
    "20699": "其他科学技术支出",
    "2069999": "其他科学技术支出",
    "20805": "行政事业单位养老支出",
    "2080505": "机关事业单位基本养老保险缴费支出",
    "21011": "行政事业单位医疗",
    "2101101": "行政单位医疗",
    "2101102": "事业单位医疗",
    "21505": "工业和信息产业监管",
    "2150501": "行政运行",
    "21508": "支持中小企业发展和管理支出",
    "2150899": "其他支持中小企业发展和管理支出",
    "22102": "住房改革支出",
    "2210201": "住房公积金",
}


@pytest.mark.parametrize(("code", "name"), sorted(SEED_FUNCTIONS.items()))
def test_seed_function_codes(book: CodeBook, code: str, name: str) -> None:
    """Each name the seed prints is the list's name or one it is accepted under (2060499's, printed shorter)."""
    assert name in book.function_names(code)


def test_an_alias_is_accepted_but_the_official_name_comes_first(book: CodeBook) -> None:
    assert book.function_names("2060499") == ("其他技术研究与开发支出", "其他技术与开发支出")
    assert book.function_name("2060499") == "其他技术研究与开发支出"


def test_function_code_with_spaces(book: CodeBook) -> None:
    assert book.function_name("206 02 99") == "其他基础研究支出"


SEED_ECON = [
    # (部门经济分类, name, 政府经济分类 in the seed's YS06, its name)
    ("30108", "机关事业单位基本养老保险缴费", "50102", "社会保障缴费"),
    ("30110", "职工基本医疗保险缴费", "50102", "社会保障缴费"),
    ("30103", "奖金", "50101", "工资奖金津补贴"),
    ("30101", "基本工资", "50101", "工资奖金津补贴"),
    ("30112", "其他社会保障缴费", "50102", "社会保障缴费"),
    ("30102", "津贴补贴", "50101", "工资奖金津补贴"),
    ("30302", "退休费", "50905", "离退休费"),
    ("30305", "生活补助", "50901", "社会福利和救助"),
    ("30228", "工会经费", "50201", "办公经费"),
    ("30207", "邮电费", "50201", "办公经费"),
    ("30202", "印刷费", "50201", "办公经费"),
    ("30201", "办公费", "50201", "办公经费"),
    ("30239", "其他交通费用", "50201", "办公经费"),
    ("30229", "福利费", "50201", "办公经费"),
    ("30113", "住房公积金", "50103", "住房公积金"),
]


@pytest.mark.parametrize(("dept", "dept_name", "gov", "gov_name"), SEED_ECON)
def test_seed_econ_codes(book: CodeBook, dept: str, dept_name: str, gov: str, gov_name: str) -> None:
    assert book.econ_dept_name(dept) == dept_name
    assert book.econ_gov_name(gov) == gov_name
    assert book.dept_to_gov(dept) == gov


def test_seed_econ_extras(book: CodeBook) -> None:
    # 30107 绩效工资 shows 50501 in the seed (a 事业单位 row); the 行政单位 mapping is 50101.
    assert book.econ_dept_name("30107") == "绩效工资"
    assert book.econ_gov_name("50501") == "工资福利支出"
    assert book.dept_to_gov("30107") == "50101"
    assert book.econ_dept_name("301") == "工资福利支出"
    assert book.econ_dept_name("302") == "商品和服务支出"
    assert book.econ_gov_name("501") == "机关工资福利支出"
    # the 三公 items
    assert book.dept_to_gov("30212") == "50207"
    assert book.dept_to_gov("30217") == "50206"
    assert book.dept_to_gov("30231") == "50208"
    assert book.econ_dept_name("31013") == "公务用车购置"


def test_215_name_and_alias(book: CodeBook) -> None:
    fc = book.function_class("215")
    assert fc is not None
    assert fc.name == "资源勘探信息等支出"
    assert "资源勘探工业信息等支出" in fc.aliases
    assert book.function_name("215") == "资源勘探信息等支出"
    assert book.function_names("215") == ("资源勘探信息等支出", *fc.aliases)


def test_function_names_of_kuan_and_xiang(book: CodeBook) -> None:
    assert book.function_names("20602") == ("基础研究",)
    assert book.function_names("2150501") == ("行政运行",)
    assert book.function_names("9999999") == ()


@pytest.mark.parametrize(
    ("code", "ys01", "ys04"),
    [
        ("201", "一、一般公共服务", "（一）一般公共服务支出"),
        ("206", "六、科学技术", "（六）科学技术支出"),
        ("207", "七、文化旅游体育与传媒", "（七）文化旅游体育与传媒支出"),
        ("210", "十、卫生健康", "（十）卫生健康支出"),
        ("212", "十二、城乡社区事务", "（十二）城乡社区事务支出"),
        ("215", "十五、资源勘探信息等", "（十五）资源勘探信息等支出"),
        ("221", "二十一、住房保障支出", "（二十一）住房保障支出"),
        ("223", "二十三、国有资本经营预算", "（二十三）国有资本经营预算"),
        ("224", "二十四、灾害防治及应急管理", "（二十四）灾害防治及应急管理"),
        ("227", "二十七、预备费", "（二十七）预备费"),
        ("234", "三十四、抗疫特别国债安排的支出", "（三十四）抗疫特别国债安排的支出"),
    ],
)
def test_class_labels(book: CodeBook, code: str, ys01: str, ys04: str) -> None:
    fc = book.function_class(code)
    assert fc is not None
    assert (fc.ys01_label, fc.ys04_label) == (ys01, ys04)


def test_no_stale_ys04_rows(book: CodeBook) -> None:
    ys04 = [fc.ys04_label for fc in book.function_classes]
    assert not any("医疗卫生与计划生育" in label for label in ys04)
    assert not any("文化体育旅游与传媒" in label for label in ys04)
    assert sum(label.endswith("卫生健康支出") for label in ys04) == 1


def test_class_order_and_codes(book: CodeBook) -> None:
    codes = [fc.code for fc in book.function_classes]
    assert codes[0] == "201" and codes[-1] == "234"
    assert codes == sorted(codes)
    assert not {"218", "225", "226", "228"} & set(codes)
    assert len(codes) == len(set(codes)) == 30


def test_label_numbering(book: CodeBook) -> None:
    for fc in book.function_classes:
        numeral = chinese_numeral(int(fc.code) - 200)
        assert re.fullmatch(rf"{numeral}、\S+", fc.ys01_label), fc
        assert re.fullmatch(rf"（{numeral}）\S+", fc.ys04_label), fc
        assert "(" not in fc.ys04_label and ")" not in fc.ys04_label


def test_year_fallback() -> None:
    years = available_years()
    assert 2024 in years
    assert years == tuple(sorted(years))
    assert load_codes(2030).year == max(y for y in years if y <= 2030)
    assert load_codes(2024).year == 2024
    assert load_codes(2010).year == years[0]
    assert load_codes(2024) is load_codes(2024)


def test_unknown_codes(book: CodeBook) -> None:
    assert book.function_class("218") is None
    assert book.function_class("999") is None
    assert book.function_name("218") is None
    assert book.function_name("20698") is None
    assert book.function_name("2060298") is None
    assert book.function_name("") is None
    assert book.econ_dept_name("30298") is None
    assert book.econ_gov_name("50298") is None
    assert book.dept_to_gov("39998") is None


def test_econ_dept_kuan_under_known_lei(book: CodeBook) -> None:
    lei = {c for c in book.econ_dept if len(c) == 3}
    assert {"301", "302", "303", "310", "312"} <= lei
    for code in book.econ_dept:
        assert re.fullmatch(r"\d{3}|\d{5}", code), code
        if len(code) == 5:
            assert code[:3] in lei, code


def test_econ_gov_kuan_under_known_lei(book: CodeBook) -> None:
    lei = {c for c in book.econ_gov if len(c) == 3}
    for code in book.econ_gov:
        assert re.fullmatch(r"\d{3}|\d{5}", code), code
        if len(code) == 5:
            assert code[:3] in lei, code


def test_dept_to_gov_targets_exist(book: CodeBook) -> None:
    assert book.dept_to_gov_map
    for dept, gov in book.dept_to_gov_map.items():
        assert book.econ_dept_name(dept) is not None, dept
        assert book.econ_gov_name(gov) is not None, (dept, gov)
        assert len(dept) == len(gov) == 5


def test_types(book: CodeBook) -> None:
    assert isinstance(book.function_classes, tuple)
    assert all(isinstance(fc, FunctionClass) for fc in book.function_classes)
    assert all(isinstance(a, str) for fc in book.function_classes for a in fc.aliases)
    assert isinstance(book.function_classes[0].aliases, tuple)


def test_known_classes(book: CodeBook) -> None:
    assert book.known_function_class("2129999") and not book.known_function_class("2989999")
    assert book.known_econ_class("30298", "econ_dept") and not book.known_econ_class("30298", "econ_gov")
    assert book.known_econ_class("50298", "econ_gov") and not book.known_econ_class("58801", "econ_gov")
