"""The API's documents as typed dictionaries: the JSON as the server sends it, field names and all."""

from __future__ import annotations

from datetime import datetime
from typing import Dict, List, Literal, Sequence, TypedDict, Union

Json = Union[None, bool, int, float, str, List["Json"], Dict[str, "Json"]]
"""Any JSON value."""

InstanceStatus = Literal[
    "PENDING", "RUNNING", "SUSPENDED", "COMPLETED", "FAILED", "CANCELLED", "TERMINATED", "TIMED_OUT"
]


class _DefinitionProblemFields(TypedDict):
    file: str
    line: int
    column: int
    message: str


class DefinitionProblem(_DefinitionProblemFields, total=False):
    """One problem of an invalid definition, positioned in its source text."""

    step: str


class _ErrorInfoFields(TypedDict):
    error: str
    message: str


class ErrorInfo(_ErrorInfoFields, total=False):
    """Why an instance (or a step) failed."""

    step: str
    retryable: bool


class _CurrentStepFields(TypedDict):
    step: str
    waiting: str
    attempt: int


class CurrentStep(_CurrentStepFields, total=False):
    """A step under way; several inside parallel and map steps."""

    branch: str
    index: int
    event: str
    childId: str


class _InstanceFields(TypedDict):
    id: str
    workflow: str
    version: int
    run: int
    status: InstanceStatus
    input: Json
    output: Json
    error: ErrorInfo | None
    data: Json
    current: list[CurrentStep]
    parentId: str | None
    createdAt: str
    updatedAt: str


class _SetAsideFields(TypedDict):
    reason: str
    at: str
    tries: int
    input: str
    held: int


class SetAside(_SetAsideFields, total=False):
    """Why an instance is set aside: an input of its failed `tries` tries; `held` inputs wait for a retry."""

    step: str


class AttentionReason(TypedDict):
    """Why an instance needs attention: the `check` that found it (queue-unpolled, task-overdue,
    set-aside), its step (None when not one), since when the trouble has stood, and what it is."""

    check: str
    step: str | None
    since: str
    message: str


class _InstanceOptionalFields(_InstanceFields, total=False):
    compensating: dict[str, Json]
    schedule: dict[str, Json]
    previousRun: dict[str, Json]
    setAside: SetAside


class Instance(_InstanceOptionalFields, total=False):
    """An instance as it is now (`GET /v1/instances/{id}`)."""

    attention: list[AttentionReason]
    """Only in the answers of `needing_attention`, which use InstanceNeedingAttention."""


class InstanceNeedingAttention(_InstanceOptionalFields):
    """An instance of `needing_attention`, with why it needs it."""

    attention: list[AttentionReason]


class InstanceFilter(TypedDict, total=False):
    """Which instances a listing takes (keyword arguments of list_instances, needing_attention and find_by_key); None is no filter."""

    workflow: str | None
    status: InstanceStatus | Sequence[InstanceStatus] | None
    from_: datetime | str | None
    """Created at or after this time."""
    to: datetime | str | None
    """Created at or before this time."""
    set_aside: bool | None
    """True: only the instances set aside; False: only the others."""


class InstanceCounts(TypedDict):
    """How many instances have each status (every status named, 0 for none), and in all."""

    counts: dict[InstanceStatus, int]
    total: int


class _InstancePageFields(TypedDict):
    items: list[Instance]


class InstancePage(_InstancePageFields, total=False):
    """One page of instances, newest first; `nextCursor` is absent on the last page."""

    nextCursor: str


class _HistoryEventFields(TypedDict):
    seq: int
    type: str
    at: str


class HistoryEvent(_HistoryEventFields, total=False):
    step: str
    details: Json


class Registered(TypedDict):
    name: str
    version: int
    created: bool
    """False when the same text was registered before (its version is answered)."""


class _ValidationResultFields(TypedDict):
    valid: bool
    errors: list[DefinitionProblem]


