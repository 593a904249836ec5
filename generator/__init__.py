"""budget-report: turn a bureau's standard workbook into its 部门（单位）预算公开 or 部门决算 document.

The folders are the pipeline: ``formats`` (a disclosure format's declarations → ``Format``),
``workbook`` (an .xlsx, .xls, .et or .ods file → ``Budget``; the system's exports → a workbook),
``reference`` (code lists), ``stages`` (``derive`` → complete tables, ``check`` → findings,
``figures``/``compute`` → ``Document``, or ``declared`` → ``DeclaredDocument``), ``render`` (Document →
HTML → PDF, DOCX), ``jobs`` (``pipeline`` runs the stages in order for one workbook; ``service`` is how
every front end runs one) and ``frontends`` (cli, watch, web).
"""

__version__ = "0.1.0"
