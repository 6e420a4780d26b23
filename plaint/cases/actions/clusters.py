"""Clusters at work: a joining case moves its members' priority, a cluster past its size escalates, and a
reviewer decides a cluster's open cases together (issue 15, item 4; docs/screening.md, "Clusters").
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import F, Func, IntegerField, JSONField, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import Exact
from django.utils import timezone

from plaint.accounts.models import User
from plaint.errors import DomainError, InvalidInput
from plaint.notifications.outbox import enqueue_webhook
from plaint.rulebook import loader
from plaint.rulebook.schema import Rulebook

from .. import clusters, priority
from ..inputs import DecisionIn
from ..models import Case, CaseEvent, Cluster, Visibility
from ..notices import tell
from ..transitions import OPEN_STATES
from .common import _event, _require_decider
from .review import claim_case, decide_case


class WithTerm(Func):
    """A case's priority_terms with one term set to a number (jsonb_set on PostgreSQL, json_set on SQLite)."""

    output_field = JSONField()

    def __init__(self, name: str, value: int) -> None:
        self.term, self.value = name, value
        super().__init__(F("priority_terms"))

    def as_sql(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201 (Django's signature)
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"JSON_SET({sql}, %s, %s)", (*params, f"$.{self.term}", self.value)

    def as_postgresql(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"jsonb_set({sql}, %s::text[], to_jsonb(%s::integer))", (*params, [self.term], self.value)


def after_join(case: Case, cluster: Cluster, grew: bool, rulebook: Rulebook, now: datetime) -> list[CaseEvent]:
    """Do what a case joining its cluster does, inside the filing's transaction; return the case's events.

    The other open members' cluster term follows the new size (one statement for all of them, which
    writes only those whose term differs); the cluster escalates when it reaches [clusters] escalate_at.
    """
    events = [
        _event(
            case,
            "cluster_joined",
            None,
            now,
            visibility=Visibility.STAFF,
            data={"cluster": cluster.pk, "size": cluster.size, "key": cluster.key},
        )
    ]
    weights = rulebook.priority
    if grew and cluster.size > 1 and weights is not None:
        _, terms = priority.compute(weights, priority.Inputs(category=case.category, cluster_size=cluster.size))
        term = terms["cluster"]
        # One statement: each other open member whose cluster term differs takes the new one, its
        # priority moved by the difference (what clocks and nudges added stays).
        stored = Coalesce(Cast(KT("priority_terms__cluster"), IntegerField()), 0)
        (
            Case.objects.filter(cluster=cluster, state__in=OPEN_STATES)
            .exclude(pk=case.pk)
            .exclude(priority_terms={})
            .filter(~Q(Exact(stored, term)))
            .update(priority=F("priority") + term - stored, priority_terms=WithTerm("cluster", term))
        )
    spec = rulebook.clusters
    if spec is not None and cluster.size >= spec.escalate_at and cluster.escalated_at is None:
        escalated = _escalate(case, cluster, rulebook, now)
        if escalated is not None:
            events.append(escalated)
    return events


def _escalate(case: Case, cluster: Cluster, rulebook: Rulebook, now: datetime) -> CaseEvent | None:
    """Escalate the cluster once: supervisors told, its open cases in their queue, cluster.escalated sent.

    Return the trigger case's event, None if the cluster was escalated already.
    """
    spec = rulebook.clusters
    measure = ""
    if cluster.listing_id is not None:
        measure = (spec.measure_with_batch if cluster.batch else spec.measure_without_batch) or ""
    # Only the report that reaches the size escalates: the update is conditional on escalated_at.
    if not Cluster.objects.filter(pk=cluster.pk, escalated_at__isnull=True).update(escalated_at=now, measure=measure):
        return None
    cluster.escalated_at, cluster.measure = now, measure
    Case.objects.filter(cluster=cluster, state__in=OPEN_STATES, escalated_at__isnull=True).update(escalated_at=now)
    references = list(
        Case.objects.filter(cluster=cluster).order_by("opened_at", "id").values_list("reference", flat=True)
    )
    listing = cluster.listing.external_id if cluster.listing_id else None
    payload = {
        "cluster": cluster.pk,
        "merchant_id": cluster.merchant.external_id,
        "listing_id": listing,
        "batch": cluster.batch or None,
        "category_group": cluster.category_group,
        "size": cluster.size,
        "escalate_at": spec.escalate_at,
        "cases": references,
        "opened_at": cluster.opened_at.isoformat(),
        "measure": {"kind": measure, "listing_id": listing, "batch": cluster.batch or None} if measure else None,
        "rulebook_version": rulebook.version,
    }
    key = f"cluster-{cluster.pk}-escalated"
    enqueue_webhook("cluster.escalated", payload, key=key, now=now)
    what = {
        "batch_withdrawal": ("下架该批次商品", "withdraw the batch from sale"),
        "listing_takedown": ("下架该商品", "take the listing down"),
    }.get(measure, ("不要求采取措施", "no measure"))
    tell(
        case,
        "cluster_escalated",
        now,
        key,
        reporter=False,
        merchant=False,
        supervisors=True,
        size=str(cluster.size),
        cluster=str(cluster.pk),
        measure={"zh": what[0], "en": what[1]},
    )
    return _event(
        case,
        "cluster_escalated",
        None,
        now,
        visibility=Visibility.STAFF,
        data={"cluster": cluster.pk, "size": cluster.size, "measure": measure},
    )


@dataclass
class ClusterDecided:
    """The result of deciding a cluster together: per case, its decision or why it was not decided."""

    decided: dict[str, int] = field(default_factory=dict)
    errors: dict[str, dict[str, str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "decided": [{"case": ref, "decision_id": pk} for ref, pk in self.decided.items()],
            "errors": [{"case": ref} | error for ref, error in self.errors.items()],
        }


def decide_cluster(actor: User, cluster: Cluster, data: DecisionIn, *, now: datetime | None = None) -> ClusterDecided:
    """Apply one written decision to each open case of the cluster, each in its own transaction.

    Each case keeps its own remedy (the one its reporter asked for; `data.remedy` and
    `data.remedy_amount` are refused, as one amount cannot fit every order) and gets its own
    statement. A case the actor may not decide (claimed by another reviewer, not yet in review, or
    refused by decide_case's checks) is listed with the error's code and message; the others are
    decided all the same. The actor claims each case it decides.
    """
    now = now or timezone.now()
    _require_decider(actor)
    if data.remedy is not None or data.remedy_amount is not None:
        raise InvalidInput(
            "remedy_per_case",
            "A cluster's decision keeps each case's own remedy; leave remedy and remedy_amount out.",
            field="remedy",
            hint="Decide a case on its own to give it another remedy or a partial amount.",
        )
    result = ClusterDecided()
    for case in clusters.open_members(cluster):
        try:
            if case.claimed_by_id != actor.pk or (case.claim_expires_at and case.claim_expires_at <= now):
                case = claim_case(actor, case, now=now)
            decision = decide_case(actor, case, data, now=now)
        except DomainError as error:
            result.errors[case.reference] = {"code": error.code, "message": error.message}
            continue
        result.decided[case.reference] = decision.pk
    return result


def describe(cluster: Cluster, *, language: str = "en") -> dict[str, Any]:
    """Return the cluster as reviewers read it: key, size, window, escalation, measure, members, shared photos.

    Shared photos are the copy flags (evidence forensics) among the members' evidence that point at
    another member of the same cluster: one photo sent by two reporters.
    """
    from plaint.evidence.models import EvidenceFlag, FlagCode

    rulebook = loader.get(cluster.rulebook_version)
    cases = clusters.members(cluster)
    refs = {case.reference for case in cases}
    shared = []
    for flag in EvidenceFlag.objects.filter(evidence__case__cluster=cluster, code=FlagCode.COPY).select_related(
        "evidence", "evidence__case"
    ):
        for match in flag.details.get("matches", []):
            if match.get("case") in refs:
                shared.append(
                    {
                        "case": flag.evidence.case.reference,
                        "file_name": flag.evidence.original_name,
                        "copy_of_case": match["case"],
                        "same_file": match.get("same_file", False),
                        "distance": match.get("distance"),
                    }
                )
    spec = rulebook.clusters
    return {
        "id": cluster.pk,
        "key": cluster.key,
        "merchant_id": cluster.merchant.external_id,
        "listing_id": cluster.listing.external_id if cluster.listing_id else None,
        "listing_title": cluster.listing.title if cluster.listing_id else None,
        "batch": cluster.batch or None,
        "category_group": cluster.category_group,
        "size": cluster.size,
        "cases_count": len(cases),
        "open_count": sum(1 for case in cases if case.state in OPEN_STATES),
        "opened_at": cluster.opened_at.isoformat(),
        "last_report_at": cluster.last_report_at.isoformat(),
        "window_hours": spec.window_hours if spec else None,
        "escalate_at": spec.escalate_at if spec else None,
        "escalated_at": cluster.escalated_at.isoformat() if cluster.escalated_at else None,
        "measure": cluster.measure or None,
        "rulebook_version": cluster.rulebook_version,
        "members": [
            {
                "case": case.reference,
                "state": case.state,
                "category": case.category,
                "priority": case.priority,
                "remedy_wanted": case.report.remedy_wanted,
                "opened_at": case.opened_at.isoformat(),
            }
            for case in cases
        ],
        "shared_evidence": shared,
    }
