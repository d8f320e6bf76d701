"""
One run of a worker, from serve() to its stop: the poll loop, the handlers running and their
heartbeats, and the results on their way back (the outbox).
"""

from __future__ import annotations

import asyncio
import inspect
import random
import sys
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping

from ._heartbeats import KeepAlive
from ._outbox import BACKOFF_MAX, BACKOFF_MIN, Lease, ResultOutbox, failure, measured
from ._threads import HandlerThreads
from .client import AsyncSegueClient
from .context import TaskContext
from .types import ClaimedTask, Json, NextTasksRequest, TaskResult


@dataclass(frozen=True)
class Settings:
    """What a session needs of the worker's options."""

    name: str
    types: list[str]
    handlers: Mapping[str, Callable[[Any, TaskContext], Any]]
    concurrency: int
    poll_wait: float
    auto_heartbeat: bool
    stop_timeout: float | None
    report: Callable[[BaseException], None]


class Session:
    def __init__(self, settings: Settings, client: AsyncSegueClient) -> None:
        self.settings = settings
        self.client = client
        self.loop = asyncio.get_running_loop()
        self.stopping = asyncio.Event()
        self.handing_back = asyncio.Event()
        self.running: set[asyncio.Task[None]] = set()
        """Tasks taken and not yet reported: each holds a handler slot until its result was sent."""
        self.in_handlers: set[asyncio.Task[Any]] = set()
        """The tasks of `running` inside their handler: cancelled when their tasks are handed back."""
        self.threads = HandlerThreads(settings.concurrency)
        self.outbox = ResultOutbox(client, settings.report, self.room, self.track)

    async def run(self) -> None:
        poller = asyncio.create_task(self.poll_loop())
        try:
            await self.stopping.wait()
        finally:
            # The open poll is abandoned: the server answers a poll it sees hung up with nothing.
            poller.cancel()
            with suppress(asyncio.CancelledError):
                await poller
            await self.finish_running()
            # Plain handlers handed back may still run on their threads: they are not waited for.
            self.threads.close()

    async def poll_loop(self) -> None:
        s = self.settings
        backoff = 0.0
        while True:
            free = s.concurrency - len(self.running)
            if free <= 0:
                await asyncio.wait(set(self.running), return_when=asyncio.FIRST_COMPLETED)
                continue
            try:
                tasks = await self.client.poll(s.types, s.name, max=free, wait=s.poll_wait)
                backoff = 0.0
            except Exception as err:
                s.report(err)
                backoff = min(max(backoff * 2, BACKOFF_MIN), BACKOFF_MAX)
                # Jitter keeps a fleet of workers from hammering a restarting server in step.
                await asyncio.sleep(backoff * (0.5 + random.random() / 2))
                continue
            for task in tasks:
                self.track(task)

    def track(self, task: ClaimedTask) -> None:
        job = self.loop.create_task(self.execute(task))
        self.running.add(job)
        job.add_done_callback(self.running.discard)

    def room(self, freed: int) -> NextTasksRequest | None:
        # The slots of the results sent are what the next tasks may take; none once stopping.
        if self.stopping.is_set():
            return None
        return {"types": self.settings.types, "worker": self.settings.name, "max": freed}

    async def execute(self, task: ClaimedTask) -> None:
        """Runs the task's handler; returns once its result was sent or given up, so the slot stays taken until then."""
        lease = Lease(epoch(task["deadline"]))
        handler = self.settings.handlers.get(task["type"])
        result: TaskResult
        if handler is None:
            message = f'worker {self.settings.name} has no handler for task type "{task["type"]}"'
            result = {"token": task["token"], "error": "NoHandler", "message": message}
        elif self.handing_back.is_set():
            result = handed_back(task["token"])
        else:
            result = await self.outcome(task, lease, handler)
        await self.outbox.send(task, lease, *measured(result))

    async def outcome(self, task: ClaimedTask, lease: Lease, handler: Callable[[Any, TaskContext], Any]) -> TaskResult:
        token = task["token"]

        async def beat() -> None:
            answered = epoch((await self.client.heartbeat(token))["deadline"])
            # A late answer to an earlier heartbeat never moves the deadline back.
            lease.deadline = max(lease.deadline, answered)

        # The handler runs in this task, not one of its own: an `async def` that returns at once has
        # its result queued in this turn of the loop, in time for the report the outbox sends next.
        me = asyncio.current_task()
        assert me is not None
        self.in_handlers.add(me)
        keep_alive = KeepAlive(self.loop, lease, beat, self.settings.report) if self.settings.auto_heartbeat else None
        try:
            return {"token": token, "output": await self.call(handler, task["input"], TaskContext(task, lease, beat, self.loop))}
        except asyncio.CancelledError:
            if not self.handing_back.is_set():
                raise
            if sys.version_info >= (3, 11):
                me.uncancel()  # handled: the task goes on to report the hand-back
            return handed_back(token)
        except Exception as err:
            return failure(token, err)
        finally:
            self.in_handlers.discard(me)
            if keep_alive is not None:
                keep_alive.cancel()

    async def call(self, handler: Callable[[Any, TaskContext], Any], input: Json, ctx: TaskContext) -> Any:
        if inspect.iscoroutinefunction(handler):
            output = await handler(input, ctx)
        else:
            # A plain function may block: it runs on a thread, so polls and heartbeats go on meanwhile.
            output = await self.threads.run(handler, input, ctx)
        return await output if inspect.isawaitable(output) else output

    async def finish_running(self) -> None:
        """Waits for the tasks running and their results; hands them back when told to, or once stop_timeout ran out."""
        timeout = self.settings.stop_timeout
        deadline = None if timeout is None else self.loop.time() + timeout
        told = asyncio.ensure_future(self.handing_back.wait())
        try:
            while self.running and not self.handing_back.is_set():
                left = None if deadline is None else max(0.0, deadline - self.loop.time())
                await asyncio.wait({*self.running, told}, timeout=left, return_when=asyncio.FIRST_COMPLETED)
                if deadline is not None and self.loop.time() >= deadline:
                    self.handing_back.set()
        finally:
            told.cancel()
        for task in list(self.in_handlers):
            task.cancel()
        # Results sent meanwhile may bring next tasks, taken before stopping was seen: they run (or go back) too.
        while self.running:
            await asyncio.gather(*self.running, return_exceptions=True)


def handed_back(token: str) -> TaskResult:
    return {"token": token, "error": "WorkerStopped", "message": "the worker stopped before the handler finished: the task is handed back"}


def epoch(iso: str) -> float:
    # fromisoformat takes a trailing Z only from Python 3.11.
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
