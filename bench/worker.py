"""
The benchmark worker in Python: serves bench/handlers.ts's task types from a `segue serve` over
HTTP with the segue package (sdk/python), for W4 with BENCH_WORKER=python.
    SEGUE_URL=http://127.0.0.1:8080 python bench/worker.py
Prints "bench worker ready" once started; stops on SIGTERM once the handlers in flight finished.
"""

import os
import sys

from segue import TaskContext, TaskError, Worker
from segue.types import Json

# As bench/handlers.ts: attempts of bench.flaky that fail before one succeeds.
FLAKY_FAILURES = 2


def with_done(input: Json) -> Json:
    return {**input, "done": True} if isinstance(input, dict) else {"value": input, "done": True}


# async def: no work to move off the event loop, so no thread per call.
async def noop(input: Json, ctx: TaskContext) -> Json:
    return with_done(input)


async def flaky(input: Json, ctx: TaskContext) -> Json:
    if ctx.attempt <= FLAKY_FAILURES:
        raise TaskError(f"attempt {ctx.attempt} fails on purpose", name="Flaky")
    return with_done(input)


url = os.environ["SEGUE_URL"]
concurrency = int(os.environ.get("BENCH_WORKER_CONCURRENCY", "16"))
worker = Worker(
    url,
    {"bench.noop": noop, "bench.flaky": flaky},
    concurrency=concurrency,
    on_error=lambda err: print(f"bench worker: {err}", file=sys.stderr),
)
print(f"bench worker ready ({url}, concurrency {concurrency})", flush=True)
worker.run()
