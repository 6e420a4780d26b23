"""Soak and faults: two web processes, two workers, mixed traffic, and a kill -9 every minute.

Two gunicorn servers (each its own process group: master and workers) on two ports and two
`manage.py run_worker` processes serve a database of their own (`plaint_soak`). Client threads send
mixed traffic, round-robin over the two ports: the marketplace files reports with an Idempotency-Key
(retried with the same key on a connection error or a 5xx, as a real client does), merchants answer
(accept or contest), reviewers claim the next case and decide it, and readers read lists and case
pages. Every `--kill-every` seconds one web server and one worker (alternating) are killed with
SIGKILL and started again. A local HTTP receiver counts webhooks, a local SMTP server (aiosmtpd)
counts e-mails, each by its Idempotency-Key / Message-ID.

At the end the workers drain the outbox (bounded), and the run prints reports acknowledged vs
stored, duplicate cases, outbox messages delivered at least once, the error rate and latencies. It
exits non-zero when an acknowledged report is missing or a duplicate case exists.

    make soak                                   # ten minutes
    python -m bench.soak --minutes 5 --kill-every 60
"""

import argparse
import http.client
import io
import itertools
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOAK_DB = "plaint_soak"
ORDERS = 40_000
MERCHANTS = 4
DRAIN_SECONDS = 180


# ---- counting (plain functions, unit-tested in tests/test_soak_counting.py) ----------------------------


def percentile(values: list[float], share: float) -> float:
    """Return the value below which `share` (0..1) of `values` lie (nearest rank); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil, at least the first
    return ordered[int(rank) - 1]


def lost(acknowledged: dict[str, str], stored: Iterable[str]) -> list[str]:
    """Return the acknowledged references (reference -> key) that are not among the stored ones."""
    stored = set(stored)
    return sorted(reference for reference in acknowledged if reference not in stored)


def duplicates(rows: Iterable[tuple]) -> dict[tuple, int]:
    """Return each identity (a key tuple: idempotency key, or reporter + order + category) seen more than once."""
    counts = Counter(rows)
    return {row: n for row, n in counts.items() if n > 1}


def delivered_share(due: Iterable[str], seen: Iterable[str]) -> tuple[int, int, list[str]]:
    """Return (delivered, due, missing keys): how many due message keys the receiver saw at least once."""
    due = set(due)
    missing = sorted(due - set(seen))
    return len(due) - len(missing), len(due), missing


def error_rate(outcomes: Counter) -> float:
    """Return the share of requests that ended in a 5xx or a connection error (outcome "conn")."""
    total = sum(outcomes.values())
    bad = sum(n for outcome, n in outcomes.items() if outcome == "conn" or str(outcome).startswith("5"))
    return bad / total if total else 0.0


# ---- receivers ------------------------------------------------------------------------------------------


class Seen:
    """Keys received (each with how many times), shared by the receivers' threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter = Counter()

    def add(self, key: str) -> None:
        with self.lock:
            self.counts[key] += 1

    def snapshot(self) -> Counter:
        with self.lock:
            return Counter(self.counts)