class ValidationResult(_ValidationResultFields, total=False):
    graph: dict[str, Json]
    """The state machine, when the definition is valid."""


class _WorkflowSummaryFields(TypedDict):
    name: str
    version: int
    createdAt: str


class WorkflowSummary(_WorkflowSummaryFields, total=False):
    description: str


class WorkflowVersion(WorkflowSummary):
    hash: str
    source: str
    definition: Json
    versions: list[int]


class _TriggerStartFields(TypedDict):
    workflow: str
    version: int
    trigger: int


class TriggerStart(_TriggerStartFields, total=False):
    """What one trigger that matched an event made of it: the instance it started, or why none."""

    instance: str
    error: str


class Delivered(TypedDict):
    """What an event sent to POST /v1/events/{event} did (the API's PublishedEvent): its id, the
    waiting instances that took it, and what triggers started."""

    event: str
    delivered: int
    instances: list[str]
    started: list[TriggerStart]


class _TriggerFields(TypedDict):
    workflow: str
    version: int
    trigger: int
    event: str


class Trigger(_TriggerFields, total=False):
    """A trigger of a workflow's latest version: its place in `triggers:` (from 1), and its
    `filter`, `input` and `id` templates as written."""

    filter: str
    input: Json
    id: str


LifecycleEventType = Literal[
    "segue.instance.started",
    "segue.instance.completed",
    "segue.instance.failed",
    "segue.instance.cancelled",
    "segue.instance.terminated",
    "segue.instance.timed_out",
    "segue.instance.suspended",
    "segue.instance.resumed",
    "segue.instance.continued",
    "segue.step.started",
    "segue.step.completed",
    "segue.step.failed",
]


class LifecycleEvent(TypedDict):
    """A lifecycle event, a CloudEvent 1.0 in its JSON form: what subscribers receive and the feed lists.
    `id` is `<instance>:<run>:<history seq>`, `subject` the instance id, `sequence` its place in the feed."""

    specversion: Literal["1.0"]
    id: str
    source: str
    type: str
    subject: str
    time: str
    datacontenttype: Literal["application/json"]
    sequence: str
    data: dict[str, Json]


class FeedPage(TypedDict):
    """Lifecycle events after a cursor, in feed order; `cursor` is the one to read after next (the same when none came)."""

    events: list[LifecycleEvent]
    cursor: str


class _SubscriptionSpecFields(TypedDict):
    url: str


class SubscriptionSpec(_SubscriptionSpecFields, total=False):
    """What `create_subscription` takes (what is left out takes its default): every
    segue.instance.* type, every workflow, a random secret, 10 attempts, not paused."""

    id: str
    types: list[LifecycleEventType]
    workflow: str | None
    secret: str
    maxAttempts: int
    paused: bool


class SubscriptionFailure(TypedDict):
    """The next event's failing delivery, while it is retried."""

    attempts: int
    nextAttemptAt: str
    lastError: str


class _SubscriptionFields(TypedDict):
    id: str
    url: str
    types: list[str]
    workflow: str | None
    paused: bool
    maxAttempts: int
    cursor: int
    delivered: int
    failure: SubscriptionFailure | None
    createdAt: str
    updatedAt: str


class Subscription(_SubscriptionFields, total=False):
    """A subscriber of lifecycle events, and where its deliveries stand (`cursor`: the feed
    sequence of the last event dealt with). Only the answer of `create_subscription` has `secret`."""

    secret: str


class DeadLetter(TypedDict):
    """An event the subscriber did not take after the subscription's last attempt."""

    subscriptionId: str
    eventId: str
    attempts: int
    lastError: str
    deadAt: str
    event: LifecycleEvent


class _RedeliveryFields(TypedDict):
    delivered: bool


class Redelivery(_RedeliveryFields, total=False):
    """True: the subscriber took the dead letter, and it is gone; False: it is kept, and `error` says why."""

    error: str


