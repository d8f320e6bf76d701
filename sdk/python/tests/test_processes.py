"""Workers as processes, as people run them: the order-processing example's worker, and stopping on SIGTERM and SIGINT."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from conftest import REPO, Server
from segue import SegueClient

EXAMPLE = REPO / "sdk" / "python" / "examples" / "order_worker.py"
SLOW = Path(__file__).with_name("slow_worker.py")


class Process:
    """A Python process whose output lines a test can wait for."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.popen = subprocess.Popen([sys.executable, *args], env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.output.append(line)
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line with {text!r} within {timeout} s; output: {''.join(self.output)}") from None
            if text in line:
                return line

    def exit_code(self, timeout: float = 15.0) -> int:
        return self.popen.wait(timeout)

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for p in started:
        p.kill()


ORDER = {"orderId": "A-1", "customer": {"email": "ada@example.com"}, "items": [{"sku": "BOOK-1", "quantity": 2, "price": 12.5}], "card": "4242"}


def test_the_example_worker_runs_the_order_processing_example(server: Server, client: SegueClient, processes: list[Process]) -> None:
    client.register_workflow((REPO / "examples" / "order-processing.yaml").read_text())
    worker = Process([str(EXAMPLE)], {"SEGUE_URL": server.url, "SEGUE_WORKER_NAME": "python-example"})
    processes.append(worker)
    worker.wait_for(f"worker polling {server.url} for 5 task types")
    done = client.start_instance("order-processing", ORDER, id="py-order-1", wait=20)
    # The same ids as the TypeScript example worker gives this order.
    assert (done["status"], done["output"]) == ("COMPLETED", {"orderId": "A-1", "paymentId": "PAY-372CD5", "trackingNumber": "TRK-372CD5"})
    assert {e["details"]["worker"] for e in client.history("py-order-1") if e["type"] == "TaskStarted"} == {"python-example"}  # type: ignore[index, call-overload]
    declined = client.start_instance("order-processing", {**ORDER, "orderId": "A-2", "card": "0000"}, id="py-order-2", wait=20)
    assert declined["status"] == "FAILED"
    assert declined["error"] == {"error": "PaymentDeclined", "message": "The card was declined for order A-2: card ending 0000 was declined", "step": "declined"}
    worker.popen.send_signal(signal.SIGTERM)
    assert worker.exit_code() == 0


def slow_task_started(server: Server, client: SegueClient, processes: list[Process], name: str, seconds: float, step_options: str = "") -> tuple[Process, str]:
    """A worker process (slow_worker.py) running the one task of a new instance of workflow `name`; answers it and the instance id."""
    client.register_workflow(f"name: {name}\nsteps:\n  - name: work\n    type: task\n    task: {name}.work\n{step_options}  - name: done\n    type: succeed\n    output: \"${{ work }}\"\n")
    worker = Process([str(SLOW), server.url, f"{name}.work", str(seconds)])
    processes.append(worker)
    worker.wait_for("polling")
    view = client.start_instance(name)
    worker.wait_for("started attempt 1")
    return worker, view["id"]


def test_sigterm_finishes_the_task_running_before_the_process_exits(server: Server, client: SegueClient, processes: list[Process]) -> None:
    worker, id = slow_task_started(server, client, processes, "py-sigterm", 1)
    worker.popen.send_signal(signal.SIGTERM)
    worker.wait_for("stopped")
    assert worker.exit_code() == 0
    # Its result was sent before the process ended.
    assert client.get_instance(id)["output"] == "done after 1.0 s"


def test_a_second_sigint_hands_back_the_task_running(server: Server, client: SegueClient, processes: list[Process]) -> None:
    worker, id = slow_task_started(server, client, processes, "py-sigint", 30, "    retry: { maxAttempts: 2, initialInterval: 10ms }\n")
    worker.popen.send_signal(signal.SIGINT)
    time.sleep(0.3)
    assert worker.popen.poll() is None, "the first SIGINT waits for the handler"
    worker.popen.send_signal(signal.SIGINT)
    worker.wait_for("stopped", timeout=5)
    assert worker.exit_code(timeout=5) == 0
    failed = [e for e in client.history(id) if e["type"] == "TaskFailed"]
    assert [e["details"]["error"] for e in failed] == ["WorkerStopped"]  # type: ignore[index, call-overload]
    # The attempt went back: a second one waits for a worker.
    assert client.get_instance(id)["current"] == [{"step": "work", "waiting": "task", "attempt": 2}]
    client.terminate(id)


def test_the_guide_shows_the_example_worker_as_it_is() -> None:
    guide = (REPO / "docs" / "python.md").read_text()
    assert f"```python\n{EXAMPLE.read_text()}```\n" in guide
