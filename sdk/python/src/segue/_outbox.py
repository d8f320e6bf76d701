"""
Results on their way to the server. One lane sends everything queued in one request, with at most
one request in flight: what finishes meanwhile goes in the next, so results batch up under load
while a lone result still goes at once. The request also takes the tasks the results lead to. A
request that fails on the way (no answer, 5xx, 429) is sent again with backoff, but no result past
its attempt's lease: the engine has retried it by then.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Callable

from .client import AsyncSegueClient
from .errors import NetworkError, ProblemError, TaskError, TaskResultError
from .types import ClaimedTask, Failure, NextTasksRequest, ResultsAnswer, TaskResult

BACKOFF_MIN = 0.25
BACKOFF_MAX = 5.0
BATCH_ITEMS = 1000
"""The server's limit of results per request."""
BATCH_CHARS = 1024 * 1024
"""Characters of JSON per request (one larger result still goes alone): well under the server's body limit."""


@dataclass
class Lease:
    """The attempt's lease as this worker knows it: heartbeats move the deadline (epoch seconds)."""

    deadline: float


@dataclass
class _Outgoing:
    task: ClaimedTask
    lease: Lease
    result: TaskResult
    size: int
    sent: asyncio.Future[None] = field(repr=False)


class ResultOutbox:
    def __init__(
        self,
        client: AsyncSegueClient,
        on_error: Callable[[BaseException], None],
        room: Callable[[int], NextTasksRequest | None],
        run: Callable[[ClaimedTask], None],
    ) -> None:
        """`room(freed)`: what to ask for with `freed` results sent (their slots), or None; `run`: starts a task taken so."""
        self._client = client
        self._on_error = on_error
        self._room = room
        self._run = run
        self._queue: list[_Outgoing] = []
        self._drainer: asyncio.Task[None] | None = None
        self._next_refused = False
        """The server refused `next` (a version from before it): results go without it from then on."""

    async def send(self, task: ClaimedTask, lease: Lease, result: TaskResult, size: int) -> None:
        """Returns once the result was sent (taken or not), or given up."""
        sent: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(_Outgoing(task, lease, result, size, sent))
        if self._drainer is None:
            # Started on the loop's next turn: results finishing in this one go out together.
            self._drainer = asyncio.get_running_loop().create_task(self._drain())
        await sent

    async def _drain(self) -> None:
        delay = BACKOFF_MIN
        try:
            while self._queue:
                again = await self._deliver(self._next_batch(), delay)
                if not again:
                    delay = BACKOFF_MIN
                    # One turn of the loop: the next tasks just taken run their handlers first,
                    # and the results of those that finish at once go in the next report.
                    await asyncio.sleep(0)
                    continue
                self._queue[:0] = again
                await asyncio.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX)
        finally:
            self._drainer = None

    def _next_batch(self) -> list[_Outgoing]:
        count = size = 0
        for item in self._queue:
            if count == BATCH_ITEMS or (count > 0 and size + item.size > BATCH_CHARS):
                break
            size += item.size
            count += 1
        batch, self._queue[:count] = self._queue[:count], []
        return batch

    async def _deliver(self, batch: list[_Outgoing], delay: float) -> list[_Outgoing]:
        """Sends one batch; answers the results to send again after `delay`."""
        try:
            answer = await self._post([o.result for o in batch], None if self._next_refused else self._room(len(batch)))
        except Exception as err:  # an answer that is not what the API says counts as a refusal
            again = []
            for o in batch:
                if _transient(err) and time.time() + delay <= o.lease.deadline:
                    again.append(o)
                else:
                    self._finish(o, err)
            return again
        # Started before the slots of the results are given back, so no poll counts them as free.
        for task in answer["tasks"]:
            self._run(task)
        for i, o in enumerate(batch):
            outcome = answer["results"][i] if i < len(answer["results"]) else None
            if outcome is None:
                self._finish(o, TaskResultError("refused", o.task, "the server answered no outcome for it"))
            elif outcome["status"] == "accepted":
                self._finish(o)
            else:
                self._finish(o, TaskResultError(outcome["status"], o.task, outcome.get("detail", outcome["status"])))
        return []

    async def _post(self, results: list[TaskResult], room: NextTasksRequest | None) -> ResultsAnswer:
        """One request; a server too old for `next` (it refuses the field) gets the results alone, now and from then on."""
        if room is not None:
            try:
                return await self._client.report_results_taking_next(results, room)
            except ProblemError as err:
                if err.status != 400 or '"next"' not in err.detail:
                    raise
                self._next_refused = True
        return {"results": await self._client.report_results(results), "tasks": []}

    def _finish(self, o: _Outgoing, err: BaseException | None = None) -> None:
        if err is not None:
            try:
                self._on_error(err)
            except Exception:
                pass  # The caller's hook failing must not stall the results behind this one.
        if not o.sent.done():
            o.sent.set_result(None)


def measured(result: TaskResult) -> tuple[TaskResult, int]:
    """The result with the length of its JSON; an output that is not JSON fails the attempt instead."""
    try:
        return result, len(json.dumps(result, allow_nan=False))
    except (TypeError, ValueError) as err:
        failed = failure(result["token"], err)
        return failed, len(json.dumps(failed))


def failure(token: str, err: BaseException) -> Failure:
    """The failure an exception stands for: its name (TaskError's, else the class name) and message, cut to what the server takes."""
    # Only TaskError's: other exceptions' `name` (ImportError's, NameError's) is not an error name.
    name = err.name if isinstance(err, TaskError) and err.name else type(err).__name__
    report: Failure = {"token": token, "error": name[:200], "message": str(err)[:10_000]}
    if getattr(err, "retryable", True) is False:
        report["retryable"] = False
    return report


def _transient(err: BaseException) -> bool:
    """No answer, a server-side 5xx or a 429: worth sending again."""
    return err.status >= 500 or err.status == 429 if isinstance(err, ProblemError) else isinstance(err, NetworkError)
