"""
A server that is not there yet, and one killed with SIGKILL in the middle of a run: the worker backs
off, reconnects, and delivers the results its handlers made meanwhile, so no step runs twice.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Callable

from conftest import Server, WorkerThread, eventually, finished
from segue import NetworkError, TaskContext, Worker
from segue.types import Json

CHAIN = """name: py-crash-chain
steps:
  - name: one
    type: task
    task: py-crash.step
    input: { n: "${ n }", step: 1 }
    timeout: 1m
  - name: two
    type: task
    task: py-crash.step
    input: { n: "${ n }", step: 2 }
    timeout: 1m
  - name: three
    type: task
    task: py-crash.step
    input: { n: "${ n }", step: 3 }
    timeout: 1m
  - name: done
    type: succeed
    output: { n: "${ n }", steps: "${ [one.step, two.step, three.step] }" }
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_polls_a_server_that_is_not_there_yet_until_it_is(tmp_path: Path, serve: Callable[[Worker], WorkerThread]) -> None:
    port = free_port()
    errors: list[BaseException] = []
    serve(Worker(f"http://127.0.0.1:{port}", {"py-late.work": lambda i, c: "served at last"}, poll_wait=1, on_error=errors.append))
    eventually(lambda: len(errors) >= 2 or None, "the worker to try twice")
    assert all(isinstance(e, NetworkError) for e in errors)
    server = Server(tmp_path / "late.db", {})
    server.port = port
    server.start()
    try:
        with server.client() as client:
            client.register_workflow("name: py-late\nsteps:\n  - name: work\n    type: task\n    task: py-late.work\n  - name: done\n    type: succeed\n    output: \"${ work }\"\n")
            assert finished(client, client.start_instance("py-late")["id"])["output"] == "served at last"
    finally:
        server.stop()


def test_a_kill_9_of_the_server_loses_nothing_the_worker_did(tmp_path: Path, serve: Callable[[Worker], WorkerThread]) -> None:
    server = Server(tmp_path / "crash.db", {}).start()
    calls: Counter[tuple[int, int]] = Counter()
    in_handler = 0
    lock = threading.Lock()
    release = threading.Event()
    release.set()

    def step(input: Json, ctx: TaskContext) -> Json:
        nonlocal in_handler
        assert isinstance(input, dict)
        with lock:
            calls[(input["n"], input["step"])] += 1  # type: ignore[index]
            in_handler += 1
        try:
            release.wait(20)
            time.sleep(0.05)
            return input
        finally:
            with lock:
                in_handler -= 1

    concurrency = 4
    try:
        with server.client() as client:
            client.register_workflow(CHAIN)
            serve(Worker(server.url, {"py-crash.step": step}, concurrency=concurrency, poll_wait=1, auto_heartbeat=False, on_error=lambda err: None))
            ids = [client.start_instance("py-crash-chain", {"n": n}, id=f"crash-{n}")["id"] for n in range(10)]
            eventually(lambda: sum(calls.values()) >= 8 or None, "some steps to have run")
            # Every slot inside a handler: no request of the worker is in flight, so the kill
            # interrupts no claim whose answer would be lost (that task would wait for its lease).
            release.clear()
            eventually(lambda: in_handler == concurrency or None, "every slot to be in a handler")
            server.kill()
            # The handlers finish while the server is down; their results wait in the worker.
            release.set()
            eventually(lambda: in_handler == 0 or None, "the handlers to finish")
            time.sleep(0.5)
            server.restart()
            views = [finished(client, id, timeout=30) for id in ids]
        assert [v["status"] for v in views] == ["COMPLETED"] * 10
        assert [v["output"] for v in views] == [{"n": n, "steps": [1, 2, 3]} for n in range(10)]
        # Each step ran once: no result was lost and had to be run again after its lease ran out.
        assert calls == Counter({(n, s): 1 for n in range(10) for s in (1, 2, 3)})
    finally:
        server.stop()
