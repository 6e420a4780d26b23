"""Fitting a model on decided cases: each case's final category is its label (a re-categorisation included)."""

import random
from collections import Counter
from datetime import datetime

from django.db import transaction
from django.db.models import Max

from plaint.cases.models import Case
from plaint.errors import Refused
from plaint.rulebook import loader

from . import coldstart, trained
from .models import TriageModel

# Cases whose category a person confirmed: decided by a reviewer, or resolved by the merchant's acceptance.
LABELLED_STATES = ("decided", "resolved")
TEST_SHARE = 0.2


def labelled_cases(codes: set[str], limit: int) -> list[tuple[str, str]]:
    """Return (description, category) of the latest decided cases whose category is among `codes`."""
    rows = (
        Case.objects.filter(state__in=LABELLED_STATES, category__in=codes)
        .order_by("-id")
        .values_list("report__description", "category")[:limit]
    )
    return [(text, code) for text, code in rows if text and text.strip()]


def _split(rows: list[tuple[str, str]], seed: int) -> tuple[list, list]:
    """Return (train, test): TEST_SHARE of each category held out, at least one kept for training."""
    by_code: dict[str, list] = {}
    for row in rows:
        by_code.setdefault(row[1], []).append(row)
    rng = random.Random(seed)
    train, test = [], []
    for code in sorted(by_code):
        group = by_code[code]
        rng.shuffle(group)
        held = int(len(group) * TEST_SHARE)
        test += group[:held]
        train += group[held:]
    return train, test


def train(now: datetime, *, limit: int = 50000, activate: bool = True, seed: int = 15) -> TriageModel:
    """Fit, measure on a held-out share, refit on all, and store a new model version; return it.

    Raise Refused when there are fewer than trained.MIN_CASES labelled cases or fewer than two
    categories with trained.MIN_PER_CATEGORY cases each (categories with fewer are left out).
    """
    rulebook = loader.in_force(now)
    rows = labelled_cases({c.code for c in rulebook.categories}, limit)
    counts = Counter(code for _, code in rows)
    kept = {code for code, n in counts.items() if n >= trained.MIN_PER_CATEGORY}
    rows = [r for r in rows if r[1] in kept]
    if len(rows) < trained.MIN_CASES or len(kept) < 2:
        raise Refused(
            "not_enough_cases",
            f"{len(rows)} decided cases in {len(kept)} categories: a model needs at least "
            f"{trained.MIN_CASES} cases in two categories or more (each with {trained.MIN_PER_CATEGORY}).",
            hint="Keep the cold start (the rulebook's phrases) until more cases are decided.",
        )
    train_rows, test_rows = _split(rows, seed)
    metrics: dict = {}
    if test_rows:
        held_out = trained.fit([t for t, _ in train_rows], [c for _, c in train_rows])
        expected = [c for _, c in test_rows]
        metrics["model"] = trained.evaluate(list(held_out.predict([t for t, _ in test_rows])), expected)
        if coldstart.sources(rulebook).triage is not None:
            index = coldstart.index_for(rulebook)
            guesses = [(coldstart.score(index, t) or [None])[0] for t, _ in test_rows]
            metrics["cold_start"] = trained.evaluate([g.code if g else "" for g in guesses], expected)
    pipeline = trained.fit([t for t, _ in rows], [c for _, c in rows])
    blob = trained.dumps(pipeline)
    with transaction.atomic():
        latest = TriageModel.objects.select_for_update().aggregate(n=Max("version"))["n"] or 0
        if activate:
            TriageModel.objects.filter(active=True).update(active=False)
        return TriageModel.objects.create(
            version=latest + 1,
            trained_at=now,
            rulebook_version=rulebook.version,
            labels=sorted(kept),
            cases={"train": len(train_rows), "test": len(test_rows), "per_category": dict(sorted(counts.items()))},
            metrics=metrics,
            sklearn_version=trained.sklearn_version(),
            blob=blob,
            digest=trained.digest(blob),
            active=activate,
        )
