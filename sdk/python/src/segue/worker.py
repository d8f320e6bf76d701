"""
A remote worker: long-polls the server for tasks of its handlers' types, runs each handler (an
`async def` on the event loop, a plain function on a thread of its own), and reports the results
by the attempts' tokens, many in one request when they finish together. The request reporting
results also takes the tasks they lead to (the next steps of the same instances), so a worker busy
with chains of steps seldom polls. It rides out server restarts: connection errors back off and
poll again, and results are sent again until the attempt's lease ends. The protocol is the
TypeScript worker's (client/worker-client.ts in the Segue repository), step for step.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import threading
from typing import Any, Callable, Mapping, Sequence, TypeVar

from ._session import Session, Settings
from .client import AsyncSegueClient
from .context import TaskContext

log = logging.getLogger("segue.worker")

Handler = Callable[[Any, TaskContext], Any]
"""`(input, ctx) -> output`, sync or `async def`; raise to fail the task (see TaskError)."""
H = TypeVar("H", bound=Handler)


class Worker:
    """
    Runs handlers for tasks of their types:

        worker = Worker("http://127.0.0.1:8080")

        @worker.handler("payments.charge")
        async def charge(input, ctx): ...

        worker.run()  # until SIGTERM or SIGINT

    `handlers` maps task types to handlers too. `concurrency`: most handlers running at once.
    `types`: task types (or queue names) to poll, by default the handlers'. `name`: recorded in
    history, by default `<hostname>:<pid>`. `poll_wait`: seconds one poll waits for a task.
    `auto_heartbeat`: while a handler runs, heartbeat at half of what is left of its lease, for as
    long as heartbeats extend it (steps with a `heartbeat` interval; for the others the first one
    finds there is nothing to extend). `stop_timeout`: seconds a stop waits for the handlers
    running before handing their tasks back (None: as long as they take). `on_error`: told about
    the errors the worker survives (a lost connection, a result not taken); by default they are
    logged on the "segue.worker" logger.
    """

    def __init__(
        self,
        url: str,
        handlers: Mapping[str, Handler] | None = None,
        *,
        concurrency: int = 4,
        types: Sequence[str] | None = None,
        name: str | None = None,
        poll_wait: float = 30.0,
        api_key: str | None = None,
        auto_heartbeat: bool = True,
        stop_timeout: float | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
            raise ValueError(f"worker option concurrency must be a positive integer, got {concurrency!r}")
        if not poll_wait >= 0:
            raise ValueError(f"worker option poll_wait must be 0 seconds or more, got {poll_wait!r}")
        if stop_timeout is not None and not stop_timeout >= 0:
            raise ValueError(f"worker option stop_timeout must be 0 seconds or more, got {stop_timeout!r}")
        self.url = url
        self.handlers: dict[str, Handler] = dict(handlers or {})
        self.concurrency = concurrency
        self._types = list(types) if types is not None else None
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.poll_wait = poll_wait
        self._api_key = api_key
        self.auto_heartbeat = auto_heartbeat
        self.stop_timeout = stop_timeout
        self._on_error = on_error
        self._session: Session | None = None
        # serve() and stop() may run on different threads: one sees the other's session or stop.
        self._lock = threading.Lock()
        self._stop_asked: bool | None = None
        """Set by a stop() before serve() got going (its hand_back), so that serve() stops at once."""

    def handler(self, task_type: str) -> Callable[[H], H]:
        """A decorator: `@worker.handler("email.send")` registers the function for that task type."""

        def register(fn: H) -> H:
            self.handlers[task_type] = fn
            return fn

        return register

    @property
    def types(self) -> list[str]:
        return self._types if self._types is not None else list(self.handlers)

    def run(self) -> None:
        """Serves until SIGTERM or SIGINT (a second one hands back what is still running), then returns."""
        asyncio.run(self._serve_until_signalled())

    async def serve(self) -> None:
        """Serves on the running event loop until stop() is called; returns once the worker has stopped."""
        if not self.types:
            raise ValueError("the worker has no task types: give it handlers (or types)")
        if self._session is not None:
            raise RuntimeError(f"worker {self.name} is serving already")
        settings = Settings(self.name, self.types, dict(self.handlers), self.concurrency, self.poll_wait, self.auto_heartbeat, self.stop_timeout, self._report)
        async with AsyncSegueClient(self.url, api_key=self._api_key) as client:
            session = Session(settings, client)
            with self._lock:
                self._session = session
                if self._stop_asked is not None:
                    self._signal(session, self._stop_asked)
            try:
                await session.run()
            finally:
                with self._lock:
                    self._session = self._stop_asked = None

    def stop(self, *, hand_back: bool = False) -> None:
        """
        Stops polling; serve() then returns once the handlers running have finished and their results
        were sent (or given up). hand_back=True (or the stop_timeout running out) does not wait for
        the handlers: their tasks are failed as WorkerStopped, retryable, so the engine retries them
        now by the step's retry policy instead of once their leases run out. Safe from any thread;
        called before serve() has started, it makes serve() return at once.
        """
        with self._lock:
            session = self._session
            if session is None:
                self._stop_asked = hand_back
                return
        try:
            in_loop = asyncio.get_running_loop() is session.loop
        except RuntimeError:
            in_loop = False
        if in_loop:
            self._signal(session, hand_back)
        elif not session.loop.is_closed():
            session.loop.call_soon_threadsafe(self._signal, session, hand_back)

    @staticmethod
    def _signal(session: Session, hand_back: bool) -> None:
        session.stopping.set()
        if hand_back:
            session.handing_back.set()

    async def _serve_until_signalled(self) -> None:
        loop = asyncio.get_running_loop()
        # Signals reach the main thread only; run() elsewhere serves until stop().
        signals = (signal.SIGTERM, signal.SIGINT) if threading.current_thread() is threading.main_thread() else ()
        previous = {sig: signal.getsignal(sig) for sig in signals}
        for sig in signals:
            try:
                loop.add_signal_handler(sig, self._on_signal)
            except NotImplementedError:  # Windows: no signal handlers on the event loop
                signal.signal(sig, lambda *_: loop.call_soon_threadsafe(self._on_signal))
        try:
            await self.serve()
        finally:
            for sig in signals:
                if not loop.remove_signal_handler(sig):
                    signal.signal(sig, previous[sig] or signal.SIG_DFL)

    def _on_signal(self) -> None:
        again = self._session is not None and self._session.stopping.is_set()
        log.info("worker %s: %s", self.name, "handing back the tasks still running" if again else "stopping once the tasks running are done")
        self.stop(hand_back=again)

    def _report(self, err: BaseException) -> None:
        if self._on_error is not None:
            self._on_error(err)
        else:
            log.warning("worker %s: %s", self.name, err)
