"""
Clients of the REST API, sync (`SegueClient`) and async (`AsyncSegueClient`), with the same calls:
each is an operation of _operations.py, sent by the client it is read from. A non-2xx answer
raises a ProblemError with the problem document's fields; no answer at all, a NetworkError.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, Generic, Iterator, ParamSpec, TypeVar, overload

import httpx

from . import _operations as op
from ._operations import Request
from .errors import NetworkError
from .types import Instance, InstanceFilter

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack is Python 3.11's

try:
    from importlib.metadata import version as _version

    _USER_AGENT = f"segue-client-python/{_version('segue-client')}"
except Exception:  # run from a source tree, not installed
    _USER_AGENT = "segue-client-python"

P = ParamSpec("P")
T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0
"""Seconds a request may take (plus what a long poll or a `wait` asks the server to hold it)."""


class _Call(Generic[P, T]):
    """An operation as a method: the sync client returns its result, the async client an awaitable of it."""

    def __init__(self, build: Callable[P, Request[T]]) -> None:
        self.build = build
        self.name = build.__name__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, client: None, owner: type[Any]) -> _Call[P, T]: ...

    @overload
    def __get__(self, client: SegueClient, owner: type[Any]) -> Callable[P, T]: ...

    @overload
    def __get__(self, client: AsyncSegueClient, owner: type[Any]) -> Callable[P, Awaitable[T]]: ...

    def __get__(self, client: Any, owner: type[Any]) -> Any:
        if client is None:
            return self
        build = self.build

        @functools.wraps(build)
        def call(*args: P.args, **kwargs: P.kwargs) -> Any:
            return client._send(build(*args, **kwargs))

        # Kept on the client: the next lookup finds it there, without this descriptor.
        client.__dict__[self.name] = call
        return call


class _Client:
    def __init__(self, url: str, api_key: str | None, timeout: float) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._headers = {"accept": "application/json", "user-agent": _USER_AGENT}
        if api_key:
            self._headers["authorization"] = f"Bearer {api_key}"

    def _options(self, request: Request[Any]) -> dict[str, Any]:
        headers = dict(self._headers)
        if request.content_type is not None:
            headers["content-type"] = request.content_type
        return {
            "method": request.method,
            "url": self.url + request.path,
            "params": request.query,
            "content": request.body,
            "headers": headers,
            "timeout": self.timeout + request.waits,
        }

    register_workflow = _Call(op.register_workflow)
    validate = _Call(op.validate)
    list_workflows = _Call(op.list_workflows)
    get_workflow = _Call(op.get_workflow)
    start_instance = _Call(op.start_instance)
    get_instance = _Call(op.get_instance)
    list_instances = _Call(op.list_instances)
    needing_attention = _Call(op.needing_attention)
    find_by_key = _Call(op.find_by_key)
    count_instances = _Call(op.count_instances)
    history = _Call(op.history)
    evaluate = _Call(op.evaluate)
    raise_event = _Call(op.raise_event)
    deliver_event = _Call(op.deliver_event)
    publish_event = _Call(op.publish_event)
    triggers = _Call(op.triggers)
    cancel = _Call(op.lifecycle("cancel"))
    terminate = _Call(op.lifecycle("terminate"))
    suspend = _Call(op.lifecycle("suspend"))
    resume = _Call(op.lifecycle("resume"))
    retry = _Call(op.retry)
    preview_retry = _Call(op.preview_retry)
    purge = _Call(op.purge)
    poll = _Call(op.poll)
    complete = _Call(op.complete)
    fail = _Call(op.fail)
    report_results = _Call(op.report_results)
    report_results_taking_next = _Call(op.report_results_taking_next)
    heartbeat = _Call(op.heartbeat)
    send_task_success = _Call(op.send_task_success)
    send_task_failure = _Call(op.send_task_failure)
    send_task_heartbeat = _Call(op.send_task_heartbeat)
    queues = _Call(op.queues)
    list_schedules = _Call(op.list_schedules)
    create_schedule = _Call(op.create_schedule)
    get_schedule = _Call(op.get_schedule)
    replace_schedule = _Call(op.replace_schedule)
    delete_schedule = _Call(op.delete_schedule)
    pause_schedule = _Call(op.schedule_action("pause"))
    resume_schedule = _Call(op.schedule_action("resume"))
    trigger_schedule = _Call(op.schedule_action("trigger"))
    list_subscriptions = _Call(op.list_subscriptions)
    create_subscription = _Call(op.create_subscription)
    get_subscription = _Call(op.get_subscription)
    delete_subscription = _Call(op.delete_subscription)
    pause_subscription = _Call(op.subscription_action("pause"))
    resume_subscription = _Call(op.subscription_action("resume"))
    dead_letters = _Call(op.dead_letters)
    redeliver = _Call(op.redeliver)
    read_events = _Call(op.read_events)
    health = _Call(op.health)


class SegueClient(_Client):
    """
    The REST API, call by call: `SegueClient("http://127.0.0.1:8080").start_instance("order-processing", {...})`.
    `api_key` is sent as `Authorization: Bearer <key>`. Close it (or use it in a `with`) to free its connections.
    """

    def __init__(self, url: str, *, api_key: str | None = None, timeout: float = DEFAULT_TIMEOUT, http: httpx.Client | None = None) -> None:
        super().__init__(url, api_key, timeout)
        self._http = http or httpx.Client()

    def _send(self, request: Request[T]) -> T:
        options = self._options(request)
        try:
            response = self._http.request(**options)
        except httpx.TransportError as err:
            raise NetworkError(options["url"], err) from err
        return op.read_answer(request, response.status_code, response.reason_phrase, response.text)

    def iter_instances(self, *, page_size: int | None = None, **filter: Unpack[InstanceFilter]) -> Iterator[Instance]:
        """Every instance that list_instances would list with these filters, newest first, fetched a page at a time."""
        cursor: str | None = None
        while True:
            page = self.list_instances(limit=page_size, cursor=cursor, **filter)
            yield from page["items"]
            cursor = page.get("nextCursor")
            if cursor is None:
                return

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SegueClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncSegueClient(_Client):
    """As SegueClient, each call awaited: `await client.start_instance(...)`. Close it with `await client.aclose()` (or `async with`)."""

    def __init__(
        self, url: str, *, api_key: str | None = None, timeout: float = DEFAULT_TIMEOUT, http: httpx.AsyncClient | None = None
    ) -> None:
        super().__init__(url, api_key, timeout)
        self._http = http or httpx.AsyncClient()

    async def _send(self, request: Request[T]) -> T:
        options = self._options(request)
        try:
            response = await self._http.request(**options)
        except httpx.TransportError as err:
            raise NetworkError(options["url"], err) from err
        return op.read_answer(request, response.status_code, response.reason_phrase, response.text)

    async def iter_instances(self, *, page_size: int | None = None, **filter: Unpack[InstanceFilter]) -> AsyncIterator[Instance]:
        """As SegueClient.iter_instances."""
        cursor: str | None = None
        while True:
            page = await self.list_instances(limit=page_size, cursor=cursor, **filter)
            for item in page["items"]:
                yield item
            cursor = page.get("nextCursor")
            if cursor is None:
                return

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncSegueClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


