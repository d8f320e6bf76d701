"""The calls an operator looks with, against a real server: the queues, the instances needing
attention, the search by correlation key, the counts by status, and an expression evaluated
against an instance."""

from __future__ import annotations

import asyncio
from typing import Iterator

import pytest

from conftest import Server, start_server
from segue import AsyncSegueClient, ProblemError, SegueClient
from segue.types import Queue

QUEUED = """name: py-triage-queued
steps:
  - name: work
    type: task
    task: py-triage.work
"""

WAIT = """name: py-triage-wait
steps:
  - name: prepare
    type: set
    values: { "lines": [{ "sku": "a", "qty": 2 }, { "sku": "b", "qty": 5 }] }
  - name: approval
    type: wait
    event: approval
    correlate: orderId
"""

PACK = """name: py-triage-pack
steps:
  - name: pack
    type: map
    items: ${ lines }
    steps:
      - { name: weigh, type: task, task: py-triage.weigh }
"""


@pytest.fixture(scope="module", autouse=True)
def workflows(server: Server) -> None:
    with server.client() as c:
        for source in (QUEUED, WAIT, PACK):
            c.register_workflow(source)


def test_lists_the_queues_with_their_depth_and_workers(client: SegueClient) -> None:
    client.start_instance("py-triage-queued", id="triage-queued-1")
    client.start_instance("py-triage-queued", id="triage-queued-2")
    [queue] = [q for q in client.queues() if q["queue"] == "py-triage.work"]
    assert (queue["queued"], queue["leased"], queue["workers"], queue["lastPolledAt"]) == (2, 0, [], None)
    assert queue["oldestQueuedAt"] is not None and queue["oldestQueuedAgeMs"] is not None and queue["oldestQueuedAgeMs"] >= 0

    [task] = client.poll(["py-triage.work"], "py-triage-worker", max=1)
    [queue] = [q for q in client.queues() if q["queue"] == "py-triage.work"]
    assert (queue["queued"], queue["leased"]) == (1, 1)
    assert queue["lastPolledAt"] is not None
    [worker] = queue["workers"]
    assert (worker["name"], worker["holding"], worker["lastSeen"] is not None) == ("py-triage-worker", 1, True)
    client.complete(task["token"], "done")
    [still_queued] = {"triage-queued-1", "triage-queued-2"} - {task["instanceId"]}
    client.terminate(still_queued)
    assert [q["queued"] for q in client.queues() if q["queue"] == "py-triage.work"] == [0]


def test_finds_the_instances_waiting_with_a_key(client: SegueClient) -> None:
    first = client.start_instance("py-triage-wait", {"orderId": "K-7"}, id="triage-key-1")
    second = client.start_instance("py-triage-wait", {"orderId": "K-7"}, id="triage-key-2")
    client.start_instance("py-triage-wait", {"orderId": "K-8"}, id="triage-key-other")
    found = client.find_by_key("K-7")
    assert [v["id"] for v in found] == [second["id"], first["id"]]
    assert found[0]["current"] == [{"step": "approval", "waiting": "event", "attempt": 1, "event": "approval"}]
    assert [v["id"] for v in client.find_by_key("K-7", limit=1)] == ["triage-key-2"]
    assert client.find_by_key("K-7", workflow="py-triage-queued") == []
    assert client.find_by_key("K-nobody") == []
    with pytest.raises(TypeError, match="unexpected keyword argument 'workflw'"):
        client.find_by_key("K-7", workflw="py-triage-wait")  # type: ignore[call-arg]
    client.deliver_event("approval", "K-7")
    assert client.find_by_key("K-7") == []


def test_counts_the_instances_of_each_status(client: SegueClient) -> None:
    client.register_workflow(WAIT.replace("py-triage-wait", "py-triage-counted"))
    for i in range(3):
        client.start_instance("py-triage-counted", {"orderId": f"C-{i}"}, id=f"triage-counted-{i}")
    client.cancel("triage-counted-0")
    counted = client.count_instances(workflow="py-triage-counted")
    assert counted == {
        "counts": {"PENDING": 0, "RUNNING": 2, "SUSPENDED": 0, "COMPLETED": 0, "FAILED": 0, "CANCELLED": 1, "TERMINATED": 0, "TIMED_OUT": 0},
        "total": 3,
    }
    assert client.count_instances(workflow="py-triage-counted", to="2000-01-01T00:00:00Z")["total"] == 0
    with pytest.raises(ProblemError) as raised:
        client.count_instances(from_="yesterday")
    assert raised.value.status == 400 and "from" in raised.value.detail


