"""Turn a loaded ``Budget`` into findings: every consistency rule (勾稽关系) broken, at its sheet and cell.

The rules are those of ``shared/reference/domain.md`` §2: sums inside each table, equalities
between tables, "三公" against the 经济分类 items as "≤", required facts, placeholder text,
codes against the bundled reference lists, and the 尾差 envelope of §3. A figure is compared at
the precision the workbook holds. Two figures whose cent roundings agree are consistent; beyond
that, a parent and the n items it sums may differ by up to (n + 1) × 0.005 万元 as a rounding
difference (尾差, a warning), and more than that is an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from generator.errors import Finding, Severity
from generator.reference.codes import CodeBook, load_codes
from generator.stages import derive
from generator.stages.derive import (
    RELATIONS,
    SPENDING_SHAPED,
    Complete,
    keyed_rows,
    q2,
    sums,
    total,
    unit_groups,
)
from generator.stages.figures import CHANGES, Figures, LastYear, headline
from generator.workbook.load import normalize_text
from generator.workbook.model import ZERO, Budget, Row
from generator.workbook.schema import FACTS, FACTS_SHEET, PLACEHOLDERS, PRIOR, PRIOR_SHEET, TABLES_BY_CODE

HALF_CENT = Decimal("0.005")


def envelope(items: int) -> Decimal:
    """The largest difference that is still a rounding difference for a parent over ``items`` items."""
    return (items + 1) * HALF_CENT


def judge(given: Decimal, expected: Decimal, items: int) -> Severity | None:
    """None when consistent, "warning" for a 尾差, "error" beyond the envelope."""
    if given == expected or q2(given) == q2(expected):
        return None
    return "warning" if abs(given - expected) <= envelope(items) else "error"


def fmt(value: Decimal) -> str:
    """An amount as a finding shows it: to the cent, more digits when the workbook holds more."""
    text = format(q2(value), "f") if value == q2(value) else format(value.normalize(), "f")
    return text


class Checker:
    """Collects findings; one method per group of rules."""

    def __init__(self, budget: Budget, codes: CodeBook, done: Complete):
        self.budget = budget
        self.codes = codes
        self.done = done
        self.findings: list[Finding] = []

    def add(
        self,
        severity: Severity,
        sheet: str,
        cell: str | None,
        rule: str,
        message: str,
        expected: str | None = None,
        found: str | None = None,
    ) -> None:
        self.findings.append(Finding(severity, sheet, cell, rule, message, expected, found))

    def compare(
        self, given: Decimal, expected: Decimal, items: int, sheet: str, cell: str | None, rule: str, message: str
    ) -> None:
        severity = judge(given, expected, items)
        if severity == "warning":
            self.add(
                "warning",
                sheet,
                cell,
                "尾差",
                f"{message}，差额在 {fmt(envelope(items))} 万元以内",
                fmt(expected),
                fmt(given),
            )
        elif severity == "error":
            self.add("error", sheet, cell, rule, message, fmt(expected), fmt(given))

    # --- facts and last year ------------------------------------------------------------

    def facts(self) -> None:
        facts = self.budget.facts
        for fact in FACTS:
            value = facts.values.get(fact.key)
            empty = value is None or value == [] or value == ""
            if empty and fact.required:
                self.add("error", FACTS_SHEET, facts.cells.get(fact.key), "必填项", f"“{fact.label}”未填写")
        if self.budget.year and self.done.tables["YS03"] == []:
            self.add("error", "YS03", None, "必填项", "部门支出总体情况表没有数据")
        for prior in PRIOR:
            if self.budget.prior.values.get(prior.key) is None:
                self.add(
                    "error",
                    PRIOR_SHEET,
                    self.budget.prior.cells.get(prior.key),
                    "必填项",
                    f"上年数“{prior.label}”未填写（没有填 0）",
                )

    def against_last_year(self, last: LastYear) -> None:
        """Each 上年数 figure equals the figure last year's workbook gives, as its document printed it.

        A figure left empty is already a 必填项 error. A workbook of another year than the one
        before this, or of another 部门编码, is more likely a wrong file than a wrong figure: a
        warning says so (a bureau renamed keeps its code, so the name is not compared).
        """
        year = self.budget.year
        if year and last.year != year - 1:
            self.add(
                "warning",
                FACTS_SHEET,
                self.budget.facts.cells.get("year"),
                "上年数不符",
                f"上年工作簿 {last.name} 的预算年度为 {last.year} 年，不是 {year - 1} 年：请核对是否选错了文件",
            )
        code = self.budget.facts.text("dept_code")
        if code and last.dept_code and code != last.dept_code:
            self.add(
                "warning",
                FACTS_SHEET,
                self.budget.facts.cells.get("dept_code"),
                "上年数不符",
                f"上年工作簿 {last.name} 是{last.bureau}（部门编码 {last.dept_code}）的，不是部门编码 {code}："
                "请核对是否选错了文件",
            )
        prior = self.budget.prior
        for figure in PRIOR:
            given = prior.amount(figure.key)
            expected = last.figures[figure.key]
            if given is None or q2(given) == expected:
                continue
            self.add(
                "error",
                PRIOR_SHEET,
                prior.cells.get(figure.key),
                "上年数不符",
                f"上年数“{figure.label}”与上年工作簿 {last.name} 算出的数字不同",
                fmt(expected),
                fmt(given),
            )

    def placeholders(self) -> None:
        facts = self.budget.facts
        for fact in FACTS:
            item_cells = facts.item_cells.get(fact.key, [])
            for i, text in enumerate(facts.items(fact.key) if fact.kind in ("list", "text") else []):
                cell = item_cells[i] if i < len(item_cells) else facts.cells.get(fact.key)
                self._placeholder(text, FACTS_SHEET, cell, fact.label)
        for table in self.budget.tables.values():
            for row in table.rows:
                for col in table.spec.columns:
                    if col.kind in ("text", "choice"):
                        self._placeholder(row.text(col.key), table.code, row.cell(col.key), col.label)

    def _placeholder(self, text: str, sheet: str, cell: str | None, label: str) -> None:
        for marker in PLACEHOLDERS.markers:
            if marker in text:
                self.add("error", sheet, cell, "占位文字", f"“{label}”含有占位文字“{marker}”，请填写实际内容")
                return

    # --- inside each table -----------------------------------------------------------------

    def row_sums(self) -> None:
        """Every subtotal cell a clerk filled equals the sum of its parts (rows of every table).

        On a total, 合计 or unit row a part left empty is derived from the rows below (as printed),
        not read as zero; when all its parts are empty, ``column_sums`` checks the cell.
        """
        completed = {(r.code, r.number): r for rows in self.done.tables.values() for r in rows if r.number}
        for code, relations in RELATIONS.items():
            for row in self.budget.table(code).rows:
                summary = row.kind in ("total", "sum", "unit")
                source = completed.get((code, row.number), row) if summary else row
                for parent, parts in relations:
                    given = row.given(parent)
                    if given is None or row.kind == "continuation":
                        continue
                    if summary and all(row.given(p) is None for p in parts):
                        continue
                    expected = sum((source.amount(p) for p in parts), ZERO)
                    names = "＋".join(TABLES_BY_CODE[code].column(p).label for p in parts)
                    label = TABLES_BY_CODE[code].column(parent).label
                    self.compare(
                        given, expected, len(parts), code, row.cell(parent), "小计不符", f"{label}应等于{names}"
                    )

    def column_sums(self) -> None:
        """Every total or unit row a clerk filled equals the sum of the rows it totals."""
        unit_code, bureau = self.budget.facts.text("unit_code"), self.budget.bureau
        for code in SPENDING_SHAPED:
            table = self.budget.table(code)
            groups = unit_groups(table, unit_code, bureau)
            items = [r for g in groups for r in g.items]
            for group in groups:
                if group.row is not None:
                    self._given_vs(group.row, group.items, f"单位“{group.name}”的金额应等于其下各科目之和")
            for row in table.of("total", "sum"):
                self._given_vs(row, items, "合计应等于各科目之和")
        ys12_units = self._ys12_units()
        for code, kinds in (("YS06", ("item",)), ("YS14", ("item",)), ("YS10", ("project",)), ("YS12", ("project",))):
            table = self.budget.table(code)
            items = [r for r in table.rows if r.kind in kinds]
            for row in table.of("total", "sum", "unit") if code != "YS12" else table.of("total"):
                if code == "YS10" and row.kind == "unit":
                    members = [r for r in items if r.text("unit") == row.text("unit")]
                    self._given_vs(row, members, f"单位“{row.text('unit')}”的金额应等于其项目之和")
                elif code == "YS12" and row.text("code") in ys12_units:
                    # a 单位 row (the bureau's own or a 所属单位): its projects, as YS10 assigns them
                    name = row.text("name") or row.text("code")
                    self._given_vs(row, ys12_units[row.text("code")], f"单位“{name}”的金额应等于其项目之和")
                else:
                    self._given_vs(row, items, "合计应等于各明细行之和")
        ys07 = self.budget.table("YS07")
        for cls in ys07.of("class"):
            members = [r for r in ys07.of("item") if r.text("lei") == cls.text("lei")]
            self._given_vs(cls, members, f"类“{cls.text('lei')}”应等于其下各款之和")

    def _ys12_units(self) -> dict[str, list[Row]]:
        """YS12's projects by the code of their unit, as the completed YS12 groups them (derive.complete_ys12).

        A single-unit bureau has no unit other than the department's own: its unit row totals all
        projects, like the department's row, and is compared as that.
        """
        units: dict[str, list[Row]] = {}
        current: list[Row] | None = None
        for row in self.done.rows("YS12"):
            if row.kind == "unit":
                current = units.setdefault(row.text("code"), []) if row.text("code") else None
            elif row.kind == "project" and current is not None:
                current.append(row)
        return units if len(units) > 1 else {}

    def _given_vs(self, row: Row, items: list[Row], message: str) -> None:
        derived = sums(row.code, items)
        for key, value in derived.items():
            given = row.given(key)
            if given is not None and isinstance(value, Decimal):
                label = row.spec.column(key).label
                self.compare(given, value, len(items), row.code, row.cell(key), "合计不符", f"{label}：{message}")

    # --- between tables ----------------------------------------------------------------

    def cross_tables(self) -> None:
        done = self.done
        # YS05 is the 一般公共预算 part of YS03; YS06 details YS05's 基本支出.
        ys05 = done.total_row("YS05")
        ys06 = done.total_row("YS06")
        if ys05 is not None and ys06 is not None:
            cell = self._cell("YS06", ys06, "total")
            for key, parts, label in (
                ("total", ("basic",), "合计"),
                ("personnel", ("wage", "family"), "人员经费"),
                ("public", ("goods", "capital"), "公用经费"),
            ):
                expected = sum((ys05.amount(p) for p in parts), ZERO)
                # two sums of separately rounded items: the envelope covers the items of both sides
                items = len(done.rows("YS06", "item")) + len(done.rows("YS05", "item")) - 1
                self.compare(
                    ys06.amount(key),
                    expected,
                    max(items, 1),
                    "YS06",
                    self._cell("YS06", ys06, key) or cell,
                    "表间不符",
                    f"基本支出{label}应等于YS05的基本支出{label}",
                )
        elif ys05 is not None and ys05.amount("basic") != ZERO:
            self.add("error", "YS06", None, "表间不符", "YS05有基本支出，但一般公共预算基本支出情况表没有数据")
        # YS10's projects are YS03's 项目支出, by type.
        ys03 = done.total_row("YS03")
        ys10 = done.total_row("YS10")
        if ys03 is not None:
            projects = done.rows("YS10", "project")
            for kind_key, kind in (("project", None), ("operating", "其他运转类"), ("target", "特定目标类")):
                chosen = [p for p in projects if kind is None or p.text("kind") == kind]
                # the total as printed (given where the clerk filled it) is what the cell shows
                amount = ys10.amount("total") if kind is None and ys10 is not None else total(chosen, "total")
                what = "项目合计" if kind is None else f"{kind}项目之和"
                cell = self._cell("YS10", ys10, "total") if ys10 is not None and kind is None else None
                self.compare(
                    amount,
                    ys03.amount(kind_key),
                    len(chosen),
                    "YS10",
                    cell,
                    "表间不符",
                    f"{what}应等于YS03的{TABLES_BY_CODE['YS03'].column(kind_key).label}",
                )
        # YS14 is the 公用经费 items of YS06.
        if "YS14" not in done.derived:
            public: dict[str, Decimal] = {}
            counts: dict[str, int] = {}
            for row in done.rows("YS06", "item"):
                if row.amount("public") != ZERO:
                    public[row.text("dept_code")] = public.get(row.text("dept_code"), ZERO) + row.amount("public")
                    counts[row.text("dept_code")] = counts.get(row.text("dept_code"), 0) + 1
            for row in done.rows("YS14", "item"):
                expected = public.pop(row.text("code"), ZERO)
                self.compare(
                    row.amount("total"),
                    expected,
                    counts.get(row.text("code"), 1),
                    "YS14",
                    self._cell("YS14", row, "total"),
                    "表间不符",
                    f"科目{row.text('code')}应等于YS06的公用经费",
                )
            for code, amount in public.items():
                self.add("error", "YS14", None, "表间不符", f"缺少YS06的公用经费科目{code}", fmt(amount), "0.00")
        self._income_against_spending()
        # YS01, YS04: what the clerk filled against what the detail gives.
        for code in ("YS01", "YS04"):
            self._lines(code)
        # YS01's two totals balance.
        lines = {r.text("in_label"): r for r in done.rows("YS01")}
        if "收入总计" in lines:
            row = lines["收入总计"]
            self.compare(
                row.amount("in_amount"),
                row.amount("out_amount"),
                1,
                "YS01",
                self._cell("YS01", row, "out_amount"),
                "表间不符",
                "支出总计应等于收入总计",
            )
        # YS07, when filled, totals all spending.
        if "YS07" not in done.derived and ys03 is not None:
            ys07 = done.rows("YS07", "sum")
            if ys07:
                self.compare(
                    ys07[0].amount("total"),
                    ys03.amount("total"),
                    1,
                    "YS07",
                    self._cell("YS07", ys07[0], "total"),
                    "表间不符",
                    "合计应等于YS03的支出合计",
                )
        elif "YS07" in done.derived and ys03 is not None:
            # A derived YS07 is YS06's basic items (一般公共预算) plus YS10's projects: basic
            # spending paid from other money is in YS03 but in neither, so only the clerk knows
            # its 经济分类. (A gap the other way is YS06's own error, reported with YS05.)
            basic_items = done.rows("YS06", "item")
            gpb_basic = sum((r.amount("total") for r in basic_items), ZERO)
            spent = done.rows("YS03", "item")
            basic = sum((r.amount("basic") for r in spent), ZERO)  # the items: a wrong total row is 合计不符
            gap = basic - gpb_basic
            if gap > envelope(len(basic_items) + len(spent)):
                self.add(
                    "error",
                    "YS07",
                    None,
                    "必填项",
                    f"支出经济分类汇总表不能由YS06和YS10自动生成：YS03的基本支出{fmt(basic)}万元"
                    f"比YS06的一般公共预算基本支出{fmt(gpb_basic)}万元多{fmt(gap)}万元，"
                    "这部分资金的经济分类只有本单位知道：请填写YS07",
                )
        # YS12's projects are YS10's.
        by_code = {p.text("project_code"): p for p in done.rows("YS10", "project") if p.text("project_code")}
        for row in done.rows("YS12", "project"):
            match = by_code.get(row.text("code"))
            if match is None:
                if by_code:
                    self.add(
                        "warning",
                        "YS12",
                        self._cell("YS12", row, "code"),
                        "表间不符",
                        f"项目编码{row.text('code')}在YS10中找不到",
                    )
                continue
            self.compare(
                row.amount("total"),
                match.amount("total"),
                1,
                "YS12",
                self._cell("YS12", row, "total"),
                "表间不符",
                f"项目“{match.text('name')}”的资金总额应等于YS10",
            )

    def _income_against_spending(self) -> None:
        """YS02 (income) against YS03 (spending), and the fund tables against YS03, row by row.

        A budget normally spends what it receives: a YS02 row above its YS03 row becomes 年终结转结余
        in YS01 (a warning, to confirm), below it is spending without income (an error). The fund
        tables YS05/YS09/YS13 split each YS03 row: together they cannot exceed it.
        """
        done = self.done
        spending = dict(keyed_rows(done.rows("YS03")))
        if "YS02" not in done.derived:
            for key, row in keyed_rows(done.rows("YS02")):
                if row.kind != "item":
                    continue
                match = spending.get(key)
                spent = match.amount("total") if match is not None else ZERO
                income = row.amount("total")
                label = f"科目{row.subject}（{row.text('name')}）"
                severity = judge(income, spent, 2)
                if severity is None:
                    continue
                cell = self._cell("YS02", row, "total")
                if income < spent and severity == "error":
                    self.add("error", "YS02", cell, "表间不符", f"{label}的收入少于YS03的支出", fmt(spent), fmt(income))
                elif severity == "error":
                    self.add(
                        "warning",
                        "YS02",
                        cell,
                        "表间不符",
                        f"{label}的收入多于YS03的支出，差额将作为年终结转结余列入YS01：请核对",
                        fmt(spent),
                        fmt(income),
                    )
        funds = [dict(keyed_rows(done.rows(code))) for code in ("YS05", "YS09", "YS13")]
        for key, row in keyed_rows(done.rows("YS03")):
            if row.kind != "item":
                continue
            parts = [table[key].amount("total") for table in funds if key in table]
            if parts and sum(parts, ZERO) - row.amount("total") > envelope(len(parts)):
                self.add(
                    "error",
                    "YS03",
                    self._cell("YS03", row, "total"),
                    "表间不符",
                    f"科目{row.subject}的一般公共预算、政府性基金和国有资本经营支出（YS05、YS09、YS13）之和超过了本表支出",
                    f"≤ {fmt(row.amount('total'))}",
                    fmt(sum(parts, ZERO)),
                )
        if "YS05" in done.derived:
            others = [code for code in ("YS09", "YS13") if done.rows(code, "item")]
            ys02 = done.total_row("YS02")
            non_gpb = (
                ys02 is not None
                and "YS02" not in done.derived
                and any(
                    ys02.amount(k) != ZERO
                    for k in (
                        "gov_fund",
                        "soe",
                        "special_account",
                        "business_income",
                        "operating_income",
                        "superior_subsidy",
                        "affiliated_income",
                        "other_income",
                    )
                )
            )
            if others or non_gpb:
                why = "、".join(others) + ("有数据" if others else "") + ("；" if others and non_gpb else "")
                why += "YS02有一般公共预算以外的收入" if non_gpb else ""
                self.add(
                    "error",
                    "YS05",
                    None,
                    "必填项",
                    f"一般公共预算支出情况表不能由YS03自动生成（{why}）：请填写YS05",
                )

    def _lines(self, code: str) -> None:
        table = self.budget.table(code)
        if not table.filled:
            return
        spec = TABLES_BY_CODE[code]
        derived = self.done.tables[code]
        label_keys = [c.key for c in spec.columns if c.kind == "text"]
        for i, row in enumerate(table.rows):
            if i >= len(derived):
                self.add("error", code, row.cell(label_keys[0]), "格式", "多出的行：项目栏与规范不符")
                break
            for key in label_keys:
                want, got = derived[i].text(key), row.text(key)
                if normalize_text(want) != normalize_text(got):
                    self.add("error", code, row.cell(key), "格式", "项目名称与规范不符，请勿改动项目栏", want, got)
            # compare with what the detail tables give (derive_* before the overlay)
        fresh = self.done.from_detail[code]
        # a line sums 项 rows rounded one by one: allow for as many as the detail has
        items = max(len(self.done.rows("YS03", "item")), 1)
        for i, row in enumerate(table.rows[: len(fresh)]):
            for key in spec.amount_keys():
                given = row.given(key)
                if given is not None:
                    label = row.text("out_label" if key.startswith("out") else "in_label")
                    self.compare(
                        given, fresh[i].amount(key), items, code, row.cell(key), "表间不符", f"“{label}”应与明细表一致"
                    )

    def _cell(self, code: str, row: Row | None, key: str) -> str | None:
        if row is None or row.number == 0:
            return None
        return row.cell(key)

    # --- 三公 against 经济分类 -----------------------------------------------------------------

    def sangong(self) -> None:
        ys08 = self.done.rows("YS08")[0]
        econ = {
            "abroad": ("30212",),
            "reception": ("30217",),
            "vehicle_running": ("30231",),
            "vehicle_purchase": ("31013",),
        }
        for key, econ_codes in econ.items():
            basic = sum(
                (r.amount("total") for r in self.done.rows("YS06", "item") if r.text("dept_code") in econ_codes), ZERO
            )
            projects = sum(
                (r.amount("total") for r in self.done.rows("YS10", "project") if r.text("econ_dept") in econ_codes),
                ZERO,
            )
            spent = basic + projects
            stated = ys08.amount(key)
            if q2(spent) > q2(stated):
                label = TABLES_BY_CODE["YS08"].column(key).label
                message = f"{label}不能小于经济分类科目{'、'.join(econ_codes)}的支出（基本支出＋项目支出）"
                cell = self._cell("YS08", ys08, key)
                if spent - stated > envelope(1):
                    self.add("error", "YS08", cell, "三公经费", message, f"≥ {fmt(spent)}", fmt(stated))
                else:
                    within = f"{message}，差额在 {fmt(envelope(1))} 万元以内"
                    self.add("warning", "YS08", cell, "尾差", within, f"≥ {fmt(spent)}", fmt(stated))

    # --- codes --------------------------------------------------------------------------

    def codes_known(self) -> None:
        for code in SPENDING_SHAPED:
            for row in self.budget.table(code).of("item"):
                self._function_code(row)
        for row in self.budget.table("YS06").of("item"):
            self._econ(row, "dept_code", "dept_name", self.codes.econ_dept_name, "部门预算支出经济分类")
            self._econ(row, "gov_code", "gov_name", self.codes.econ_gov_name, "政府预算支出经济分类")
        for row in self.budget.table("YS14").of("item"):
            self._econ(row, "code", "name", self.codes.econ_dept_name, "部门预算支出经济分类")
        for row in self.budget.table("YS10").of("project"):
            self._econ(row, "econ_dept", None, self.codes.econ_dept_name, "部门预算支出经济分类")
            self._econ(row, "econ_gov", None, self.codes.econ_gov_name, "政府预算支出经济分类")
            if "YS07" not in self.done.derived or row.text("econ_dept"):
                continue
            self.add(
                "error",
                "YS10",
                row.cell("econ_dept"),
                "必填项",
                f"项目“{row.text('name')}”缺少部门经济分类，无法生成支出经济分类汇总表",
            )

    def _function_code(self, row: Row) -> None:
        lei, kuan, xiang = row.text("lei"), row.text("kuan"), row.text("xiang")
        if not (len(lei) == 3 and len(kuan) == 2 and len(xiang) == 2 and (lei + kuan + xiang).isdigit()):
            self.add(
                "error",
                row.code,
                row.cell("lei"),
                "未知科目",
                f"功能分类科目编码“{lei} {kuan} {xiang}”格式不对：应为类3位、款2位、项2位",
            )
            return
        code = lei + kuan + xiang
        names = self.codes.function_names(code)
        if not names:
            self._unknown(row, row.cell("lei"), "功能分类", code, "function", self.codes.known_function_class(code))
        elif normalize_text(row.text("name")) not in {normalize_text(n) for n in names}:
            self._other_name(row, row.cell("name"), code, "function", names[0], row.text("name"))

    def _econ(self, row: Row, code_key: str, name_key: str | None, lookup, what: str) -> None:  # type: ignore[no-untyped-def]
        code = row.text(code_key)
        if not code:
            return
        if not (code.isdigit() and len(code) in (3, 5)):
            self.add(
                "error", row.code, row.cell(code_key), "未知科目", f"{what}科目编码“{code}”格式不对：应为类3位或款5位"
            )
            return
        name = lookup(code)
        kind = "econ_dept" if what.startswith("部门") else "econ_gov"
        if name is None:
            self._unknown(row, row.cell(code_key), what, code, kind, self.codes.known_econ_class(code, kind))
        elif name_key and normalize_text(row.text(name_key)) != normalize_text(name):
            self._other_name(row, row.cell(name_key), code, kind, name, row.text(name_key))

    def _unknown(self, row: Row, cell: str | None, what: str, code: str, kind: str, class_known: bool) -> None:
        """A code not in the list: an error against a supplied list or under an unknown 类, else a warning.

        A bundled list is ours, not the authority: a code it lacks under a 类 it knows is more likely
        a gap in our data than the clerk's mistake, and must not stop the disclosure.
        """
        if kind in self.codes.supplied:
            self.add("error", row.code, cell, "未知科目", f"{what}科目“{code}”不在{self.codes.list_name(kind)}中")
        elif not class_known:
            self.add(
                "error",
                row.code,
                cell,
                "未知科目",
                f"{what}科目“{code}”的类“{code[:3]}”不存在（{self.codes.list_name(kind)}中没有此类），请核对编码",
            )
        else:
            self.add(
                "warning",
                row.code,
                cell,
                "未知科目",
                f"{what}科目“{code}”不在{self.codes.list_name(kind)}中；内置科目表可能不全，如确为正式科目，"
                f"可提供财政部门导出的科目代码表（--codes 文件，或模板文件夹中的 codes.xlsx）再检查",
            )

    def _other_name(self, row: Row, cell: str | None, code: str, kind: str, name: str, given: str) -> None:
        doubt = "（内置科目表中此科目待核）" if kind not in self.codes.supplied and code in self.codes.uncertain else ""
        self.add(
            "warning",
            row.code,
            cell,
            "科目名称",
            f"科目{code}的名称与{self.codes.list_name(kind)}不同{doubt}",
            name,
            given,
        )

    # --- narrative ---------------------------------------------------------------------

    def reasons(self, figures: Figures) -> None:
        """A change worded 增加/减少 needs its reason (主要原因是：…)."""
        facts = self.budget.facts
        for change in CHANGES:
            if change.reason is None:
                continue
            current, prior = figures.current[change.key], figures.prior.get(change.key)
            if prior is None or q2(current) == q2(prior):
                continue
            if not facts.text(change.reason):
                label = next(f.label for f in FACTS if f.key == change.reason)
                self.add(
                    "error",
                    FACTS_SHEET,
                    facts.cells.get(change.reason),
                    "缺少原因",
                    f"{change.label}较上年{'增加' if current > prior else '减少'}，须填写“{label}”",
                )


def check(
    budget: Budget, codes: CodeBook | None = None, last: LastYear | None = None, done: Complete | None = None
) -> list[Finding]:
    """Every finding for ``budget``, grouped by sheet in workbook order; its 上年数 against ``last``
    (last year's workbook, ``--previous``) when given.

    ``done`` is ``budget`` completed (``derive.complete``) with ``codes``: the pipeline derives once
    and passes it; derived here when not given (a convenience for tests and scripts).
    """
    codes = codes or load_codes(budget.year)
    done = done if done is not None else derive.complete(budget, codes)
    checker = Checker(budget, codes, done)
    checker.facts()
    if last is not None:
        checker.against_last_year(last)
    checker.placeholders()
    checker.row_sums()
    checker.column_sums()
    checker.cross_tables()
    checker.sangong()
    checker.codes_known()
    checker.reasons(headline(budget, done))
    return sort_findings([*checker.findings, *budget.notes])


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    order = {FACTS_SHEET: 0, PRIOR_SHEET: 1, **{code: i + 2 for i, code in enumerate(TABLES_BY_CODE)}}
    return sorted(findings, key=lambda f: (order.get(f.sheet, 99), f.severity != "error"))


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)
