"""One simulated run from start to figures: the scratch database, the world, the run, the figures."""

from pathlib import Path
from typing import Any

from . import engine, figures, scratch, world
from .scenario import Scenario


def simulate(
    scenario: Scenario, rulebook_text: str, *, database_url: str | None, folder: Path
) -> tuple[dict[str, Any], list[str]]:
    """Run the scenario under `rulebook_text` in a scratch database; return the figures and what does not add up.

    The scratch database is `database_url`, or a SQLite file in `folder`; it is left there for a look
    afterwards (the next run replaces it).
    """
    target = scratch.target_database(database_url, folder)
    with scratch.scratch(target, folder, rulebook_text, scenario.start) as rulebook:
        built = world.build(scenario, rulebook)
        outcome = engine.run(scenario, rulebook, built)
        result = figures.compute(scenario, rulebook, built, outcome)
        result["scratch"] = {"database": str(target["NAME"]), "folder": str(folder)}
        return result, figures.problems(result)
