"""The standard workbook: its schema, reading an .xlsx, loading it into a ``Budget``, and writing a blank one.

``schema`` declares the sheets once; ``xlsx`` reads a file's cells through openpyxl's public API;
``load`` turns them into the typed ``model``; ``blank`` writes the workbook a clerk fills.
"""
