"""The settings refuse what cannot work, naming the setting, before anything runs
(``koppel check`` reads them offline)."""

from __future__ import annotations

from typing import Any

import pytest

from koppel.connector import read_settings
from koppel.errors import ConfigurationError
from koppel_afas.settings import AfasSettings

BASE = {"participant": "12345", "token": "<token><version>1</version><data>X</data></token>"}


def read(**values: Any) -> AfasSettings:
    return read_settings(AfasSettings, {**BASE, **values}, connection="afas")


@pytest.mark.parametrize(
    ("setting", "value"), [("page_size", 0), ("concurrency", 9), ("calls_per_minute", 0)]
)
def test_settings_refuse_a_value_out_of_range_naming_it(setting: str, value: int) -> None:
    with pytest.raises(ConfigurationError) as refused:
        read(**{setting: value})
    assert refused.value.context["path"] == f"connections.afas.settings.{setting}"


def test_settings_refuse_renaming_a_field_the_recommended_getconnector_lacks() -> None:
    with pytest.raises(ConfigurationError) as refused:
        read(commitments_fields={"Verplichting": "VplCode"})
    assert refused.value.context["path"] == "connections.afas.settings.commitments_fields"
    assert "names 'Verplichting', which the recommended GetConnector koppel_commitments" in str(
        refused.value
    )
    with pytest.raises(ConfigurationError):
        read(debtors_fields={"Email": " "})


def test_settings_rename_only_what_differs() -> None:
    settings = read(commitments_connector="Verplichtingen", commitments_fields={"Code": "VplCode"})
    assert settings.commitments_connector == "Verplichtingen"
    assert settings.commitments_fields == {"Code": "VplCode"}


def test_settings_environment_is_one_of_three() -> None:
    with pytest.raises(ConfigurationError) as refused:
        read(environment="staging")
    assert refused.value.context["path"] == "connections.afas.settings.environment"
