"""The supervisors' quality page: decisions changed on appeal per reviewer, category and rulebook version.

The figures come from plaint.cases.quality (SQL aggregates); this view only reads the filters and names things.
"""

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from plaint.accounts.models import Role
from plaint.cases import quality
from plaint.cases.models import AppealRoute
from plaint.errors import DomainError
from plaint.rulebook import loader

from .common import error_message, pick, role_required

KIND_LABELS = {
    quality.AUTOMATED: _("Automated decision"),
    quality.ADMISSIBILITY: _("Inadmissible at intake (no decision)"),
}
ROUTE_LABELS = {
    AppealRoute.RECONSIDERATION: _("Reconsideration by a supervisor"),
    AppealRoute.COMMITTEE: _("The independent committee"),
}
MONTH_CHOICES = [(3, _("3 months")), (6, _("6 months")), (12, _("12 months")), (24, _("24 months"))]


def _category_titles() -> dict[str, str]:
    """Return {code: title in the active language} over every rulebook version, the newest title winning."""
    titles: dict[str, str] = {}
    for rulebook in sorted(loader.versions(), key=lambda r: r.effective_from):
        for category in rulebook.categories:
            titles[category.code] = pick(category.title)
    return titles


class QualityFilterForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False)
    rulebook_version = forms.ChoiceField(label=_("Rulebook version"), required=False)
    route = forms.ChoiceField(label=_("Decided by"), required=False)
    months = forms.TypedChoiceField(
        label=_("Trend over"),
        choices=MONTH_CHOICES,
        coerce=int,
        required=False,
        empty_value=quality.DEFAULT_MONTHS,
        initial=quality.DEFAULT_MONTHS,
    )
    reviewer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, categories: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["category"].choices = everything + sorted(categories.items(), key=lambda item: item[1])
        versions = sorted((r.version for r in loader.versions()), key=quality.version_key)
        self.fields["rulebook_version"].choices = everything + [(v, v) for v in versions]
        self.fields["route"].choices = everything + list(ROUTE_LABELS.items())


@role_required(Role.SUPERVISOR)
def quality_page(request: HttpRequest) -> HttpResponse:
    """Appeals decided and changed, the rate and the monthly trend, per reviewer, category and version."""
    categories = _category_titles()
    form = QualityFilterForm(request.GET or None, categories=categories)
    figures = None
    status = 200
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        try:
            filters = quality.check_filter(
                category=data.get("category"),
                rulebook_version=data.get("rulebook_version"),
                reviewer_id=data.get("reviewer"),
                route=data.get("route"),
                months=data.get("months"),
            )
        except DomainError as error:
            # The form's choices hold every other filter; only a reviewer's id can name nobody.
            form.add_error(
                None,
                gettext("There is no such reviewer.") if error.code == "unknown_reviewer" else error_message(error),
            )
            return _render(request, form, None, 422)
        figures = quality.quality(filters)
        for row in figures["by_reviewer"]:
            row["label"] = row["reviewer"]["username"] if row["reviewer"] else KIND_LABELS[row["kind"]]
        for row in figures["by_category"]:
            row["label"] = categories.get(row["category"], row["category"])
    else:
        status = 422
    return _render(request, form, figures, status)


def _render(request: HttpRequest, form: QualityFilterForm, figures: dict | None, status: int) -> HttpResponse:
    return render(request, "web/review/quality.html", {"form": form, "figures": figures}, status=status)
