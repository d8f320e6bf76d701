"""The client against a real server: every call, and the problems it raises."""

from __future__ import annotations

import asyncio
import socket
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator

import pytest

from conftest import Server, WorkerThread, finished, start_server
from segue import AsyncSegueClient, NetworkError, NonRetryableError, ProblemError, SegueClient, TaskContext, Worker
from segue.types import Json

ECHO = """name: py-client-echo
description: Answers its input at once.
steps:
  - name: done
    type: succeed
    output: { got: "${ x }" }
"""

WAIT = """name: py-client-wait
steps:
  - name: approval
    type: wait
    event: approval
    correlate: requestId
  - name: done
    type: succeed
    output: "${ approval }"
"""

TASK = """name: py-client-task
steps:
  - name: work
    type: task
    task: py-client.work
  - name: done
    type: succeed
    output: "${ work }"
"""

INVALID = """name: broken
steps:
  - name: a
    type: tsk
"""


@pytest.fixture(scope="module", autouse=True)
def workflows(server: Server) -> None:
    with server.client() as c:
        for source in (ECHO, WAIT, TASK):
            c.register_workflow(source)


def test_registers_a_definition_once_and_reads_it_back(client: SegueClient) -> None:
    source = ECHO.replace("py-client-echo", "py-client-registered")
    first = client.register_workflow(source)
    assert first == {"name": "py-client-registered", "version": 1, "created": True}
    assert client.register_workflow(source) == {**first, "created": False}
    second = client.register_workflow(source.replace("at once", "at once, again"))
    assert second == {"name": "py-client-registered", "version": 2, "created": True}
    latest = client.get_workflow("py-client-registered")
    assert latest["version"] == 2 and latest["versions"] == [1, 2]
    assert client.get_workflow("py-client-registered", 1)["source"] == source
    assert "py-client-registered" in [w["name"] for w in client.list_workflows()]


def test_an_invalid_definition_raises_its_positioned_problems(client: SegueClient) -> None:
    with pytest.raises(ProblemError) as raised:
        client.register_workflow(INVALID)
    err = raised.value
    assert err.status == 400
    assert err.type == "https://segue.dev/problems/definition-invalid"
    assert err.detail == "workflow.yaml has 1 problem"
    assert err.instance == "/v1/workflows"
    assert len(err.errors) == 1
    problem = err.errors[0]
    assert (problem["file"], problem["line"], problem["column"], problem.get("step")) == ("workflow.yaml", 4, 11, "a")
    assert 'did you mean "task"?' in problem["message"]
    assert str(err).startswith("400 workflow.yaml has 1 problem\n  workflow.yaml:4:11: step \"a\": ")


def test_validates_without_registering(client: SegueClient) -> None:
    valid = client.validate(ECHO)
    assert (valid["valid"], valid["errors"], "graph" in valid) == (True, [], True)
    checked = client.validate(INVALID)
    assert checked["valid"] is False
    assert checked["errors"][0]["line"] == 4
    with pytest.raises(ProblemError) as raised:
        client.get_workflow("broken")
    assert raised.value.status == 404


def test_starts_and_waits_for_the_end_in_one_call(client: SegueClient) -> None:
    done = client.start_instance("py-client-echo", {"x": 42}, id="echo-1", wait=10)
    assert (done["id"], done["status"], done["output"]) == ("echo-1", "COMPLETED", {"got": 42})
    # The same id and input answer the first instance; another input under that id is a conflict.
    assert client.start_instance("py-client-echo", {"x": 42}, id="echo-1")["createdAt"] == done["createdAt"]
    with pytest.raises(ProblemError) as raised:
        client.start_instance("py-client-echo", {"x": 43}, id="echo-1")
    assert raised.value.status == 409
    assert raised.value.type == "https://segue.dev/problems/conflict"
    assert client.get_instance("echo-1", wait=1)["output"] == {"got": 42}


def test_a_start_at_in_the_future_stays_pending(client: SegueClient) -> None:
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    pending = client.start_instance("py-client-echo", {"x": 1}, id="echo-later", start_at=later)
    assert pending["status"] == "PENDING"
    assert client.cancel("echo-later", "not needed")["status"] == "CANCELLED"


