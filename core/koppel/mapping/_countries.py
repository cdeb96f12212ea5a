"""``country_code``: a country name (English or Dutch), ISO alpha-3 or alpha-2 code -> alpha-2.

Names come from CLDR (``countries.json``, generated once with babel), plus the
everyday variants shops and ERPs write ("Holland", "UK", "USA", "Engeland").
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache, lru_cache
from importlib import resources
from typing import Any

__all__ = ["country_code"]

#: Everyday spellings CLDR does not list, normalised like the names.
_VARIANTS = {
    "holland": "NL",
    "the netherlands": "NL",
    "koninkrijk der nederlanden": "NL",
    "belgie": "BE",
    "belgique": "BE",
    "deutschland": "DE",
    "uk": "GB",
    "great britain": "GB",
    "groot brittannie": "GB",
    "england": "GB",
    "engeland": "GB",
    "scotland": "GB",
    "schotland": "GB",
    "wales": "GB",
    "usa": "US",
    "united states of america": "US",
    "verenigde staten van amerika": "US",
    "amerika": "US",
    "america": "US",
    "osterreich": "AT",
    "schweiz": "CH",
    "suisse": "CH",
    "espana": "ES",
    "italia": "IT",
    "czech republic": "CZ",
    "tsjechische republiek": "CZ",
}


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("&", " and ")
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


@cache
def _table() -> dict[str, str]:
    raw = json.loads(resources.files("koppel.mapping").joinpath("countries.json").read_text())
    table: dict[str, str] = {}
    for code, alpha3, *names in raw["countries"]:
        table[code.casefold()] = code
        for alias in alpha3:
            table.setdefault(alias.casefold(), code)
        for name in names:
            table[_normalise(name)] = code
            table.setdefault(_normalise(name).replace(" and ", " en "), code)
    for name, code in _VARIANTS.items():
        table.setdefault(name, code)
    return table


def country_code(value: Any) -> str | None:
    """The ISO 3166 alpha-2 code for a country name or code; null and "" give null.

    :raises ValueError: for a name or code that is not known.
    :raises TypeError: for a value that is not a string.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a country name or code, got {type(value).__name__} {value!r}")
    found = _find(value)
    if found is None:
        raise ValueError(f"unknown country {value!r}")
    return found or None


@lru_cache(maxsize=1024)
def _find(value: str) -> str | None:
    """The code for ``value``, "" for a blank value, None when unknown (cached: few countries)."""
    key = _normalise(value)
    if not key:
        return ""
    return _table().get(key) or _table().get(key.removeprefix("the "))
