import sys

import pytest

from koppel.errors import MappingError
from koppel.mapping import packaged_mapping


@pytest.fixture
def package(tmp_path, monkeypatch):
    root = tmp_path / "koppel_shipped"
    (root / "mappings").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "mappings" / "orders.inbound.toml").write_text('[fields]\nnumber = "Number"\n')
    (root / "mappings" / "bad.inbound.toml").write_text('[fields]\nnumber = "Number[" \n')
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "koppel_shipped"
    sys.modules.pop("koppel_shipped", None)


def test_packaged_mapping_loads_the_shipped_file(package):
    spec = packaged_mapping(package, "orders.inbound.toml")
    assert spec["fields"] == {"number": "Number"}
    assert spec.file.endswith("orders.inbound.toml")


def test_packaged_mapping_is_none_when_not_shipped(package):
    assert packaged_mapping(package, "orders.outbound.toml") is None


def test_packaged_mapping_that_does_not_compile_names_the_file(package):
    with pytest.raises(MappingError) as info:
        packaged_mapping(package, "bad.inbound.toml")
    assert info.value.context["file"].endswith("bad.inbound.toml")
