"""The README's examples run and print what the README says they print."""

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _examples():
    """Each ``python`` block of the README with the ``text`` block that
    follows it as its printed output ("which prints")."""
    text = README.read_text()
    pattern = re.compile(r"```python\n(.*?)```\s*\n\s*which prints\s*\n\s*```text\n(.*?)```",
                         re.S)
    return pattern.findall(text)


def test_the_readme_has_its_examples():
    assert len(_examples()) == 2


@pytest.mark.parametrize("index", [0, 1])
def test_a_readme_example_prints_what_the_readme_says(index):
    code, expected = _examples()[index]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"README example {index}", "exec"), {})
    assert out.getvalue().strip() == expected.strip()


def test_ci_runs_exactly_the_readme_test_command():
    text = README.read_text()
    section = text[text.index("**Tests**"):]
    command = re.search(r"```bash\n\s*(.*?)\n\s*```", section, re.S).group(1).strip()
    ci = (README.parent / ".ci" / "run").read_text().splitlines()
    assert command in [line.strip() for line in ci]
    assert command.startswith('python -m pip install -q "torch==2.13.0" && ')
    assert command.endswith("python -m pytest -q")
