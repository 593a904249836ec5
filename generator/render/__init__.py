"""Turn the document HTML (one Jinja rendering of the narrative and tables) into PDF and DOCX.

The narrative is written once, in ``templates/``. Jinja renders it to one HTML document, and
both writers consume that HTML: WeasyPrint lays it out as PDF (``pdf.py``), and ``docx.py``
walks the same tree into python-docx paragraphs and tables. So the two formats cannot drift.

The HTML the templates produce keeps to this small vocabulary (the DOCX writer relies on it):

- ``<title>`` and ``<meta name="author">``: document metadata.
- ``<h1 class="doc-title">``: the document title (cover).
- ``<nav class="toc">`` with ``<h2 class="toc-title">目录</h2>`` and ``<ol>`` of
  ``<li class="toc-N"><a href="#id">text</a></li>`` (N = 1, 2): the table of contents.
- ``<section class="part">``: starts a new page. ``<section class="landscape">``: a landscape
  page run (wide tables); it also starts a new page.
- ``<h1>`` part titles (第一部分 …), ``<h2>`` sections (一、…), ``<h3>`` subsections (（一）…),
  ``<h4>`` (1. …). ``<br>`` inside a heading is a line break.
- ``<p>`` body paragraph (first-line indent 2 characters); ``<p class="noindent">``,
  ``<p class="center">``, ``<p class="table-note">`` (note under a table).
- ``<div class="table-head">`` holding ``<p class="table-title">`` and a
  ``<p class="table-meta">`` line whose ``<span>`` children (部门, 年度, 表号, 单位) are laid out
  left to right.
- ``<table>`` with ``<colgroup><col style="width: N%"></colgroup>``, header rows in ``<thead>``
  (repeated on every page), body rows in ``<tbody>``; cells ``<th>``/``<td>`` with
  ``colspan``/``rowspan``; ``class="num"`` right-aligns an amount, ``class="text"`` left-aligns
  long text, ``<tr class="total">`` is a bold total row.
- ``<figure class="chart" data-chart="KEY">`` holding the chart's inline ``<svg>`` (drawn by
  ``charts.py``; the PDF prints it) and its ``<figcaption>`` (图N …): the DOCX writer puts the PNG
  of chart KEY in its place, then the caption.
"""

from importlib import resources
from importlib.resources.abc import Traversable

# The built-in templates, stylesheet and Word reference: the repository's top-level templates/
# folder, inside the package as generator/templates (a symbolic link in the repository, the files
# themselves in a wheel or sdist). Read as the package's resources, wherever it is installed.
TEMPLATES: Traversable = resources.files("generator") / "templates"
