"""Turn the bundled reference code lists (功能分类, 经济分类) into the code book of a budget year.

A bundled list is a convenience, never the authority: 财政部 publishes the 政府收支分类科目 each
year and a finance bureau's budget system holds the official list. ``codelist`` reads that list
when a clerk supplies it; a book then says which of its lists came from the clerk's file
(``supplied``) and where it came from (``origin``), and the check grades unknown codes by that.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.resources import files
from types import MappingProxyType
from typing import Any

_PACKAGE = "generator.reference.refdata"
_FILE_RE = re.compile(r"^codes_(\d{4})\.json$")


@dataclass(frozen=True)
class FunctionClass:
    """One 功能分类 类 (e.g. 206 科学技术支出) with its row labels in YS01 and YS04."""

    code: str
    name: str
    aliases: tuple[str, ...]
    ys01_label: str
    ys04_label: str


def _norm(code: str) -> str:
    """Drop spaces so that "206 02 99" and "2060299" look up alike."""
    return "".join(str(code).split())


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class CodeBook:
    """The reference codes of one year: 功能分类 (类/款/项), both 经济分类 and the 部门 → 政府 mapping."""

    year: int
    function_classes: tuple[FunctionClass, ...]
    source: str = ""
    functions: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False, hash=False)
    econ_dept: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False, hash=False)
    econ_gov: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False, hash=False)
    dept_to_gov_map: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False, hash=False)
    #: Other names a 款 or 项 is accepted under (a name older lists or published disclosures print).
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False, hash=False)
    #: Codes whose name or presence the bundled list marks as not certain (待核), with the reason.
    uncertain: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False, hash=False)
    #: Which lists come from a file the user supplied: "function", "econ_dept", "econ_gov".
    supplied: frozenset[str] = frozenset()
    #: Where the lists come from when a file was supplied: "科目代码表 codes.xlsx".
    origin: str = ""

    @property
    def label(self) -> str:
        """Which list the check used, as its summary line says it: "内置2024年科目表" or the file."""
        return self.origin or f"内置{self.year}年科目表"

    def list_name(self, kind: str) -> str:
        """The list a finding names for one kind of code ("function", "econ_dept", "econ_gov").

        The supplied file when it gave that kind (its name set off from the Chinese after it), else
        the bundled list, which the supplied file leaves in place for the kinds it lacks.
        """
        return f"{self.origin} " if kind in self.supplied else f"内置{self.year}年科目表"

    def function_class(self, code: str) -> FunctionClass | None:
        """The 类 with this three-digit code ("206"), or None."""
        code = _norm(code)
        for fc in self.function_classes:
            if fc.code == code:
                return fc
        return None

    def function_name(self, code: str) -> str | None:
        """The name of a 功能分类 类, 款 or 项 ("206", "20602", "2060299"), or None if unknown."""
        code = _norm(code)
        if code in self.functions:
            return self.functions[code]
        if len(code) == 3 and "function" not in self.supplied:
            fc = self.function_class(code)
            return fc.name if fc else None
        return None

    def function_names(self, code: str) -> tuple[str, ...]:
        """The name followed by the other names it is accepted under; empty if the code is unknown."""
        code = _norm(code)
        name = self.function_name(code)
        if name is None:
            return ()
        fc = self.function_class(code) if len(code) == 3 else None
        others = fc.aliases if fc is not None else self.aliases.get(code, ())
        return (name, *(o for o in others if o != name))

    def known_function_class(self, code: str) -> bool:
        """Whether the 类 of a 功能分类 code ("2120899" → "212") is one the book knows."""
        lei = _norm(code)[:3]
        return self.function_name(lei) is not None or self.function_class(lei) is not None

    def known_econ_class(self, code: str, kind: str) -> bool:
        """Whether the 类 of a 部门 ("econ_dept": "30217" → "302") or 政府 ("econ_gov") 经济分类 code is known."""
        return _norm(code)[:3] in (self.econ_dept if kind == "econ_dept" else self.econ_gov)

    def econ_dept_name(self, code: str) -> str | None:
        """The name of a 部门预算支出经济分类 类 or 款 ("301", "30101"), or None."""
        return self.econ_dept.get(_norm(code))

    def econ_gov_name(self, code: str) -> str | None:
        """The name of a 政府预算支出经济分类 类 or 款 ("501", "50101"), or None."""
        return self.econ_gov.get(_norm(code))

    def dept_to_gov(self, code: str) -> str | None:
        """The 政府经济分类款 a 行政单位's 部门经济分类款 maps to ("30217" → "50206"), or None."""
        return self.dept_to_gov_map.get(_norm(code))


def _names_map(data: Mapping[str, Any], key: str, year: int) -> Mapping[str, tuple[str, ...]]:
    raw = data.get(key, {})
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(n, str) for n in v) for k, v in raw.items()
    ):
        raise ValueError(f"codes_{year}.json: {key!r} must map code strings to lists of names")
    return MappingProxyType({k: tuple(v) for k, v in raw.items()})


def _str_map(data: Mapping[str, Any], key: str, year: int) -> Mapping[str, str]:
    raw = data.get(key, {})
    if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise ValueError(f"codes_{year}.json: {key!r} must map code strings to name strings")
    return _frozen(raw)


def _parse(data: Mapping[str, Any], year: int) -> CodeBook:
    if data.get("year") != year:
        raise ValueError(f"codes_{year}.json: 'year' is {data.get('year')!r}, expected {year}")
    classes: list[FunctionClass] = []
    for item in data.get("function_classes", []):
        classes.append(
            FunctionClass(
                code=str(item["code"]),
                name=str(item["name"]),
                aliases=tuple(str(a) for a in item.get("aliases", [])),
                ys01_label=str(item["ys01_label"]),
                ys04_label=str(item["ys04_label"]),
            )
        )
    return CodeBook(
        year=year,
        function_classes=tuple(classes),
        source=str(data.get("source", "")),
        functions=_str_map(data, "functions", year),
        econ_dept=_str_map(data, "econ_dept", year),
        econ_gov=_str_map(data, "econ_gov", year),
        dept_to_gov_map=_str_map(data, "dept_to_gov", year),
        aliases=_names_map(data, "aliases", year),
        uncertain=_str_map(data, "uncertain", year),
    )


@lru_cache(maxsize=1)
def available_years() -> tuple[int, ...]:
    """The years that have a bundled codes_YYYY.json, oldest first."""
    years: list[int] = []
    for entry in files(_PACKAGE).iterdir():
        match = _FILE_RE.match(entry.name)
        if match and entry.is_file():
            years.append(int(match.group(1)))
    return tuple(sorted(years))


@cache
def _load_file(year: int) -> CodeBook:
    text = files(_PACKAGE).joinpath(f"codes_{year}.json").read_text(encoding="utf-8")
    return _parse(json.loads(text), year)


@cache
def load_codes(year: int) -> CodeBook:
    """The code book in force for `year`: the newest bundled list not after it, else the oldest one."""
    years = available_years()
    if not years:
        raise FileNotFoundError(f"no codes_YYYY.json in {_PACKAGE}")
    eligible = [y for y in years if y <= year]
    return _load_file(eligible[-1] if eligible else years[0])
