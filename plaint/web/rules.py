"""The public rules: every rulebook version, readable without signing in, and what each changed (issue 14)."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from plaint.rulebook import loader, published
from plaint.rulebook.loader import RulebookError
from plaint.rulebook.schema import STAGES, MeasureSpec, Rulebook, Stage

from .casework import MEASURE_LABELS
from .common import pick

STATUS_LABELS = {
    published.IN_FORCE: gettext_lazy("In force"),
    published.COMING: gettext_lazy("Coming"),
    published.EARLIER: gettext_lazy("No longer in force"),
}
TARGET_LABELS = {
    "order": gettext_lazy("an order"),
    "listing": gettext_lazy("a listing"),
    "merchant": gettext_lazy("a shop"),
}
SILENCE_LABELS = {
    "review": gettext_lazy("A reviewer decides on the evidence; silence alone decides nothing."),
    "uphold": gettext_lazy("The report is upheld."),
}
STAGE_LABELS = {
    "acknowledgement": gettext_lazy("Acknowledging a report"),
    "merchant_response": gettext_lazy("The merchant's answer"),
    "decision": gettext_lazy("Deciding a case in review"),
    "rectification": gettext_lazy("Proof of a rectification"),
    "appeal": gettext_lazy("Deciding an appeal (reconsideration)"),
    "committee": gettext_lazy("The committee panel's decision"),
}
BREACH_LABELS = {
    "escalate": gettext_lazy("the case goes to the supervisors"),
    "raise_priority": gettext_lazy("the case moves up the queue"),
    "merchant_silence": gettext_lazy("the category's rule for silence applies"),
    "rectification_missed": gettext_lazy("the missed rectification's points are added"),
}
ROUTE_LABELS = {
    "reconsideration": gettext_lazy("reconsideration by a supervisor who did not take the decision"),
    "committee": gettext_lazy("the independent committee's panel"),
}
APPEALED_LABELS = {
    "outcome": gettext_lazy("the outcome"),
    "inadmissibility": gettext_lazy("an inadmissibility"),
    "remedy": gettext_lazy("the remedy"),
    "points": gettext_lazy("the points"),
    "measures": gettext_lazy("the measures"),
    "penalty": gettext_lazy("the points and measures"),
}
SEAT_LABELS = {
    "consumer_rep": gettext_lazy("consumer representative"),
    "expert": gettext_lazy("expert"),
    "lawyer": gettext_lazy("lawyer"),
}
EXPIRY_LABELS = {
    "end_of_calendar_year": gettext_lazy("Points expire at the end of the calendar year."),
    "rolling_365_days": gettext_lazy("Each entry of points expires 365 days after it was given."),
}
SECTION_LABELS = {
    "intake": gettext_lazy("Filing"),
    "sla": gettext_lazy("Service levels"),
    "points": gettext_lazy("Points"),
    "tracks": gettext_lazy("Tracks"),
    "evidence_kinds": gettext_lazy("Kinds of evidence"),
    "remedies": gettext_lazy("Remedies"),
    "reason_codes": gettext_lazy("Reason codes"),
    "alternatives": gettext_lazy("Other routes"),
    "categories": gettext_lazy("Categories"),
    "ladder": gettext_lazy("Penalty ladder"),
    "monitoring": gettext_lazy("Monitoring"),
    "rectification": gettext_lazy("Rectification"),
    "appeals": gettext_lazy("Appeals"),
    "negotiation": gettext_lazy("Negotiation"),
    "past_buyers": gettext_lazy("Past buyers told"),
    "escalation": gettext_lazy("Escalation"),
    "remedy_execution": gettext_lazy("Remedies carried out"),
    "triage": gettext_lazy("Category suggestion"),
    "misuse": gettext_lazy("Misuse of reporting"),
    "rings": gettext_lazy("Coordinated reporting"),
    "trusted_flaggers": gettext_lazy("Trusted flaggers"),
    "problems": gettext_lazy("Several problems in one report"),
    "clusters": gettext_lazy("Clusters of reports"),
    "priority": gettext_lazy("Priority in the queue"),
    "dsa": gettext_lazy("EU Digital Services Act"),
    "auto_rules": gettext_lazy("Automated decisions"),
    "retention": gettext_lazy("Retention of data"),
}


def rules_index(request: HttpRequest) -> HttpResponse:
    """Every rulebook version, newest first: which is in force, which is coming and from when."""
    rows = [
        {"rulebook": listed.rulebook, "status": listed.status, "status_label": STATUS_LABELS[listed.status]}
        for listed in published.listing(timezone.now())
    ]
    return render(request, "web/rules/index.html", {"rows": rows})


def rules_version(request: HttpRequest, version: str) -> HttpResponse:
    """One version in full, in plain words, and what it changed from the one before."""
    try:
        rulebook = loader.get(version)
    except RulebookError:
        raise Http404(_("No rulebook version %(version)s.") % {"version": version}) from None
    status = published.status(rulebook, timezone.now())
    found = published.changes_from_previous(rulebook)
    context = {
        "rulebook": rulebook,
        "status": status,
        "status_label": STATUS_LABELS[status],
        "previous": found.old if found else None,
        "differences": _differences(rulebook, found) if found else None,
        "categories": [_category(rulebook, c) for c in rulebook.categories],
        "tracks": _tracks(rulebook),
        "points": {
            "expiry": EXPIRY_LABELS[rulebook.points.expiry],
            "repeat_within_days": rulebook.points.repeat_within_days,
        },
        "appeals": _appeals(rulebook),
        "stages": _stages(rulebook),
        "alternatives": [pick(a.title) for a in rulebook.alternatives],
    }
    return render(request, "web/rules/version.html", context)


def _titles(table: dict, codes: tuple[str, ...]) -> list[str]:
    return [pick(table[code]) if code in table else code for code in codes]


def _category(rulebook: Rulebook, category: Any) -> dict[str, Any]:
    return {
        "code": category.code,
        "title": pick(category.title),
        "targets": [str(TARGET_LABELS[t]) for t in category.targets],
        "order_window": "order" in category.targets,
        "window_days": category.window_days,
        "required": _titles(rulebook.evidence_kinds, category.required_evidence),
        "recommended": _titles(rulebook.evidence_kinds, category.recommended_evidence),
        "response_days": category.response_days,
        "silence": SILENCE_LABELS[category.silence],
        "track": pick(rulebook.tracks[category.track].title),
        "points": category.points,
        "repeat_multiplier": category.repeat_multiplier,
        "remedies": _titles(rulebook.remedies, category.remedies),
    }


def _measure(spec: MeasureSpec) -> str:
    words = str(MEASURE_LABELS[spec.kind])
    if spec.days:
        words += " · " + ngettext("%(n)d day", "%(n)d days", spec.days) % {"n": spec.days}
    if spec.weight is not None:
        words += " · " + _("ranking × %(weight)s") % {"weight": spec.weight}
    if spec.amount is not None:
        words += " · " + _("%(amount)s deducted") % {"amount": spec.amount}
    return words


def _tracks(rulebook: Rulebook) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "title": pick(track.title),
            "no_reset_at": rulebook.points.no_reset_at.get(code),
            "steps": [
                {"points": step.points, "measures": [_measure(m) for m in step.measures]}
                for step in rulebook.ladder_for(code)
            ],
        }
        for code, track in rulebook.tracks.items()
    ]


def _appeals(rulebook: Rulebook) -> dict[str, Any]:
    policy = rulebook.appeals
    if policy is None:  # the first rule: the outcome only outside Plaint, the penalty to a supervisor
        return {
            "outcome_days": rulebook.outcome_appeal_days(),
            "penalty_days": rulebook.penalty_appeal_days(),
            "answer_days": None,
            "routes": [(_("the points and measures"), ROUTE_LABELS["reconsideration"])],
            "panel": None,
            "inside": False,
        }
    routes = [(_("any appeal, unless said below"), ROUTE_LABELS[policy.routes.default])]
    routes += [(APPEALED_LABELS[k], ROUTE_LABELS[r]) for k, r in policy.routes.appealed.items()]
    for code, table in policy.routes.categories.items():
        category = rulebook.category(code)
        name = pick(category.title) if category else code
        for appealed, route in table.items():
            what = _("any appeal") if appealed == "default" else APPEALED_LABELS.get(appealed, appealed)
            routes.append((f"{name}: {what}", ROUTE_LABELS[route]))
    panel = None
    if policy.panel is not None:
        panel = {
            "seats": [str(SEAT_LABELS[s]) for s in policy.panel.seats],
            "serious_seats": [str(SEAT_LABELS[s]) for s in policy.panel.serious_seats],
            "serious_tracks": [pick(rulebook.tracks[t].title) for t in policy.panel.serious_tracks],
            "serious_amount": policy.panel.serious_amount,
        }
    return {
        "outcome_days": policy.outcome_days,
        "penalty_days": policy.penalty_days,
        "answer_days": policy.answer_days,
        "routes": routes,
        "panel": panel,
        "inside": True,
    }


def _length(stage: Stage) -> str:
    if stage.days is not None:
        if stage.time == "business":
            return ngettext("%(n)d working day", "%(n)d working days", stage.days) % {"n": stage.days}
        return ngettext("%(n)d day", "%(n)d days", stage.days) % {"n": stage.days}
    if stage.hours is not None:
        if stage.time == "business":
            return ngettext("%(n)d working hour", "%(n)d working hours", stage.hours) % {"n": stage.hours}
        return ngettext("%(n)d hour", "%(n)d hours", stage.hours) % {"n": stage.hours}
    if stage.time == "business":
        return _("the category's answer days, in working days")
    return _("the category's answer days")


def _stages(rulebook: Rulebook) -> list[dict[str, Any]]:
    names = list(STAGES) + (["committee"] if rulebook.sla.committee is not None else [])
    rows = []
    for name in names:
        stage = rulebook.sla.stage(name)
        rows.append(
            {
                "name": STAGE_LABELS[name],
                "length": _length(stage),
                "business": stage.time == "business",
                "warn_before_hours": stage.warn_before_hours,
                "on_breach": [str(BREACH_LABELS[a]) for a in stage.on_breach],
            }
        )
    return rows


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        if set(value) == {"zh", "en"}:
            return pick(value)
        return "; ".join(f"{k}: {_value(v)}" for k, v in value.items())
    return str(value)


def _differences(rulebook: Rulebook, found: Any) -> dict[str, Any]:
    before = loader.get(found.old)
    names = {c.code: pick(c.title) for c in (*before.categories, *rulebook.categories)}
    groups = []
    for section, changes in found.sections().items():
        groups.append(
            {
                "section": SECTION_LABELS.get(section, section),
                "rows": [
                    {
                        "what": " › ".join(names.get(p, p) if c.path[0] == "categories" else p for p in c.path[1:]),
                        "kind": c.kind,
                        "before": _value(c.before),
                        "after": _value(c.after),
                    }
                    for c in changes
                ],
            }
        )
    return {
        "added": [names.get(code, code) for code in found.categories_added],
        "removed": [names.get(code, code) for code in found.categories_removed],
        "groups": groups,
    }
