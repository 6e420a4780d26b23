"""Benchmark: the suggested category (docs/screening.md) on the labelled set in bench/triage/labelled.tsv
and on the holdout set in bench/triage/holdout.tsv.

Prints accuracy and macro-F1 of the cold start (the rulebook's phrases) and of a trained model: on the
labelled set by 5-fold cross-validation (trained on four folds' category texts, tested on the fifth,
"none" included); on the holdout, trained on the whole labelled set. The holdout was written from the
categories' codes, titles and descriptions only, before its author read the phrases or the labelled
set: the phrases were widened after seeing the labelled set, not the holdout. Then the latency of
`suggest` (recorded, as the API does) with each, on PostgreSQL. Target: p99 under 30 ms.

    make bench            (or: PLAINT_DATABASE_URL=postgres://... python -m bench.triage)
"""

import csv
import os
import statistics
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import fresh_database

SET = Path(__file__).parent / "triage" / "labelled.tsv"
HOLDOUT = Path(__file__).parent / "triage" / "holdout.tsv"
DB = "plaint_bench_triage"
ROUNDS = int(os.environ.get("BENCH_TRIAGE_ROUNDS", "3"))


def labelled(path: Path = SET) -> list[tuple[str, str, str]]:
    """Return (category, language, text) of a set; category "none" when no category fits."""
    with path.open(encoding="utf-8") as handle:
        rows = [r for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")]
    return [(c, lang, text) for c, lang, text in rows]


def cold_start_guess(rulebook: Any, text: str) -> str:
    from plaint.triage.suggest import rank

    ranked = rank(rulebook, text, None)
    return ranked[0].code if ranked else "none"


def measure(guesses: list[str], expected: list[str]) -> dict[str, float]:
    from plaint.triage.trained import evaluate

    return evaluate(guesses, expected)


def per_language(rows: list[tuple[str, str, str]], guesses: list[str]) -> str:
    parts = []
    for lang in ("zh", "en"):
        pairs = [(g, r[0]) for g, r in zip(guesses, rows, strict=True) if r[1] == lang]
        m = measure([g for g, _ in pairs], [e for _, e in pairs])
        parts.append(f"{lang}: accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f} ({len(pairs)} texts)")
    return "; ".join(parts)


def nones(rows: list[tuple[str, str, str]], guesses: list[str]) -> str:
    """Return how the "none" behaviour did: texts of no category left without a suggestion, and the reverse."""
    kept = sum(1 for g, r in zip(guesses, rows, strict=True) if r[0] == "none" and g == "none")
    lost = sum(1 for g, r in zip(guesses, rows, strict=True) if r[0] != "none" and g == "none")
    return (
        f"none: {kept} of {sum(r[0] == 'none' for r in rows)} texts of no category got no suggestion; "
        f"{lost} of {sum(r[0] != 'none' for r in rows)} texts of a category got none"
    )


def cross_validated(rulebook: Any, rows: list[tuple[str, str, str]]) -> list[str]:
    """Return the trained model's guess for each row, each from a model that never saw it."""
    from sklearn.model_selection import StratifiedKFold

    from plaint.triage import trained

    guesses = [""] * len(rows)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=15)
    for train_at, test_at in folds.split([r[2] for r in rows], [r[0] for r in rows]):
        # A model learns from decided cases, which always have a category: "none" is never a label.
        learn = [rows[i] for i in train_at if rows[i][0] != "none"]
        pipeline = trained.fit([r[2] for r in learn], [r[0] for r in learn])
        for i in test_at:
            ranked = trained.rank(pipeline, rows[i][2], rulebook.triage.min_probability)
            guesses[i] = ranked[0].code if ranked else "none"
    return guesses


def latency(rows: list[tuple[str, str, str]], now: datetime, user: Any) -> str:
    """Return the median and p99 in ms of suggest() over the set's texts (recorded, as the API does), wall and CPU.

    On a shared machine the wall-clock tail is other processes' load; the CPU time is this one's work.
    """
    from plaint.triage.suggest import suggest

    wall, cpu = [], []
    for _ in range(ROUNDS):
        for _, _, text in rows:
            started, started_cpu = time.perf_counter(), time.process_time()
            suggest(text, user=user, channel="api", now=now)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    wall.sort()
    cpu.sort()
    p99 = int(len(wall) * 0.99) - 1
    return (
        f"wall median {statistics.median(wall):.2f} ms, p99 {wall[p99]:.2f} ms; "
        f"CPU median {statistics.median(cpu):.2f} ms, p99 {cpu[p99]:.2f} ms (target p99 < 30 ms; "
        f"load average {os.getloadavg()[0]:.1f})"
    )


