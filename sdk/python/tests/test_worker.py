"""
The worker against a real server: handlers, failures, heartbeats, batching, stopping and handing
back, and a server that refuses `next` or fails. Each test has task types of its own, so a poll
that a previous test's worker abandoned cannot take its tasks.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from typing import Callable

import pytest

from conftest import Server, WorkerThread, eventually, finished
from proxy import proxy_of
from segue import NonRetryableError, SegueClient, TaskContext, TaskError, TaskResultError, Worker
from segue.types import Json


def one_task(name: str, task: str, step_options: str = "") -> str:
    return f"""name: {name}
steps:
  - name: work
    type: task
    task: {task}
    {step_options}
  - name: done
    type: succeed
    output: "${{ work }}"
"""


def test_takes_handlers_from_a_dict_and_from_a_decorator() -> None:
    def a(input: Json, ctx: TaskContext) -> Json:
        return None

    worker = Worker("http://127.0.0.1:1", {"a.type": a})

    @worker.handler("b.type")
    async def b(input: Json, ctx: TaskContext) -> Json:
        return None

    assert worker.handlers == {"a.type": a, "b.type": b}
    assert worker.types == ["a.type", "b.type"]
    assert Worker("http://127.0.0.1:1", types=["queue-1"]).types == ["queue-1"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"concurrency": 0}, "worker option concurrency must be a positive integer, got 0"),
        ({"concurrency": 2.5}, "worker option concurrency must be a positive integer, got 2.5"),
        ({"poll_wait": -1}, "worker option poll_wait must be 0 seconds or more, got -1"),
        ({"stop_timeout": math.nan}, "worker option stop_timeout must be 0 seconds or more, got nan"),
    ],
)
def test_refuses_bad_options_naming_them(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        Worker("http://127.0.0.1:1", {"x": lambda i, c: None}, **options)  # type: ignore[arg-type]
    assert str(raised.value) == message


def test_a_worker_without_task_types_does_not_start() -> None:
    with pytest.raises(ValueError, match="the worker has no task types: give it handlers"):
        asyncio.run(Worker("http://127.0.0.1:1").serve())


class CardDeclined(Exception):
    pass


def test_names_failures_after_the_exception_and_cuts_them_to_what_the_server_takes(
    client: SegueClient, server: Server, serve: Callable[[Worker], WorkerThread]
) -> None:
    client.register_workflow(one_task("py-failures", "py-failures.work"))
    failures: dict[str, Exception] = {
        "by-class": CardDeclined("card ending 0000 was declined"),
        "task-error": TaskError("out of stock", name="OutOfStock"),
        "marked": type("Refusal", (Exception,), {"retryable": False})("no"),
        "long": TaskError("m" * 20_000, name="N" * 300),
        "import": ImportError("no module", name="not_an_error_name"),
    }

    def work(input: Json, ctx: TaskContext) -> Json:
        assert isinstance(input, dict) and isinstance(input["case"], str)
        raise failures[input["case"]]

    serve(Worker(server.url, {"py-failures.work": work}, poll_wait=1))
    errors = {case: finished(client, client.start_instance("py-failures", {"case": case}, id=f"failure-{case}")["id"])["error"] for case in failures}
    assert errors["by-class"] == {"error": "CardDeclined", "message": "card ending 0000 was declined", "step": "work"}
    assert errors["task-error"] == {"error": "OutOfStock", "message": "out of stock", "step": "work"}
    assert errors["marked"] == {"error": "Refusal", "message": "no", "step": "work"}
    assert errors["long"] == {"error": "N" * 200, "message": "m" * 10_000, "step": "work"}
    assert errors["import"] == {"error": "ImportError", "message": "no module", "step": "work"}


def test_non_retryable_errors_skip_the_retry_policy(client: SegueClient, server: Server, serve: Callable[[Worker], WorkerThread]) -> None:
    client.register_workflow(one_task("py-fatal", "py-fatal.work", "retry: { maxAttempts: 5, initialInterval: 10ms }"))
    attempts: list[int] = []

    class Fatal(NonRetryableError):
        pass

    def work(input: Json, ctx: TaskContext) -> Json:
        attempts.append(ctx.attempt)
        raise Fatal("give up")

    serve(Worker(server.url, {"py-fatal.work": work}, poll_wait=1))
    view = finished(client, client.start_instance("py-fatal")["id"])
    assert view["error"] == {"error": "Fatal", "message": "give up", "step": "work"}
    assert attempts == [1]


def test_an_output_that_is_not_json_fails_the_attempt(client: SegueClient, server: Server, serve: Callable[[Worker], WorkerThread]) -> None:
    client.register_workflow(one_task("py-not-json", "py-not-json.work"))
    outputs: dict[str, object] = {"set": {1, 2}, "nan": {"ratio": math.nan}}
    serve(Worker(server.url, {"py-not-json.work": lambda input, ctx: outputs[input["case"]]}, poll_wait=1))
    errors = {case: finished(client, client.start_instance("py-not-json", {"case": case})["id"])["error"] for case in outputs}
    assert errors["set"] == {"error": "TypeError", "message": "Object of type set is not JSON serializable", "step": "work"}
    nan = errors["nan"]
    assert nan is not None and (nan["error"], nan["step"]) == ("ValueError", "work")
    assert nan["message"].startswith("Out of range float values are not JSON compliant")  # Python 3.13 adds ": nan"


def test_results_finishing_together_go_in_one_request(client: SegueClient, server: Server, serve: Callable[[Worker], WorkerThread]) -> None:
    client.register_workflow("""name: py-together
