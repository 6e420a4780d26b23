"""Benchmark: outbox messages delivered per second to a local HTTP receiver, on PostgreSQL.

Two paths, the same messages: the default in-process worker (`manage.py run_worker`, what
`manage.py serve` runs in a thread) and Celery (two worker processes, one job at a time each,
Redis as broker). The receiver is its own process and counts requests and distinct
Idempotency-Keys, so the run also checks that nothing was sent twice. The rate is the number of
messages over the time from the first delivery to the last (delivered_at in the database).

    make bench                       # PLAINT_DATABASE_URL points at PostgreSQL; a database of its own is made
    BENCH_MESSAGES=2000 python -m bench.delivery
"""

import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "plaint_bench_delivery"
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "2000"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def sibling(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def recreate_database(url: str) -> None:
    with psycopg.connect(sibling(url, "postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")


def receive(port: int) -> None:
    """Run the receiver (a process of its own): 200 to every POST; GET says what it counted."""
    seen: set[str] = set()
    counts = {"requests": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver behind a proxy would
        disable_nagle_algorithm = True  # else each small answer waits on a delayed ACK (40 ms)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            counts["requests"] += 1
            seen.add(self.headers.get("Idempotency-Key", ""))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def do_GET(self) -> None:
            body = json.dumps({"requests": counts["requests"], "distinct": len(seen)}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def counted(port: int) -> dict[str, int]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
        return json.loads(response.read())


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def enqueue(count: int, label: str) -> None:
    from django.db import transaction
    from django.utils import timezone

    from plaint.notifications.outbox import enqueue_webhook

    now = timezone.now()
    with transaction.atomic():
        for number in range(count):
            enqueue_webhook("case.bench", {"n": number, "run": label}, key=f"{label}-{number}", now=now)


def wait_delivered(label: str, count: int, timeout: float) -> float:
    """Wait until every message of the run is delivered; return messages per second, first to last delivery."""
    from django.db.models import Max, Min

    from plaint.notifications.models import MessageStatus, OutboxMessage

    rows = OutboxMessage.objects.filter(idempotency_key__startswith=f"{label}-")
    end = time.monotonic() + timeout
    while rows.filter(status=MessageStatus.DELIVERED).count() < count:
        if time.monotonic() > end:
            raise SystemExit(f"{label}: not every message was delivered within {timeout:.0f} s")
        time.sleep(0.2)
    span = rows.aggregate(first=Min("delivered_at"), last=Max("delivered_at"))
    seconds = (span["last"] - span["first"]).total_seconds()
    return count / seconds if seconds > 0 else float("inf")


def cpu_seconds(pids: list[int]) -> float:
    """Return the CPU time (user + system) the processes have used so far, from /proc."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def main() -> None:
    url = os.environ.get("PLAINT_DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("Set PLAINT_DATABASE_URL to a PostgreSQL server (make bench does).")
    recreate_database(url)
    db_url = sibling(url, BENCH_DB)
    env = dict(os.environ, PLAINT_DATABASE_URL=db_url, DJANGO_SETTINGS_MODULE="plaint.settings")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0", "--noinput"], cwd=ROOT, env=env, check=True)
    os.environ.update(PLAINT_DATABASE_URL=db_url, DJANGO_SETTINGS_MODULE="plaint.settings")
    import django

    django.setup()
    from plaint.notifications.models import WebhookEndpoint

    port = free_port()
    receiver = subprocess.Popen([sys.executable, "-m", "bench.delivery", "receive", str(port)], cwd=ROOT)
    time.sleep(0.5)
    WebhookEndpoint.objects.create(name="bench", url=f"http://127.0.0.1:{port}/hook", secret="bench")
    results = {}
    try:
        # 1. The default path: the in-process worker, as `make demo` runs it.
        worker = subprocess.Popen([sys.executable, "manage.py", "run_worker"], cwd=ROOT, env=env)
        try:
            time.sleep(3)  # started and idle, so its start-up is not counted
            cpu = cpu_seconds([worker.pid])
            enqueue(MESSAGES, "inprocess")
            rate = wait_delivered("inprocess", MESSAGES, timeout=120)
            results["in-process worker"] = (rate, (cpu_seconds([worker.pid]) - cpu) / MESSAGES * 1000)
        finally:
            stop(worker)

        # 2. Celery: two worker processes, one job at a time each, on Redis.
        import redis
        from celery import Celery

        broker = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        try:
            broker.ping()
        except redis.exceptions.ConnectionError as exc:
            raise SystemExit(f"Redis is not reachable at {REDIS_URL}: {exc}") from exc
        queue = f"plaint-bench-{uuid.uuid4().hex[:8]}"
        celery_env = env | {
            "PLAINT_TASKS": "celery",
            "PLAINT_CELERY_BROKER_URL": REDIS_URL,
            "PLAINT_CELERY_QUEUE": queue,
        }
        celery_bin = str(Path(sys.executable).parent / "celery")
        workers = [
            subprocess.Popen(
                [
                    celery_bin,
                    "-A",
                    "plaint",
                    "worker",
                    "--pool=solo",
                    "--concurrency=1",
                    "-Q",
                    queue,
                    "-n",
                    f"bench{n}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-l",
                    "warning",
                ],
                cwd=ROOT,
                env=celery_env,
            )
            for n in (1, 2)
        ]
        try:
            time.sleep(4)  # both workers up before the work arrives, so both can take a share
            cpu = cpu_seconds([w.pid for w in workers])
            enqueue(MESSAGES, "celery")
            sender = Celery("bench", broker=REDIS_URL)
            for _ in workers:  # what beat sends; each task queues the next while batches come back full
                sender.send_task("plaint.run_periodic", args=["plaint.notifications.delivery.deliver_due"], queue=queue)
            rate = wait_delivered("celery", MESSAGES, timeout=120)
            results["Celery, 2 workers"] = (rate, (cpu_seconds([w.pid for w in workers]) - cpu) / MESSAGES * 1000)
        finally:
            for process in workers:
                stop(process)
            broker.delete(queue)
        seen = counted(port)
    finally:
        stop(receiver)

    print(f"\nOutbox delivery to a local HTTP receiver, PostgreSQL, {MESSAGES} messages per path:")
    for path, (rate, cpu_ms) in results.items():
        print(f"  {path:<20} {rate:8.0f} messages/s   worker CPU {cpu_ms:.2f} ms per message")
    print(f"  receiver: {seen['requests']} requests, {seen['distinct']} distinct Idempotency-Keys")
    if seen["requests"] != 2 * MESSAGES or seen["distinct"] != 2 * MESSAGES:
        raise SystemExit("a message was lost or sent twice")


if __name__ == "__main__":
    if sys.argv[1:2] == ["receive"]:
        receive(int(sys.argv[2]))
    else:
        main()
