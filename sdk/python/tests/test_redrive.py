"""Retry with edits (redrive) against a real server: the dry run, the retry from a step with the data
patched onto a newer version, the refusals as the server words them, and the plain retry kept."""

from __future__ import annotations

import asyncio

import pytest

from conftest import Server
from segue import AsyncSegueClient, ProblemError, SegueClient
from segue.types import Json

ORDER = """name: py-redrive
input:
  type: object
  required: [quantity]
  properties:
    quantity: { type: integer, minimum: 1 }
steps:
  - name: price
    type: set
    values: { total: "${ quantity * 5 }" }
  - name: charge
    type: task
    task: py-redrive.charge
    input: { total: "${ total }" }
    retry: { maxAttempts: 1 }
"""
# Version 2 adds a step after the charge: a retry onto it goes on with the new shape.
ORDER_V2 = ORDER + """  - name: receipt
    type: set
    values: { receipt: "${ 'R-' & $string(total) }" }
"""


@pytest.fixture(scope="module", autouse=True)
def workflows(server: Server) -> None:
    with server.client() as c:
        c.register_workflow(ORDER)
        c.register_workflow(ORDER_V2)


def answer_charge(client: SegueClient, fail: bool) -> Json:
    """Takes the one charge task queued and fails or completes it; answers the task's input."""
    [task] = client.poll(["py-redrive.charge"], "py-redrive-test", wait=5)
    if fail:
        client.fail(task["token"], "CardDeclined", "no funds", retryable=False)
    else:
        client.complete(task["token"], {"charged": True})
    return task["input"]


def failed_order(client: SegueClient, id: str) -> None:
    client.start_instance("py-redrive", {"quantity": 1}, id=id, version=1)
    answer_charge(client, fail=True)
    assert client.get_instance(id, wait=5)["status"] == "FAILED"


def test_a_preview_answers_what_the_retry_would_do_and_changes_nothing(client: SegueClient) -> None:
    failed_order(client, "redrive-dry")
    before = client.history("redrive-dry")
    preview = client.preview_retry("redrive-dry", from_step="price", patch={"quantity": 3, "note": "fixed by ops"}, version="latest")
    assert preview == {
        "instanceId": "redrive-dry",
        "from": "price",
        "failedAt": "charge",
        "version": {"from": 1, "to": 2},
        "changes": ["/quantity", "/note"],
        "data": {"quantity": 3, "total": 5, "note": "fixed by ops"},
    }
    # Without edits: the failed step again, on the instance's own version, the data as it was.
    assert client.preview_retry("redrive-dry") == {**preview, "from": "charge", "version": {"from": 1, "to": 1}, "changes": [], "data": {"quantity": 1, "total": 5}}
    assert client.get_instance("redrive-dry")["status"] == "FAILED"
    assert client.history("redrive-dry") == before


def test_retries_from_a_step_with_the_data_patched_onto_the_newer_version(client: SegueClient) -> None:
    failed_order(client, "redrive-run")
    retried = client.retry("redrive-run", "card limit raised", from_step="price", patch={"quantity": 5}, version="latest")
    assert (retried["status"], retried["version"]) == ("RUNNING", 2)
    # The patched quantity is what the re-run step priced.
    assert answer_charge(client, fail=False) == {"total": 25}
    done = client.get_instance("redrive-run", wait=5)
    assert (done["status"], done["version"], done["data"]) == ("COMPLETED", 2, {"quantity": 5, "total": 25, "charge": {"charged": True}, "receipt": "R-25"})
    [event] = [e for e in client.history("redrive-run") if e["type"] == "InstanceRetried"]
    assert event.get("step") == "price"
    assert event.get("details") == {"from": "price", "failedAt": "charge", "patch": {"quantity": 5}, "version": 2, "reason": "card limit raised"}


def test_a_plain_retry_takes_a_reason_or_none(client: SegueClient) -> None:
    failed_order(client, "redrive-plain")
    assert client.retry("redrive-plain", "the card service is back")["status"] == "RUNNING"
    assert answer_charge(client, fail=True) == {"total": 5}
    assert client.get_instance("redrive-plain", wait=5)["status"] == "FAILED"
    assert client.retry("redrive-plain")["status"] == "RUNNING"
    answer_charge(client, fail=False)
    assert client.get_instance("redrive-plain", wait=5)["status"] == "COMPLETED"
    retries = [e.get("details") for e in client.history("redrive-plain") if e["type"] == "InstanceRetried"]
    assert retries == [{"reason": "the card service is back"}, None]


def test_refuses_a_step_a_version_or_a_patch_that_cannot_be_saying_why(client: SegueClient) -> None:
    failed_order(client, "redrive-bad")
    refusals: list[tuple[int, str]] = []
    for attempt in (
        lambda: client.retry("redrive-bad", from_step="ship"),
        lambda: client.preview_retry("redrive-bad", from_step="ship"),
        lambda: client.retry("redrive-bad", version=9),
        lambda: client.retry("redrive-bad", patch={"quantity": "ten"}),
    ):
        with pytest.raises(ProblemError) as raised:
            attempt()
        refusals.append((raised.value.status, raised.value.detail))
    no_step = (400, 'workflow "py-redrive" version 1 has no step "ship" at its top level to retry from; its steps are "price", "charge"')
    assert refusals[:3] == [no_step, no_step, (400, 'workflow "py-redrive" version 9 is not registered')]
    status, detail = refusals[3]
    assert status == 400
    assert 'the patched data does not match the input schema of "py-redrive"' in detail and "input.quantity" in detail
    assert client.get_instance("redrive-bad")["status"] == "FAILED"

    client.start_instance("py-redrive", {"quantity": 1}, id="redrive-running", version=1)
    with pytest.raises(ProblemError) as raised:
        client.preview_retry("redrive-running", from_step="price")
    assert (raised.value.status, raised.value.detail) == (
        409,
        'instance "redrive-running" is RUNNING: only a FAILED instance can be retried from a step, with a patch, on another version or as a dry run',
    )
    answer_charge(client, fail=False)


def test_the_async_client_previews_and_retries(server: Server, client: SegueClient) -> None:
    failed_order(client, "redrive-async")

    async def scenario() -> None:
        async with AsyncSegueClient(server.url) as segue:
            preview = await segue.preview_retry("redrive-async", patch={"quantity": 4})
            assert (preview["from"], preview["changes"], preview["data"]) == ("charge", ["/quantity"], {"quantity": 4, "total": 5})
            retried = await segue.retry("redrive-async", from_step="price", patch={"quantity": 4})
            assert (retried["status"], retried["version"]) == ("RUNNING", 1)

    asyncio.run(scenario())
    assert answer_charge(client, fail=False) == {"total": 20}
    assert client.get_instance("redrive-async", wait=5)["status"] == "COMPLETED"
