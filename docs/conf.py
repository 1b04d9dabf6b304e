"""Sphinx configuration for the sktransfer documentation.

Build with ``bash .ci/docs`` (or ``python -m sphinx -W --keep-going -b html
docs build/html``).
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import sktransfer  # noqa: E402

project = "sktransfer"
author = "The sktransfer developers"
copyright = "The sktransfer developers"
version = release = sktransfer.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "suite_deep", "**/README.md",
                    "auto_examples/*.ipynb", "auto_examples/**/*.ipynb"]
templates_path = ["_templates"]

autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()

myst_heading_anchors = 3

# The Markdown guides link to the CSV files next to them and to ../README.md
# (useful on GitHub, where the files are rendered); Sphinx has no document for
# those targets, so myst reports them as unresolved cross-references. They are
# not errors of the site, hence silenced here rather than edited in the guides.
suppress_warnings = [
    "myst.xref_missing",
    "myst.header",
    "myst.xref_ambiguous",
    "ref.any",
    "autosummary.import_cycle",
]

html_theme = "pydata_sphinx_theme"
html_title = "sktransfer"

intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "within_subsection_order": "FileNameSortKey",
    "abort_on_example_error": True,
    "matplotlib_animations": False,
    "remove_config_comments": True,
}


# Attribute names such as ``n_seen_`` appear bare in the numpydoc type lines
# ("ndarray of shape (n_seen_,)"); reST reads a trailing underscore as a link
# reference ("Unknown target name"). Escape it before numpydoc renders them.
import re  # noqa: E402

_TRAILING_UNDERSCORE = re.compile(r"(?<![`\w\\])(n_\w*?[a-z0-9])_(?=[,)\s]|$)")


def _escape_shape_names(app, what, name, obj, options, lines):
    # raw docstrings keep the sklearn-style "type, \\" line continuation
    # literally: join such a line with the next one, as Python would
    i = 0
    while i < len(lines) - 1:
        if lines[i].rstrip().endswith("\\") and not lines[i].lstrip().startswith((">>>", "...")):
            lines[i] = lines[i].rstrip()[:-1].rstrip() + " " + lines.pop(i + 1).strip()
        else:
            i += 1
    for i, line in enumerate(lines):
        if "``" not in line and ("shape" in line or " : " in line or "(" in line):
            lines[i] = _TRAILING_UNDERSCORE.sub(r"\1\\_", line)


def _skip_request_methods(app, what, name, obj, skip, options):
    """scikit-learn generates set_fit_request / set_score_request / ... on
    every estimator; their docstrings point into scikit-learn's own docs (a
    label and a glossary term this site does not have) and say nothing
    specific to sktransfer, so the API pages leave them out."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_request_methods)
    app.connect("autodoc-process-docstring", _escape_shape_names, priority=100)