def start_webhook_receiver(seen: Seen) -> int:
    """Serve 200 to every POST on a free port in a thread, counting Idempotency-Keys; return the port."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen.add(self.headers.get("Idempotency-Key", ""))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def start_smtp_receiver(seen: Seen) -> object:
    """Run an aiosmtpd server on a free port counting Message-IDs; return its controller (has .port)."""
    from email import message_from_bytes

    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            message = message_from_bytes(envelope.content)
            seen.add(str(message.get("Message-ID", "")).strip("<>").removesuffix("@plaint"))
            return "250 Message accepted for delivery"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    controller.port = port
    return controller


# ---- processes ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Supervised:
    """A process group started in a session of its own, so kill -9 takes its children with it."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.command, self.env, self.log = name, command, env, log
        self.process: subprocess.Popen | None = None
        self.kills = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=out, stderr=out, start_new_session=True
            )

    def kill9(self) -> None:
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
            self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def wait_listening(port: int, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listened on {port} within {seconds:.0f} s")


# ---- the data -------------------------------------------------------------------------------------------


@dataclass
class Tokens:
    marketplace: str
    merchants: list[str]
    reviewers: list[str]


def seed(webhook_url: str) -> Tokens:
    """Make merchants, consumers SC1..n each with one delivered order SO1..n, staff with tokens, an endpoint."""
    from datetime import timedelta
    from decimal import Decimal

    from django.db import connection
    from django.utils import timezone

    from plaint.accounts.models import ApiToken, Role, User
    from plaint.marketplace.actions import upsert_listing, upsert_merchant, upsert_order
    from plaint.marketplace.inputs import ListingIn, MerchantIn, OrderIn
    from plaint.marketplace.models import Merchant
    from plaint.notifications.models import WebhookEndpoint

    delivered = timezone.now() - timedelta(days=2)
    for n in range(1, MERCHANTS + 1):
        upsert_merchant(
            MerchantIn(id=f"M-S{n}", name=f"Soak Shop {n}", country="JP", contact_email=f"shop{n}@soak.example")
        )
        upsert_listing(ListingIn(id=f"L-S{n}", merchant_id=f"M-S{n}", title="Cream"))
        upsert_order(
            OrderIn(
                id=f"O-T{n}",
                consumer={"id": f"C-T{n}", "name": "Template", "email": f"t{n}@soak.example"},
                merchant_id=f"M-S{n}",
                amount_paid=Decimal("100"),
                paid_at=delivered - timedelta(days=3),
                delivered_at=delivered,
                items=[{"listing_id": f"L-S{n}", "title": "Cream", "unit_price": "100"}],
            )
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO marketplace_consumer (external_id, name, email, phone, language, created_at, updated_at) "
            "SELECT 'SC' || i, 'Consumer ' || i, 'c' || i || '@soak.example', '', 'zh-hans', now(), now() "
            "FROM generate_series(1, %s) i",
            [ORDERS],
        )
        # Order SOi belongs to consumer SCi and to merchant M-S(i mod n + 1), copied from that merchant's template.
        cursor.execute(
            "INSERT INTO marketplace_order (external_id, consumer_id, merchant_id, currency, amount_paid, tariff_paid, "
            "paid_at, shipped_at, delivered_at, created_at, updated_at) "
            "SELECT 'SO' || i, c.id, t.merchant_id, t.currency, t.amount_paid, t.tariff_paid, t.paid_at, t.shipped_at, "
            "t.delivered_at, now(), now() FROM generate_series(1, %s) i "
            "JOIN marketplace_consumer c ON c.external_id = 'SC' || i "
            "JOIN marketplace_order t ON t.external_id = 'O-T' || (i %% %s + 1)",
            [ORDERS, MERCHANTS],
        )
    market = User.objects.create_user("soak-marketplace", role=Role.MARKETPLACE)
    merchants = []
    for merchant in Merchant.objects.filter(external_id__startswith="M-S").order_by("external_id"):
        user = User.objects.create_user(f"soak-{merchant.external_id}", role=Role.MERCHANT, merchant=merchant)
        merchants.append(ApiToken.issue(user)[1])
    reviewers = [ApiToken.issue(User.objects.create_user(f"soak-rev{n}", role=Role.REVIEWER))[1] for n in (1, 2)]
    WebhookEndpoint.objects.create(name="soak receiver", url=webhook_url, secret="soak-secret")
    return Tokens(ApiToken.issue(market)[1], merchants, reviewers)


def jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "#d4a373").save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def multipart(fields: dict[str, str], files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "soak" + uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    for name, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="p.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# ---- the load -------------------------------------------------------------------------------------------


@dataclass
class Load:
    ports: list[int]
    tokens: Tokens
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    outcomes: Counter = field(default_factory=Counter)  # "2xx", "4xx", "5xx", "conn" -> requests
    statuses: Counter = field(default_factory=Counter)  # (action, status) -> requests
    latencies: dict[str, list[float]] = field(default_factory=dict)  # action -> seconds of answered requests
    acknowledged: dict[str, str] = field(default_factory=dict)  # reference -> Idempotency-Key
    replays: int = 0  # acknowledgements that were a retry answered 200 with the case of the first attempt
    gave_up: int = 0  # filings abandoned after retrying for a minute (not acknowledged)
    to_answer: list[tuple[str, int]] = field(default_factory=list)
    orders: itertools.count = field(default_factory=lambda: itertools.count(1))
    turn: itertools.count = field(default_factory=itertools.count)

    def request(
        self,
        action: str,
        method: str,
        path: str,
        token: str,
        body: bytes | None = None,
        content_type: str = "",
        key: str = "",
    ) -> tuple[int | str, bytes]:
        """Send one request to the next port; return (status or "conn", body) and record it."""
        port = self.ports[next(self.turn) % len(self.ports)]
        headers = {"Authorization": f"Bearer {token}"}
        if content_type:
            headers["Content-Type"] = content_type
        if key:
            headers["Idempotency-Key"] = key
        began = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            status, data = response.status, response.read()
            conn.close()
        except (OSError, http.client.HTTPException):
            status, data = "conn", b""
        elapsed = time.perf_counter() - began
        with self.lock:
            self.outcomes[status if status == "conn" else f"{status // 100}xx"] += 1
            self.statuses[action, status] += 1
            if status != "conn":
                self.latencies.setdefault(action, []).append(elapsed)
        return status, data

    def file(self, photo: bytes) -> None:
        n = next(self.orders)
        if n > ORDERS:
            self.stop.wait(1)
            return
        fields = {
            "target_type": "order",
            "target_id": f"SO{n}",
            "consumer_id": f"SC{n}",
            "category": "not_as_described",
            "description": "页面写无添加，实物配料表含香精。The label differs from the listing.",
            "remedy_wanted": "refund",
            "evidence_kind": "photo_of_product",
        }
        body, content_type = multipart(fields, [("evidence", photo)])
        key = f"soak-{uuid.uuid4().hex}"
        deadline = time.monotonic() + 60
        first = True
        while time.monotonic() < deadline:
            status, data = self.request(
                "file", "POST", "/api/reports", self.tokens.marketplace, body, content_type, key
            )
            if status in (200, 201):
                reference = json.loads(data)["reference"]
                with self.lock:
                    self.acknowledged[reference] = key
                    self.replays += status == 200 and not first
                    self.to_answer.append((reference, n % MERCHANTS))
                return
            if status != "conn" and status < 500:
                raise SystemExit(f"filing SO{n} refused: {status} {data[:300]!r}")
            first = False
            time.sleep(random.uniform(0.2, 1.0))  # a connection error or 5xx: the same request, the same key
        with self.lock:
            self.gave_up += 1

    def answer(self) -> None:
        with self.lock:
            item = self.to_answer.pop(0) if self.to_answer else None
        if item is None:
            self.stop.wait(0.5)
            return
        reference, merchant = item
        kind = random.choice(["accept", "contest"])
        body, content_type = multipart({"kind": kind, "explanation": "页面描述无误。The listing is accurate."}, [])
        # Orders SOi belong to merchant M-S(i mod n + 1): tokens are in merchant-id order.
        self.request(
            "answer", "POST", f"/api/cases/{reference}/response", self.tokens.merchants[merchant], body, content_type
        )

    def review(self, token: str) -> None:
        status, data = self.request("claim next", "POST", "/api/review/next", token, b"", "application/json")
        if status != 200:
            self.stop.wait(0.5)
            return
        reference = json.loads(data)["reference"]
        decision = {
            "outcome": "not_upheld",
            "reason_codes": ["insufficient_evidence"],
            "statement": "照片不足以证明配料表与页面不符。The photo does not show the label.",
        }
        self.request(
            "decide",
            "POST",
            f"/api/review/cases/{reference}/decision",
            token,
            json.dumps(decision).encode(),
            "application/json",
        )

    def read(self) -> None:
        reviewer = self.tokens.reviewers[0]
        choice = random.random()
        if choice < 0.3:
            self.request("read", "GET", "/api/cases", random.choice(self.tokens.merchants))
        elif choice < 0.5:
            self.request("read", "GET", "/api/review/queue", reviewer)
        else:
            with self.lock:
                references = list(self.acknowledged)[-200:]
            if references:
                self.request("read", "GET", f"/api/cases/{random.choice(references)}", reviewer)
        self.stop.wait(0.05)

    def run(self, role: str, **kwargs: object) -> None:
        photo = jpeg()
        while not self.stop.is_set():
            if role == "file":
                self.file(photo)
            elif role == "answer":
                self.answer()
            elif role == "review":
                self.review(kwargs["token"])
            else:
                self.read()


# ---- the run --------------------------------------------------------------------------------------------


def machine() -> str:
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    return f"{os.cpu_count()} cores, {memory:.0f} GiB, load average {load}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--kill-every", type=float, default=60, help="seconds between kills")
    parser.add_argument("--filers", type=int, default=3)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from bench.common import fresh_database

    began_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"soak: {began_at}, {machine()} at the start")
    fresh_database(SOAK_DB)  # sets PLAINT_DATABASE_URL to the soak's database and Django up
    hooks, mails = Seen(), Seen()
    webhook_port = start_webhook_receiver(hooks)
    smtp = start_smtp_receiver(mails)
    tokens = seed(f"http://127.0.0.1:{webhook_port}/hook")

    from django.db import connection

    connection.close()
    logs = ROOT / "var" / "soak"  # the processes' output and the evidence files, anew each run
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    media = logs / "media"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "plaint.settings",
        "PLAINT_MEDIA_ROOT": str(media),
        "PLAINT_DB_CONN_MAX_AGE": "600",
        "PLAINT_LOG_LEVEL": "ERROR",
        "PLAINT_TASKS": "inprocess",
        "PLAINT_SMTP_HOST": "127.0.0.1",
        "PLAINT_SMTP_PORT": str(smtp.port),
        "PLAINT_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    }
    ports = [free_port(), free_port()]
    webs = [
        Supervised(
            f"web{i + 1}",
            [sys.executable, "-m", "gunicorn", "plaint.wsgi:application", "--config", str(ROOT / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{port}", "--workers", "2", "--worker-class", "gthread", "--threads", "4",
             "--log-level", "warning"],
            env,
            logs / f"web{i + 1}.log",
        )
        for i, port in enumerate(ports)
    ]  # fmt: skip
    workers = [
        Supervised(f"worker{i}", [sys.executable, "manage.py", "run_worker"], env, logs / f"worker{i}.log")
        for i in (1, 2)
    ]
    for process in webs + workers:
        process.start()
    for port in ports:
        wait_listening(port)

    load = Load(ports, tokens)
    threads = [threading.Thread(target=load.run, args=("file",)) for _ in range(args.filers)]
    threads.append(threading.Thread(target=load.run, args=("answer",)))
    threads += [threading.Thread(target=load.run, args=("review",), kwargs={"token": t}) for t in tokens.reviewers]
    threads.append(threading.Thread(target=load.run, args=("read",)))
    for thread in threads:
        thread.start()
    started = time.monotonic()
    end = started + args.minutes * 60
    kills = 0
    try:
        while True:
            now = time.monotonic()
            next_kill = started + (kills + 1) * args.kill_every
            if next_kill >= end:
                time.sleep(max(0.0, end - now))
                break
            time.sleep(max(0.0, next_kill - now))
            web, worker = webs[kills % 2], workers[kills % 2]
            web.kill9()
            worker.kill9()
            kills += 1
            print(
                f"  {time.monotonic() - started:6.0f} s: kill -9 {web.name} and {worker.name}; restarting", flush=True
            )
            web.start()
            worker.start()
    finally:
        load.stop.set()
        for thread in threads:
            thread.join()
    load_seconds = time.monotonic() - started

    # Drain: both workers run on until every message is delivered or dead, for at most DRAIN_SECONDS.
    from django.utils import timezone

    from plaint.cases.models import Case, Report
    from plaint.notifications.models import MessageStatus, OutboxMessage

    drain_began = time.monotonic()
    while time.monotonic() - drain_began < DRAIN_SECONDS:
        if not OutboxMessage.objects.filter(status=MessageStatus.PENDING, next_attempt_at__lte=timezone.now()).exists():
            break
        time.sleep(1)
    drained = time.monotonic() - drain_began
    time.sleep(1)
    for process in webs + workers:
        process.stop()
    smtp.stop()

    stored = Case.objects.filter(reference__in=list(load.acknowledged)).values_list("reference", flat=True)
    missing = lost(load.acknowledged, stored)
    by_key = duplicates(Report.objects.exclude(idempotency_key=None).values_list("filed_by_id", "idempotency_key"))
    by_matter = duplicates(Report.objects.values_list("reporter_id", "order_id", "category"))
    cases = Case.objects.count()
    now = timezone.now()
    due = OutboxMessage.objects.filter(created_at__lte=now)
    hook_keys = list(due.filter(channel="webhook").values_list("idempotency_key", flat=True))
    mail_keys = list(due.filter(channel="email").values_list("idempotency_key", flat=True))
    hooks_seen, mails_seen = hooks.snapshot(), mails.snapshot()
    hook_done, hook_due, hook_missing = delivered_share(hook_keys, hooks_seen)
    mail_done, mail_due, mail_missing = delivered_share(mail_keys, mails_seen)
    still_pending = OutboxMessage.objects.filter(status=MessageStatus.PENDING).count()
    dead = OutboxMessage.objects.filter(status=MessageStatus.DEAD).count()
    total_requests = sum(load.outcomes.values())
    latencies_ms = [v * 1000 for values in load.latencies.values() for v in values]

    print(f"soak and faults: {began_at}, {args.minutes:g} min of load, kill -9 every {args.kill_every:g} s")
    print(f"  machine            : {machine()} at the end")
    print(
        f"  processes          : 2 gunicorn (2 gthread workers x 4 threads each), 2 run_worker; "
        f"{kills} kills of each kind ({', '.join(f'{p.name} {p.kills}' for p in webs + workers)})"
    )
    print(
        f"  reports            : acknowledged {len(load.acknowledged)} (of which {load.replays} answered a retry "
        f"with the first attempt's case), stored {len(set(stored))}, lost {len(missing)}, "
        f"abandoned after a minute of retries {load.gave_up}; cases in the database {cases}"
    )
    print(f"  duplicate cases    : same Idempotency-Key {len(by_key)}, same reporter+order+category {len(by_matter)}")
    print(
        f"  webhooks           : {hook_done}/{hook_due} delivered at least once "
        f"({sum(hooks_seen.values()) - len(hooks_seen)} repeat deliveries)"
    )
    print(
        f"  e-mails            : {mail_done}/{mail_due} delivered at least once "
        f"({sum(mails_seen.values()) - len(mails_seen)} repeat deliveries)"
    )
    print(f"  outbox after drain : {still_pending} pending, {dead} dead, drained in {drained:.0f} s")
    print(
        f"  requests           : {total_requests} in {load_seconds:.0f} s ({total_requests / load_seconds:.1f}/s): "
        + ", ".join(f"{k} {v}" for k, v in sorted(load.outcomes.items()))
    )
    print(f"  error rate         : {error_rate(load.outcomes) * 100:.2f} % (5xx and connection errors / requests)")
    print(
        f"  latency            : p50 {percentile(latencies_ms, 0.5):.0f} ms, "
        f"p99 {percentile(latencies_ms, 0.99):.0f} ms (every answered request)"
    )
    for action in ("file", "answer", "claim next", "decide", "read"):
        answered = [v * 1000 for v in load.latencies.get(action, [])]
        statuses = sorted((str(s), n) for (a, s), n in load.statuses.items() if a == action)
        print(
            f"    {action:10} : "
            + ", ".join(f"{s} {n}" for s, n in statuses)
            + f"; p50 {percentile(answered, 0.5):.0f} ms, p99 {percentile(answered, 0.99):.0f} ms"
        )
    failures = []
    if missing:
        failures.append(f"acknowledged reports lost: {missing[:10]}")
    if by_key or by_matter:
        failures.append(f"duplicate cases: {list(by_key)[:5]} {list(by_matter)[:5]}")
    if hook_missing or mail_missing:
        print(f"  not delivered      : webhooks {hook_missing[:5]}, e-mails {mail_missing[:5]}")
    if failures:
        raise SystemExit("FAIL: " + "; ".join(failures))
    print("  OK: nothing acknowledged lost, no duplicate case")


if __name__ == "__main__":
    main()