steps:
  - name: each
    type: map
    items: items
    steps:
      - name: work
        type: task
        task: py-together.work
        input: { n: "${ item }" }
  - name: done
    type: succeed
    output: "${ each.work }"
""")
    release = asyncio.Event()
    started: list[int] = []
    loop: list[asyncio.AbstractEventLoop] = []

    async def work(input: Json, ctx: TaskContext) -> Json:
        loop[:] = [asyncio.get_running_loop()]
        assert isinstance(input, dict)
        started.append(input["n"])  # type: ignore[arg-type]
        await release.wait()
        return input

    with proxy_of(server.url) as proxy:
        serve(Worker(proxy.url, {"py-together.work": work}, concurrency=8, poll_wait=1))
        view = client.start_instance("py-together", {"items": list(range(8))})
        eventually(lambda: len(started) == 8 or None, "the eight handlers to start")
        before = proxy.requests["/v1/tasks/results"]
        loop[0].call_soon_threadsafe(release.set)
        assert finished(client, view["id"])["output"] == [{"n": n} for n in range(8)]
        assert proxy.requests["/v1/tasks/results"] - before == 1


def heartbeat_count(client: SegueClient, server: Server) -> int:
    import urllib.request

    with urllib.request.urlopen(f"{server.url}/metrics") as response:
        lines = response.read().decode().splitlines()
    prefix = 'segue_http_request_duration_seconds_count{method="POST",route="/v1/tasks/{token}/heartbeat",'
    return sum(int(float(line.rsplit(" ", 1)[1])) for line in lines if line.startswith(prefix))


def test_heartbeats_on_its_own_for_a_long_handler_of_a_step_with_a_heartbeat(
    client: SegueClient, server: Server, serve: Callable[[Worker], WorkerThread]
) -> None:
    client.register_workflow(one_task("py-auto-beat", "py-auto-beat.work", "heartbeat: 1s\n    timeout: 30s"))
    client.register_workflow(one_task("py-no-beat", "py-no-beat.work", "heartbeat: 1s\n    timeout: 30s"))
    # A plain handler that never heartbeats itself, running two and a half heartbeat intervals.
    slow = lambda input, ctx: (time.sleep(2.5), "outlived its heartbeat interval")[1]  # noqa: E731
    serve(Worker(server.url, {"py-auto-beat.work": slow}, poll_wait=1))
    serve(Worker(server.url, {"py-no-beat.work": slow}, poll_wait=1, auto_heartbeat=False))
    beats = heartbeat_count(client, server)
    kept = client.start_instance("py-auto-beat")
    lost = client.start_instance("py-no-beat")
    assert finished(client, kept["id"])["output"] == "outlived its heartbeat interval"
    assert heartbeat_count(client, server) - beats >= 2
    assert finished(client, lost["id"])["error"] == {"error": "Timeout", "message": "no heartbeat within 1s (the worker's lease expired)", "step": "work"}


def test_stops_heartbeating_once_a_heartbeat_extends_nothing(client: SegueClient, server: Server, serve: Callable[[Worker], WorkerThread]) -> None:
    # No heartbeat interval: the lease is the timeout, which a heartbeat cannot lengthen.
    client.register_workflow(one_task("py-timeout-only", "py-timeout-only.work", "timeout: 3s"))
    errors: list[BaseException] = []
    serve(Worker(server.url, {"py-timeout-only.work": lambda input, ctx: (time.sleep(2.2), "in time")[1]}, poll_wait=1, on_error=errors.append))
    beats = heartbeat_count(client, server)
    assert finished(client, client.start_instance("py-timeout-only")["id"])["output"] == "in time"
    assert heartbeat_count(client, server) - beats == 1
    assert errors == []


def test_tells_on_error_of_a_result_the_server_no_longer_takes(client: SegueClient, server: Server, serve: Callable[[Worker], WorkerThread]) -> None:
    client.register_workflow(one_task("py-stale", "py-stale.work"))
    errors: list[BaseException] = []
    started, release = threading.Event(), threading.Event()

    def late(input: Json, ctx: TaskContext) -> Json:
        started.set()
        release.wait(10)
        return "too late"

    running = serve(Worker(server.url, {"py-stale.work": late}, poll_wait=1, on_error=errors.append))
    view = client.start_instance("py-stale")
    assert started.wait(10)
    client.terminate(view["id"])
    release.set()
    running.stop()
    [stale] = errors
    assert isinstance(stale, TaskResultError)
    assert (stale.outcome, stale.instance_id, stale.step, stale.task_type) == ("stale", view["id"], "work", "py-stale.work")
    assert str(stale).startswith(f'the result of step "work" of instance {view["id"]} was stale: ')


def test_stop_waits_for_the_handlers_running_and_their_results(client: SegueClient, server: Server, serve: Callable[[Worker], WorkerThread]) -> None:
    client.register_workflow(one_task("py-graceful", "py-graceful.work"))
    started, release = threading.Event(), threading.Event()

    def work(input: Json, ctx: TaskContext) -> Json:
        started.set()
        release.wait(10)
        return "late but done"

    running = serve(Worker(server.url, {"py-graceful.work": work}, poll_wait=1))
    view = client.start_instance("py-graceful")
    assert started.wait(10)
    stopping = threading.Thread(target=running.stop)
    stopping.start()
    time.sleep(0.2)
    assert not running.stopped
    release.set()
    stopping.join(10)
    assert running.stopped
    # Stopped means reported: the instance has its output without waiting.
    assert client.get_instance(view["id"])["output"] == "late but done"


@pytest.mark.parametrize("stop", ["told", "timeout"])
def test_hands_back_what_is_running_when_told_or_when_stop_timeout_runs_out(
    stop: str, client: SegueClient, server: Server, serve: Callable[[Worker], WorkerThread]
) -> None:
    workflow, task_type = f"py-hand-back-{stop}", f"py-hand-back-{stop}.work"
    client.register_workflow(one_task(workflow, task_type, "retry: { maxAttempts: 3, initialInterval: 10ms }"))
    started = threading.Event()

    async def stuck(input: Json, ctx: TaskContext) -> Json:
        started.set()
        await asyncio.sleep(3600)
        return "never"

    def blocked(input: Json, ctx: TaskContext) -> Json:
        started.set()
        time.sleep(1.5)
        return "never reported"

    # An async handler is cancelled when told; a plain one is left to finish on its thread.
    handler = stuck if stop == "told" else blocked
    running = serve(Worker(server.url, {task_type: handler}, poll_wait=1, stop_timeout=0.2 if stop == "timeout" else None))
    view = client.start_instance(workflow)
    assert started.wait(10)
    began = time.monotonic()
    running.stop(hand_back=stop == "told")
    assert time.monotonic() - began < 1.0
    # The attempt went back as WorkerStopped; the next worker runs the retry.
    serve(Worker(server.url, {task_type: lambda input, ctx: f"attempt {ctx.attempt}"}, poll_wait=1))
    assert finished(client, view["id"])["output"] == "attempt 2"
    failed = [e for e in client.history(view["id"]) if e["type"] == "TaskFailed"]
    assert [e.get("details", {}).get("error") for e in failed] == ["WorkerStopped"]  # type: ignore[union-attr]


def test_reports_without_next_to_a_server_that_refuses_it(client: SegueClient, server: Server, serve: Callable[[Worker], WorkerThread]) -> None:
    client.register_workflow("""name: py-old-server
