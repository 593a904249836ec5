"""Turn the sangong table's 三公 figures into findings: each at least the spending booked under its
经济分类 款 (三公经费)."""

from __future__ import annotations

from generator.stages.check.registry import ROUNDING, SANGONG, Context, checks, envelope, fmt
from generator.stages.derive import q2
from generator.workbook.model import ZERO


@checks(SANGONG, ROUNDING)
def sangong_covers_spending(c: Context) -> None:
    """Each 三公 item ≥ the basic (gpb_basic) and project (projects) spending under its 款, as the format
    declares them."""
    ys08 = c.done.rows("sangong")[0]
    spec = c.spec("sangong")
    code = spec.code
    for key, econ_codes in spec.sangong:
        basic = sum(
            (r.amount("total") for r in c.done.rows("gpb_basic", "item") if r.text("dept_code") in econ_codes), ZERO
        )
        projects = sum(
            (r.amount("total") for r in c.done.rows("projects", "project") if r.text("econ_dept") in econ_codes), ZERO
        )
        spent = basic + projects
        stated = ys08.amount(key)
        if q2(spent) > q2(stated):
            label = spec.column(key).label
            message = f"{label}不能小于经济分类科目{'、'.join(econ_codes)}的支出（基本支出＋项目支出）"
            cell = c.cell(code, ys08, key)
            if spent - stated > envelope(1):
                c.add(SANGONG, code, cell, message, f"≥ {fmt(spent)}", fmt(stated))
            else:
                within = f"{message}，差额在 {fmt(envelope(1))} 万元以内"
                c.add(ROUNDING, code, cell, within, f"≥ {fmt(spent)}", fmt(stated))
