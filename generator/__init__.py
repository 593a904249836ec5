"""budget-report: turn a bureau's standard budget workbook into its 部门（单位）预算公开 document.

The folders are the pipeline: ``workbook`` (schema; an .xlsx file → ``Budget``), ``reference``
(code lists), ``stages`` (``derive`` → complete tables, ``check`` → findings, ``figures``/``compute``
→ ``Document``), ``render`` (Document → HTML → PDF, DOCX), ``jobs`` (``pipeline`` runs the stages in
order for one workbook; ``service`` is how every front end runs one) and ``frontends`` (cli, watch, web).
"""

__version__ = "0.1.0"
