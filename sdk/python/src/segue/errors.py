"""What the client raises, and what handlers raise to fail a task."""

from __future__ import annotations

from .types import ClaimedTask, DefinitionProblem


class SegueError(Exception):
    """Base of the errors the client and the worker raise."""


class ProblemError(SegueError):
    """The server answered a problem (status 400 or more): the fields of its problem+json document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        type: str = "about:blank",
        instance: str | None = None,
        errors: list[DefinitionProblem] | None = None,
    ) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type
        self.instance = instance
        self.errors: list[DefinitionProblem] = errors or []
        """Every problem of an invalid definition, each with its file, line and column."""
        super().__init__(detail)

    def __str__(self) -> str:
        # The detail of an invalid definition only counts its problems: list them too.
        lines = [f"{p['file']}:{p['line']}:{p['column']}: {p['message']}" for p in self.errors]
        return "\n  ".join([f"{self.status} {self.detail}", *lines])


class NetworkError(SegueError):
    """No answer from the server: it could not be reached, or the connection broke. Worth trying again."""

    def __init__(self, url: str, cause: BaseException) -> None:
        self.url = url
        super().__init__(f"no answer from {url}: {str(cause) or type(cause).__name__}")


class TaskResultError(SegueError):
    """A result the server did not take: its attempt was no longer current (`stale`), or it was `refused`."""

    def __init__(self, outcome: str, task: ClaimedTask, detail: str) -> None:
        self.outcome = outcome
        # Which task; never its input, which may hold revealed secrets.
        self.token = task["token"]
        self.task_type = task["type"]
        self.instance_id = task["instanceId"]
        self.step = task["step"]
        super().__init__(f'the result of step "{self.step}" of instance {self.instance_id} was {outcome}: {detail}')


class TaskError(Exception):
    """
    Raise from a handler to fail the task with an error name of your choosing (default: the class
    name, so `class CardDeclined(TaskError)` fails with CardDeclined) and a message.
    Any other exception fails the task too, named by its class.
    """

    retryable: bool = True

    def __init__(self, message: str, *, name: str | None = None, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.name = name or type(self).__name__
        if retryable is not None:
            self.retryable = retryable


class NonRetryableError(TaskError):
    """A failure retrying cannot help: the step's retry policy is skipped (its `catch` still applies)."""

    retryable = False
