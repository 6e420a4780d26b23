"""One simulated run from start to figures: the scratch database, the world, the run, the figures.

The run happens in a process of its own (`child`), started with settings that name the scratch
database, media folder and rulebook folder: the command's own process never changes its settings.
"""

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings

from plaint.errors import Refused

from . import scratch
from .engine import SimulationFault
from .scenario import Scenario


def simulate(
    scenario: Scenario, rulebook_text: str, *, database_url: str | None, folder: Path
) -> tuple[dict[str, Any], list[str]]:
    """Run the scenario under `rulebook_text` in a scratch database; return the figures and what does not add up.

    The scratch database is `database_url`, or a SQLite file in `folder`; it is left there for a look
    afterwards (the next run replaces it). Raises Refused when the target may not be used, and
    SimulationFault when the run stopped on a fault.
    """
    target = scratch.target_database(database_url, folder)
    env = scratch.prepare(target, folder, rulebook_text, scenario.start)
    run = folder / "run"
    run.mkdir(exist_ok=True)
    (run / "result.json").unlink(missing_ok=True)
    (run / "scenario.pickle").write_bytes(pickle.dumps(scenario))
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("PLAINT_DATABASE")}
    child_env |= env | {"DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "plaint.settings")}
    finished = subprocess.run(
        [sys.executable, "-m", "plaint.simulation.child", str(run)],
        cwd=settings.BASE_DIR,
        env=child_env,
        check=False,
    )
    result_file = run / "result.json"
    if finished.returncode != 0 or not result_file.exists():
        raise SimulationFault(f"the run's process ended with exit code {finished.returncode} (its error is above)")
    answer = json.loads(result_file.read_text(encoding="utf-8"))
    if "refused" in answer:
        raise Refused("simulation_refused", answer["refused"])
    if "fault" in answer:
        raise SimulationFault(answer["fault"])
    result = answer["figures"]
    result["scratch"] = {"database": str(target["NAME"]), "folder": str(folder)}
    return result, answer["problems"]
