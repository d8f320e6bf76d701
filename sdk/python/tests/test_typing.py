"""The package is typed (it ships py.typed): its annotations, and the example worker using them, pass mypy --strict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import segue

PACKAGE = Path(segue.__file__).parent
SDK = Path(__file__).resolve().parents[1]


def mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary", "--cache-dir", str(SDK / ".mypy_cache"), *args], capture_output=True, text=True)


def test_ships_the_py_typed_marker() -> None:
    assert (PACKAGE / "py.typed").exists()


def test_the_package_and_the_example_worker_pass_mypy_strict() -> None:
    checked = mypy("--strict", str(SDK / "src" / "segue"), str(SDK / "examples"))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_answers_of_retry_the_operator_calls_and_the_event_calls_read_as_typed() -> None:
    # These tests read the answers as a user would (an Evaluation told apart by `ok`, the
    # `attention` of an instance needing it, a RetryPreview's "from", a subscription's `secret`,
    # the feed's CloudEvents): mypy --strict must agree.
    tests = Path(__file__).resolve().parent
    checked = mypy("--strict", *(str(tests / name) for name in ("test_redrive.py", "test_triage.py", "test_events.py")))
    assert checked.returncode == 0, checked.stdout + checked.stderr
