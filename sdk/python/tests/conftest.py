"""
A real `segue serve` for the tests: the repository's built command line (`npm run build` first) on
a temporary SQLite file, on a port of its own, with helpers to crash and restart it.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import pytest

from segue import SegueClient, Worker
from segue.types import Instance

REPO = Path(__file__).resolve().parents[3]
BIN = REPO / "bin" / "segue.js"
BUILT_CLI = REPO / "dist" / "cli" / "main.js"
START_TIMEOUT = 15.0
LISTENING = re.compile(r"segue listening on (http://\S+)")
T = TypeVar("T")


@dataclass
class Server:
    """One `segue serve` process; restart() starts another on the same file and port."""

    db: Path
    env: dict[str, str]
    process: subprocess.Popen[str] = field(init=False)
    url: str = field(init=False, default="")
    port: int = field(init=False, default=0)
    _log: Any = field(init=False, default=None)

    def start(self) -> Server:
        if not BUILT_CLI.exists():
            raise RuntimeError(f"{BUILT_CLI} is missing: run `npm run build` in {REPO} first (npm test does)")
        self._log = open(self.db.with_suffix(".stderr.log"), "a")
        self.process = subprocess.Popen(
            ["node", str(BIN), "serve", "--port", str(self.port), "--store", f"sqlite:{self.db}"],
            cwd=REPO,
            env={**os.environ, **self.env},
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self.url = self._listening_url()
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def _listening_url(self) -> str:
        found: list[str] = []
        assert self.process.stdout is not None
        stdout = self.process.stdout

        def read() -> None:
            # Keeps reading after the line, so a chatty server never blocks on a full pipe.
            for line in stdout:
                match = LISTENING.search(line)
                if match and not found:
                    found.append(match.group(1))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not found:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError(f"segue serve did not start (exit code {self.process.poll()}): see {self.db.with_suffix('.stderr.log')}")
            time.sleep(0.02)
        return found[0]

    def kill(self) -> None:
        """kill -9: a crash, with no chance to finish anything."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def restart(self) -> Server:
        return self.start()

    def client(self, **options: Any) -> SegueClient:
        return SegueClient(self.url, **options)


def start_server(tmp: Path, name: str = "segue", env: dict[str, str] | None = None) -> Server:
    return Server(tmp / f"{name}.db", env or {}).start()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the tests that share it; each registers workflows and task types of its own."""
    running = start_server(tmp_path_factory.mktemp("segue"))
    yield running
    running.stop()


@pytest.fixture
def client(server: Server) -> Iterator[SegueClient]:
    with server.client() as c:
        yield c


class WorkerThread:
    """A Worker serving on an event loop of its own thread, as a test drives it."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            asyncio.run(self.worker.serve())
        except BaseException as err:  # shown by stop()
            self.error = err

    def stop(self, hand_back: bool = False, timeout: float = 20.0) -> None:
        self.worker.stop(hand_back=hand_back)
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"worker {self.worker.name} did not stop within {timeout} s"
        if self.error is not None:
            raise self.error

    @property
    def stopped(self) -> bool:
        return not self._thread.is_alive()


@pytest.fixture
def serve() -> Iterator[Callable[[Worker], WorkerThread]]:
    """Runs workers on threads for the test, and stops whatever is still running after it."""
    started: list[WorkerThread] = []

    def start(worker: Worker) -> WorkerThread:
        started.append(WorkerThread(worker))
        return started[-1]

    yield start
    for w in started:
        if not w.stopped:
            w.stop(hand_back=True)


def eventually(probe: Callable[[], T | None], what: str, timeout: float = 10.0) -> T:
    """Calls `probe` until it answers something other than None, or fails at the deadline."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while True:
        try:
            value = probe()
            if value is not None:
                return value
        except Exception as err:
            last = err
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}" + (f": {last}" if last else ""))
        time.sleep(0.05)


def finished(client: SegueClient, id: str, timeout: float = 20.0) -> Instance:
    """The instance once it is no longer PENDING or RUNNING."""
    deadline = time.monotonic() + timeout
    while True:
        view = client.get_instance(id, wait=min(5.0, max(0.0, deadline - time.monotonic())))
        if view["status"] not in ("PENDING", "RUNNING"):
            return view
        if time.monotonic() > deadline:
            raise AssertionError(f"instance {id} is still {view['status']} after {timeout} s (at {view['current']})")
