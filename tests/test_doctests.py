"""Run the docstring examples of every module of the sktransfer package."""

import doctest
import importlib
import importlib.util
import pkgutil

import pytest

import sktransfer

HAS_TORCH = (importlib.util.find_spec("torch") is not None
             and importlib.util.find_spec("skorch") is not None)


def _module_names():
    names = ["sktransfer"]
    for info in pkgutil.walk_packages(sktransfer.__path__, prefix="sktransfer."):
        if not HAS_TORCH and info.name.startswith("sktransfer.deep"):
            continue
        names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("module_name", _module_names())
def test_doctests(module_name):
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    report = []
    for test in finder.find(module, module_name):
        if test.examples:
            runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
