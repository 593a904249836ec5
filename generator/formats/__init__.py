"""Disclosure formats as data: each format a folder of YAML declarations, read into a ``Format``.

``builtin(name)`` reads a format shipped in this package; ``read_folder(path)`` a bureau's own.
"""

from generator.formats.declare import FormatError
from generator.formats.format import DEFAULT, builtin, builtin_names, read_folder
from generator.formats.spec import Format

__all__ = ["DEFAULT", "Format", "FormatError", "builtin", "builtin_names", "read_folder"]