steps:
  - name: first
    type: task
    task: py-old.first
  - name: second
    type: task
    task: py-old.second
    input: { after: "${ first }" }
  - name: done
    type: succeed
    output: "${ second }"
""")
    with proxy_of(server.url) as proxy:
        proxy.refuse_next = True
        serve(Worker(proxy.url, {"py-old.first": lambda i, c: "one", "py-old.second": lambda i, c: {"got": i}}, poll_wait=1))
        view = client.start_instance("py-old-server")
        assert finished(client, view["id"])["output"] == {"got": {"after": "one"}}
        # The first report was refused for its next and sent again without it; the second went without it at once.
        assert proxy.refused == 1
        assert proxy.requests["/v1/tasks/results"] == 3


def test_sends_a_result_again_after_a_503_and_stop_waits_until_it_was_taken(
    client: SegueClient, server: Server, serve: Callable[[Worker], WorkerThread]
) -> None:
    client.register_workflow(one_task("py-retry-send", "py-retry-send.work"))
    started, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def work(input: Json, ctx: TaskContext) -> Json:
        started.set()
        release.wait(10)
        return "after a retry"

    with proxy_of(server.url) as proxy:
        running = serve(Worker(proxy.url, {"py-retry-send.work": work}, poll_wait=1, on_error=errors.append))
        view = client.start_instance("py-retry-send")
        assert started.wait(10)
        proxy.fail("/v1/tasks/results", 1)
        release.set()
        running.stop()
        assert client.get_instance(view["id"])["output"] == "after a retry"
        assert proxy.requests["/v1/tasks/results"] == 2
        assert errors == []