class ClaimedTask(TypedDict):
    """A task leased to this worker: report its result by `token` before `deadline`."""

    token: str
    type: str
    input: Json
    attempt: int
    deadline: str
    instanceId: str
    step: str


class _FailureFields(TypedDict):
    token: str
    error: str


class Failure(_FailureFields, total=False):
    message: str
    retryable: bool


class Completion(TypedDict):
    token: str
    output: Json


TaskResult = Union[Completion, Failure]
"""A result for `report_results`: a failure when it names an `error`, else a completion."""


class _TaskResultOutcomeFields(TypedDict):
    token: str
    status: Literal["accepted", "stale", "refused"]


class TaskResultOutcome(_TaskResultOutcomeFields, total=False):
    """What became of one reported result; `detail` says why it was stale or refused."""

    detail: str


class NextTasksRequest(TypedDict):
    """Room for the tasks that reported results lead to: up to `max` of `types`, leased to `worker`."""

    types: list[str]
    worker: str
    max: int


class ResultsAnswer(TypedDict):
    results: list[TaskResultOutcome]
    tasks: list[ClaimedTask]


class Lease(TypedDict):
    deadline: str


class Health(TypedDict):
    status: str


class _ScheduleSpecFields(TypedDict):
    workflow: str
    cron: str


class ScheduleSpec(_ScheduleSpecFields, total=False):
    """What `create_schedule` and `replace_schedule` take (what is left out takes its default)."""

    id: str
    version: int | None
    timezone: str
    input: Json
    overlap: Literal["skip", "buffer", "allow", "cancel", "terminate"]
    catchupWindow: str
    paused: bool
    note: str | None


class Schedule(ScheduleSpec):
    """A schedule's settings (every field of ScheduleSpec is answered), its next fire times and its recent fires."""

    origin: Literal["api", "definition"]
    nextFires: list[str]
    recent: list[dict[str, Json]]
    buffered: str | None
    createdAt: str
    updatedAt: str


class QueueWorker(TypedDict):
    """A worker that polled the queue recently (`lastSeen` None when it polled another server), and how many of its tasks it holds."""

    name: str
    lastSeen: str | None
    holding: int


class Queue(TypedDict):
    """A task queue: tasks waiting (`queued`, the oldest since when and for how many ms), attempts in flight (`leased`), its workers."""

    queue: str
    queued: int
    oldestQueuedAt: str | None
    oldestQueuedAgeMs: int | None
    leased: int
    lastPolledAt: str | None
    workers: list[QueueWorker]


class _EvaluatedFields(TypedDict):
    ok: Literal[True]


class Evaluated(_EvaluatedFields, total=False):
    """The expression's value; `result` is absent when it selects nothing."""

    result: Json


class _EvaluationErrorFields(TypedDict):
    message: str


class EvaluationError(_EvaluationErrorFields, total=False):
    """Why the expression failed: JSONata's error `code` (S0202, T1006…) or a limit's, and the offset it failed at."""

    code: str
    position: int


class EvaluationFailed(TypedDict):
    ok: Literal[False]
    error: EvaluationError


Evaluation = Union[Evaluated, EvaluationFailed]
"""What `evaluate` answers: tell the two apart by `ok`."""

RetryVersion = Union[int, Literal["latest"]]
"""The workflow version a retry goes on with: a number, or "latest"."""

# "from" is a keyword in Python: these two are spelled in the functional form.
RetryVersions = TypedDict("RetryVersions", {"from": int, "to": int})
"""The workflow version the instance has, and the one a retry goes on with."""

RetryPreview = TypedDict(
    "RetryPreview",
    {"instanceId": str, "from": str, "failedAt": str, "version": RetryVersions, "changes": list[str], "data": Json},
)
"""What a retry would do (`preview_retry`): the step it goes on `from`, the step it `failedAt`, the
versions, the JSON pointers of the data fields the patch `changes`, and the `data` the step starts with."""
