"""
Threads for plain (non-async) handlers, so one that blocks leaves the event loop free. They are
daemon threads: a handler whose task was handed back at stop does not keep the process alive (a
ThreadPoolExecutor's threads would be joined at exit).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from typing import Any, Callable, Tuple

_Job = Tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[..., Any], Tuple[Any, ...]]


class HandlerThreads:
    def __init__(self, size: int) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._work, name=f"segue-handler-{i + 1}", daemon=True) for i in range(size)]
        for thread in self._threads:
            thread.start()

    def run(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """Runs fn(*args) on a thread; the future answers its result (cancelling it abandons the result, not the call)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._jobs.put((loop, future, fn, args))
        return future

    def close(self) -> None:
        """Each thread ends once done with its job; none is waited for."""
        for _ in self._threads:
            self._jobs.put(None)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            loop, future, fn, args = job
            if future.cancelled():
                continue
            try:
                outcome: tuple[bool, Any] = (True, fn(*args))
            except BaseException as err:
                outcome = (False, err)
            try:
                loop.call_soon_threadsafe(_settle, future, outcome)
            except RuntimeError:
                pass  # the loop is closed: the worker stopped without this result


def _settle(future: asyncio.Future[Any], outcome: tuple[bool, Any]) -> None:
    if future.done():
        return
    ok, value = outcome
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
