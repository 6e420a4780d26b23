"""Clusters of reports about one thing: read one, decide its open cases together (docs/screening.md)."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from plaint.accounts.models import DECIDING_ROLES
from plaint.cases.actions.clusters import decide_cluster, describe
from plaint.cases.inputs import DecisionIn
from plaint.cases.models import Cluster
from plaint.errors import Forbidden, NotFound
from plaint.limits import RowId

from ..schemas import ERRORS

router = Router()


class ClusterOut(Schema):
    id: int
    key: str
    merchant_id: str
    listing_id: str | None
    listing_title: str | None
    batch: str | None
    category_group: str
    size: int
    cases_count: int
    open_count: int
    opened_at: str
    last_report_at: str
    window_hours: int | None
    escalate_at: int | None
    escalated_at: str | None
    measure: str | None
    rulebook_version: str
    members: list[dict[str, Any]]
    shared_evidence: list[dict[str, Any]]


class ClusterDecidedOut(Schema):
    decided: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    cluster: ClusterOut


def _cluster(request: HttpRequest, cluster_id: int) -> Cluster:
    if request.auth.role not in DECIDING_ROLES:
        raise Forbidden("not_a_reviewer", "Only reviewers and supervisors see clusters of reports.")
    cluster = Cluster.objects.select_related("merchant", "listing").filter(pk=cluster_id).first()
    if cluster is None:
        raise NotFound("unknown_cluster", f"No cluster {cluster_id}.")
    return cluster


@router.get("/{cluster_id}", response={200: ClusterOut, **ERRORS})
def cluster(request: HttpRequest, cluster_id: RowId) -> dict:
    """A cluster: its key, size (different reporters), window, escalation, measure, members and shared photos."""
    return describe(_cluster(request, cluster_id))


@router.post("/{cluster_id}/decision", response={200: ClusterDecidedOut, **ERRORS})
def decide(request: HttpRequest, cluster_id: RowId, data: DecisionIn) -> dict:
    """Decide every open case of the cluster with one outcome, reason codes and statement.

    Each case keeps its own remedy (leave `remedy` and `remedy_amount` out) and gets its own statement
    of reasons; each is claimed and decided in its own transaction. `errors` lists the cases that were
    not decided, each with the code and message (claimed by another reviewer, not in review yet, …).
    """
    found = _cluster(request, cluster_id)
    result = decide_cluster(request.auth, found, data)
    return result.as_dict() | {"cluster": describe(found)}
