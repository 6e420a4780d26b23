"""The suggested category: from the active trained model, else the rulebook's cold start; each one recorded."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from plaint.accounts.models import User
from plaint.errors import InvalidInput, Refused
from plaint.rulebook import loader
from plaint.rulebook.schema import Rulebook, Triage

from . import coldstart, trained
from .models import Suggestion, TriageModel


@dataclass(frozen=True)
class Suggested:
    """A ranked suggestion and where it came from."""

    ranked: list  # coldstart.Scored or trained.Ranked, best first, only categories above the threshold
    rulebook: Rulebook
    model: TriageModel | None
    suggestion_id: int | None

    @property
    def top(self) -> str:
        return self.ranked[0].code if self.ranked else ""


def _active_model(rulebook: Rulebook) -> TriageModel | None:
    """Return the active model when this process can read it and its labels are categories in force."""
    model = TriageModel.objects.filter(active=True).defer("blob").first()
    if model is None or model.sklearn_version != _installed_sklearn():
        return None
    codes = {c.code for c in rulebook.categories}
    return model if set(model.labels) <= codes else None


def _installed_sklearn() -> str | None:
    try:
        return trained.sklearn_version()
    except ImportError:
        return None


def rank(rulebook: Rulebook, text: str, model: TriageModel | None) -> list:
    """Return the categories suggested for `text`, best first, above the version's threshold.

    A version without [triage] scores its own categories with a later version's phrases and thresholds
    (`coldstart.sources`); it suggests nothing when no later version lends any.
    """
    lent = coldstart.sources(rulebook)
    if lent.triage is None:
        return []
    if model is not None:
        pipeline = trained.loaded(model.digest)
        if pipeline is None:
            blob = TriageModel.objects.values_list("blob", flat=True).get(pk=model.pk)
            pipeline = trained.load(model.digest, bytes(blob))
        return trained.rank(pipeline, text, lent.triage.min_probability)
    scored = coldstart.score(coldstart.index_for(rulebook, lent), text)
    threshold = lent.triage.min_score
    if not scored or scored[0].score < threshold:
        return []
    # Categories far behind the first are noise: keep those within a fifth of its score or above the threshold.
    return [s for s in scored if s.score >= threshold or s.score >= scored[0].score / 5][:8]


def suggest(text: str, *, user: User | None, channel: str, now: datetime, record: bool = True) -> Suggested:
    """Return the categories suggested for a consumer's words under the rulebook in force at `now`.

    Raise InvalidInput for a blank text or one longer than the version's description_max_chars;
    Refused when neither the version in force nor a later published one has phrases for its categories
    (versions 1 and 2 borrow version 3's: `coldstart.sources`). `record` writes a Suggestion row naming
    the model (none: the cold start).
    """
    rulebook = loader.in_force(now)
    text = (text or "").strip()
    if not text:
        raise InvalidInput("text_required", "Describe what happened.", field="text", hint="Write a sentence or two.")
    limit = rulebook.intake.description_max_chars
    if len(text) > limit:
        raise InvalidInput(
            "text_too_long",
            f"The text is longer than {limit} characters.",
            field="text",
            hint=f"Shorten it to {limit} characters.",
        )
    if triage_settings(rulebook) is None:
        raise Refused(
            "no_suggestions",
            f"Rulebook version {rulebook.version}, in force, suggests no category: "
            "no version has phrases for its categories.",
            field="text",
            hint="Choose the category yourself.",
        )
    model = _active_model(rulebook)
    ranked = rank(rulebook, text, model)
    suggestion_id = None
    if record:
        row = _record(
            made_at=now,
            user=user,
            channel=channel,
            text_sha256=hashlib.sha256(text.encode()).hexdigest(),
            text_length=len(text),
            rulebook_version=rulebook.version,
            model=model,
            top_category=ranked[0].code if ranked else "",
            ranked=[{"category": r.code, "score": r.score} for r in ranked],
        )
        suggestion_id = row.pk
    return Suggested(ranked, rulebook, model, suggestion_id)


def triage_settings(rulebook: Rulebook) -> Triage | None:
    """Return the [triage] settings a version suggests with: its own, or its nearest lender's; None when none."""
    return coldstart.sources(rulebook).triage


def _record(**fields: object) -> Suggestion:
    """Write the Suggestion row; on PostgreSQL, outside a transaction, without waiting for the WAL flush.

    A suggestion lost in a database crash is a lost log line, not a lost decision: the consumer is
    waiting for the answer, and the flush of each commit was most of its time (docs/screening.md).
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return Suggestion.objects.create(**fields)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        return Suggestion.objects.create(**fields)
