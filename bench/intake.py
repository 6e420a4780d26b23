"""Benchmark: reports created per second through the API, on PostgreSQL, served by gunicorn.

8 concurrent clients (wrk) each POST multipart reports with one small JPEG photo. Prints
reports/s and p50 / p99 latency, and checks that every 201 made exactly one case.

    make bench            # PLAINT_DATABASE_URL points at PostgreSQL; the bench makes its own database
"""

import io
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from bench.floor_tables import create_tables

ROOT = Path(__file__).resolve().parent.parent
DURATION = int(os.environ.get("BENCH_SECONDS", "20"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "sync")
THREADS = os.environ.get("BENCH_THREADS", "1")
BENCH_DB = "plaint_bench"
WARM_UP_SECONDS = int(os.environ.get("BENCH_WARM_UP_SECONDS", "10"))
# Orders O-B1..O-Bn, one per report: the warm-up takes the first WARM_UP_ORDERS, the run the rest.
WARM_UP_ORDERS = 10_000
ORDERS = WARM_UP_ORDERS + DURATION * 1_500
# Real traffic is many consumers, each filing a few reports: the rulebook limits one reporter to 5 an hour.
REPORTS_PER_CONSUMER = 4
CONSUMERS = -(-ORDERS // REPORTS_PER_CONSUMER)


def admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


def bench_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + BENCH_DB


def recreate_database(url: str) -> None:
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")


def setup_data(env: dict[str, str]) -> None:
    """Migrate; make a merchant and CONSUMERS consumers, each with an account, a bearer token and its orders.

    Consumer C-B<c> has the token bench-<c> and the orders O-B<4c-3> .. O-B<4c> (REPORTS_PER_CONSUMER):
    one report per order (a second open report of the same order and category would be refused), and no
    consumer files more than the rulebook's [intake.limits] allow in an hour (5 from version 3 on). The
    floor's token table gets the same tokens' hashes.
    """
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0", "--noinput"], cwd=ROOT, env=env, check=True)
    with psycopg.connect(env["PLAINT_DATABASE_URL"], autocommit=True) as conn:
        create_tables(conn.cursor())
    script = """
import django, os
django.setup()
from datetime import timedelta
from decimal import Decimal
from django.db import connection
from django.utils import timezone
from plaint.accounts.models import ApiToken, Role, User
from plaint.marketplace.actions import upsert_merchant, upsert_listing, upsert_order
from plaint.marketplace.inputs import MerchantIn, ListingIn, OrderIn
from plaint.marketplace.models import Consumer
m, _ = upsert_merchant(MerchantIn(id="M-B", name="Bench Shop", country="JP", contact_email="shop@bench.example"))
upsert_listing(ListingIn(id="L-B", merchant_id="M-B", title="Cream"))
d = timezone.now() - timedelta(days=2)
upsert_order(OrderIn(id="O-B", consumer={"id": "C-B", "name": "Bench", "email": "c@bench.example"}, merchant_id="M-B",
    amount_paid=Decimal("100"), paid_at=d - timedelta(days=3), delivered_at=d,
    items=[{"listing_id": "L-B", "title": "Cream", "unit_price": "100"}]))
consumers = Consumer.objects.bulk_create(
    Consumer(external_id=f"C-B{c}", name=f"Bench {c}", email=f"c{c}@bench.example") for c in range(1, CONSUMERS + 1)
)
users = User.objects.bulk_create(
    User(username=f"bench{c.external_id}", password="!", role=Role.CONSUMER, consumer=c) for c in consumers
)
ApiToken.objects.bulk_create(
    ApiToken(user=u, key_hash=ApiToken.hash_key("bench-" + u.consumer.external_id[3:])) for u in users
)
with connection.cursor() as cursor:
    cursor.execute(
        "INSERT INTO marketplace_order (external_id, consumer_id, merchant_id, currency, amount_paid, tariff_paid, "
        "paid_at, shipped_at, delivered_at, created_at, updated_at) SELECT 'O-B' || i, c.id, o.merchant_id, "
        "o.currency, o.amount_paid, o.tariff_paid, o.paid_at, o.shipped_at, o.delivered_at, now(), now() "
        "FROM marketplace_order o, generate_series(1, %s) i JOIN marketplace_consumer c "
        "ON c.external_id = 'C-B' || ((i - 1) / %s + 1) WHERE o.external_id = 'O-B'",
        [ORDERS, PER],
    )
    cursor.execute(
        "INSERT INTO floor_token (key_hash, consumer) SELECT key_hash, 'C-B' || substr(u.username, 9) "
        "FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id"
    )
"""
    script = script.replace("CONSUMERS + 1", f"{CONSUMERS} + 1").replace(
        "[ORDERS, PER]", f"[{ORDERS}, {REPORTS_PER_CONSUMER}]"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=False, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)


def token_of(order: int) -> str:
    """Return the bearer token of the consumer who reports order O-B<order>."""
    return f"bench-{(order - 1) // REPORTS_PER_CONSUMER + 1}"


def photo() -> bytes:
    """Return the report's JPEG, with a comment segment holding PHOTO_MARK (8 bytes) for the script to fill.

    Every request's photo is then a different file (its order number in the comment), as consumers'
    photos are: with one identical file in every report, Plaint would flag each as a copy of all the
    earlier ones (bench/intake_profile.py showed 2 extra SELECTs and a flag row a report).
    """
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (160, 120), "#d4a373").save(buffer, "JPEG", quality=80)
    jpeg = buffer.getvalue()
    return jpeg[:2] + b"\xff\xfe\x00\x0a" + PHOTO_MARK + jpeg[2:]


PHOTO_MARK = b"@@PHOTO@"


def multipart(boundary: str, target_id: str) -> bytes:
    fields = {
        "target_type": "order",
        "target_id": target_id,
        "category": "product_quality",
        "description": "面霜质量有问题，使用后皮肤发红。The cream caused a rash.",
        "remedy_wanted": "refund",
        "evidence_kind": "photo_of_product",
    }
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="evidence"; filename="p.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + photo()
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)


