"""The automated rules' page: each rule's agreement with people, its disagreements, replays and the switch.

Admins and supervisors read it; only admins replay and switch (plaint.cases.auto_rules says who may).
"""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from plaint.accounts.models import Role
from plaint.cases import auto_rules
from plaint.errors import DomainError

from .common import error_message, pick, role_required

MONTHS = [(3, _("3 months")), (6, _("6 months")), (12, _("12 months")), (24, _("24 months"))]
CONDITION_LABELS = {
    "merchant_silent": _("The merchant did not answer by its deadline"),
    "evidence_kinds_include": _("The reporter sent evidence of the kinds"),
    "photo_captured_after_delivery": _("A photo taken (EXIF) after the delivery"),
    "listing_expired_at_delivery": _("The listing's declared expiry date before the delivery"),
    "listing_expiry_before_capture": _("The listing's declared expiry date before a photo was taken"),
    "amount_at_most": _("The order's amount paid at most"),
    "no_forensics_flags": _("No forensics flag on the reporter's files"),
}
OUTCOMES = {"upheld": _("Upheld"), "partly_upheld": _("Partly upheld"), "not_upheld": _("Not upheld")}


class ReplayForm(forms.Form):
    months = forms.TypedChoiceField(label=_("Replay over"), choices=MONTHS, coerce=int, initial=6)


class SwitchForm(forms.Form):
    mode = forms.ChoiceField(choices=[("live", "live"), ("shadow", "shadow")], widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why (kept in the audit trail)"), max_length=2000, required=False)


def _conditions(rule: auto_rules.AutoRule, rulebook: auto_rules.Rulebook) -> list[str]:
    items = []
    for name, value in rule.conditions.model_dump(exclude_unset=True).items():
        label = str(CONDITION_LABELS[name])
        if name == "evidence_kinds_include":
            label += ": " + ", ".join(pick(rulebook.evidence_kinds[k]) for k in value)
        elif name == "amount_at_most":
            label += f": {value}"
        items.append(label)
    return items


@role_required(Role.ADMIN, Role.SUPERVISOR)
def page(request: HttpRequest) -> HttpResponse:
    """Each rule of the newest version with rules (or ?version=): mode, agreement, disagreements, admin forms."""
    version = request.GET.get("version") or None
    try:
        rulebook = auto_rules.rules_version(version)
        reports = auto_rules.report(rulebook.version)
    except DomainError as error:
        return render(request, "web/review/auto_rules.html", {"error": error_message(error)}, status=404)
    rows = [
        {
            "item": item,
            "title": pick(item.rule.title),
            "category": pick(rulebook.category(item.rule.category).title),
            "remedy": pick(rulebook.remedies[item.rule.remedy]),
            "outcome": OUTCOMES[item.rule.outcome],
            "conditions": _conditions(item.rule, rulebook),
            "disagreements": [
                {
                    "row": row,
                    "would": OUTCOMES.get(row.would_outcome, row.would_outcome),
                    "decided": OUTCOMES.get(row.decided_outcome, row.decided_outcome),
                }
                for row in item.disagreements
            ],
        }
        for item in reports
    ]
    context = {
        "rulebook": rulebook,
        "rows": rows,
        "is_admin": request.user.role == Role.ADMIN,
        "replay_form": ReplayForm(auto_id="replay_%s"),
    }
    return render(request, "web/review/auto_rules.html", context)


def _back(version: str) -> HttpResponse:
    return redirect(reverse("review-auto-rules") + f"?version={version}")


@require_POST
@role_required(Role.ADMIN)
def replay(request: HttpRequest, version: str, rule: str) -> HttpResponse:
    """Replay one rule over the chosen months of cases people decided (the shadow report)."""
    form = ReplayForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose how many months to replay."))
        return _back(version)
    try:
        rulebook = auto_rules.rules_version(version)
        [done] = auto_rules.replay(rulebook, months=form.cleaned_data["months"], rule_id=rule, actor=request.user)
    except DomainError as error:
        messages.error(request, error_message(error))
        return _back(version)
    messages.success(
        request,
        gettext("Replayed %(rule)s: %(considered)s cases decided by people, %(matched)s matched, %(agreed)s agreed.")
        % {"rule": rule, "considered": done.considered, "matched": done.matched, "agreed": done.agreed},
    )
    return _back(version)


@require_POST
@role_required(Role.ADMIN)
def switch(request: HttpRequest, version: str, rule: str) -> HttpResponse:
    """Switch a rule live or back to shadow; refused (with the reason) without a shadow report."""
    form = SwitchForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose live or shadow."))
        return _back(version)
    try:
        done = auto_rules.switch_rule(
            request.user, version, rule, form.cleaned_data["mode"], reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        messages.error(request, error_message(error))
        return _back(version)
    text = (
        gettext("The rule %(rule)s is live: it now decides the cases it matches.")
        if done.mode == "live"
        else gettext("The rule %(rule)s is back in shadow mode: it decides nothing.")
    )
    messages.success(request, text % {"rule": rule})
    return _back(version)
