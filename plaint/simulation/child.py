"""The simulated run's own process: `python -m plaint.simulation.child RUN_FOLDER`.

Started by `runner.simulate` with settings (PLAINT_DATABASE_URL, PLAINT_RULEBOOK_DIR, PLAINT_MEDIA_ROOT)
that name the scratch database and folders from the start, so nothing in this process can reach the
live database. It reads the scenario from RUN_FOLDER/scenario.pickle, migrates the scratch database
from zero, runs, and writes RUN_FOLDER/result.json: the figures and what does not add up, or the
refusal or fault that stopped the run.
"""

import json
import pickle
import sys
import traceback
from pathlib import Path


def main(folder: Path) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from plaint.errors import DomainError
    from plaint.rulebook import loader
    from plaint.simulation import engine, figures, scratch, world

    scenario = pickle.loads((folder / "scenario.pickle").read_bytes())
    result_file = folder / "result.json"
    try:
        call_command("migrate", interactive=False, verbosity=0)
        scratch.mark(connection)
        loader.check()
        (rulebook,) = loader.file_versions()
        built = world.build(scenario, rulebook)
        outcome = engine.run(scenario, rulebook, built)
        result = figures.compute(scenario, rulebook, built, outcome)
        answer = {"figures": result, "problems": figures.problems(result)}
    except DomainError as exc:
        answer = {"refused": exc.message + (f" {exc.hint}" if exc.hint else "")}
    except engine.SimulationFault as exc:
        traceback.print_exc()
        answer = {"fault": str(exc)}
    result_file.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
