"""Benchmark: CPU instructions the web side spends on one report, counted by valgrind (callgrind).

Reports per second depend on the machine (the same code gave 220/s on one 2-core machine and 330/s
on another); instructions do not. This files reports in one process through Django's test client
(the whole request path of the API: middleware, django-ninja, multipart, intake, PostgreSQL
round trips; not gunicorn) under callgrind, twice: with 0 and with BENCH_REPORTS reports after the
same warm-up, and prints the difference per report. PostgreSQL's own work is not counted.

    PLAINT_DATABASE_URL=postgres://... python -m bench.instructions   # part of make bench; ~1 min
"""

import os
import re
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from bench.intake import BENCH_DB, PHOTO_MARK, bench_url, fresh_bench_database, multipart, setup_data, token_of

ROOT = Path(__file__).resolve().parent.parent
REPORTS = int(os.environ.get("BENCH_REPORTS", "200"))
WARM_UP = 20


def file_reports(count: int, first_order: int) -> None:
    """Child process: file WARM_UP + count reports through the API, on orders O-B<first_order> onwards."""
    import django

    django.setup()
    from django.test import Client

    boundary = "plaintbench" + uuid.uuid4().hex
    client = Client()
    template = multipart(boundary, "@@ORDER@@")  # made once: making a JPEG is not the web side's work
    for number in range(first_order, first_order + WARM_UP + count):  # one order per report, as in bench.intake
        body = template.replace(b"@@ORDER@@", f"O-B{number}".encode()).replace(PHOTO_MARK, b"%08d" % number)
        response = client.generic(
            "POST",
            "/api/reports",
            body,
            content_type=f"multipart/form-data; boundary={boundary}",
            HTTP_AUTHORIZATION=f"Bearer {token_of(number)}",
        )
        if response.status_code != 201:
            raise SystemExit(f"filing failed: {response.status_code} {response.content[:300]!r}")


def counted(env: dict[str, str], count: int, folder: Path, first_order: int) -> int:
    """Return the instructions callgrind counts for a child that files `count` reports after the warm-up."""
    out = folder / f"callgrind.{count}"
    run = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            "-m",
            "bench.instructions",
            "--child",
            str(count),
            str(first_order),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    found = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode or not found:
        raise SystemExit(f"callgrind run failed:\n{run.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        file_reports(int(sys.argv[2]), int(sys.argv[3]))
        return
    url = fresh_bench_database("valgrind")
    with tempfile.TemporaryDirectory(prefix="plaint-bench-instructions-") as folder:
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "plaint.settings",
            "PLAINT_DATABASE_URL": bench_url(url),
            "PLAINT_MEDIA_ROOT": str(Path(folder) / "media"),
            "PLAINT_LOG_LEVEL": "ERROR",
        }
        setup_data(env)
        base = counted(env, 0, Path(folder), 1)
        total = counted(env, REPORTS, Path(folder), 1 + WARM_UP)
    per_report = (total - base) / REPORTS
    print(f"instructions benchmark: PostgreSQL ({BENCH_DB}), Django test client under callgrind, {REPORTS} reports")
    print(f"  web instructions per report: {per_report / 1e6:.1f} million (one 160x120 JPEG each)")


if __name__ == "__main__":
    main()
