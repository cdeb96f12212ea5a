"""``koppel.mapping.__all__`` lists every public name of its private modules."""

import koppel.mapping
from koppel.mapping import _compile, _countries, _functions, _registry, _spec, _street


def test_mapping_all_is_complete():
    public = set()
    for module in (_compile, _countries, _registry, _street):
        public |= set(module.__all__)
    public |= {"CORE_FUNCTIONS", "KoppelFunctions", "MappingSpec", "load_mapping_file"}
    assert public <= set(koppel.mapping.__all__)
    assert all(hasattr(koppel.mapping, name) for name in koppel.mapping.__all__)
    assert {"compile_mapping", "load_mapping_file", "CompiledMapping"} <= set(
        koppel.mapping.__all__
    )
    assert set(_functions.__all__) and set(_spec.__all__)
