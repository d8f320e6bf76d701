"""
The worker of examples/order-processing.yaml, in Python: reserve the items, charge the card, ship
the parcel, tell the customer. Stand-ins for the real services, giving the same ids as the
TypeScript example worker (examples/workers/example-worker.ts).

    pip install ./sdk/python
    SEGUE_URL=http://127.0.0.1:8080 python sdk/python/examples/order_worker.py

Stops on SIGTERM or Ctrl-C once the tasks running are done (a second Ctrl-C hands them back).
"""

import json
import logging
import os
from typing import Any

from segue import TaskContext, TaskError, Worker

Doc = dict[str, Any]
"""Task inputs and outputs are JSON: objects arrive as dicts, and dicts go back."""

worker = Worker(
    os.environ.get("SEGUE_URL", "http://127.0.0.1:8080"),
    name=os.environ.get("SEGUE_WORKER_NAME"),  # default: <hostname>:<pid>
    api_key=os.environ.get("SEGUE_API_KEY"),
    concurrency=8,
)


class CardDeclined(TaskError):
    """Its name is the error name the workflow sees: charge's nonRetryable and catch match it."""


def id_for(prefix: str, *parts: object) -> str:
    """A short id that is the same for the same input, so runs are reproducible."""
    digest = 0
    for ch in json.dumps(parts, separators=(",", ":")):
        digest = (digest * 31 + ord(ch)) & 0xFFFFFFFF
    digits = ""
    while digest:
        digest, d = divmod(digest, 36)
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[d] + digits
    return f"{prefix}-{digits.rjust(6, '0')[:6]}"


@worker.handler("inventory.reserve")
def reserve(order: Doc, ctx: TaskContext) -> Doc:
    items = [{"sku": item["sku"], "quantity": item["quantity"]} for item in order["items"]]
    return {"reservationId": id_for("RES", order["orderId"]), "items": items}


@worker.handler("inventory.release")
def release(reservation: Doc, ctx: TaskContext) -> Doc:
    return {"released": reservation["reservationId"]}


@worker.handler("payments.charge")
async def charge(payment: Doc, ctx: TaskContext) -> Doc:
    card = str(payment["card"])
    if card.startswith("0000"):
        raise CardDeclined(f"card ending {card[-4:]} was declined")
    return {"paymentId": id_for("PAY", payment["orderId"]), "amount": payment["amount"]}


@worker.handler("shipping.ship")
def ship(shipment: Doc, ctx: TaskContext) -> Doc:
    return {"trackingNumber": id_for("TRK", shipment["orderId"])}


@worker.handler("email.send")
async def send(email: Doc, ctx: TaskContext) -> Doc:
    return {"sent": True, "to": email["to"], "subject": email["subject"]}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # else a line per request
    print(f"worker polling {worker.url} for {len(worker.handlers)} task types", flush=True)
    worker.run()
