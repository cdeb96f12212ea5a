"""The dashboard in Chromium: sign in, the demo's flows, the parked AV-9999 order with
source, sent and answer, its lookup fixed and retried until it lands, and three
relations exported as XML whose import is marked failed so that they return."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect

# as the demo fixture sets them up (conftest.py)
ORDERS = "eaccounting-orders-to-accountview"
RELATIONS = "easyparty-relations-xml"
DIRECT = "easyparty-relations-to-exact-online"
PASSWORD = "correct horse battery"
Demo = Shots = Any

#: The three relations exported (numbered by the demo's fetch, none with a problem).
CHOSEN = ("1001:debtor", "1002:debtor", "1003:debtor")


@pytest.fixture
def page(browser: Any, demo: Demo) -> Iterator[Page]:
    context = browser.new_context(base_url=demo.url, viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


def sign_in(page: Page, name: str) -> None:
    page.goto("/flows")
    expect(page).to_have_url(re.compile(r"/login\?next=/flows$"))
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/flows$"))


def test_dashboard_sign_in_refuses_a_wrong_password(page: Page, shot: Shots) -> None:
    page.goto("/parked")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("Name").fill("anna")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong name or password.")
    shot(page, "login", docs=True)


def test_dashboard_parked_order_fixed_retried_and_landed(
    page: Page, demo: Demo, shot: Shots
) -> None:
    sign_in(page, "anna")
    row = page.locator(f'tr[data-flow="{ORDERS}"]')
    expect(row).to_contain_text("orders: eaccounting → accountview")
    expect(row).to_contain_text("created 11")
    expect(page.locator(f'tr[data-flow="{RELATIONS}"]')).to_be_visible()
    shot(page, "flows", docs=True)

    # the parked order: what came in (AV-9999), nothing sent, the answer why
    row.get_by_role("link", name="1", exact=True).click()
    expect(page.locator(".parked-flow")).to_contain_text("product not found in the target: AV-9999")
    page.locator(".parked-flow tbody tr").first.get_by_role("link").first.click()
    expect(page.locator("h1")).to_contain_text("Parked record")
    entry = page.locator("article.entry").first
    source, sent, answer = (entry.locator(".doc").nth(i) for i in range(3))
    expect(source).to_contain_text('"Number": 1036')
    expect(source).to_contain_text('"ArticleNumber": "AV-9999"')
    expect(sent).to_contain_text("nothing was sent")
    expect(answer).to_contain_text("1 product not found in the target: AV-9999")
    shot(page, "parked-record", docs=True)
    parked_url = page.url

    # the activity log finds the order by its number
    page.goto("/activity?q=1036")
    expect(page.locator("table.activity tbody tr")).to_have_count(1)
    expect(page.locator("table.activity")).to_contain_text("fail")
    shot(page, "activity", docs=True)

    # fix the lookup in the flow file as docs/getting-started.md shows, then retry
    text = demo.orders_flow.read_text(encoding="utf-8")
    fixed = text.replace("[lookups.articles]", '[lookups.articles]\n"AV-9999" = "AV-1010"\n# ', 1)
    assert fixed != text
    demo.orders_flow.write_text(fixed, encoding="utf-8")
    page.goto(parked_url)
    page.get_by_role("button", name="Retry now").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+$"), timeout=30_000)
    expect(page.locator("table.summary")).to_contain_text("created")
    summary = dict(
        zip(
            page.locator("table.summary th").all_inner_texts(),
            page.locator("table.summary td").all_inner_texts(),
            strict=True,
        )
    )
    assert summary["created"] == "1" and summary["failed"] == "0", summary
    shot(page, "run", docs=True)

    # it landed: nothing parked, and the order's page shows what was sent and answered
    page.goto("/parked")
    expect(page.get_by_text("Nothing is parked.")).to_be_visible()
    page.goto("/activity?q=1036")
    page.locator("table.activity tbody tr").first.get_by_role("link").first.click()
    landed = page.locator("article.entry").first
    expect(landed.locator("header")).to_contain_text("create")
    expect(landed.locator(".doc").nth(1)).to_contain_text("AV-1010")
    expect(landed.locator(".doc").nth(2)).not_to_contain_text("no answer")
    shot(page, "record", docs=True)


def test_dashboard_relations_exported_marked_failed_and_back(page: Page, shot: Shots) -> None:
    sign_in(page, "anna")
    page.goto(f"/relations/{RELATIONS}")
    for relation in CHOSEN:
        page.get_by_label(f"select {relation}", exact=True).check()
    shot(page, "relations-selected", docs=True)
    page.get_by_role("button", name="Export XML").click()
    expect(page).to_have_url(re.compile(r"/history$"))
    expect(page.get_by_role("status")).to_contain_text("(ok): 3 account(s)")
    export = page.locator("table.history tbody tr").first
    export_id = export.get_attribute("data-export")
    shot(page, "export-history")

    # exported, so no longer in the queue
    page.goto(f"/relations/{RELATIONS}")
    for relation in CHOSEN:
        expect(page.locator(f'tr[data-relation="{relation}"]')).to_have_count(0)

    page.goto(f"/relations/{RELATIONS}/history")
    export = page.locator(f'tr[data-export="{export_id}"]')
    export.get_by_label(f"note on export {export_id}").fill("Exact: journal 70 is blocked")
    export.get_by_role("button", name="Import failed").click()
    expect(page.get_by_role("status")).to_contain_text("3 relation(s) are back in the queue")
    expect(page.locator(f'tr[data-export="{export_id}"] td.import')).to_contain_text("failed")
    shot(page, "export-marked", docs=True)

    page.goto(f"/relations/{RELATIONS}")
    for relation in CHOSEN:
        row = page.locator(f'tr[data-relation="{relation}"]')
        expect(row.locator("td.message")).to_have_text(
            f"the import of export {export_id} failed: Exact: journal 70 is blocked"
        )
    shot(page, "relations-back", docs=True)


def test_dashboard_relations_fetched_and_synced_directly_on_the_sandboxes(
    page: Page, shot: Shots
) -> None:
    sign_in(page, "anna")
    page.goto("/relations")
    expect(page.get_by_role("link", name=DIRECT)).to_be_visible()
    page.goto(f"/relations/{DIRECT}")
    expect(page.locator("table.queue tbody")).to_contain_text("The queue is empty.")
    page.get_by_role("button", name="Fetch from the CRM").click()
    expect(page.get_by_role("status")).to_contain_text("40 new, 0 changed, 0 unchanged")
    page.get_by_label("select 1002:debtor", exact=True).check()
    page.get_by_role("button", name="Direct sync").click()
    expect(page.get_by_role("status")).to_have_text("synced 1, failed 0")
    expect(page.locator('tr[data-relation="1002:debtor"]')).to_have_count(0)
    page.goto(f"/relations/{DIRECT}?show=all")
    expect(page.locator('tr[data-relation="1002:debtor"]')).to_contain_text("synced")
    shot(page, "relations-direct")


def test_dashboard_read_only_user_sees_no_actions(page: Page) -> None:
    sign_in(page, "rob")
    expect(page.locator("table.flows")).to_be_visible()
    expect(page.get_by_role("button", name="Run now")).to_have_count(0)
    page.goto(f"/relations/{RELATIONS}")
    expect(page.locator("table.queue")).to_be_visible()
    expect(page.get_by_role("button", name="Export XML")).to_have_count(0)
    answer = page.request.post(
        f"/relations/{RELATIONS}/export",
        form={"csrf_token": _csrf(page), "how": "xml"},
        headers={"Accept": "text/html"},
    )
    assert answer.status == 403
    assert "operator role" in answer.text()


def _csrf(page: Page) -> str:
    value = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    assert value
    return value
