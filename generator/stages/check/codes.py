"""Turn 功能分类 and 经济分类 codes into findings: checked against the 科目表 (未知科目, 科目名称)."""

from __future__ import annotations

from collections.abc import Callable

from generator.stages.check.registry import CODE_NAME, REQUIRED, UNKNOWN_CODE, Context, checks
from generator.stages.derive import SPENDING_SHAPED
from generator.workbook.load import normalize_text
from generator.workbook.model import Row


@checks(UNKNOWN_CODE, CODE_NAME, REQUIRED)
def codes_known(c: Context) -> None:
    """Every code of the detail rows in the 科目表, under its name; a project's 部门经济分类 when the
    economic table is derived."""
    codes = c.codes
    for role in SPENDING_SHAPED:
        for row in c.budget.role(role).of("item"):
            _function_code(c, row)
    for row in c.budget.role("gpb_basic").of("item"):
        _econ(c, row, "dept_code", "dept_name", codes.econ_dept_name, "部门预算支出经济分类")
        _econ(c, row, "gov_code", "gov_name", codes.econ_gov_name, "政府预算支出经济分类")
    for row in c.budget.role("operating_cost").of("item"):
        _econ(c, row, "code", "name", codes.econ_dept_name, "部门预算支出经济分类")
    economic = c.spec("economic").title
    for row in c.budget.role("projects").of("project"):
        _econ(c, row, "econ_dept", None, codes.econ_dept_name, "部门预算支出经济分类")
        _econ(c, row, "econ_gov", None, codes.econ_gov_name, "政府预算支出经济分类")
        if not c.done.is_derived("economic") or row.text("econ_dept"):
            continue
        c.add(
            REQUIRED,
            c.code("projects"),
            row.cell("econ_dept"),
            f"项目“{row.text('name')}”缺少部门经济分类，无法生成{economic}",
        )


def _function_code(c: Context, row: Row) -> None:
    lei, kuan, xiang = row.text("lei"), row.text("kuan"), row.text("xiang")
    if not (len(lei) == 3 and len(kuan) == 2 and len(xiang) == 2 and (lei + kuan + xiang).isdigit()):
        c.add(
            UNKNOWN_CODE,
            row.code,
            row.cell("lei"),
            f"功能分类科目编码“{lei} {kuan} {xiang}”格式不对：应为类3位、款2位、项2位",
            severity="error",
        )
        return
    code = lei + kuan + xiang
    names = c.codes.function_names(code)
    if not names:
        _unknown(c, row, row.cell("lei"), "功能分类", code, "function", c.codes.known_function_class(code))
    elif normalize_text(row.text("name")) not in {normalize_text(n) for n in names}:
        _other_name(c, row, row.cell("name"), code, "function", names[0], row.text("name"))


def _econ(
    c: Context, row: Row, code_key: str, name_key: str | None, lookup: Callable[[str], str | None], what: str
) -> None:
    code = row.text(code_key)
    if not code:
        return
    if not (code.isdigit() and len(code) in (3, 5)):
        c.add(
            UNKNOWN_CODE,
            row.code,
            row.cell(code_key),
            f"{what}科目编码“{code}”格式不对：应为类3位或款5位",
            severity="error",
        )
        return
    name = lookup(code)
    kind = "econ_dept" if what.startswith("部门") else "econ_gov"
    if name is None:
        _unknown(c, row, row.cell(code_key), what, code, kind, c.codes.known_econ_class(code, kind))
    elif name_key and normalize_text(row.text(name_key)) != normalize_text(name):
        _other_name(c, row, row.cell(name_key), code, kind, name, row.text(name_key))


def _unknown(c: Context, row: Row, cell: str | None, what: str, code: str, kind: str, class_known: bool) -> None:
    """A code not in the list: an error against a supplied list or under an unknown 类, else a warning.

    A bundled list is ours, not the authority: a code it lacks under a 类 it knows is more likely
    a gap in our data than the clerk's mistake, and must not stop the disclosure.
    """
    codes = c.codes
    if kind in codes.supplied:
        c.add(UNKNOWN_CODE, row.code, cell, f"{what}科目“{code}”不在{codes.list_name(kind)}中", severity="error")
    elif not class_known:
        c.add(
            UNKNOWN_CODE,
            row.code,
            cell,
            f"{what}科目“{code}”的类“{code[:3]}”不存在（{codes.list_name(kind)}中没有此类），请核对编码",
            severity="error",
        )
    else:
        c.add(
            UNKNOWN_CODE,
            row.code,
            cell,
            f"{what}科目“{code}”不在{codes.list_name(kind)}中；内置科目表可能不全，如确为正式科目，"
            f"可提供财政部门导出的科目代码表（--codes 文件，或模板文件夹中的 codes.xlsx）再检查",
            severity="warning",
        )


def _other_name(c: Context, row: Row, cell: str | None, code: str, kind: str, name: str, given: str) -> None:
    doubt = "（内置科目表中此科目待核）" if kind not in c.codes.supplied and code in c.codes.uncertain else ""
    c.add(CODE_NAME, row.code, cell, f"科目{code}的名称与{c.codes.list_name(kind)}不同{doubt}", name, given)