def lua_script(folder: Path) -> Path:
    """Write the wrk script: each request reports another order, O-B<offset + 1>, O-B<offset + 2>, ...

    Order O-B<i> is reported by its consumer, with that consumer's token: bench-<(i - 1) // 4 + 1>.

    The script's arguments are the offset and the number of wrk threads (each thread takes every n-th).
    """
    boundary = "plaintbench" + uuid.uuid4().hex
    body_path = folder / "body.bin"
    body_path.write_bytes(multipart(boundary, "@@ORDER@@"))
    script = folder / "post.lua"
    script.write_text(
        f"""
local f = io.open("{body_path}", "rb")
local body = f:read("*all")
f:close()
local at = body:find("@@ORDER@@", 1, true)
local mark = body:find("@@PHOTO@", 1, true)
local head, middle, tail = body:sub(1, at - 1), body:sub(at + 9, mark - 1), body:sub(mark + 8)
wrk.method = "POST"
local threads = 0
function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
end
function init(args)
  offset, stride, n = tonumber(args[1]), tonumber(args[2]), index
end
request = function()
  local order = offset + n + 1
  n = n + stride
  local headers = {{}}
  headers["Content-Type"] = "multipart/form-data; boundary={boundary}"
  headers["Authorization"] = "Bearer bench-" .. (math.floor((order - 1) / {REPORTS_PER_CONSUMER}) + 1)
  return wrk.format(nil, nil, headers, head .. "O-B" .. order .. middle .. string.format("%08d", order) .. tail)
end
local statuses = {{}}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  io.write(string.format("p50_us %d\\n", latency:percentile(50)))
  io.write(string.format("p99_us %d\\n", latency:percentile(99)))
  io.write(string.format("requests %d\\n", summary.requests))
  io.write(string.format("errors %d\\n", summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""
    )
    return script


def wait_for(port: int, proc: subprocess.Popen) -> None:
    import socket

    for _ in range(100):
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited before it served")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _process_cpu(pid: str) -> float:
    """Return the CPU seconds (user + system) a process has used, 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(parent: int) -> float:
    """Return the CPU time (user + system) used so far by the children of `parent` (the web workers)."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return sum(_process_cpu(pid) for pid in children)


def database_cpu_seconds() -> float:
    """Return the CPU time used so far by the PostgreSQL server processes serving the bench database."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if cmdline.startswith(b"postgres: ") and f" {BENCH_DB} ".encode() in cmdline:
            total += _process_cpu(entry.name)
    return total


def machine_cpu_seconds() -> tuple[float, float]:
    """Return (busy, total) CPU seconds of the whole machine since boot, all cores, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return (total - idle) / os.sysconf("SC_CLK_TCK"), total / os.sysconf("SC_CLK_TCK")


def count_rows(url: str, table: str) -> int:
    with psycopg.connect(bench_url(url)) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def settled_count(url: str, table: str) -> int:
    """Return the table's row count once it has stopped growing (requests still in flight have finished)."""
    count = count_rows(url, table)
    while True:
        time.sleep(1)
        again = count_rows(url, table)
        if again == count:
            return count
        count = again


def fresh_bench_database(tool: str) -> str:
    """Check PLAINT_DATABASE_URL is PostgreSQL and `tool` is installed, make the bench database anew; return the URL."""
    url = os.environ.get("PLAINT_DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("make bench runs on PostgreSQL: set PLAINT_DATABASE_URL=postgres://...")
    if not shutil.which(tool):
        raise SystemExit(f"{tool} is needed: apt-get install {tool}")
    recreate_database(url)
    return url


def serve_and_load(app: str, env: dict[str, str], url: str, table: str, script: Path) -> dict[str, float]:
    """Serve `app` with gunicorn as Plaint is served, warm it up, load it for DURATION s; return the figures.

    Both apps get the same wrk script (the same requests, in the same order) and the same server.
    """
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            WORKER_CLASS,
            "--threads",
            THREADS,
            "--log-level",
            "warning",
            "--keep-alive",
            "5",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(port, server)
        # A warm-up so every worker has served: a Plaint worker's first report imports and loads what the
        # preloaded app did not (about 4 s of CPU each on the test machine), and 3 s was not enough under load.
        endpoint = f"http://127.0.0.1:{port}/api/reports"
        subprocess.run(
            ["wrk", "-t2", f"-c{CLIENTS}", f"-d{WARM_UP_SECONDS}s", "--timeout", "30s", "-s", str(script), endpoint]
            + ["--", "0", "2"],
            check=True,
            capture_output=True,
        )
        before = settled_count(url, table)  # the warm-up's last requests finished
        cpu_before = cpu_seconds(server.pid)
        db_before = database_cpu_seconds()
        machine_before = machine_cpu_seconds()
        client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{CLIENTS}",
                f"-d{DURATION}s",
                "--timeout",
                "30s",  # a slow answer is latency (p99), not a socket error
                "--latency",
                "-s",
                str(script),
                endpoint,
                "--",
                str(WARM_UP_ORDERS),
                "2",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        web_cpu = cpu_seconds(server.pid) - cpu_before
        db_cpu = database_cpu_seconds() - db_before
        machine_after = machine_cpu_seconds()
        client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        server.terminate()
        server.wait(timeout=30)
    time.sleep(1)
    values = dict(re.findall(r"^(p50_us|p99_us|requests|errors) (\d+)$", out, re.M))
    made = count_rows(url, table) - before
    requests = int(values["requests"])
    errors = int(values["errors"])
    client_cpu = (client_after.ru_utime + client_after.ru_stime) - (client_before.ru_utime + client_before.ru_stime)
    per = 1000 / max(made, 1)
    figures = {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "web_ms": web_cpu * per,
        "db_ms": db_cpu * per,
        "wrk_ms": client_cpu * per,
        "other_ms": (machine_after[0] - machine_before[0] - web_cpu - db_cpu - client_cpu) * per,
        "busy": (machine_after[0] - machine_before[0]) / (machine_after[1] - machine_before[1]),
        "p50": int(values["p50_us"]) / 1000,
        "p99": int(values["p99_us"]) / 1000,
        "requests": requests,
        "errors": errors,
        "made": made,
    }
    # Every answered request made its row. wrk stops with requests still in flight (and, with gunicorn's
    # sync workers closing each connection, some answers it does not count), which may still make theirs;
    # no order is reported twice (Plaint's one open case per matter would refuse it).
    if errors or made < requests:
        raise SystemExit(f"FAIL ({app}): requests {requests}, errors {errors}, rows made {made}\n{out}")
    return figures


def report(name: str, f: dict[str, float]) -> None:
    print(f"  {name}")
    print(f"    reports created/s : {f['rate']:.0f}")
    print(
        f"    CPU per report    : web {f['web_ms']:.2f} ms (user + system, all gunicorn workers), PostgreSQL "
        f"{f['db_ms']:.2f} ms, wrk {f['wrk_ms']:.2f} ms, everything else {f['other_ms']:.2f} ms"
    )
    print(f"    machine           : {f['busy'] * 100:.0f} % busy over {os.cpu_count()} cores")
    print(f"    latency           : p50 {f['p50']:.1f} ms, p99 {f['p99']:.1f} ms")
    print(f"    requests {f['requests']}, non-2xx or socket errors {f['errors']}, rows made {f['made']}")


def main() -> None:
    url = fresh_bench_database("wrk")
    media = tempfile.mkdtemp(prefix="plaint-bench-media-")
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "plaint.settings",
        "PLAINT_DATABASE_URL": bench_url(url),
        "PLAINT_MEDIA_ROOT": media,
        "PLAINT_DB_CONN_MAX_AGE": "600",
        "PLAINT_LOG_LEVEL": "ERROR",
        "FLOOR_DATABASE_URL": bench_url(url),
        "FLOOR_MEDIA_ROOT": media + "/floor",
    }
    setup_data(env)
    with psycopg.connect(bench_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    try:
        with tempfile.TemporaryDirectory() as folder:
            script = lua_script(Path(folder))
            # The floor first, then Plaint, with the very same requests.
            floor = serve_and_load("bench.floor:application", env, url, "floor_report", script)
            plaint = serve_and_load("plaint.wsgi:application", env, url, "cases_case", script)
    finally:
        shutil.rmtree(media, ignore_errors=True)
    print(
        f"intake benchmark: PostgreSQL, gunicorn {WORKERS} {WORKER_CLASS} workers x {THREADS} threads, "
        f"{CLIENTS} clients, {DURATION}s each, one 160x120 JPEG per report, {CONSUMERS} consumers with "
        f"{REPORTS_PER_CONSUMER} orders each"
    )
    report("floor (bench/floor.py: one SELECT for the token, the photo to disk, one INSERT)", floor)
    report("Plaint (POST /api/reports)", plaint)
    print(
        f"  Plaint / floor    : {plaint['rate'] / floor['rate']:.2f} of the floor's rate; web CPU per report "
        f"{plaint['web_ms']:.2f} ms against {floor['web_ms']:.2f} ms (floor / Plaint "
        f"{floor['web_ms'] / plaint['web_ms']:.2f}), web + PostgreSQL {plaint['web_ms'] + plaint['db_ms']:.2f} ms "
        f"against {floor['web_ms'] + floor['db_ms']:.2f} ms "
        f"({(floor['web_ms'] + floor['db_ms']) / (plaint['web_ms'] + plaint['db_ms']):.2f})"
    )


if __name__ == "__main__":
    main()
