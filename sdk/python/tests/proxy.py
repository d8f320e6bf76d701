"""A proxy in front of a real server that can answer for it: refuse `next` as an older server would, or fail requests with a 503."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator
from contextlib import contextmanager

PROBLEM = "application/problem+json"


class Proxy:
    def __init__(self, target: str) -> None:
        self.target = target
        self.refuse_next = False
        self.refused = 0
        self.requests: Counter[str] = Counter()
        self._failures: Counter[str] = Counter()
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy._handle(self, b"")

            def do_POST(self) -> None:
                proxy._handle(self, self.rfile.read(int(self.headers.get("content-length", "0"))))

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a worker hanging up on a long poll when it stops

        self._http = Quiet(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def fail(self, path: str, times: int) -> None:
        """The next `times` requests to `path` get a 503 without reaching the server."""
        with self._lock:
            self._failures[path] += times

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        path = handler.path.split("?")[0]
        with self._lock:
            self.requests[path] += 1
            failing = self._failures[path] > 0
            if failing:
                self._failures[path] -= 1
        if failing:
            return self._answer(handler, 503, PROBLEM, json.dumps({"type": "about:blank", "title": "Unavailable", "status": 503, "detail": "failing on purpose"}).encode())
        if self.refuse_next and path == "/v1/tasks/results" and "next" in json.loads(body):
            with self._lock:
                self.refused += 1
            detail = 'the body has an unknown field "next"'
            return self._answer(handler, 400, PROBLEM, json.dumps({"type": "about:blank", "title": "Bad request", "status": 400, "detail": detail}).encode())
        request = urllib.request.Request(self.target + handler.path, data=body or None, method=handler.command)
        for name in ("content-type", "authorization", "accept"):
            if handler.headers.get(name):
                request.add_header(name, handler.headers[name])
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                self._answer(handler, response.status, response.headers.get("content-type", ""), response.read())
        except urllib.error.HTTPError as err:
            self._answer(handler, err.code, err.headers.get("content-type", ""), err.read())

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, content_type: str, body: bytes) -> None:
        handler.send_response(status)
        if content_type:
            handler.send_header("content-type", content_type)
        handler.send_header("content-length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


@contextmanager
def proxy_of(target: str) -> Iterator[Proxy]:
    p = Proxy(target)
    try:
        yield p
    finally:
        p.close()
