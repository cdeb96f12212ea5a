"""Mapping functions AFAS's default mappings need (registered through ``mapping_functions``).

AFAS answers date-times with a ``Z`` while they are Amsterdam time ("We recommend
ignoring this Z. The time is always Amsterdam GMT", get-connector.md): ``afas_time``
reads them so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["AMSTERDAM", "FUNCTIONS", "afas_time"]

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def afas_time(value: Any) -> datetime | None:
    """``afas_time(ModifiedDate)``: an AFAS date-time (``2024-05-01T10:15:30Z``) as the
    Amsterdam time it is; None for none.

    :raises ValueError: naming the value when it is no date-time.
    """
    if value in (None, ""):
        return None
    text = str(value).strip().removesuffix("Z")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not an AFAS date-time") from None
    return moment.replace(tzinfo=AMSTERDAM) if moment.tzinfo is None else moment


FUNCTIONS: dict[str, Callable[..., Any]] = {"afas_time": afas_time}
