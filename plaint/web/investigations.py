"""The supervisors' page to open an own-initiative investigation, blank or prefilled from a monitoring flag.

Thin: the form's fields go to `plaint.monitoring.actions.open_investigation` (which marks the flag acted on),
and its refusals come back on the field they name (docs/investigations.md).
"""

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.validators import MaxLengthValidator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plaint.accounts.models import Role
from plaint.cases.inputs import InvestigationIn
from plaint.errors import DomainError
from plaint.limits import MAX_ID
from plaint.monitoring import actions
from plaint.monitoring.models import FlagState, MonitoringFlag
from plaint.rulebook import loader
from plaint.rulebook.schema import Rulebook

from .casework import FLAG_REASON_LABELS
from .common import apply_domain_error, pick, role_required, upload_field
from .filing import evidence_choices, uploads_from

# Refusals of the investigation a supervisor should read in their own language (others: common.error_message).
ERROR_MESSAGES = {
    "evidence_required": gettext_lazy(
        "This category needs evidence that is missing, and an investigation has nobody to ask for it later: "
        "attach it, with each file's kind."
    ),
    "target_not_covered": gettext_lazy("This category does not cover that kind of target; choose another category."),
    "duplicate_investigation": gettext_lazy("An investigation of this target under this category is already open."),
    "flag_not_open": gettext_lazy("This flag was already acted on or closed."),
    "flag_other_merchant": gettext_lazy(
        "The flag is about another merchant: investigate that merchant or its listing."
    ),
    "unknown_listing": gettext_lazy("No listing with this ID."),
    "unknown_merchant": gettext_lazy("No merchant with this ID."),
}


class InvestigationForm(forms.Form):
    target_type = forms.ChoiceField(
        label=gettext_lazy("What is investigated"),
        choices=[("merchant", gettext_lazy("A merchant")), ("listing", gettext_lazy("A listing"))],
        widget=forms.RadioSelect,
        initial="merchant",
    )
    target_id = forms.CharField(
        label=gettext_lazy("Merchant or listing ID"),
        max_length=64,
        help_text=gettext_lazy("The marketplace's ID, e.g. M-1001 or L-2001."),
    )
    category = forms.ChoiceField(label=gettext_lazy("Category (rule)"))
    description = forms.CharField(
        label=gettext_lazy("Findings"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "What the platform found and why it opens the case. The merchant and the reviewer read this."
        ),
    )
    flag_id = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)

    def __init__(self, rulebook: Rulebook, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Categories that cover a listing or a merchant: an investigation names no order.
        self.fields["category"].choices = [
            (c.code, pick(c.title)) for c in rulebook.categories if {"listing", "merchant"} & set(c.targets)
        ]
        limit = rulebook.intake.description_max_chars
        self.fields["description"].validators.append(MaxLengthValidator(limit))
        self.fields["description"].widget.attrs["maxlength"] = str(limit)


def _flag_findings(flag: MonitoringFlag) -> str:
    """Return the findings a flag prefills: why it was raised and its figures, in the supervisor's language."""
    g = flag.figures
    text = _(
        "Monitoring flag %(id)s (%(reason)s), raised %(raised)s: %(reports)s reports on %(orders)s orders in "
        "%(days)s days, %(rate)s per 1,000 (own baseline %(baseline)s)."
    ) % {
        "id": flag.pk,
        "reason": FLAG_REASON_LABELS.get(flag.reason, flag.reason),
        "raised": f"{timezone.localtime(flag.raised_at):%Y-%m-%d}",
        "reports": g.get("reports", "—"),
        "orders": g.get("orders", "—"),
        "days": g.get("window_days", "—"),
        "rate": g.get("report_rate_per_1000", "—"),
        "baseline": g.get("baseline_rate_per_1000") if g.get("baseline_rate_per_1000") is not None else "—",
    }
    return text + "\n" + _("What the platform found:") + " "


def _open_flag(value: str | None) -> MonitoringFlag | None:
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise Http404(_("No such monitoring flag."))
    flag = MonitoringFlag.objects.select_related("merchant", "case").filter(pk=int(value)).first()
    if flag is None:
        raise Http404(_("No such monitoring flag."))
    return flag


@role_required(Role.SUPERVISOR)
def new_investigation(request: HttpRequest) -> HttpResponse:
    """Open an own-initiative investigation; `?flag=` prefills it from a monitoring flag."""
    rulebook = loader.in_force(timezone.now())
    flag = _open_flag(request.GET.get("flag") or request.POST.get("flag_id"))
    if flag is not None and flag.state != FlagState.OPEN and request.method != "POST":
        if flag.case_id:
            messages.info(request, _("This flag was acted on: investigation %(ref)s.") % {"ref": flag.case.reference})
            return redirect("review-case", reference=flag.case.reference)
        messages.error(request, _("This flag was already acted on or closed."))
        return redirect("review-supervisor")
    initial = {}
    if flag is not None:
        initial = {
            "target_type": "merchant",
            "target_id": flag.merchant.external_id,
            "description": _flag_findings(flag),
            "flag_id": flag.pk,
        }
    form = InvestigationForm(rulebook, request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = InvestigationIn(**{k: v for k, v in form.cleaned_data.items() if v not in (None, "")})
            try:
                filed = actions.open_investigation(
                    request.user,
                    data,
                    uploads_from(request),
                    idempotency_key=request.POST.get("idempotency_key") or None,
                )
            except DomainError as exc:
                known = ERROR_MESSAGES.get(exc.code)
                if known is not None:
                    field = exc.field if exc.field in form.fields else None
                    form.add_error(field, str(known))
                else:
                    apply_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Investigation %(ref)s is open; the merchant is asked to answer.")
                    % {"ref": filed.case.reference},
                )
                return redirect("review-case", reference=filed.case.reference)
        status = 422
    category = rulebook.category(form["category"].value() or "")
    return render(
        request,
        "web/review/investigation.html",
        {
            "form": form,
            "flag": flag,
            "flag_reason": FLAG_REASON_LABELS.get(flag.reason, flag.reason) if flag else "",
            "kinds": evidence_choices(rulebook, category),
            "required": [
                (pick(c.title), [pick(rulebook.evidence_kinds[k]) for k in c.required_evidence])
                for c in rulebook.categories
                if {"listing", "merchant"} & set(c.targets)
            ],
            **upload_field(rulebook),
            "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
        },
        status=status,
    )
