"""The sandbox store: ids issued or kept, copies handed out, updates that keep the id."""

from __future__ import annotations

from koppel.sandbox import Store


def test_store_update_keeps_the_id_and_its_type() -> None:
    store = Store()
    store.seed("items", [{"ID": 7, "name": "a"}], id_field="ID")
    updated = store["items"].update("7", {"ID": 99, "name": "b"})
    assert updated == {"ID": 7, "name": "b"}
    assert store["items"].get("7") == {"ID": 7, "name": "b"}
    assert store["items"].get("99") is None


def test_store_hands_out_copies_and_issues_ids() -> None:
    store = Store()
    created = store["items"].insert({"name": "a", "tags": ["x"]})
    created["tags"].append("y")
    assert created["id"] == "1"
    assert store["items"].get("1") == {"name": "a", "tags": ["x"], "id": "1"}
    assert store["items"].find(name="a") == [{"name": "a", "tags": ["x"], "id": "1"}]
    assert store["items"].delete("1") and not store["items"].delete("1")
