"""The sandbox's demo organisation, in Heimdall's list shapes, from demo.json's pools.

Contacts (suppliers, subcontractors, customers), and ``volume`` purchase order contracts
(default 12), each on a project and a supplier with two delivery tickets (*leverbonnen*)
as its lines; changes are a minute apart, oldest first. The same ``seed`` gives the
same organisation.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

__all__ = ["DEMO_VOLUME", "START", "atom", "demo"]

DEMO_VOLUME = 12
#: The moment the first demo record changed.
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
Row = dict[str, Any]


def atom(moment: datetime) -> str:
    """A moment in ATOM / ISO 8601, as Heimdall writes ``updatedAt``."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def demo(seed: int = 0, volume: int = DEMO_VOLUME) -> dict[str, list[Row]]:
    """The demo organisation: ``contact_types``, ``vat_tariffs``, ``contacts``, ``projects``,
    ``contracts``, ``tickets``, ``invoices`` and their ``invoice_lines`` (every fourth
    contract's first delivery note booked and handled)."""
    pools = json.loads((resources.files("koppel_exact_bouw") / "demo.json").read_text("utf-8"))
    rng = random.Random(seed)
    clock = iter(START + timedelta(minutes=n) for n in range(10**7))
    types = {t["name"]: t for t in pools["contact_types"]}
    contacts: list[Row] = []
    for kind in ("suppliers", "subcontractors", "customers"):
        type_name = {"suppliers": "supplier", "subcontractors": "subcontractor"}.get(
            kind, "customer"
        )
        for found in pools[kind]:
            moment = atom(next(clock))
            contacts.append(
                {
                    "id": 4100 + len(contacts),
                    "countryCode": "NL",
                    "debtorNumber": None,
                    **found,
                    "type": dict(types[type_name]),
                    "createdAt": moment,
                    "updatedAt": moment,
                }
            )
    projects = [
        {
            "id": 3494100 + n,
            "number": f"2026{n + 1:03d}",
            "status": "In uitvoering",
            "statusId": 55605,
            **p,
        }
        for n, p in enumerate(pools["projects"])
    ]
    customers = [c for c in contacts if c["type"]["name"] == "customer"]
    past = [  # finished in 2025: listed, but no commitment is on them
        {
            "id": 3494000 + n,
            "number": f"2025{n + 41:03d}",
            "status": "Afgerond",
            "statusId": 55609,
            **p,
        }
        for n, p in enumerate(pools["past_projects"])
    ]
    listed_projects = [
        _project(project, customers[n % len(customers)], n - len(past))
        for n, project in enumerate([*past, *projects])
    ]
    creditors = [c for c in contacts if c["type"]["name"] != "customer"]
    contracts: list[Row] = []
    tickets: list[Row] = []
    invoices: list[Row] = []
    invoice_lines: list[Row] = []
    for n in range(volume):
        project = projects[n % len(projects)]
        supplier = creditors[rng.randrange(len(creditors))]
        code = pools["security_codes"][n % len(pools["security_codes"])]
        moment = atom(next(clock))
        contract_id = 88000 + n
        prices = [Decimal(rng.randrange(25_000, 400_000)) / 100 for _ in range(2)]
        lines = []
        for k, price in enumerate(prices):
            purchase = pools["purchase_types"][(n + k) % len(pools["purchase_types"])]
            lines.append(
                {
                    "id": 530000 + 2 * n + k,
                    "number": f"LB{26000 + 2 * n + k}",
                    "description": pools["items"][(n + k) % len(pools["items"])],
                    "date": moment,
                    "purchaseTypeId": purchase["id"],
                    "purchaseTypeName": purchase["name"],
                    "price": f"{price:.2f}",
                    "isProcessed": False,
                    "bookingStatus": 0,
                    "supplier": nested_contact(supplier),
                    "project": dict(project),
                    "contract": {"id": contract_id},
                    "purchaseInvoiceId": None,
                    "purchaseInvoiceInvoiceNumber": None,
                    "createdAt": moment,
                    "updatedAt": moment,
                }
            )
        open_amount = sum(prices)
        if n % 4 == 3:  # every fourth contract's first delivery note is booked and handled
            invoice = _invoice(len(invoices), lines[0], supplier, moment)
            invoices.append(invoice)
            invoice_lines.append(_invoice_line(invoice, lines[0], purchase_contract=contract_id))
            lines[0].update(
                isProcessed=True,
                bookingStatus=1,
                purchaseInvoiceId=str(invoice["id"]),
                purchaseInvoiceInvoiceNumber=invoice["invoiceNumber"],
            )
            open_amount -= prices[0]
        tickets += lines
        contracts.append(
            {
                "id": contract_id,
                "number": f"{project['number']}IO{n + 1:04d}",
                "name": f"Inkooporder {lines[0]['description'].lower()}",
                "description": f"<p>Levering voor {project['name']}</p>",
                "status": 1,
                "statusName": "Akkoord",
                "type": 0,
                "purchaseType": 2,
                "price": f"{sum(prices):.2f}",
                "outstandingCosts": f"{open_amount:.2f}",
                "project": dict(project),
                "supplier": nested_contact(supplier),
                "projectSecurityLink": {"id": 710000 + n, "projectId": project["id"], **code},
                "linkedDeliveryTicket": {
                    key: lines[0][key] for key in ("id", "number", "price", "isProcessed")
                },
                "createdAt": moment,
                "updatedAt": moment,
            }
        )
    return {
        "contact_types": pools["contact_types"],
        "vat_tariffs": pools["vat_tariffs"],
        "contacts": contacts,
        "projects": listed_projects,
        "contracts": contracts,
        "tickets": tickets,
        "invoices": invoices,
        "invoice_lines": invoice_lines,
        "deleted_projects": [],
    }


