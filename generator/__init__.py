"""budget-report: turn a bureau's standard budget workbook into its 部门（单位）预算公开 document.

The stages, one module each: ``load`` (workbook → Budget), ``check`` (Budget → findings),
``derive``/``figures``/``compute`` (Budget → Document), ``render`` (Document → HTML → PDF, DOCX).
``pipeline`` runs them in order; ``cli`` is a thin command line over it.
"""

__version__ = "0.1.0"
