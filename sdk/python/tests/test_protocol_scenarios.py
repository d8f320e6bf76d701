"""
The shared protocol scenarios (test/protocol-scenarios/*.json, described in the README there) on
the Python worker, with `async def` handlers and with plain ones, each kind on a server of its own.
The TypeScript worker's tests run the same files, so both SDKs are held to the same end states and
the same requests.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from conftest import REPO, Server, WorkerThread, finished, start_server
from segue import TaskContext, TaskError, Worker
from segue.types import Json

DIR = REPO / "test" / "protocol-scenarios"
SCENARIOS = sorted(DIR.glob("*.json"))


def test_finds_the_scenarios() -> None:
    assert len(SCENARIOS) >= 8


@pytest.fixture(scope="module", params=["async", "sync"])
def kind_and_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Server]]:
    # A server per kind: a poll the previous run's worker abandoned cannot take the next run's task.
    server = start_server(tmp_path_factory.mktemp(f"scenarios-{request.param}"))
    yield request.param, server
    server.stop()


class Recorder:
    """Counts each handler's calls and the most handlers running at once."""

    def __init__(self, types: list[str], together: int | None) -> None:
        self.calls = {t: 0 for t in types}
        self.most = 0
        self._in_flight = 0
        self._together = together
        self._changed = threading.Condition()

    def enter(self, task_type: str) -> None:
        with self._changed:
            self.calls[task_type] += 1
            self._in_flight += 1
            self.most = max(self.most, self._in_flight)
            self._changed.notify_all()

    def gather(self) -> None:
        """
        Holds a plain handler until `together` handlers run (or a second has passed): a thread that
        returns at once may be done before the next one starts, so without it a worker that does run
        them at once could be seen running fewer.
        """
        together = self._together
        if together is not None:
            with self._changed:
                self._changed.wait_for(lambda: self._in_flight >= together, timeout=1.0)

    def leave(self) -> None:
        with self._changed:
            self._in_flight -= 1


def behaviour_for(spec: dict[str, Any], attempt: int) -> dict[str, Any]:
    attempts = spec.get("attempts", [spec])
    return attempts[min(attempt, len(attempts)) - 1]  # type: ignore[no-any-return]


def answer(b: dict[str, Any], input: Json, ctx: TaskContext) -> Json:
    """What the behaviour returns once its waits and heartbeats are done; raises its failure."""
    if "fail" in b:
        f = b["fail"]
        raise TaskError(f["message"], name=f["error"], retryable=f.get("retryable"))
    if b.get("returnContext"):
        return {"attempt": ctx.attempt, "instanceId": ctx.instance_id, "step": ctx.step, "type": ctx.type}
    merge = b.get("returnInput")
    if merge is True:
        return input
    if isinstance(merge, dict):
        assert isinstance(input, dict)
        return {**input, **merge}
    return b.get("return")  # type: ignore[no-any-return]


def handler(kind: str, task_type: str, spec: dict[str, Any], recorder: Recorder) -> Callable[[Json, TaskContext], Any]:
    async def run_async(input: Json, ctx: TaskContext) -> Json:
        recorder.enter(task_type)
        try:
            b = behaviour_for(spec, ctx.attempt)
            await asyncio.sleep(b.get("sleepMs", 0) / 1000)
            for _ in range(b.get("heartbeats", 0)):
                await ctx.heartbeat()
            return answer(b, input, ctx)
        finally:
            recorder.leave()

    def run_sync(input: Json, ctx: TaskContext) -> Json:
        recorder.enter(task_type)
        try:
            recorder.gather()
            b = behaviour_for(spec, ctx.attempt)
            time.sleep(b.get("sleepMs", 0) / 1000)
            for _ in range(b.get("heartbeats", 0)):
                ctx.heartbeat()
            return answer(b, input, ctx)
        finally:
            recorder.leave()

    return run_async if kind == "async" else run_sync


METRICS = {
    "results": re.compile(r'^segue_http_request_duration_seconds_count\{method="POST",route="/v1/tasks/results",'),
    "heartbeats": re.compile(r'^segue_http_request_duration_seconds_count\{method="POST",route="/v1/tasks/\{token\}/heartbeat",'),
    "single": re.compile(r'^segue_http_request_duration_seconds_count\{method="POST",route="/v1/tasks/\{token\}/(complete|fail)",'),
    "polledWithTasks": re.compile(r'^segue_task_poll_wait_seconds_count\{result="tasks"\}'),
}


def request_counts(url: str) -> dict[str, int]:
    """The counters of /metrics the scenarios' `requests` speak of."""
    with urllib.request.urlopen(f"{url}/metrics") as response:
        lines = response.read().decode().splitlines()
    return {key: sum(int(float(line.rsplit(" ", 1)[1])) for line in lines if pattern.match(line)) for key, pattern in METRICS.items()}


def with_instance_id(value: Any, id: str) -> Any:
    if value == "$instanceId":
        return id
    if isinstance(value, list):
        return [with_instance_id(v, id) for v in value]
    if isinstance(value, dict):
        return {k: with_instance_id(v, id) for k, v in value.items()}
    return value


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_scenario(path: Path, kind_and_server: tuple[str, Server]) -> None:
    kind, server = kind_and_server
    scenario = json.loads(path.read_text())
    recorder = Recorder(list(scenario["handlers"]), scenario["expect"].get("maxInFlight"))
    options = scenario["worker"]
    worker = Worker(
        server.url,
        {t: handler(kind, t, spec, recorder) for t, spec in scenario["handlers"].items()},
        concurrency=options["concurrency"],
        name=options.get("name"),
        types=options.get("types"),
        poll_wait=5,
    )
    with server.client() as client:
        client.register_workflow(json.dumps(scenario["workflow"]), "application/json")
        before = request_counts(server.url)
        running = WorkerThread(worker)
        try:
            client.start_instance(scenario["workflow"]["name"], scenario["instance"]["input"], id=scenario["instance"]["id"])
            view = finished(client, scenario["instance"]["id"])
        finally:
            running.stop()
        want = scenario["expect"]
        assert view["status"] == want["status"], view["error"]
        if "output" in want:
            assert view["output"] == with_instance_id(want["output"], view["id"])
        if "error" in want:
            assert view["error"] is not None
            assert {k: view["error"].get(k) for k in want["error"]} == want["error"]
        if "calls" in want:
            assert recorder.calls == want["calls"]
        if "maxInFlight" in want:
            assert recorder.most == want["maxInFlight"]
        if "history" in want or "workerInHistory" in want:
            events = client.history(view["id"])
            for event_type, n in want.get("history", {}).items():
                assert len([e for e in events if e["type"] == event_type]) == n, event_type
            if "workerInHistory" in want:
                started = [e for e in events if e["type"] == "TaskStarted"]
                assert started
                assert all(e.get("details", {}).get("worker") == want["workerInHistory"] for e in started)  # type: ignore[union-attr]
        if "requests" in want:
            after = request_counts(server.url)
            counted = {key: after[key] - before[key] for key in want["requests"]}
            if kind == "sync" and "results" in want["requests"]:
                # Plain handlers run on threads: results that finish about together may go in
                # reports of their own, never in more reports than there are results.
                assert want["requests"]["results"] <= counted.pop("results") <= sum(recorder.calls.values())
                want["requests"] = {k: v for k, v in want["requests"].items() if k != "results"}
            assert counted == want["requests"]
