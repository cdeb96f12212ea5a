"""The examples in docs/accounting.md and in the accounting docstrings run as tests."""

import doctest
import importlib
import pkgutil
from pathlib import Path

import attrs
import pytest

import koppel.accounting

DOC = Path(__file__).parents[2] / "docs" / "accounting.md"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_accounting_docs_examples_run():
    result = doctest.testfile(
        str(DOC), module_relative=False, globs={"attrs": attrs}, optionflags=FLAGS
    )
    assert result.attempted > 20
    assert result.failed == 0


@pytest.mark.parametrize("name", [m.name for m in pkgutil.iter_modules(koppel.accounting.__path__)])
def test_accounting_docstring_examples_run(name):
    module = importlib.import_module(f"koppel.accounting.{name}")
    assert doctest.testmod(module, optionflags=FLAGS).failed == 0
