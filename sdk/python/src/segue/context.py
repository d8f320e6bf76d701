"""What a handler gets besides its input: its task's attempt, instance and step, and its lease."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Coroutine, Generator

from ._outbox import Lease
from .types import ClaimedTask


class TaskContext:
    """What a handler knows about its task, and how it extends its lease."""

    def __init__(self, task: ClaimedTask, lease: Lease, beat: Callable[[], Coroutine[Any, Any, None]], loop: asyncio.AbstractEventLoop) -> None:
        self.attempt: int = task["attempt"]
        """Attempt number, from 1."""
        self.instance_id: str = task["instanceId"]
        self.step: str = task["step"]
        self.type: str = task["type"]
        self._lease = lease
        self._beat = beat
        self._loop = loop

    @property
    def deadline(self) -> float:
        """When the lease ends (epoch seconds) unless a heartbeat extends it."""
        return self._lease.deadline

    def heartbeat(self) -> Awaitable[None]:
        """
        Extends the lease; call it from long handlers of steps with a `heartbeat` (the worker also
        does on its own, see Worker). An `async def` handler awaits it; a plain one calls it, and it
        returns once the server answered. Raises ProblemError 409 once the attempt is no longer current.
        """
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            return asyncio.ensure_future(self._beat())
        asyncio.run_coroutine_threadsafe(self._beat(), self._loop).result()
        return _Done()


class _Done:
    """An awaitable that is already done: what heartbeat() answers a plain handler, which has waited."""

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield
