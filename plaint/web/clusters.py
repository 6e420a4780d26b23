"""The review console's cluster page: the reports about one thing, and one decision for its open cases."""

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError

from plaint.accounts.models import DECIDING_ROLES
from plaint.cases.actions.clusters import decide_cluster, describe
from plaint.cases.inputs import DecisionIn
from plaint.cases.models import Cluster
from plaint.errors import DomainError
from plaint.limits import MAX_ID
from plaint.rulebook import loader

from .casework import OUTCOME_LABELS
from .common import pick, role_required, when

MEASURE_LABELS = {
    "batch_withdrawal": _("Withdraw the batch from sale"),
    "listing_takedown": _("Take the listing down"),
}


class ClusterDecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=list(OUTCOME_LABELS.items()), widget=forms.RadioSelect)
    reason_codes = forms.MultipleChoiceField(label=_("Reason codes"), widget=forms.CheckboxSelectMultiple)
    statement = forms.CharField(
        label=_("Statement of facts and reasons"),
        min_length=10,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Written once, sent as each case's own statement; each case keeps the remedy its reporter asked for."
        ),
    )

    def __init__(self, *args: Any, rulebook: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason_codes"].choices = [(code, pick(text)) for code, text in rulebook.reason_codes.items()]


def _cluster_or_404(cluster_id: int) -> Cluster:
    cluster = (
        Cluster.objects.select_related("merchant", "listing").filter(pk=cluster_id).first()
        if 0 < cluster_id <= MAX_ID
        else None
    )
    if cluster is None:
        raise Http404(gettext("There is no cluster %(id)s.") % {"id": cluster_id})
    return cluster


@role_required(*DECIDING_ROLES)
def cluster_page(request: HttpRequest, cluster_id: int) -> HttpResponse:
    """The cluster's members, shared photos, escalation and measure; the form that decides its open cases."""
    cluster = _cluster_or_404(cluster_id)
    rulebook = loader.get(cluster.rulebook_version)
    form = ClusterDecisionForm(request.POST or None, rulebook=rulebook, auto_id="cluster_%s")
    result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                data = DecisionIn(
                    outcome=form.cleaned_data["outcome"],
                    reason_codes=form.cleaned_data["reason_codes"],
                    statement=form.cleaned_data["statement"],
                )
                result = decide_cluster(request.user, cluster, data)
            except ValidationError as error:
                form.add_error(None, "; ".join(e["msg"] for e in error.errors()))
                status = 422
            except DomainError as error:
                form.add_error(None, error.message)
                status = 422
        else:
            status = 422
    data = describe(cluster)
    for member in data["members"]:
        member["opened"] = when(member["opened_at"])
        category = rulebook.category(member["category"])
        member["category_title"] = pick(category.title) if category else member["category"]
        remedy = rulebook.remedies.get(member["remedy_wanted"])
        member["remedy_title"] = pick(remedy) if remedy else member["remedy_wanted"]
    context = {
        "cluster": data,
        "escalated": when(data["escalated_at"]),
        "opened": when(data["opened_at"]),
        "measure": MEASURE_LABELS.get(data["measure"] or "", ""),
        "form": form,
        "result": result,
    }
    return render(request, "web/review/cluster.html", context, status=status)
