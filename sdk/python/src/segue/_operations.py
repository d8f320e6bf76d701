"""
Every call of the REST API, once: what request it sends and how its answer is read. The sync and
the async client both send these (see client.py), so the two cannot drift apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Generic, Literal, Mapping, Protocol, Sequence, TypeVar, cast
from urllib.parse import quote

from .errors import ProblemError
from .types import (
    ClaimedTask,
    DeadLetter,
    Delivered,
    DefinitionProblem,
    Evaluation,
    FeedPage,
    Health,
    HistoryEvent,
    Instance,
    InstanceCounts,
    InstanceFilter,
    InstanceNeedingAttention,
    InstancePage,
    InstanceStatus,
    Json,
    Lease,
    NextTasksRequest,
    Queue,
    Redelivery,
    Registered,
    ResultsAnswer,
    RetryPreview,
    RetryVersion,
    Schedule,
    ScheduleSpec,
    Subscription,
    SubscriptionSpec,
    TaskResult,
    TaskResultOutcome,
    Trigger,
    ValidationResult,
    WorkflowSummary,
    WorkflowVersion,
)

if TYPE_CHECKING:
    # For the type checker only (typing.Unpack is Python 3.11's): the package needs no more than httpx.
    from typing_extensions import Unpack

T = TypeVar("T")

LifecycleAction = Literal["cancel", "terminate", "suspend", "resume"]
ScheduleAction = Literal["pause", "resume", "trigger"]
SubscriptionAction = Literal["pause", "resume"]


@dataclass(frozen=True)
class Request(Generic[T]):
    method: str
    path: str
    read: Callable[[int, Any], T]
    """The result, from the answer's status and its parsed JSON body (None when empty)."""
    query: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None
    content_type: str | None = None
    waits: float = 0.0
    """Seconds the server may hold the request before answering (long polls): added to the timeout."""


def _seg(value: str) -> str:
    return quote(value, safe="")


def _query(**params: object) -> dict[str, str]:
    return {name: str(value) for name, value in params.items() if value is not None}


def _duration(seconds: float | None) -> str | None:
    """Seconds as the API's duration (whole milliseconds)."""
    if seconds is None:
        return None
    if seconds < 0:
        raise ValueError(f"a wait must be 0 seconds or more, got {seconds}")
    return f"{round(seconds * 1000)}ms"


def _fields(**values: Json) -> dict[str, Json]:
    """A request body of the fields given, those None left out (the server's default)."""
    return {name: value for name, value in values.items() if value is not None}


def _json(value: object) -> str:
    # allow_nan=False: NaN and Infinity are not JSON, and the server would refuse the whole request.
    return json.dumps(value, allow_nan=False, separators=(",", ":"))


def _post(path: str, read: Callable[[int, Any], T], body: object = None, *, query: Mapping[str, str] | None = None, waits: float = 0.0) -> Request[T]:
    return Request("POST", path, read, query or {}, _json(body), "application/json", waits)


def _body(status: int, body: Any) -> Any:
    return body


def _nothing(status: int, body: Any) -> None:
    return None


def _field(name: str) -> Callable[[int, Any], Any]:
    return lambda status, body: body[name]


def read_answer(request: Request[T], status: int, reason: str, text: str) -> T:
    """The result of a 2xx answer; a ProblemError for any other."""
    if status < 200 or status > 299:
        raise problem_error(status, reason, text)
    return request.read(status, json.loads(text) if text else None)


def problem_error(status: int, reason: str, text: str) -> ProblemError:
    try:
        problem = json.loads(text)
    except ValueError:
        problem = None
    if not isinstance(problem, dict):
        # Not a problem document (a proxy's error page): the status line says what there is to say.
        problem = {}
    return ProblemError(
        status,
        str(problem.get("title", reason)),
        str(problem.get("detail", f"the server answered {status} {reason}")),
        str(problem.get("type", "about:blank")),
        cast("str | None", problem.get("instance")),
        cast("list[DefinitionProblem]", problem.get("errors", [])),
    )


# Definitions