def test_unknown_instances_raise_not_found_with_the_problem_fields(client: SegueClient) -> None:
    with pytest.raises(ProblemError) as raised:
        client.get_instance("no-such-instance")
    err = raised.value
    assert (err.status, err.type, err.title) == (404, "https://segue.dev/problems/not-found", "Not found")
    assert err.detail == 'instance "no-such-instance" does not exist'
    assert err.errors == []


def test_lists_a_page_at_a_time_and_iterates_every_page(client: SegueClient) -> None:
    client.register_workflow(ECHO.replace("py-client-echo", "py-client-paged"))
    ids = [client.start_instance("py-client-paged", {"x": i}, id=f"paged-{i}", wait=10)["id"] for i in range(5)]
    page = client.list_instances(workflow="py-client-paged", limit=2)
    assert len(page["items"]) == 2 and "nextCursor" in page
    listed = [v["id"] for v in client.iter_instances(workflow="py-client-paged", page_size=2)]
    assert listed == list(reversed(ids))
    assert [v["id"] for v in client.iter_instances(workflow="py-client-paged", status=["COMPLETED", "FAILED"])] == listed
    assert list(client.iter_instances(workflow="py-client-paged", status="RUNNING")) == []
    assert list(client.iter_instances(workflow="py-client-paged", to="2000-01-01T00:00:00Z")) == []
    assert client.list_instances(workflow="py-client-paged", set_aside=True)["items"] == []
    assert [v["id"] for v in client.list_instances(workflow="py-client-paged", set_aside=False)["items"]] == listed
    with pytest.raises(ProblemError) as raised:
        client.list_instances(status="SLEEPING")  # type: ignore[arg-type]
    assert raised.value.status == 400


def test_reads_the_history_of_a_run(client: SegueClient) -> None:
    client.start_instance("py-client-echo", {"x": 1}, id="echo-history", wait=10)
    events = client.history("echo-history")
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["type"] == "InstanceStarted"
    assert events[-1]["type"] == "InstanceCompleted"
    assert client.history("echo-history", run=1) == events
    assert client.history("echo-history", after=1, limit=2) == events[1:3]


def test_raises_an_event_on_an_instance_and_delivers_one_by_key(client: SegueClient) -> None:
    client.start_instance("py-client-wait", {"requestId": "R-1"}, id="wait-raised")
    client.raise_event("wait-raised", "approval", {"ok": True})
    assert finished(client, "wait-raised")["output"] == {"ok": True}

    client.start_instance("py-client-wait", {"requestId": "R-2"}, id="wait-delivered")
    delivered = client.deliver_event("approval", "R-2", {"by": "ada"})
    assert {k: delivered[k] for k in ("delivered", "instances", "started")} == {"delivered": 1, "instances": ["wait-delivered"], "started": []}
    assert isinstance(delivered["event"], str) and delivered["event"] != ""
    assert finished(client, "wait-delivered")["output"] == {"by": "ada"}
    nobody = client.deliver_event("approval", "R-nobody")
    assert (nobody["delivered"], nobody["instances"], nobody["started"]) == (0, [], [])


def test_suspends_resumes_cancels_terminates_and_purges(client: SegueClient) -> None:
    client.start_instance("py-client-wait", {"requestId": "R-3"}, id="wait-life")
    assert client.suspend("wait-life")["status"] == "SUSPENDED"
    assert client.resume("wait-life", "go on")["status"] == "RUNNING"
    cancelled = client.cancel("wait-life", "changed my mind")
    assert cancelled["status"] == "CANCELLED" and cancelled["error"] is not None and cancelled["error"]["error"] == "Cancelled"
    with pytest.raises(ProblemError) as raised:
        client.suspend("wait-life")
    assert raised.value.status == 409

    client.start_instance("py-client-wait", {"requestId": "R-4"}, id="wait-ended")
    assert client.terminate("wait-ended")["status"] == "TERMINATED"
    client.purge("wait-ended")
    with pytest.raises(ProblemError) as raised:
        client.get_instance("wait-ended")
    assert raised.value.status == 404


def test_retries_a_failed_instance(client: SegueClient, server: Server, serve: Callable[[Worker], WorkerThread]) -> None:
    calls: list[int] = []

    def work(input: Json, ctx: TaskContext) -> Json:
        calls.append(ctx.attempt)
        if len(calls) == 1:
            raise NonRetryableError("not yet", name="NotYet")
        return "second time lucky"

    serve(Worker(server.url, {"py-client.work": work}, poll_wait=1))
    failed = client.start_instance("py-client-task", id="task-retried", wait=10)
    assert failed["status"] == "FAILED" and failed["error"] == {"error": "NotYet", "message": "not yet", "step": "work"}
    assert client.retry("task-retried")["status"] == "RUNNING"
    assert finished(client, "task-retried")["output"] == "second time lucky"
    assert calls == [1, 1]


