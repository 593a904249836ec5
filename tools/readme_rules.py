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
sys.path.insert(0, str(ROOT / "tools"))

from readme_section import between, rewrite  # noqa: E402

from generator.stages.check import rules_markdown  # noqa: E402

BEGIN = "<!-- rules:begin -->"
END = "<!-- rules:end -->"


def with_rules(readme: str) -> str:
    """``readme`` with the text between the markers replaced by the table made from the registry."""
    return between(readme, BEGIN, END, rules_markdown(), "table of rules")


def main() -> None:
    rewrite(with_rules, "table of rules")


if __name__ == "__main__":
    main()
