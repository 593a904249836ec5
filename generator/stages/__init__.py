"""The stages between the workbook and the document: ``derive`` → ``check`` → ``compute``.

``derive`` completes the tables once (totals, subtotals, summary tables); ``check`` reads the
completed tables and reports every rule broken; ``figures`` and ``compute`` turn them into the
``Document`` the templates print.
"""
