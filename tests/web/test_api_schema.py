"""The API against its own OpenAPI document (schemathesis): no 5xx, every answer one the
document names, in the documented shape; actions refused without the operator role."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings

from koppel.flows import Flow
from koppel.state import StateStore
from koppel.web import create_app

from .conftest import bearer


@pytest.fixture
def flows(push_flow: Flow) -> Mapping[str, Flow]:
    return {push_flow.name: push_flow}


@pytest.fixture
def app(store: StateStore, flows: Mapping[str, Flow]) -> FastAPI:
    """The app over a store with a run, activity and a parked record to answer with."""
    run = store.start_run("erp-commitments")
    store.log_activity(
        run, "erp-commitments", "commitments", "PO-1", "create", source={"code": "PO-1"}
    )
    store.park("erp-commitments", "commitments", "PO-2", {"code": "PO-2"}, "no supplier", "X", None)
    store.finish_run(run, status="failed", counts={"created": 1, "failed": 1})
    return create_app(store, flows=flows, cookie_secure=False, use_worker=False)


def operation_labels() -> list[str]:
    """Every operation of the document ("GET /api/flows", ...)."""
    document = create_app(":memory:").openapi()
    return [
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method in operations
    ]


@pytest.mark.parametrize("label", operation_labels())
def test_api_schema_conforms(app: FastAPI, operator_token: str, label: str) -> None:
    schema = schemathesis.openapi.from_asgi(
        "/api/openapi.json", app, headers=bearer(operator_token)
    )
    (operation,) = [
        result.ok() for result in schema.get_all_operations() if result.ok().label == label
    ]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def conforms(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=bearer(operator_token))
        app.state.web.launcher.join(timeout=60)

    conforms()