def test_manages_schedules(client: SegueClient) -> None:
    made = client.create_schedule({"id": "py-nightly", "workflow": "py-client-echo", "cron": "0 3 * * *", "input": {"x": "night"}})
    assert (made["id"], made["paused"], made["origin"], len(made["nextFires"]) > 0) == ("py-nightly", False, "api", True)
    assert client.get_schedule("py-nightly")["cron"] == "0 3 * * *"
    assert "py-nightly" in [s["id"] for s in client.list_schedules()]
    assert client.pause_schedule("py-nightly")["paused"] is True
    assert client.resume_schedule("py-nightly")["paused"] is False
    triggered = client.trigger_schedule("py-nightly")
    assert triggered["recent"], "a trigger records a fire"
    replaced = client.replace_schedule("py-nightly", {"workflow": "py-client-echo", "cron": "0 4 * * *"})
    assert (replaced["cron"], replaced["input"]) == ("0 4 * * *", {})
    client.delete_schedule("py-nightly")
    with pytest.raises(ProblemError) as raised:
        client.get_schedule("py-nightly")
    assert raised.value.status == 404


def test_the_async_client_makes_the_same_calls(server: Server) -> None:
    async def scenario() -> None:
        async with AsyncSegueClient(server.url) as client:
            assert (await client.health())["status"] == "ok"
            done = await client.start_instance("py-client-echo", {"x": "async"}, id="echo-async", wait=10)
            assert done["output"] == {"got": "async"}
            assert (await client.get_instance("echo-async"))["status"] == "COMPLETED"
            ids = [v["id"] async for v in client.iter_instances(workflow="py-client-echo", page_size=1)]
            assert "echo-async" in ids and len(ids) == len(set(ids))
            with pytest.raises(ProblemError) as raised:
                await client.history("no-such-instance")
            assert raised.value.status == 404

    asyncio.run(scenario())


def test_no_answer_raises_a_network_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with SegueClient(f"http://127.0.0.1:{port}") as client, pytest.raises(NetworkError) as raised:
        client.health()
    assert raised.value.url == f"http://127.0.0.1:{port}/healthz"
    assert str(raised.value).startswith(f"no answer from http://127.0.0.1:{port}/healthz: ")


KEYS = {"ops": "operator-key-0123456789", "dash": "viewer-key-0123456789", "w1": "worker-key-0123456789"}


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    keys = ",".join([f"ops:operator:{KEYS['ops']}", f"dash:viewer:{KEYS['dash']}", f"w1:worker:{KEYS['w1']}", "ci:admin:admin-key-0123456789"])
    running = start_server(tmp_path_factory.mktemp("keyed"), env={"SEGUE_API_KEYS": keys})
    with running.client(api_key="admin-key-0123456789") as admin:
        admin.register_workflow(TASK)
    yield running
    running.stop()


def test_sends_api_keys_and_raises_what_a_role_may_not_do(keyed_server: Server, serve: Callable[[Worker], WorkerThread]) -> None:
    with keyed_server.client() as anonymous, pytest.raises(ProblemError) as raised:
        anonymous.list_instances()
    assert raised.value.status == 401
    with keyed_server.client(api_key=KEYS["dash"]) as viewer, pytest.raises(ProblemError) as raised:
        viewer.start_instance("py-client-task")
    assert raised.value.status == 403

    errors: list[BaseException] = []
    refused = serve(Worker(keyed_server.url, {"py-client.work": lambda i, c: "unseen"}, poll_wait=1, on_error=errors.append))
    serve(Worker(keyed_server.url, {"py-client.work": lambda i, c: "done with a key"}, api_key=KEYS["w1"], poll_wait=1))
    with keyed_server.client(api_key=KEYS["ops"]) as operator:
        started = operator.start_instance("py-client-task", id="keyed-1")
        assert finished(operator, started["id"])["output"] == "done with a key"
    refused.stop()
    assert errors and all(isinstance(e, ProblemError) and e.status == 401 for e in errors)
