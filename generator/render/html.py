"""Turn the ``Document`` into the document HTML through the Jinja templates (the narrative, written once).

One environment, autoescaped and strict: a workbook's text is data and prints literally, and a
template that names a missing value fails loudly instead of printing nothing. A bureau's own
template folder is searched before the built-in one, and its templates can
``{% extends "default:document.html.j2" %}`` to override named blocks; such templates come from
outside the project, so they run in Jinja's sandbox.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from ..compute import Document, amount_text, cn_number
from ..derive import q2

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
DOCUMENT_TEMPLATE = "document.html.j2"
_END = "。；;，,.！!？? "


def wan(value: Decimal) -> str:
    """An amount in the text, in 万元 to the cent, with no thousands separator: "1959.63"."""
    return f"{q2(value):.2f}"


def pct(value: Decimal) -> str:
    return f"{q2(value):.2f}"


def clause(value: object) -> str:
    """A fact used inside a sentence: its closing punctuation dropped."""
    return str(value or "").strip().rstrip(_END)


def sentence(value: object) -> str:
    """A fact that ends a sentence: closed with "。" when it is not already."""
    text = clause(value)
    return text + "。" if text else ""


def environment(overrides: Path | None = None) -> SandboxedEnvironment:
    """The Jinja environment: a bureau's folder first (if any), then the built-ins, also as "default:"."""
    builtin = FileSystemLoader(str(TEMPLATES))
    loaders = [FileSystemLoader(str(overrides))] if overrides else []
    loader = ChoiceLoader([*loaders, PrefixLoader({"default": builtin}, delimiter=":"), builtin])
    env = SandboxedEnvironment(
        loader=loader,
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(wan=wan, pct=pct, amt=amount_text, cn=cn_number, clause=clause, sentence=sentence)
    return env


def render_html(document: Document, overrides: Path | None = None) -> str:
    """The document HTML of ``document``."""
    return environment(overrides).get_template(DOCUMENT_TEMPLATE).render(doc=document)
