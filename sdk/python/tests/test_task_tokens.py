"""Task tokens sent back from Python: an ASL Task with `.waitForTaskToken` waits until a caller sends
its token back with a result (send_task_success) or a failure (send_task_failure), keeps waiting on a
heartbeat, and a token used once is refused."""

from __future__ import annotations

import asyncio
import json

import pytest

from conftest import Server, finished
from segue import AsyncSegueClient, ProblemError, SegueClient

TYPE = "sqs:sendMessage"


def approval(name: str) -> str:
    return json.dumps(
        {
            "Comment": name,
            "StartAt": "Approve",
            "States": {
                "Approve": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {"order.$": "$.order", "token.$": "$$.Task.Token"},
                    "ResultPath": "$.approval",
                    "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.rejection", "Next": "Rejected"}],
                    "Next": "Done",
                },
                "Rejected": {"Type": "Pass", "End": True},
                "Done": {"Type": "Pass", "End": True},
            },
        }
    )


def dispatch(client: SegueClient, order: str) -> str:
    """What the task's worker does: takes it, finds the token in its input, reports it handed it on."""
    [task] = client.poll([TYPE], "py-queue-writer", wait=10)
    assert task["input"]["order"] == order
    client.complete(task["token"], {"MessageId": f"M-{order}"})
    return str(task["input"]["token"])


@pytest.fixture(scope="module")
def workflow(server: Server) -> str:
    with server.client() as c:
        return c.register_workflow(approval("py-task-tokens"), "application/json")["name"]


def test_a_token_sent_back_with_a_result_ends_the_step_with_it(client: SegueClient, workflow: str) -> None:
    started = client.start_instance(workflow, {"order": "A-1"}, id="py-token-ok")
    token = dispatch(client, "A-1")
    client.send_task_heartbeat(token)
    assert client.get_instance(started["id"])["status"] == "RUNNING"
    client.send_task_success(token, {"approved": True, "by": "ops"})
    view = finished(client, started["id"])
    assert view["status"] == "COMPLETED"
    assert view["output"] == {"order": "A-1", "approval": {"approved": True, "by": "ops"}}
    with pytest.raises(ProblemError) as used:
        client.send_task_success(token, {"approved": False})
    assert used.value.status == 409


def test_a_token_sent_back_with_a_failure_goes_through_catch(server: Server, client: SegueClient, workflow: str) -> None:
    started = client.start_instance(workflow, {"order": "A-2"}, id="py-token-failed")
    token = dispatch(client, "A-2")

    async def fail() -> None:
        async with AsyncSegueClient(server.url) as c:
            await c.send_task_failure(token, "Rejected", "over budget")

    asyncio.run(fail())
    view = finished(client, started["id"])
    assert view["status"] == "COMPLETED"
    assert view["output"] == {"order": "A-2", "rejection": {"Error": "Rejected", "Cause": "over budget"}}


def test_a_token_of_no_instance_is_refused(client: SegueClient) -> None:
    with pytest.raises(ProblemError) as malformed:
        client.send_task_success("not-a-token", 1)
    assert malformed.value.status == 400
