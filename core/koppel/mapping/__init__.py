"""The JMESPath datamapper: mappings as data, compiled once, applied per record.

::

    from koppel.mapping import compile_mapping, load_mapping_file

    spec = load_mapping_file("orders_inbound.toml")
    mapping = compile_mapping(spec, name="eaccounting/orders/inbound",
                              lookups={"payment_terms": {"14": "NET14"}})
    order = mapping.apply(native_order, record_id="123")

See docs/mapping.md for the specification format and the function reference.
"""

from koppel.mapping._apply import CompiledField
from koppel.mapping._compile import CompiledMapping, compile_mapping
from koppel.mapping._countries import country_code
from koppel.mapping._functions import CORE_FUNCTIONS, KoppelFunctions
from koppel.mapping._packaged import packaged_mapping
from koppel.mapping._registry import collect_functions, registered_functions
from koppel.mapping._spec import MappingSpec, load_mapping_file
from koppel.mapping._street import split_street

__all__ = [
    "CORE_FUNCTIONS",
    "CompiledField",
    "CompiledMapping",
    "KoppelFunctions",
    "MappingSpec",
    "collect_functions",
    "compile_mapping",
    "country_code",
    "load_mapping_file",
    "packaged_mapping",
    "registered_functions",
    "split_street",
]
