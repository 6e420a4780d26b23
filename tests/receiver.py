"""A real HTTP receiver on 127.0.0.1 for webhook tests: records every request, can fail on purpose."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """Answers 500 to the first `fail_first` requests, then 200; remembers the Idempotency-Keys it stored.

    With a `verifier` (headers, body -> bool) it checks each request first, as a receiver must, and
    answers 401 without storing anything when the check fails.
    """

    def __init__(
        self,
        fail_first: int = 0,
        port: int = 0,
        delay: float = 0.0,
        verifier: Callable[[Message, bytes], bool] | None = None,
    ):
        self.fail_first = fail_first
        self.delay = delay
        self.verifier = verifier
        self.refused = 0  # requests whose signature the verifier refused
        self.requests: list[Received] = []  # every request, failed ones included
        self.stored: dict[str, bytes] = {}  # what a receiver honouring the key keeps: one body per key
        self.duplicates = 0
        self.arrivals = 0  # requests that reached the handler; more than len(requests) while one is in flight
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.arrivals += 1
                if receiver.delay:
                    # A slow receiver (crash and lease tests): the answer takes this long.
                    time.sleep(receiver.delay)
                if receiver.verifier is not None and not receiver.verifier(self.headers, body):
                    with receiver._lock:
                        receiver.requests.append(Received(self.path, dict(self.headers), body))
                        receiver.refused += 1
                    self.send_response(401)
                    self.end_headers()
                    self.wfile.write(b"bad signature")
                    return
                with receiver._lock:
                    receiver.requests.append(Received(self.path, dict(self.headers), body))
                    failing = receiver.fail_first > 0
                    if failing:
                        receiver.fail_first -= 1
                    else:
                        key = self.headers.get("Idempotency-Key", "")
                        if key in receiver.stored:
                            receiver.duplicates += 1
                        receiver.stored.setdefault(key, body)
                self.send_response(500 if failing else 200)
                self.end_headers()
                self.wfile.write(b"down" if failing else b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/plaint"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "Receiver":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def successful(self) -> list[Received]:
        return [r for r in self.requests if r.headers.get("Idempotency-Key") in self.stored]
