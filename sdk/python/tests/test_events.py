"""Events in and lifecycle events out, against a real server: events published to triggers and to
waiting instances, subscribers with their deliveries and dead letters, and the event feed."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator, cast

import pytest

from conftest import Server, eventually, finished, start_server
from segue import AsyncSegueClient, ProblemError, SegueClient
from segue.types import FeedPage, LifecycleEvent, LifecycleEventType

SIGNUP = """name: py-events-signup
triggers:
  - event: py-events.user-created
    filter: "data.plan != 'spam'"
    input: { user: "${ data.user }", from: "${ source }" }
steps:
  - name: done
    type: succeed
    output: { welcomed: "${ user }" }
"""

WAIT = """name: py-events-wait
steps:
  - name: approval
    type: wait
    event: py-events.approval
    correlate: requestId
  - name: done
    type: succeed
    output: "${ approval }"
"""

ECHO = """name: py-events-echo
steps:
  - name: done
    type: succeed
    output: { got: "${ x }" }
"""

COMPLETED: LifecycleEventType = "segue.instance.completed"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # In place of the shared one (conftest's `client` uses this): the subscribers are on loopback,
    # which the server refuses unless allowed, and the feed holds this module's instances only.
    running = start_server(tmp_path_factory.mktemp("events"), env={"SEGUE_HTTP_ALLOW": "127.0.0.1"})
    with running.client() as c:
        for source in (SIGNUP, WAIT, ECHO):
            c.register_workflow(source)
    yield running
    running.stop()


class Receiver:
    """A subscriber on a thread of its own: answers every POST with `status`, and records what came."""

    def __init__(self) -> None:
        self.status = 204
        self.taken: list[LifecycleEvent] = []
        self.answered: list[tuple[str, int]] = []
        """(webhook-id, status) of every request, taken or not."""
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                event = cast(LifecycleEvent, json.loads(self.rfile.read(int(self.headers["content-length"]))))
                with receiver._lock:
                    status = receiver.status
                    receiver.answered.append((self.headers["webhook-id"], status))
                    if 200 <= status < 300:
                        receiver.taken.append(event)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/hooks"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    def event(self, subject: str, type: str) -> LifecycleEvent | None:
        with self._lock:
            return next((e for e in self.taken if e["subject"] == subject and e["type"] == type), None)

    def statuses(self, webhook_id: str) -> list[int]:
        with self._lock:
            return [status for id, status in self.answered if id == webhook_id]

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


def until(condition: Callable[[], bool], what: str) -> None:
    eventually(lambda: True if condition() else None, what, timeout=20.0)


def whole_feed(client: SegueClient) -> tuple[list[LifecycleEvent], str]:
    """Every event of the feed, a page at a time, and the cursor after the last."""
    events: list[LifecycleEvent] = []
    page = client.read_events(limit=3)
    while page["events"]:
        events += page["events"]
        page = client.read_events(after=page["cursor"], limit=3)
    return events, page["cursor"]


def test_an_event_starts_an_instance_of_the_workflow_its_trigger_is_on(client: SegueClient) -> None:
    published = client.publish_event("py-events.user-created", data={"user": "ada", "plan": "pro"}, id="evt-ada", source="/signup")
    assert (published["event"], published["delivered"], published["instances"]) == ("evt-ada", 0, [])
    [start] = published["started"]
    assert (start["workflow"], start["version"], start["trigger"], "error" in start) == ("py-events-signup", 1, 1, False)
    started = finished(client, start["instance"])
    assert (started["workflow"], started["input"], started["output"]) == ("py-events-signup", {"user": "ada", "from": "/signup"}, {"welcomed": "ada"})

    # The same event id again is the same event: it answers the instance it started.
    assert client.publish_event("py-events.user-created", data={"user": "ada", "plan": "pro"}, id="evt-ada", source="/signup")["started"] == [start]
    # An event the filter refuses starts nothing (a datetime is sent as RFC 3339).
    spam = client.publish_event("py-events.user-created", data={"user": "bot", "plan": "spam"}, time=datetime(2026, 1, 2, tzinfo=timezone.utc))
    assert spam["started"] == []


def test_lists_the_triggers_of_every_workflow_or_of_one_event(client: SegueClient) -> None:
    trigger = {
        "workflow": "py-events-signup",
        "version": 1,
        "trigger": 1,
        "event": "py-events.user-created",
        "filter": "data.plan != 'spam'",
        "input": {"user": "${ data.user }", "from": "${ source }"},
    }
    assert client.triggers("py-events.user-created") == [trigger]
    assert client.triggers() == [trigger]
    assert client.triggers("py-events.nobody-listens") == []


def test_an_event_with_a_key_is_delivered_to_the_instance_waiting_with_it(client: SegueClient) -> None:
    client.start_instance("py-events-wait", {"requestId": "PE-1"}, id="waiting-1")
    eventually(lambda: client.find_by_key("PE-1") or None, "the instance to wait")
    published = client.publish_event("py-events.approval", key="PE-1", data={"by": "ada"})
    assert (published["delivered"], published["instances"], published["started"]) == (1, ["waiting-1"], [])
    assert finished(client, "waiting-1")["output"] == {"by": "ada"}
    nobody = client.publish_event("py-events.approval", key="PE-nobody")
    assert (nobody["delivered"], nobody["instances"]) == (0, [])
    # deliver_event is publish_event with a key.
    client.start_instance("py-events-wait", {"requestId": "PE-2"}, id="waiting-2")
    eventually(lambda: client.find_by_key("PE-2") or None, "the instance to wait")
    assert client.deliver_event("py-events.approval", "PE-2", "yes")["instances"] == ["waiting-2"]
    assert finished(client, "waiting-2")["output"] == "yes"


def test_a_subscriber_receives_lifecycle_events_and_is_paused_resumed_and_deleted(client: SegueClient, receiver: Receiver) -> None:
    made = client.create_subscription({"id": "py-events-hooks", "url": receiver.url, "types": [COMPLETED], "workflow": "py-events-echo"})
    assert made["secret"].startswith("whsec_")
    shown = (made["id"], made["types"], made["workflow"], made["paused"], made["maxAttempts"], made["delivered"], made["failure"])
    assert shown == ("py-events-hooks", [COMPLETED], "py-events-echo", False, 10, 0, None)

    client.start_instance("py-events-echo", {"x": 1}, id="hooked-1", wait=10)
    got = eventually(lambda: receiver.event("hooked-1", COMPLETED), "the completed event")
    assert (got["source"], got["data"]["status"], got["data"]["output"]) == ("/segue/workflows/py-events-echo", "COMPLETED", {"got": 1})
    until(lambda: client.get_subscription("py-events-hooks")["delivered"] == 1, "the delivery to be counted")
    seen = client.get_subscription("py-events-hooks")
    assert "secret" not in seen and seen["cursor"] == int(got["sequence"])
    assert [s["id"] for s in client.list_subscriptions()] == ["py-events-hooks"]

    assert client.pause_subscription("py-events-hooks")["paused"] is True
    assert client.get_subscription("py-events-hooks")["paused"] is True
    client.start_instance("py-events-echo", {"x": 2}, id="hooked-2", wait=10)
    assert client.resume_subscription("py-events-hooks")["paused"] is False
    # What it missed while paused comes on resume.
    assert eventually(lambda: receiver.event("hooked-2", COMPLETED), "the event held while paused")["data"]["output"] == {"got": 2}

    client.delete_subscription("py-events-hooks")
    with pytest.raises(ProblemError) as raised:
        client.get_subscription("py-events-hooks")
    assert raised.value.status == 404
    assert client.list_subscriptions() == []


def test_an_event_the_subscriber_refuses_becomes_a_dead_letter_and_is_redelivered(client: SegueClient, receiver: Receiver) -> None:
    receiver.status = 500
    sub = client.create_subscription({"url": receiver.url, "types": [COMPLETED], "workflow": "py-events-echo", "maxAttempts": 2})
    client.start_instance("py-events-echo", {"x": "refused"}, id="refused-1", wait=10)
    [letter] = eventually(lambda: client.dead_letters(sub["id"]) or None, "the dead letter", timeout=20.0)
    assert (letter["subscriptionId"], letter["attempts"], letter["event"]["subject"], letter["event"]["type"]) == (sub["id"], 2, "refused-1", COMPLETED)
    assert letter["eventId"] == letter["event"]["id"] and "500" in letter["lastError"]
    assert receiver.statuses(letter["eventId"]) == [500, 500]
    # Delivery moves on past a dead letter.
    until(lambda: client.get_subscription(sub["id"])["failure"] is None, "delivery to move on")
    assert client.dead_letters(sub["id"], limit=1) == [letter]

    refused = client.redeliver(sub["id"], letter["eventId"])
    assert refused["delivered"] is False and "500" in refused["error"]
    assert [d["attempts"] for d in client.dead_letters(sub["id"])] == [3]

    receiver.status = 200
    assert client.redeliver(sub["id"], letter["eventId"]) == {"delivered": True}
    taken = receiver.event("refused-1", COMPLETED)
    assert taken is not None and taken["id"] == letter["eventId"]
    assert client.dead_letters(sub["id"]) == []
    with pytest.raises(ProblemError) as raised:
        client.redeliver(sub["id"], letter["eventId"])
    assert raised.value.status == 404
    client.delete_subscription(sub["id"])


def test_unknown_subscriptions_raise_not_found_and_bad_ones_are_refused(client: SegueClient) -> None:
    calls: list[Callable[[], object]] = [
        lambda: client.get_subscription("no-such-subscription"),
        lambda: client.pause_subscription("no-such-subscription"),
        lambda: client.resume_subscription("no-such-subscription"),
        lambda: client.delete_subscription("no-such-subscription"),
        lambda: client.dead_letters("no-such-subscription"),
        lambda: client.redeliver("no-such-subscription", "no-such-event"),
    ]
    for call in calls:
        with pytest.raises(ProblemError) as raised:
            call()
        assert (raised.value.status, raised.value.detail) == (404, 'subscription "no-such-subscription" does not exist')
    with pytest.raises(ProblemError) as raised:
        client.create_subscription({"url": "http://10.0.0.1/hooks"})
    assert raised.value.status == 400 and "private, loopback or link-local" in raised.value.detail
    with pytest.raises(ProblemError) as raised:
        client.create_subscription({"url": "http://127.0.0.1/hooks", "types": ["segue.instance.done"]})  # type: ignore[list-item]
    assert raised.value.status == 400


def test_the_feed_holds_an_instances_events_and_reads_on_from_a_cursor(server: Server, client: SegueClient) -> None:
    client.start_instance("py-events-echo", {"x": "fed"}, id="fed-1", wait=10)
    events, end = whole_feed(client)
    assert [e["type"] for e in events if e["subject"] == "fed-1"] == ["segue.instance.started", COMPLETED]
    sequences = [int(e["sequence"]) for e in events]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    assert end == events[-1]["sequence"]
    completed = next(e for e in events if e["subject"] == "fed-1" and e["type"] == COMPLETED)
    assert (completed["specversion"], completed["datacontenttype"], completed["data"]["output"]) == ("1.0", "application/json", {"got": "fed"})

    first = client.read_events(limit=2)
    assert first["events"] == events[:2] and first["cursor"] == events[1]["sequence"]
    assert client.read_events(after=first["cursor"], limit=2)["events"] == events[2:4]
    # From the end, nothing; waiting, still nothing once the wait runs out.
    nothing: FeedPage = {"events": [], "cursor": end}
    assert client.read_events(after=end) == nothing
    # The wait is added to the client's timeout: a wait longer than the timeout is no network error.
    with server.client(timeout=1.0) as impatient:
        assert impatient.read_events(after=end, wait=2.0) == nothing


def test_a_read_that_waits_answers_when_an_event_comes(server: Server, client: SegueClient) -> None:
    _, end = whole_feed(client)

    async def scenario() -> None:
        async with AsyncSegueClient(server.url) as segue:
            reading = asyncio.ensure_future(segue.read_events(after=end, wait=30))
            await asyncio.sleep(0.2)  # most likely waiting by then; either way the page must hold the event
            await segue.start_instance("py-events-echo", {"x": "awaited"}, id="fed-awaited")
            page = await reading
            assert (page["events"][0]["subject"], page["events"][0]["type"]) == ("fed-awaited", "segue.instance.started")
            assert int(page["cursor"]) > int(end)
            assert [t["workflow"] for t in await segue.triggers()] == ["py-events-signup"]
            with pytest.raises(ProblemError) as raised:
                await segue.get_subscription("no-such-subscription")
            assert raised.value.status == 404

    asyncio.run(scenario())
