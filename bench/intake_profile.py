"""Where a report's web CPU goes: queries per report and the top of a cProfile of the API's request path.

Files BENCH_REPORTS reports (after a warm-up) in one process through Django's test client, on the
same data and with the same requests as bench.intake, and prints the queries of one report and the
functions that take the most time. Not part of `make bench` (a tool for cutting the work).

    PLAINT_DATABASE_URL=postgres://... python -m bench.intake_profile
"""

import cProfile
import os
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.intake import PHOTO_MARK, bench_url, fresh_bench_database, multipart, setup_data, token_of

REPORTS = int(os.environ.get("BENCH_REPORTS", "300"))
WARM_UP = 20


def main() -> None:
    url = fresh_bench_database("wrk")
    with tempfile.TemporaryDirectory(prefix="plaint-bench-profile-") as folder:
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "plaint.settings",
                "PLAINT_DATABASE_URL": bench_url(url),
                "PLAINT_MEDIA_ROOT": str(Path(folder) / "media"),
                "PLAINT_LOG_LEVEL": "ERROR",
            }
        )
        setup_data(dict(os.environ))
        import django

        django.setup()
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        boundary = "plaintbench" + uuid.uuid4().hex
        template = multipart(boundary, "@@ORDER@@")
        client = Client()

        def post(number: int) -> None:
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

        for number in range(1, WARM_UP + 1):
            post(number)
        with CaptureQueriesContext(connection) as queries:
            post(WARM_UP + 1)
        print(f"queries per report: {len(queries.captured_queries)}")
        for query in queries.captured_queries:
            print("   ", query["sql"][:160])
        # BENCH_PROFILER=none: no cProfile (its overhead triples the figures), for a sampling profiler
        # run from outside: py-spy record --format raw -o out.txt -- python -m bench.intake_profile
        sampled = os.environ.get("BENCH_PROFILER") == "none"
        profile = cProfile.Profile(time.process_time)  # CPU time: the bench compares CPU per report
        began = time.process_time()
        if not sampled:
            profile.enable()
        for number in range(WARM_UP + 2, WARM_UP + 2 + REPORTS):
            post(number)
        profile.disable()
        under = "no profiler" if sampled else "under cProfile"
        print(f"CPU per report (this process, {under}): {(time.process_time() - began) / REPORTS * 1000:.2f} ms")
        if sampled:
            return
        stats = pstats.Stats(profile, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(int(os.environ.get("BENCH_TOP", "60")))
        stats.sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
