"""The reference code lists a budget is checked against: bundled per year (``refdata/``) or the bureau's own."""
