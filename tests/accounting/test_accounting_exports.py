import types

import koppel.accounting


def test_accounting_all_lists_every_public_name():
    public = {
        name
        for name, value in vars(koppel.accounting).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(koppel.accounting.__all__)


def test_accounting_all_names_resolve():
    for name in koppel.accounting.__all__:
        assert getattr(koppel.accounting, name) is not None, name