def _invoice(index: int, ticket: Row, supplier: Row, moment: str) -> Row:
    """A purchase invoice booked on ``ticket`` at 21 % VAT (SDK PurchaseInvoiceListItem)."""
    net = Decimal(ticket["price"])
    vat = (net * Decimal("0.21")).quantize(Decimal("0.01"))
    project = ticket["project"]
    return {
        "id": 61000 + index,
        "invoiceNumber": f"INK-{ticket['number'][2:]}",
        "paymentReference": None,
        "orderNumber": None,
        "division": {"id": project["divisionId"], "description": "Bouwbedrijf Demo"},
        "status": 2,
        "comment": None,
        "date": moment[:10],
        "dueDate": (datetime.fromisoformat(moment) + timedelta(days=30)).date().isoformat(),
        "datePaid": None,
        "subTotal": f"{net:.2f}",
        "vatTotal": f"{vat:.2f}",
        "total": f"{net + vat:.2f}",
        "supplier": nested_contact(supplier),
        "project": dict(project),
        "deliveryTicket": {k: ticket[k] for k in ("id", "number", "price")},
        "createdAt": moment,
        "updatedAt": moment,
    }


def _invoice_line(invoice: Row, ticket: Row, *, purchase_contract: int) -> Row:
    """The line of demo ``invoice`` on ``ticket`` (SDK PurchaseInvoiceDocumentLine), kept
    with the id of its invoice."""
    return {
        "id": 72000 + int(invoice["id"]) - 61000,
        "invoice": invoice["id"],
        "description": ticket["description"],
        "quantity": "1",
        "unitPrice": ticket["price"],
        "subTotal": ticket["price"],
        "vatTariffId": 11,
        "vatTariffPercentage": "21.00",
        "ledger": "7000",
        "costCenter": None,
        "deliveryTicket": {
            "id": ticket["id"],
            "ticketNumber": ticket["number"],
            "cost": ticket["price"],
            "processed": True,
        },
        "modelType": 2,
        "modelId": purchase_contract,
        "createDeliveryTicketForRemainingCosts": False,
    }


def _project(project: Row, customer: Row, index: int) -> Row:
    """A demo project as ``/list/projects`` lists it (SDK ProjectListItem); projects were
    last changed before anything else in the demo."""
    moment = atom(START - timedelta(days=30 - index))  # index < 0: older still
    return {
        "id": project["id"],
        "parentId": None,
        "projectNumber": project["number"][4:],
        "fullProjectNumber": project["number"],
        "division": {"id": project["divisionId"], "description": "Bouwbedrijf Demo"},
        "name": project["name"],
        "streetName": customer.get("streetName"),
        "houseNumber": customer.get("houseNumber"),
        "zipCode": customer.get("zipCode"),
        "city": customer.get("city"),
        "countryCode": "NL",
        "information": f"<p>{project['name']}</p>",
        "reference": f"REF-{project['number']}",
        "startDate": atom(START + timedelta(days=7 * index if index >= 0 else 20 * index - 300)),
        "endDate": atom(START - timedelta(days=60)) if index < 0 else None,
        "contact": nested_contact(customer),
        "status": {
            "id": project["statusId"],
            "name": project["status"],
            "closesProject": project["status"] == "Afgerond",
        },
        "branch": {"id": project["branchId"]},
        "createdAt": moment,
        "updatedAt": moment,
    }


def nested_contact(contact: Row) -> Row:
    """A contact as a list item nests it (SDK NestedContactListItem)."""
    kind = contact["type"]
    return {
        "id": contact["id"],
        "typeId": kind["id"],
        "name": contact["name"],
        "emailAddress": contact.get("emailAddress"),
        "type": kind["name"],
    }
