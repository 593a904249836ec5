"""Turn the example transcriptions (tools/build_example*.py) into cells: the writing helpers both builders share."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from generator.workbook import blank, schema

YS12_CATEGORIES = ("cost", "output", "effect", "satisfaction")


def put(ws, spec: schema.TableSpec, row: int, **values) -> None:
    """Write ``values`` (by column key) on ``row``; None, "" and zero amounts stay empty.

    Amounts are written as numbers; ``repr()`` of the float reads back as the same digits.
    """
    for key, value in values.items():
        if value is None or value == "":
            continue
        if spec.column(key).kind == "amount":
            amount = Decimal(str(value))
            if amount == 0:
                continue
            value = float(amount) if isinstance(value, (Decimal, str)) else value
        ws.cell(row=row, column=spec.column_index(key), value=value)


def sheet(wb, code: str):
    spec = schema.TABLES_BY_CODE[code]
    return wb[spec.sheet_name], spec


def fill_ys06(wb, items: Sequence[tuple]) -> None:
    """YS06: (部门编码, 名称, 政府编码, 名称, 人员经费, 公用经费) per line; 合计 is the one given."""
    ws, spec = sheet(wb, "YS06")
    for row, (dept_code, dept_name, gov_code, gov_name, personnel, public) in enumerate(items, start=spec.data_row):
        put(
            ws,
            spec,
            row,
            dept_code=dept_code,
            dept_name=dept_name,
            gov_code=gov_code,
            gov_name=gov_name,
            total=personnel if personnel is not None else public,
            personnel=personnel,
            public=public,
        )


def fill_ys08(wb, values: dict) -> None:
    ws, spec = sheet(wb, "YS08")
    put(ws, spec, spec.data_row, **values)


def fill_ys11(wb, goal_text: str, tasks: Sequence[tuple[str, str]], indicators: Sequence[tuple]) -> None:
    """YS11: the 履职目标, one row per task, one row per indicator (一级/二级 only where they change)."""
    ws, spec = sheet(wb, "YS11")
    goal, task, indicator = schema.PERFORMANCE_SECTIONS
    row = spec.data_row
    put(ws, spec, row, section=goal, text=goal_text)
    for name, content in tasks:
        row += 1
        put(ws, spec, row, section=task, level1=name, text=content)
    for level1, level2, level3, value, text in indicators:
        row += 1
        put(ws, spec, row, section=indicator, level1=level1, level2=level2, level3=level3, value=value, text=text)
    blank.fit_row_heights(ws, spec.data_row, row)


def put_ys12_project(ws, spec: schema.TableSpec, row: int, head: dict, lists: Sequence[Sequence]) -> int:
    """One YS12 project: ``head`` (code, name, amounts) on its first row, its indicators below; the next row."""
    for n in range(max(len(items) for items in lists)):
        values = dict(head) if n == 0 else {}
        for category, items in zip(YS12_CATEGORIES, lists, strict=True):
            if n < len(items):
                values[f"{category}_ind"], values[f"{category}_val"] = items[n]
        put(ws, spec, row, **values)
        row += 1
    return row
