"""A worker process with one slow handler, for the signal tests: `python slow_worker.py <url> <task type> <seconds>`."""

import sys
import time

from segue import TaskContext, Worker

url, task_type, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])


def slow(input: object, ctx: TaskContext) -> str:
    print(f"started attempt {ctx.attempt}", flush=True)
    time.sleep(seconds)
    return f"done after {seconds} s"


print("polling", flush=True)
Worker(url, {task_type: slow}, poll_wait=1).run()
print("stopped", flush=True)