def register_workflow(source: str, content_type: str = "application/yaml") -> Request[Registered]:
    """Registers a definition (YAML, or JSON with content_type "application/json"); the same text again answers its version."""

    def read(status: int, body: Any) -> Registered:
        return {"name": body["name"], "version": body["version"], "created": status == 201}

    return Request("POST", "/v1/workflows", read, body=source, content_type=content_type)


def validate(source: str, content_type: str = "application/yaml") -> Request[ValidationResult]:
    """Checks a definition without registering it."""
    return Request("POST", "/v1/validate", _body, body=source, content_type=content_type)


def list_workflows() -> Request[list[WorkflowSummary]]:
    """The latest version of every registered workflow."""
    return Request("GET", "/v1/workflows", _field("items"))


def get_workflow(name: str, version: int | None = None) -> Request[WorkflowVersion]:
    """A workflow's latest version, or the version given."""
    path = f"/v1/workflows/{_seg(name)}" if version is None else f"/v1/workflows/{_seg(name)}/versions/{version}"
    return Request("GET", path, _body)


# Instances


def start_instance(
    workflow: str,
    input: Json = None,
    *,
    id: str | None = None,
    version: int | None = None,
    start_at: datetime | str | int | None = None,
    wait: float | None = None,
) -> Request[Instance]:
    """
    Starts an instance (input None: the server's default, {}). With `wait` (seconds), answers once
    it has finished, or as it is when the wait ran out (the server caps the wait).
    Starting twice with the same id and input answers the first instance.
    """
    body = _fields(input=input, id=id, version=version, startAt=start_at.isoformat() if isinstance(start_at, datetime) else start_at)
    return _post(f"/v1/workflows/{_seg(workflow)}/instances", _body, body, query=_query(wait=_duration(wait)), waits=wait or 0.0)


def get_instance(id: str, *, wait: float | None = None) -> Request[Instance]:
    """An instance; with `wait` (seconds), once it has finished or the wait ran out."""
    return Request("GET", f"/v1/instances/{_seg(id)}", _body, _query(wait=_duration(wait)), waits=wait or 0.0)


def list_instances(*, limit: int | None = None, cursor: str | None = None, **filter: Unpack[InstanceFilter]) -> Request[InstancePage]:
    """One page of instances, newest first, of up to `limit` (default 50); pass its `nextCursor` as
    `cursor` for the next. Only those of `workflow`, of `status` (one or several), created from
    `from_` to `to`; `set_aside=True` only the instances set aside (see `Instance["setAside"]`),
    `False` the others.
    """
    return Request("GET", "/v1/instances", _body, {**_filter(filter), **_query(limit=limit, cursor=cursor)})


def needing_attention(*, limit: int | None = None, **filter: Unpack[InstanceFilter]) -> Request[list[InstanceNeedingAttention]]:
    """
    The instances that need attention (a task on a queue no worker polls, an attempt past its
    deadline, an instance set aside), longest in trouble first, each with its `attention` reasons;
    the filters of list_instances apply. One page of up to `limit` (default 50), with no cursor.
    """
    return Request("GET", "/v1/instances", _field("items"), {**_filter(filter), **_query(attention="true", limit=limit)})


def find_by_key(key: str, *, limit: int | None = None, **filter: Unpack[InstanceFilter]) -> Request[list[Instance]]:
    """
    The instances waiting with this correlation key (the value of a wait step's `correlate`, such
    as an order number), whatever the event, newest first; the filters of list_instances apply.
    One page of up to `limit` (default 50), with no cursor.
    """
    return Request("GET", "/v1/instances", _field("items"), {**_filter(filter), **_query(key=key, limit=limit)})


def count_instances(*, workflow: str | None = None, from_: datetime | str | None = None, to: datetime | str | None = None) -> Request[InstanceCounts]:
    """How many instances have each status (every status named), of a workflow and created in a time range."""
    return Request("GET", "/v1/instance-counts", _body, _filter({"workflow": workflow, "from_": from_, "to": to}))


