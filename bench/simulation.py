"""Benchmark: `manage.py simulate --seed 1` at full size (200 merchants, 20,000 orders, 3,000 reports,
December 2026), in its SQLite scratch database under var/simulation/ (never the configured database).
Target: under five minutes.

Prints the run's wall-clock time and this process's CPU time: on a machine shared with other work the
first grows with the others' load, the second does not.

    make bench
"""

import os
import sys
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plaint.settings")
    import django

    django.setup()
    from django.core.management import call_command

    wall, cpu = time.perf_counter(), time.process_time()
    call_command("simulate", seed=1, start="2026-12-01")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"simulate --seed 1 (3,000 reports, a month, SQLite): {wall:.1f} s wall-clock, {cpu:.1f} s CPU")
    if wall > 300:
        print("slower than the target of five minutes (wall-clock)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