def main() -> None:
    fresh_database(DB)
    from plaint.accounts.models import Role, User
    from plaint.rulebook import loader
    from plaint.triage import trained
    from plaint.triage.models import TriageModel

    rulebook = loader.get("3")
    now = rulebook.effective_from + timedelta(days=1)
    rows = labelled()
    expected = [r[0] for r in rows]
    examples = {e for c in rulebook.categories if c.examples for e in (*c.examples.zh, *c.examples.en)}
    overlap = sum(1 for r in rows if any(e in r[2] for e in examples))
    print(
        f"labelled set: {len(rows)} texts, {len(set(expected))} labels (categories and none), "
        f"{sum(r[1] == 'zh' for r in rows)} zh, {sum(r[1] == 'en' for r in rows)} en; "
        f"{overlap} contain one of the rulebook's examples"
    )
    cold = [cold_start_guess(rulebook, r[2]) for r in rows]
    m = measure(cold, expected)
    print(
        f"cold start (rulebook {rulebook.version}'s phrases): "
        f"accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}"
    )
    print(f"  {per_language(rows, cold)}")
    print(f"  {nones(rows, cold)}")
    learnt = cross_validated(rulebook, rows)
    m = measure(learnt, expected)
    print(
        f"trained (char n-grams + logistic regression, 5-fold CV): "
        f"accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}"
    )
    print(f"  {per_language(rows, learnt)}")

    holdout = labelled(HOLDOUT)
    unseen = [r[0] for r in holdout]
    print(
        f"holdout set: {len(holdout)} texts, {len(set(unseen))} labels, "
        f"{sum(r[1] == 'zh' for r in holdout)} zh, {sum(r[1] == 'en' for r in holdout)} en "
        "(written before reading the phrases or the labelled set)"
    )
    cold = [cold_start_guess(rulebook, r[2]) for r in holdout]
    m = measure(cold, unseen)
    print(
        f"cold start on the holdout (rulebook {rulebook.version}'s phrases): "
        f"accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}"
    )
    print(f"  {per_language(holdout, cold)}")
    print(f"  {nones(holdout, cold)}")
    learn = [r for r in rows if r[0] != "none"]
    pipeline = trained.fit([r[2] for r in learn], [r[0] for r in learn])
    guesses = []
    for r in holdout:
        ranked = trained.rank(pipeline, r[2], rulebook.triage.min_probability)
        guesses.append(ranked[0].code if ranked else "none")
    m = measure(guesses, unseen)
    print(
        f"trained on the labelled set, tested on the holdout: "
        f"accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}"
    )
    print(f"  {per_language(holdout, guesses)}")
    print(f"  {nones(holdout, guesses)}")
    before = loader.get("2")
    nine = {c.code for c in before.categories} | {"none"}
    kept = [r for r in holdout if r[0] in nine]
    m = measure([cold_start_guess(before, r[2]) for r in kept], [r[0] for r in kept])
    print(
        f"cold start of version 2 (its {len(nine) - 1} categories, version 3's phrases borrowed) on the holdout's "
        f"{len(kept)} texts of those categories or none: accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}"
    )

    user = User.objects.create_user("bench-consumer", role=Role.CONSUMER)
    print(f"suggest latency, cold start, recorded: {latency(rows + holdout, now, user)}")
    TriageModel.objects.create(
        version=1,
        trained_at=now,
        rulebook_version=rulebook.version,
        labels=sorted({r[0] for r in learn}),
        sklearn_version=trained.sklearn_version(),
        blob=(blob := trained.dumps(pipeline)),
        digest=trained.digest(blob),
        active=True,
    )
    print(f"suggest latency, trained model, recorded: {latency(rows + holdout, now, user)}")


if __name__ == "__main__":
    main()
