"""A real HTTP receiver of webhooks on a local port, for the notification tests.

It can be down (the port is taken but nobody listens: connection refused), answer a
scripted list of statuses (then 200), or stall longer than the sender waits. It records
every request it reads, with its raw body, and verifies signatures with the receiver code
of docs/webhooks.md, executed from the document itself.
"""

import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parent.parent / "docs" / "webhooks.md"


def documented_verify() -> Any:
    """The ``verify`` function of docs/webhooks.md (its first Python block)."""
    code = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert code, "docs/webhooks.md has no Python block"
    namespace: dict[str, Any] = {}
    exec(compile(code.group(1), str(DOC), "exec"), namespace)  # noqa: S102
    return namespace["verify"]


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def event_id(self) -> str:
        return self.headers["x-ks-event-id"]


class Receiver:
    def __init__(self) -> None:
        self._placeholder: socket.socket | None = socket.socket()
        self._placeholder.bind(("127.0.0.1", 0))  # bound, not listening: refused
        self.port = self._placeholder.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/support"
        self.requests: list[Received] = []
        self.answers: list[int] = []  # statuses to answer next, in order; then 200
        self.stall_seconds = 0.0  # the next request waits this long before answering
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    def up(self) -> "Receiver":
        if self._server is None:
            if self._placeholder is not None:
                self._placeholder.close()
                self._placeholder = None
            self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
            self._server.daemon_threads = True
            threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._placeholder is not None:
            self._placeholder.close()

    def event_ids(self) -> list[str]:
        return [request.event_id for request in self.requests]

    def _next(self, received: Received) -> tuple[int, float]:
        with self._lock:
            self.requests.append(received)
            status = self.answers.pop(0) if self.answers else 200
            stall, self.stall_seconds = self.stall_seconds, 0.0
        return status, stall

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {key.lower(): value for key, value in self.headers.items()}
                status, stall = receiver._next(Received(headers=headers, body=body))
                time.sleep(stall)
                try:
                    self.send_response(status)
                    if status in (429, 503):
                        self.send_header("Retry-After", "120" if status == 429 else "1")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the sender gave up waiting
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