def _filter(filter: InstanceFilter) -> dict[str, str]:
    # Typed callers cannot pass another keyword; this stops a misspelt one from filtering nothing.
    unknown = sorted(set(filter) - InstanceFilter.__optional_keys__)
    if unknown:
        raise TypeError(f"unexpected keyword argument {unknown[0]!r} (the filters are {', '.join(sorted(InstanceFilter.__optional_keys__))})")
    status = filter.get("status")
    statuses = status if isinstance(status, str) or status is None else ",".join(status)
    aside = filter.get("set_aside")
    return _query(
        workflow=filter.get("workflow"),
        status=statuses,
        **{"from": _time(filter.get("from_"))},
        to=_time(filter.get("to")),
        setAside=None if aside is None else str(aside).lower(),
    )


def _time(value: datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def history(id: str, *, run: int | None = None, after: int | None = None, limit: int | None = None) -> Request[list[HistoryEvent]]:
    """The events of the instance's current run (or of run `run`), in order; only those after
    sequence number `after` when given, at most `limit`."""
    return Request("GET", f"/v1/instances/{_seg(id)}/history", _field("events"), _query(run=run, after=after, limit=limit))


def evaluate(id: str, expression: str, *, step: str | None = None, index: int | None = None) -> Request[Evaluation]:
    """
    Evaluates a JSONata expression (as a step holds it, without `${ }`) against the instance's
    data, or with `step` against the data and bindings of a step it is at now (`index`: which item
    of a map, default the first). Nothing changes. An expression that fails is an answer, with
    `ok` False and the `error`; a step the instance is not at raises a ProblemError 409.
    """
    return _post(f"/v1/instances/{_seg(id)}/evaluate", _body, _fields(expression=expression, step=step, index=index))


def raise_event(id: str, event: str, payload: Json = None) -> Request[None]:
    """Raises an event on one instance; it is buffered until a `wait` step takes it."""
    return _post(f"/v1/instances/{_seg(id)}/events/{_seg(event)}", _nothing, payload)


def publish_event(
    event: str,
    *,
    key: str | None = None,
    data: Json = None,
    id: str | None = None,
    source: str | None = None,
    subject: str | None = None,
    time: datetime | str | None = None,
) -> Request[Delivered]:
    """
    Publishes an event as plain JSON: delivered to every instance waiting for it with the
    correlation key `key` (to none without one), and starting an instance of every workflow whose
    trigger on it matches. A trigger starts one instance per event `id` however often it is sent;
    without one, each call is a new event. `source`, `subject` and `time` are a CloudEvent's.
    """
    body = _fields(key=key, data=data, id=id, source=source, subject=subject, time=_time(time))
    return _post(f"/v1/events/{_seg(event)}", _body, body)


def deliver_event(event: str, key: str, data: Json = None) -> Request[Delivered]:
    """Delivers an event to every instance waiting for it with this correlation key; its triggers start what they start (see publish_event)."""
    return publish_event(event, key=key, data=data)


def triggers(event: str | None = None) -> Request[list[Trigger]]:
    """The triggers of every workflow's latest version, by workflow name; only those on `event` when given."""
    return Request("GET", "/v1/triggers", _field("items"), _query(event=event))


class LifecycleCall(Protocol):
    def __call__(self, id: str, reason: str | None = None) -> Request[Instance]: ...


def lifecycle(action: LifecycleAction) -> LifecycleCall:
    def act(id: str, reason: str | None = None) -> Request[Instance]:
        return _post(f"/v1/instances/{_seg(id)}/{action}", _body, {} if reason is None else {"reason": reason})

    act.__name__ = action
    act.__doc__ = f"The instance after `{action}` (see docs/operations.md for what each action does)."
    return act


def retry(
    id: str, reason: str | None = None, *, from_step: str | None = None, patch: Mapping[str, Json] | None = None, version: RetryVersion | None = None
) -> Request[Instance]:
    """
    Re-runs a FAILED instance from the step that failed (or applies again what an instance set
    aside holds). With edits, a redrive: go on `from_step` (a step of the run's top level), with
    the data changed by `patch` (a JSON merge patch: a field set to None is removed), on workflow
    `version` (a number, or "latest"). `reason` is kept in the history. A step or version that
    does not exist, or a patch that breaks the input schema, raises a ProblemError 400 and changes
    nothing; an instance that is not FAILED, a 409.
    """
    return _post(f"/v1/instances/{_seg(id)}/retry", _body, _retry_body(from_step, patch, version, reason=reason))


def preview_retry(
    id: str, *, from_step: str | None = None, patch: Mapping[str, Json] | None = None, version: RetryVersion | None = None
) -> Request[RetryPreview]:
    """What `retry` with these edits would do (a dry run): refused as the retry would be, and changes nothing."""
    return _post(f"/v1/instances/{_seg(id)}/retry", _field("dryRun"), _retry_body(from_step, patch, version, dry_run=True))


def _retry_body(
    from_step: str | None, patch: Mapping[str, Json] | None, version: RetryVersion | None, *, reason: str | None = None, dry_run: bool = False
) -> dict[str, Json]:
    return _fields(**{"from": from_step}, patch=None if patch is None else dict(patch), version=version, reason=reason, dryRun=dry_run or None)


def purge(id: str) -> Request[None]:
    """Deletes a finished instance and its history."""
    return Request("DELETE", f"/v1/instances/{_seg(id)}", _nothing)


# The worker protocol


def poll(types: Sequence[str], worker: str, *, max: int = 1, wait: float | None = None) -> Request[list[ClaimedTask]]:
    """Claims up to `max` tasks of `types`, waiting up to `wait` seconds for one (the server caps the wait)."""
    body: dict[str, Json] = {"types": list(types), "worker": worker, "max": max}
    if wait is not None:
        body["wait"] = _duration(wait)
    return _post("/v1/tasks/poll", _body, body, waits=wait or 0.0)


def complete(token: str, output: Json = None) -> Request[None]:
    """Completes the attempt named by `token`; a ProblemError 409 when it is no longer current."""
    return _post(f"/v1/tasks/{_seg(token)}/complete", _nothing, {"output": output})


def fail(token: str, error: str, message: str | None = None, *, retryable: bool | None = None) -> Request[None]:
    """Fails the attempt: `error` is the name retry and catch rules match; retryable=False skips retries."""
    return _post(f"/v1/tasks/{_seg(token)}/fail", _nothing, _fields(error=error, message=message, retryable=retryable))


def report_results(results: Sequence[TaskResult]) -> Request[list[TaskResultOutcome]]:
    """
    Reports up to 1000 results in one request; one outcome per result, in order. After a 5xx,
    send the batch again whole: results already applied then come back `stale`.
    """
    return _post("/v1/tasks/results", _field("results"), {"results": list(results)})


def report_results_taking_next(results: Sequence[TaskResult], next: NextTasksRequest) -> Request[ResultsAnswer]:
    """
    As report_results, also taking the tasks these results lead to: those they schedule on
    `next["types"]` are leased to `next["worker"]` (up to `next["max"]`) in the same commits.
    """

    def read(status: int, body: Any) -> ResultsAnswer:
        return {"results": body["results"], "tasks": body.get("tasks", [])}

    return _post("/v1/tasks/results", read, {"results": list(results), "next": next})


def heartbeat(token: str) -> Request[Lease]:
    """Extends the attempt's lease by the step's heartbeat interval (never past its timeout)."""
    return _post(f"/v1/tasks/{_seg(token)}/heartbeat", _body, {})


def send_task_success(task_token: str, output: Json = None) -> Request[None]:
    """
    Sends back the task token of a step waiting for it (an ASL Task with `.waitForTaskToken`), with
    the step's result (Step Functions' SendTaskSuccess). A ProblemError 409 when no step waits for it.
    """
    return _post(f"/v1/task-tokens/{_seg(task_token)}/success", _nothing, {"output": output})


def send_task_failure(task_token: str, error: str | None = None, cause: str | None = None) -> Request[None]:
    """Sends the task token back with a failure: the step fails with `error`, through its Retry and Catch."""
    return _post(f"/v1/task-tokens/{_seg(task_token)}/failure", _nothing, _fields(error=error, cause=cause))


def send_task_heartbeat(task_token: str) -> Request[None]:
    """Starts the heartbeat clock of the step waiting for its task token again (SendTaskHeartbeat)."""
    return _post(f"/v1/task-tokens/{_seg(task_token)}/heartbeat", _nothing, {})


# Queues


def queues() -> Request[list[Queue]]:
    """Every task queue holding a task or polled recently, by name: its depth, oldest task, attempts in flight and workers."""
    return Request("GET", "/v1/queues", _field("items"))


# Schedules


def list_schedules() -> Request[list[Schedule]]:
    return Request("GET", "/v1/schedules", _field("items"))


def create_schedule(spec: ScheduleSpec) -> Request[Schedule]:
    return _post("/v1/schedules", _body, spec)


def get_schedule(id: str) -> Request[Schedule]:
    return Request("GET", f"/v1/schedules/{_seg(id)}", _body)


def replace_schedule(id: str, spec: ScheduleSpec) -> Request[Schedule]:
    """Replaces every setting (what is left out goes back to its default); the fire history stays."""
    return Request("PUT", f"/v1/schedules/{_seg(id)}", _body, body=_json(spec), content_type="application/json")


def delete_schedule(id: str) -> Request[None]:
    return Request("DELETE", f"/v1/schedules/{_seg(id)}", _nothing)


def _action(collection: str, noun: str, action: str, doc: str) -> Callable[[str], Request[Any]]:
    """POST /v1/{collection}/{id}/{action}, answering the resource after it, as the method `{action}_{noun}`."""

    def act(id: str) -> Request[Any]:
        return Request("POST", f"/v1/{collection}/{_seg(id)}/{action}", _body)

    act.__name__ = f"{action}_{noun}"
    act.__doc__ = doc
    return act


def schedule_action(action: ScheduleAction) -> Callable[[str], Request[Schedule]]:
    doc = "Starts an instance now, whatever the cron expression says." if action == "trigger" else f"The schedule after `{action}`."
    return _action("schedules", "schedule", action, doc)


# Lifecycle events out: subscriptions and the feed


def list_subscriptions() -> Request[list[Subscription]]:
    return Request("GET", "/v1/subscriptions", _field("items"))


def create_subscription(spec: SubscriptionSpec) -> Request[Subscription]:
    """Subscribes a URL to lifecycle events from now on; the answer is the only one holding the signing `secret`."""
    return _post("/v1/subscriptions", _body, spec)


def get_subscription(id: str) -> Request[Subscription]:
    return Request("GET", f"/v1/subscriptions/{_seg(id)}", _body)


def delete_subscription(id: str) -> Request[None]:
    """Deletes the subscription and its dead letters."""
    return Request("DELETE", f"/v1/subscriptions/{_seg(id)}", _nothing)


def subscription_action(action: SubscriptionAction) -> Callable[[str], Request[Subscription]]:
    doc = (
        "The subscription, paused: its events wait, in order, until it is resumed."
        if action == "pause"
        else "The subscription, resumed: what it missed is delivered, a failing delivery retried at once."
    )
    return _action("subscriptions", "subscription", action, doc)


def dead_letters(id: str, *, limit: int | None = None) -> Request[list[DeadLetter]]:
    """The events the subscriber did not take after the subscription's last attempt, oldest first, up to `limit` (default 100)."""
    return Request("GET", f"/v1/subscriptions/{_seg(id)}/dead-letters", _field("items"), _query(limit=limit))


def redeliver(id: str, event_id: str) -> Request[Redelivery]:
    """Delivers a dead letter again, now: removed once the subscriber takes it, kept (its attempts counted) when not."""
    return Request("POST", f"/v1/subscriptions/{_seg(id)}/dead-letters/{_seg(event_id)}/redeliver", _body)


def read_events(*, after: str | None = None, limit: int | None = None, wait: float | None = None) -> Request[FeedPage]:
    """
    The lifecycle events after the cursor `after` (a page's `cursor`; default the start of the
    feed), in feed order, up to `limit` (default 100). With `wait` (seconds), a read that finds
    none waits up to that long for one (the server caps the wait); a page with no event keeps the cursor.
    """
    return Request("GET", "/v1/events/feed", _body, _query(after=after, limit=limit, wait=_duration(wait)), waits=wait or 0.0)


def health() -> Request[Health]:
    return Request("GET", "/healthz", _body)
