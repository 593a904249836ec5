"""The check's registry of rules: every name a finding carries is declared, listed by `check --rules` and README."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import ROOT, Editor, load_tool, ref

from generator.frontends import cli
from generator.stages.check import CHECKS, DECLARED_CHECKS, RULES, check, rules_markdown
from generator.stages.check.registry import CHECKED_BY
from generator.workbook.load import load_workbook
from generator.workbook.schema import PLACEHOLDERS, TABLES_BY_CODE

REGENERATE = "python tools/readme_rules.py"


def _readme_tool():  # type: ignore[no-untyped-def]
    return load_tool("readme_rules")


def test_readme_table_is_the_registry() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "<!-- rules:begin -->" in readme and "<!-- rules:end -->" in readme
    assert _readme_tool().with_rules(readme) == readme, (
        f"README.md's table of rules differs from generator/stages/check/registry.py: run `{REGENERATE}`"
    )


def test_the_table_says_what_the_schema_checks() -> None:
    """The placeholder words and the 三公 codes are the schema's, so the table cannot drift from them."""
    table = rules_markdown()
    placeholder_row = next(line for line in table.splitlines() if line.startswith("| 占位文字 |"))
    assert placeholder_row == f"| 占位文字 | 错误 | 任何文字中的 {'、'.join(PLACEHOLDERS.markers)} |"
    assert "待定" not in placeholder_row
    for _, codes in TABLES_BY_CODE["YS08"].sangong:
        assert all(code in table for code in codes)


def run(*args: object):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def test_check_rules_lists_every_rule() -> None:
    result = run("check", "--rules")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "规则        级别        检查内容"
    assert "占位文字    错误        任何文字中的 XX、××、……、待填写、待补充" in lines
    assert "缺少原因    错误        较上年增加或减少的数字须填写原因（主要原因是：……）" in lines
    assert "控制字符    警告        读取工作簿时：文字单元格中的控制字符（已去除）" in lines
    assert [line.split()[0] for line in lines[1:]] == list(RULES)


def test_check_rules_needs_no_workbook_but_check_does() -> None:
    result = run("check")
    assert result.exit_code == 2
    assert "请给出要检查的工作簿；列出全部检查规则请用 --rules" in result.stderr
    assert result.stdout == ""


def test_every_check_is_registered_with_its_rules() -> None:
    registered = {name for names in CHECKED_BY.values() for name in names}
    # Henan's checks and those of a declared format (both engines' lists)
    assert {f"{c.__module__}.{c.__qualname__}" for c in (*CHECKS, *DECLARED_CHECKS)} == registered
    checked = {r.id for r in RULES.values() if r.source == "check"}
    assert checked == set(CHECKED_BY)


def _calls(path: Path, name: str) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (getattr(node.func, "id", None) == name or getattr(node.func, "attr", None) == name)
    ]


def test_findings_are_made_only_from_declared_rules() -> None:
    """The check makes its findings in ``Context.add`` (from a declared ``Rule``); the loader names a declared rule."""
    generator = ROOT / "generator"
    makers = sorted(str(p.relative_to(generator)) for p in generator.rglob("*.py") if _calls(p, "Finding"))
    assert makers == ["stages/check/registry.py", "workbook/load.py"]
    loader = generator / "workbook" / "load.py"
    noted = {call.args[2].value for call in _calls(loader, "note") if isinstance(call.args[2], ast.Constant)}
    assert all(len(call.args) > 2 and isinstance(call.args[2], ast.Constant) for call in _calls(loader, "note"))
    assert noted == {r.id for r in RULES.values() if r.source == "loader"}


def test_a_hostile_workbooks_findings_all_name_registered_rules(broken, rows) -> None:  # type: ignore[no-untyped-def]
    item = rows.find("YS03", name="行政单位医疗")
    science = rows.find("YS03", name="其他科学技术支出")
    project, operating = ref("YS03", "project", item), ref("YS03", "operating", item)

    def edit(e: Editor) -> None:
        e.sheet("YS03").merge_cells(f"{project}:{operating}")
        e.sheet("YS03").row_dimensions[science].hidden = True
        e.fact("主要职责", "负责全市_x0001_工业工作，XX")
        e.fact("部门名称", None)
        e.set("YS03", "name", science, "其他科学技术")
        e.set("YS03", "total", science, 999)
        e.set("YS03", "lei", item, "999")
        notes = e.wb.create_sheet("草稿")
        notes["A1"] = "去年的数字"

    findings = check(load_workbook(broken(edit)))
    used = {f.rule for f in findings}
    assert used <= set(RULES)
    assert {"合并单元格", "隐藏数据", "控制字符", "多余工作表", "必填项", "占位文字", "科目名称", "小计不符"} <= used


@pytest.mark.parametrize("rule", list(RULES.values()), ids=list(RULES))
def test_each_rule_says_what_it_checks(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.severity in ("error", "warning", "both")
    assert rule.what and "|" not in rule.what and "\n" not in rule.what