def test_evaluates_an_expression_against_the_data_or_a_step(client: SegueClient) -> None:
    client.start_instance("py-triage-wait", {"orderId": "E-1"}, id="triage-eval")
    assert client.evaluate("triage-eval", "$sum(lines.qty)") == {"ok": True, "result": 7}
    assert client.evaluate("triage-eval", "orderId & '/' & $instance.id") == {"ok": True, "result": "E-1/triage-eval"}
    assert client.evaluate("triage-eval", "nothing.here") == {"ok": True}
    failed = client.evaluate("triage-eval", "lines[qty > ]")
    assert failed["ok"] is False and (failed["error"].get("code"), failed["error"].get("position")) == ("S0211", 12)

    client.start_instance("py-triage-pack", {"lines": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 5}]}, id="triage-pack")
    assert client.evaluate("triage-pack", "[$index, sku]", step="weigh") == {"ok": True, "result": [0, "a"]}
    assert client.evaluate("triage-pack", "[$index, $item.qty]", step="weigh", index=1) == {"ok": True, "result": [1, 5]}
    with pytest.raises(ProblemError) as raised:
        client.evaluate("triage-pack", "1", step="weigh", index=9)
    assert (raised.value.status, raised.value.detail) == (409, 'no item 9 of instance "triage-pack" is at step "weigh" (items 0, 1 are)')
    with pytest.raises(ProblemError) as raised:
        client.evaluate("no-such-instance", "1")
    assert (raised.value.status, raised.value.detail) == (404, 'instance "no-such-instance" does not exist')
    for id in ("triage-eval", "triage-pack"):
        client.terminate(id)


@pytest.fixture(scope="module")
def eager_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server on which a queue needs attention as soon as a task waits on it unpolled."""
    running = start_server(tmp_path_factory.mktemp("eager"), env={"SEGUE_ATTENTION_UNPOLLED": "0s"})
    with running.client() as c:
        c.register_workflow(QUEUED)
        c.register_workflow(WAIT)
    yield running
    running.stop()


def test_lists_the_instances_needing_attention_with_why(eager_server: Server) -> None:
    with eager_server.client() as client:
        client.start_instance("py-triage-queued", id="stuck-1")
        client.start_instance("py-triage-wait", {"orderId": "A-1"}, id="waiting-1")
        [stuck] = client.needing_attention()
        assert (stuck["id"], stuck["status"]) == ("stuck-1", "RUNNING")
        [reason] = stuck["attention"]
        assert (reason["check"], reason["step"]) == ("queue-unpolled", "work")
        assert reason["message"].startswith('step "work" waits on queue "py-triage.work" since ')
        assert "no worker has polled it since this engine started" in reason["message"]
        assert client.needing_attention(workflow="py-triage-wait") == []
        assert client.needing_attention(status="SUSPENDED") == []


def test_the_async_client_makes_the_same_calls(server: Server, eager_server: Server) -> None:
    async def scenario() -> None:
        async with AsyncSegueClient(server.url) as segue:
            await segue.start_instance("py-triage-wait", {"orderId": "AS-1", "n": 3}, id="triage-async")
            assert [v["id"] for v in await segue.find_by_key("AS-1")] == ["triage-async"]
            assert (await segue.evaluate("triage-async", "n * 2")) == {"ok": True, "result": 6}
            assert (await segue.count_instances(workflow="py-triage-wait"))["counts"]["RUNNING"] >= 1
            def depth(queues: list[Queue]) -> int:
                return sum(q["queued"] for q in queues if q["queue"] == "py-triage.work")

            before = depth(await segue.queues())
            await segue.start_instance("py-triage-queued", id="triage-async-queued")
            assert depth(await segue.queues()) == before + 1
            for id in ("triage-async", "triage-async-queued"):
                await segue.terminate(id)
        async with AsyncSegueClient(eager_server.url) as segue:
            assert "stuck-async" not in [v["id"] for v in await segue.needing_attention()]
            await segue.start_instance("py-triage-queued", id="stuck-async")
            assert "stuck-async" in [v["id"] for v in await segue.needing_attention()]

    asyncio.run(scenario())
