"""Automatic heartbeats: a lease kept alive while its handler runs."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable, Coroutine

from ._outbox import Lease
from .errors import NetworkError, ProblemError

HEARTBEAT_MIN_INTERVAL = 0.1
"""Seconds: automatic heartbeats never come closer together, whatever the clocks say."""


class KeepAlive:
    """
    Heartbeats while a handler runs, at half of what is left of the lease, until a heartbeat does not
    extend it (the step has no heartbeat interval, or its timeout is reached). A timer, not a task,
    until the first is due: most handlers finish long before.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        lease: Lease,
        beat: Callable[[], Coroutine[Any, Any, None]],
        report: Callable[[BaseException], None],
    ) -> None:
        self._loop = loop
        self._lease = lease
        self._beat = beat
        self._report = report
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self._schedule()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._task is not None:
            self._task.cancel()

    def _schedule(self) -> None:
        left = self._lease.deadline - time.time()
        if left > 0:
            self._timer = self._loop.call_later(max(HEARTBEAT_MIN_INTERVAL, left / 2), self._due)

    def _due(self) -> None:
        self._task = self._loop.create_task(self._once())

    async def _once(self) -> None:
        before = self._lease.deadline
        try:
            await self._beat()
        except ProblemError as err:  # the attempt is no longer current: nothing left to keep
            self._report(err)
            return
        except NetworkError as err:
            self._report(err)
        else:
            if self._lease.deadline <= before:
                return
        self._schedule()
