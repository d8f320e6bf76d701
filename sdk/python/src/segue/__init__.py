"""
Segue's client and workers for Python, over the REST API.

    from segue import SegueClient, Worker

The guide is docs/python.md in the Segue repository.
"""

from .client import AsyncSegueClient, SegueClient
from .context import TaskContext
from .errors import NetworkError, NonRetryableError, ProblemError, SegueError, TaskError, TaskResultError
from .worker import Handler, Worker

__all__ = [
    "AsyncSegueClient",
    "Handler",
    "NetworkError",
    "NonRetryableError",
    "ProblemError",
    "SegueClient",
    "SegueError",
    "TaskContext",
    "TaskError",
    "TaskResultError",
    "Worker",
]
