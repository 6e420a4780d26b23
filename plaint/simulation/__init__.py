"""What-if runs: a period of Plaint on simulated time against a scratch database (`manage.py simulate`).

    scenario  the inputs: volumes, mixes, behaviours, reviewers, consumers' habits
    scratch   the scratch database, media folder and rulebook the run uses instead of the live ones
    world     the marketplace's merchants, listings, orders and the people, bulk-created; the plan of reports
    engine    the run: simulated people calling the case actions with `now=`, the worker's jobs every hour
    figures   what the run gives operators, read from the scratch database, and its consistency checks
    report    the figures printed, and as an HTML page (page: the template's context; charts: SVG by pygal)
    runner    one run from start to figures: prepares the scratch database and starts the run's process
    child     the run's own process, whose settings name the scratch database and folders from the start

Nothing here is imported by another app; it sits above the domain apps and drives them as the API does.
"""
