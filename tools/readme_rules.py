"""Turn the check's registry of rules into README.md's table of rules (between its rules markers).

The rules are declared once, in ``generator/stages/check/registry.py``; the README's table under
"The check (勾稽关系)" is made from them. Run ``python tools/readme_rules.py`` after adding or
changing a rule; tests/test_check_rules.py fails while the README's table differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.stages.check import rules_markdown  # noqa: E402

README = ROOT / "README.md"
BEGIN = "<!-- rules:begin -->"
END = "<!-- rules:end -->"


def with_rules(readme: str) -> str:
    """``readme`` with the text between the markers replaced by the table made from the registry."""
    head, begin, rest = readme.partition(BEGIN)
    _old, end, tail = rest.partition(END)
    if not begin or not end:
        raise SystemExit(f"README.md has no {BEGIN} … {END} markers around the table of rules")
    return f"{head}{BEGIN}\n{rules_markdown()}{END}{tail}"


def main() -> None:
    text = README.read_text(encoding="utf-8")
    new = with_rules(text)
    if new != text:
        README.write_text(new, encoding="utf-8")
        print("README.md: table of rules regenerated")
    else:
        print("README.md: table of rules already up to date")


if __name__ == "__main__":
    main()
