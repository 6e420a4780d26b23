"""The review console: the queue with filters and counts, claim / release, the case workspace with the
decision form, and the supervisors' view of overdue and escalated cases and monitoring flags.

Lists come from plaint.cases.queries (index-backed, paged); changes go through plaint.cases.actions.
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError

from plaint.accounts.models import DECIDING_ROLES, Role, User
from plaint.cases import actions, statement_templates
from plaint.cases.access import get_case
from plaint.cases.actions import rectification
from plaint.cases.actions.appeals import decide_appeal as reconsider
from plaint.cases.actions.appeals import decide_penalty_appeal
from plaint.cases.actions.rectification import KINDS as RECTIFICATION_KINDS
from plaint.cases.appeal_views import awaiting_reconsideration, decisions_due, stage_of
from plaint.cases.forensics import outcome_warnings
from plaint.cases.inputs import DecisionIn, RectificationIn
from plaint.cases.models import Appeal, Appealed, AppealRoute, Case, SavedQueueFilter
from plaint.cases.problems import open_problems, overall
from plaint.cases.queries import (
    QUEUE_FACETS,
    QUEUE_ORDER,
    overdue_cases,
    queue_facets,
    rating_figures,
    related_cases,
    review_queue,
    search_cases,
    unpaid_remedies,
)
from plaint.cases.reading import describe_case
from plaint.cases.transitions import DECIDABLE_STATES, State
from plaint.enforcement.models import Measure, Rectification, RectificationState
from plaint.errors import DomainError, InvalidInput
from plaint.keyset import keyset_page
from plaint.limits import MAX_ID
from plaint.marketplace.models import Merchant
from plaint.monitoring.models import FlagState, MonitoringFlag
from plaint.reporters.models import ReporterMeasure
from plaint.rulebook import loader

from .appeals import APPEALED_LABELS, PARTY_LABELS, ROUTE_LABELS, STAGE_LABELS, appeal_error, statement_view
from .casework import (
    CLAIM_REFUSALS,
    FLAG_REASON_LABELS,
    MEASURE_LABELS,
    OUTCOME_LABELS,
    RECTIFICATION_KIND_LABELS,
    RECTIFICATION_STATE_LABELS,
    RESPONSE_LABELS,
    domain_error_text,
    remaining,
)
from .common import CHANNEL_NAMES, case_or_404, pick, role_required, when
from .negotiation import thread_context

PAGE_SIZE = 25
# The supervisors' page shows the consumers' ratings of the last half year, month by month.
RATING_DAYS = 183
DECIDERS = tuple(DECIDING_ROLES)


def _language() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-hans"


# --- the queue ---------------------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    """Return the query value as an integer the database can compare, or None (no filter) for anything else."""
    try:
        number = int(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is None or abs(number) <= MAX_ID else None


def _filters(request: HttpRequest, get: QueryDict | None = None) -> tuple[str, dict[str, Any], dict[str, str]]:
    """Return the queue's state, the query filters, and the filters as they appear in the URL (to keep them).

    Read from the query string, or from `get` (the next-case form's fields).
    """
    get = request.GET if get is None else get
    state = get.get("state") if get.get("state") in DECIDABLE_STATES else State.AWAITING_REVIEW
    filters: dict[str, Any] = {}
    kept: dict[str, str] = {}
    if get.get("category"):
        filters["category"] = kept["category"] = get["category"][:50]
    if get.get("channel") in CHANNEL_NAMES:
        filters["channel"] = kept["channel"] = get["channel"]
    if (priority := _int(get.get("priority"))) is not None:
        filters["priority"] = priority
        kept["priority"] = str(priority)
    if (merchant := _int(get.get("merchant"))) is not None:
        filters["merchant_id"] = merchant
        kept["merchant"] = str(merchant)
    if get.get("overdue") == "1":
        filters["overdue"] = True
        kept["overdue"] = "1"
    if get.get("claim") == "mine":
        filters["mine"] = request.user
        kept["claim"] = "mine"
    elif get.get("claim") == "unclaimed":
        filters["include_claimed"] = False
        kept["claim"] = "unclaimed"
    if state != State.AWAITING_REVIEW:
        kept["state"] = state
    return state, filters, kept


def _url(kept: dict[str, str], **change: str | None) -> str:
    """Return the queue's query string with `change` applied (None drops a filter); the page always resets."""
    params = {k: v for k, v in {**kept, **change}.items() if v}
    return "?" + urlencode(params)


def _count(n: int, cap: int) -> str:
    """Return a count as a page shows it: past the cap, "1000+"."""
    return f"{cap}+" if n > cap else str(n)


def _facet_links(facets: dict[str, Any], kept: dict[str, str], rulebook: Any) -> dict[str, list[dict[str, Any]]]:
    """Return each facet's values as links with their counts, the chosen one marked."""
    merchant_ids = [value for value, _n in facets["merchant"]]
    names = dict(Merchant.objects.filter(pk__in=merchant_ids).values_list("pk", "name"))
    labels = {
        "category": lambda v: pick(c.title) if (c := rulebook.category(v)) else v,
        "priority": lambda v: str(v),
        "channel": lambda v: str(CHANNEL_NAMES.get(v, v)),
        "merchant": lambda v: names.get(v, str(v)),
    }
    links: dict[str, list[dict[str, Any]]] = {}
    for facet in QUEUE_FACETS:
        chosen = kept.get(facet)
        links[facet] = [
            {
                "label": labels[facet](value),
                "count": _count(count, facets["cap"]),
                "chosen": chosen == str(value),
                "url": _url(kept, **{facet: None if chosen == str(value) else str(value)}),
            }
            for value, count in facets[facet]
        ]
    return links


@role_required(*DECIDERS)
def queue(request: HttpRequest) -> HttpResponse:
    """The review queue: most urgent first then earliest due, with filters and their counts.

    `?ref=` goes straight to a case's workspace (a reference read out on the phone, say).
    """
    if reference := request.GET.get("ref", "").strip().upper():
        return redirect("review-case", reference=reference[:20])
    if request.GET.get("q", "").strip():
        return _search(request)
    now = timezone.now()
    state, filters, kept = _filters(request)
    facets = queue_facets(now, state=state, **filters)
    after = request.GET.get("after", "")[:200]
    try:
        page = keyset_page(review_queue(now, state=state, **filters), QUEUE_ORDER[state], after or None, PAGE_SIZE)
    except InvalidInput:  # a cursor from another list or mangled: start from the head of this one
        after = ""
        page = keyset_page(review_queue(now, state=state, **filters), QUEUE_ORDER[state], None, PAGE_SIZE)
    rulebook = loader.in_force(now)
    rows = [
        {
            "case": case,
            "category": pick(c.title) if (c := rulebook.category(case.category)) else case.category,
            "deadline": remaining(
                case.decision_due_at if state == State.AWAITING_REVIEW else case.evidence_due_at, now
            ),
            "claimed": (claimed := bool(case.claimed_by_id and case.claim_expires_at and case.claim_expires_at > now)),
            "mine": claimed and case.claimed_by_id == request.user.pk,
        }
        for case in page.rows
    ]
    context = {
        "rows": rows,
        "next_url": _url(kept, after=page.next) if page.next else "",
        "first_url": _url(kept) if after else "",
        "state": state,
        "facets": _facet_links(facets, kept, rulebook),
        "total": facets["total"],
        "total_label": _count(facets["total"], facets["cap"]),
        "capped": facets["total"] > facets["cap"],
        "overdue_count": _count(facets["overdue"], facets["cap"]),
        "overdue_url": _url(kept, overdue=None if kept.get("overdue") else "1"),
        "kept": kept,
        "next_case_fields": {k: v for k, v in kept.items() if k != "claim"},
        "state_urls": {
            s: _url({k: v for k, v in kept.items() if k != "state"}, state=None if s == State.AWAITING_REVIEW else s)
            for s in (State.AWAITING_REVIEW, State.NEEDS_EVIDENCE)
        },
        "claim_urls": {c: _url(kept, claim=c or None) for c in ("", "mine", "unclaimed")},
        "now": now,
        "saved_filters": SavedQueueFilter.objects.filter(user=request.user)[: actions.review.MAX_SAVED_FILTERS],
        "filter_query": urlencode(kept),
        "bulk": request.user.role == Role.SUPERVISOR,
    }
    return render(request, "web/review/queue.html", context)


def _search(request: HttpRequest) -> HttpResponse:
    """The cases a query names: a case reference, an order, the reporter's phone, or a merchant."""
    query = request.GET.get("q", "").strip()[:100]
    cases, found = search_cases(query)
    # One case by its reference: open it (a reference read out on the phone).
    if found and not any(found.values()) and (only := list(cases[:2])) and len(only) == 1:
        return redirect("review-case", reference=only[0].reference)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    rulebook = loader.in_force(timezone.now())
    rows = [
        {"case": c, "category": pick(cat.title) if (cat := rulebook.category(c.category)) else c.category}
        for c in page.object_list
    ]
    return render(
        request,
        "web/review/search.html",
        {"query": query, "page": page, "rows": rows, "found": found, "search_query": urlencode({"q": query})},
    )


@role_required(*DECIDERS)
def save_filter(request: HttpRequest) -> HttpResponse:
    """Save the queue's current filters under a name (the reviewer's own list)."""
    if request.method != "POST":
        return redirect("review-queue")
    query = request.POST.get("query", "")
    try:
        actions.save_queue_filter(request.user, request.POST.get("name", ""), query)
    except DomainError as error:
        messages.error(request, domain_error_text(error))
    else:
        messages.success(request, gettext("The filter was saved."))
    return redirect(reverse("review-queue") + ("?" + query.lstrip("?") if query else ""))


@role_required(*DECIDERS)
def delete_filter(request: HttpRequest, filter_id: int) -> HttpResponse:
    if request.method == "POST":
        try:
            actions.delete_queue_filter(request.user, filter_id)
        except DomainError as error:
            raise Http404(domain_error_text(error)) from error
        messages.success(request, gettext("The saved filter was deleted."))
    return redirect("review-queue")


@role_required(Role.SUPERVISOR)
def claim_several(request: HttpRequest) -> HttpResponse:
    """A supervisor claims the cases ticked in the queue; those not claimed are named with the reason."""
    back = _safe_next(request) or reverse("review-queue")
    if request.method != "POST":
        return redirect(back)
    references = [r.strip().upper()[:20] for r in request.POST.getlist("case")][: actions.review.MAX_BULK_CLAIM + 1]
    cases = list(Case.objects.filter(reference__in=references).select_related("claimed_by"))
    try:
        claimed, refused = actions.claim_cases(request.user, cases)
    except DomainError as error:
        messages.error(request, domain_error_text(error))
        return redirect(back)
    if claimed:
        messages.success(
            request,
            gettext("You claimed %(n)s cases: %(refs)s.")
            % {"n": len(claimed), "refs": ", ".join(c.reference for c in claimed)},
        )
    for reference, code in refused.items():
        messages.error(
            request,
            gettext("%(ref)s was not claimed: %(why)s.") % {"ref": reference, "why": CLAIM_REFUSALS.get(code, code)},
        )
    return redirect(back)


@role_required(*DECIDERS)
def next_case(request: HttpRequest) -> HttpResponse:
    """Claim the most urgent unclaimed case matching the queue's filters (the form's fields) and open it."""
    if request.method != "POST":
        return redirect("review-queue")
    state, filters, kept = _filters(request, request.POST)
    filters.pop("mine", None)
    filters.pop("include_claimed", None)
    case = actions.claim_next(request.user, {"state": state, **filters}, timezone.now())
    if case is None:
        messages.info(request, gettext("No unclaimed case matches these filters."))
        return redirect(reverse("review-queue") + _url({k: v for k, v in kept.items() if k != "claim"}))
    messages.success(request, gettext("You claimed %(ref)s, the most urgent case waiting.") % {"ref": case.reference})
    return redirect("review-case", reference=case.reference)


# --- claim and release (htmx: the button swaps itself) -------------------------------------------


def _claim_box(request: HttpRequest, case: Case, error: str = "") -> HttpResponse:
    now = timezone.now()
    active = bool(case.claimed_by_id and case.claim_expires_at and case.claim_expires_at > now)
    mine = active and case.claimed_by_id == request.user.pk
    return render(request, "web/review/_claim.html", {"case": case, "active": active, "mine": mine, "error": error})


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next", "")
    return target if target.startswith("/review/") and "//" not in target else None


def _claim_action(request: HttpRequest, reference: str, act: Any, done: str) -> HttpResponse:
    """Claim or release; an htmx request gets the claim box back, a plain form post a redirect."""
    case = _staff_case(request, reference)
    if request.method != "POST":
        return redirect("review-case", reference=case.reference)
    htmx = request.headers.get("HX-Request") == "true"
    error = ""
    try:
        case = act(request.user, case)
    except DomainError as exc:
        error = domain_error_text(exc)
        case = get_case(request.user, reference)
    if htmx:
        return _claim_box(request, case, error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(_safe_next(request) or reverse("review-case", args=[case.reference]))


@role_required(*DECIDERS)
def claim(request: HttpRequest, reference: str) -> HttpResponse:
    return _claim_action(request, reference, actions.claim_case, gettext("You claimed the case."))


@role_required(*DECIDERS)
def release(request: HttpRequest, reference: str) -> HttpResponse:
    return _claim_action(request, reference, actions.release_case, gettext("You released the case."))


# --- the workspace -----------------------------------------------------------------------------


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=list(OUTCOME_LABELS.items()), widget=forms.RadioSelect)
    reason_codes = forms.MultipleChoiceField(label=_("Reason codes"), widget=forms.CheckboxSelectMultiple)
    remedy = forms.ChoiceField(label=_("Remedy"), required=False)
    remedy_amount = forms.DecimalField(
        label=_("Amount to refund (partial refunds)"),
        required=False,
        min_value=Decimal("0"),
        decimal_places=2,
        help_text=_("Leave empty for a full refund of the amount paid and the tariff."),
    )
    rectification_kind = forms.ChoiceField(label=_("Order a rectification"), required=False)
    rectification_instructions = forms.CharField(
        label=_("What the merchant must change"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    statement = forms.CharField(
        label=_("Statement of facts and reasons"),
        min_length=10,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Start from a template, then edit it: both parties read this."),
    )

    def __init__(
        self,
        *args: Any,
        rulebook: Any,
        category: Any,
        problems: list[str] = (),
        own_initiative: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason_codes"].choices = [(code, pick(text)) for code, text in rulebook.reason_codes.items()]
        # A report of several problems: an outcome for each open one; the case's follows from them
        # (cases/problems.py overall) unless the reviewer picks it.
        self.problems = list(problems) if len(problems) > 1 else []
        for code in self.problems:
            found = rulebook.category(code)
            self.fields[f"problem_{code}"] = forms.ChoiceField(
                label=pick(found.title) if found else code,
                choices=list(OUTCOME_LABELS.items()),
                widget=forms.RadioSelect,
            )
        if self.problems:
            self.fields["outcome"].required = False
        remedies = category.remedies if category else list(rulebook.remedies)
        if own_initiative:
            # An investigation has no consumer to remedy (docs/investigations.md).
            remedies = ["none"]
        self.fields["remedy"].choices = [(code, pick(rulebook.remedies[code])) for code in remedies]
        self.fields["rectification_kind"].choices = [("", _("No rectification"))] + [
            (kind, RECTIFICATION_KIND_LABELS.get(kind, kind)) for kind in RECTIFICATION_KINDS
        ]

    @property
    def problem_fields(self) -> list[Any]:
        return [self[f"problem_{code}"] for code in self.problems]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        outcomes = {code: data.get(f"problem_{code}") for code in self.problems}
        if self.problems and all(outcomes.values()) and not data.get("outcome"):
            data["outcome"] = overall(outcomes)
        if data.get("rectification_kind") and not (data.get("rectification_instructions") or "").strip():
            self.add_error("rectification_instructions", _("Say what the merchant must change."))
        return data

    def decision_in(self) -> DecisionIn:
        data = self.cleaned_data
        rect = None
        if data.get("rectification_kind"):
            rect = RectificationIn(kind=data["rectification_kind"], instructions=data["rectification_instructions"])
        return DecisionIn(
            outcome=data["outcome"],
            reason_codes=data["reason_codes"],
            statement=data["statement"],
            remedy=data.get("remedy") or None,
            remedy_amount=data.get("remedy_amount"),
            rectification=rect,
            problems={code: data[f"problem_{code}"] for code in self.problems} or None,
        )


class EvidenceRequestForm(forms.Form):
    """What the reviewer needs from the reporter: the kinds of evidence and a note saying why."""

    kinds = forms.MultipleChoiceField(label=_("Evidence needed"), widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(
        label=_("Note to the reporter"),
        min_length=4,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The reporter reads this with the request. The decision clock pauses until the evidence comes."),
    )

    def __init__(self, *args: Any, rulebook: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = [(code, pick(text)) for code, text in rulebook.evidence_kinds.items()]


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Internal note"),
        min_length=2,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Staff only: the reporter and the merchant never see internal notes."),
    )


def _staff_case(request: HttpRequest, reference: str) -> Case:
    return case_or_404(request, reference, gettext("There is no case %(ref)s.") % {"ref": reference})


def _gallery(data: dict[str, Any], delivered: Any) -> list[dict[str, Any]]:
    items = []
    for item in data["evidence"]:
        captured = when(item["captured_at"])
        items.append(
            {
                **item,
                "captured": captured,
                "image": item["content_type"].startswith("image/"),
                "before_delivery": bool(captured and delivered and captured < delivered),
                # Forensics said so already (with the dates), for evidence filed since it runs.
                "flagged_before_delivery": any(f["code"] == "before_delivery" for f in item.get("flags", [])),
            }
        )
    return items


def _workspace(
    request: HttpRequest,
    case: Case,
    form: DecisionForm | None = None,
    status: int = 200,
    rectification_error: str = "",
    evidence_form: "EvidenceRequestForm | None" = None,
    note_form: "NoteForm | None" = None,
    reassign_error: str = "",
) -> HttpResponse:
    now = timezone.now()
    language = _language()
    data = describe_case(case, request.user, language=language, now=now)
    rulebook = loader.get(case.rulebook_version)
    category = rulebook.category(case.category)
    order = case.report.order
    delivered = order.delivered_at if order is not None else None
    templates = statement_templates.templates_for(case.category, language)
    # The form starts neutral: no outcome and no template until the reviewer picks them (a template
    # chosen without script comes back as ?template=).
    chosen = next((t for t in templates if str(t.pk) == request.GET.get("template")), None)
    values = statement_templates.values_for(case, language)
    if form is None:
        initial = {
            "remedy": case.report.remedy_wanted
            if category and (case.report.remedy_wanted in category.remedies or case.own_initiative)
            else None,
            "statement": statement_templates.fill(chosen.body, values) if chosen else "",
        }
        form = DecisionForm(
            initial=initial,
            rulebook=rulebook,
            category=category,
            problems=open_problems(case),
            own_initiative=case.own_initiative,
            auto_id="decide_%s",
        )
    related = related_cases(case)
    for item in data["evidence"]:
        item["kind_title"] = pick(rulebook.evidence_kinds.get(item["kind"])) or item["kind"]
    for response in data["responses"]:
        response["kind_label"] = RESPONSE_LABELS.get(response["kind"], response["kind"])
    remedy = rulebook.remedies.get(data["report"]["remedy_wanted"])
    data["report"]["remedy_wanted"] = pick(remedy) if remedy else data["report"]["remedy_wanted"]
    missing = data["admissibility"].get("missing_evidence") or []
    data["admissibility"] = {
        **data["admissibility"],
        "missing_evidence": [pick(rulebook.evidence_kinds.get(k)) or k for k in missing],
    }
    # The rounds: the report's evidence and the merchant's counter-evidence in the gallery, the reporter's
    # reply (with its own files) beside the merchant's answer.
    reply_ids = set((data["reply"] or {}).get("evidence_ids") or [])
    context_gallery = _gallery(data, delivered)
    context = {
        "case": case,
        "data": data,
        "category": category,
        "delivered": delivered,
        "gallery": [e for e in context_gallery if e["id"] not in reply_ids],
        "form": form,
        "templates": templates,
        "chosen_template": chosen,
        "related": related,
        "can_decide": "decide" in data["allowed_actions"],
        "active_claim": bool(case.claimed_by_id and case.claim_expires_at and case.claim_expires_at > now),
        "mine": case.claimed_by_id == request.user.pk and bool(case.claim_expires_at and case.claim_expires_at > now),
        "decision_deadline": remaining(case.decision_due_at, now) if case.state in DECIDABLE_STATES else None,
        "outcome_labels": OUTCOME_LABELS,
        "rectifications": [
            {
                "rect": r,
                "kind": RECTIFICATION_KIND_LABELS.get(r.kind, r.kind),
                "state": RECTIFICATION_STATE_LABELS.get(r.state, r.state),
                "reviewable": r.state == RectificationState.SUBMITTED,
            }
            for r in case.rectifications.order_by("id")
        ],
        "rectification_error": rectification_error,
        "show_hashes": True,
        "reply_gallery": [e for e in context_gallery if e["id"] in reply_ids],
        "warnings": _warnings(data, delivered),
        "evidence_form": evidence_form or EvidenceRequestForm(rulebook=rulebook, auto_id="more_%s"),
        "can_request_evidence": "request_evidence" in data["allowed_actions"],
        "notes": actions.internal_notes(case),
        "note_form": note_form or NoteForm(auto_id="note_%s"),
        "reviewers": _reviewers(request, case, now),
        "reassign_error": reassign_error,
    } | thread_context(request, case, data)
    return render(request, "web/review/case.html", context, status=status)


WARNING_TEXTS = {
    "photos_before_delivery": _(
        "The reporter's photos %(files)s were taken on %(earliest)s, before the delivery on %(delivered)s. "
        "Say in the statement why they show the goods as delivered, or reconsider the outcome."
    ),
}


def _warnings(data: dict[str, Any], delivered: Any) -> list[dict[str, Any]]:
    """Return the forensics' warnings for the outcomes, worded for the page (each names its outcomes)."""
    evidence = [{**e, "captured_at": when(e["captured_at"])} for e in data["evidence"]]
    worded = []
    for w in outcome_warnings(evidence, delivered):
        text = WARNING_TEXTS[w["code"]] % {
            "files": ", ".join(w["files"]),
            "earliest": formats.date_format(timezone.localtime(w["earliest"]), "DATETIME_FORMAT"),
            "delivered": formats.date_format(timezone.localtime(w["delivered"]), "DATETIME_FORMAT"),
        }
        worded.append({"code": w["code"], "outcomes": " ".join(w["outcomes"]), "text": text})
    return worded


def _reviewers(request: HttpRequest, case: Case, now: Any) -> list[User]:
    """Return whom a supervisor may hand this claimed case to (nobody for a reviewer, or an unclaimed case)."""
    if request.user.role != Role.SUPERVISOR or not case.claimed_by_id or case.state not in DECIDABLE_STATES:
        return []
    return list(
        User.objects.filter(role__in=DECIDERS, is_active=True).exclude(pk=case.claimed_by_id).order_by("username")[:200]
    )


@role_required(*DECIDERS)
def case_page(request: HttpRequest, reference: str) -> HttpResponse:
    """Everything about the case in one page, and the decision form."""
    return _workspace(request, _staff_case(request, reference))


@role_required(*DECIDERS)
def template_text(request: HttpRequest, reference: str) -> HttpResponse:
    """htmx: the statement field filled from the chosen template (the reviewer edits it before sending)."""
    case = _staff_case(request, reference)
    language = _language()
    template = next(
        (
            t
            for t in statement_templates.templates_for(case.category, language)
            if str(t.pk) == request.GET.get("template")
        ),
        None,
    )
    if template is None:
        raise Http404(gettext("No such template for this category."))
    text = statement_templates.fill(template.body, statement_templates.values_for(case, language))
    return render(request, "web/review/_statement_field.html", {"text": text})


@role_required(*DECIDERS)
def decide(request: HttpRequest, reference: str) -> HttpResponse:
    """Send the decision: outcome, reason codes, remedy, optional rectification, the edited statement."""
    case = _staff_case(request, reference)
    if request.method != "POST":
        return redirect("review-case", reference=case.reference)
    rulebook = loader.get(case.rulebook_version)
    form = DecisionForm(
        request.POST,
        rulebook=rulebook,
        category=rulebook.category(case.category),
        problems=open_problems(case),
        own_initiative=case.own_initiative,
        auto_id="decide_%s",
    )
    if form.is_valid():
        try:
            actions.decide_case(request.user, case, form.decision_in())
        except ValidationError as error:
            form.add_error(None, "; ".join(e["msg"] for e in error.errors()))
        except DomainError as error:
            field = {
                "remedy_amount": "remedy_amount",
                "remedy": "remedy",
                "reason_codes": "reason_codes",
                "outcome": "outcome",
            }.get(error.field or "")
            form.add_error(field, domain_error_text(error))
        else:
            messages.success(request, gettext("The decision was sent. Both parties can read it and its reasons now."))
            return redirect("review-case", reference=case.reference)
    return _workspace(request, get_case(request.user, case.reference), form, status=422)


@role_required(*DECIDERS)
def request_evidence(request: HttpRequest, reference: str) -> HttpResponse:
    """Ask the reporter for more evidence (the kinds and a note); errors come back beside the fields."""
    case = _staff_case(request, reference)
    if request.method != "POST":
        return redirect("review-case", reference=case.reference)
    rulebook = loader.get(case.rulebook_version)
    form = EvidenceRequestForm(request.POST, rulebook=rulebook, auto_id="more_%s")
    if form.is_valid():
        try:
            actions.request_more_evidence(request.user, case, form.cleaned_data["kinds"], form.cleaned_data["note"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, domain_error_text(error))
        else:
            messages.success(
                request,
                gettext("The reporter was asked for the evidence. The case waits for it, still claimed by you."),
            )
            return redirect("review-case", reference=case.reference)
    return _workspace(request, get_case(request.user, case.reference), status=422, evidence_form=form)


@role_required(*DECIDERS)
def add_note(request: HttpRequest, reference: str) -> HttpResponse:
    """Write an internal note on the case: staff read it, the parties never do."""
    case = _staff_case(request, reference)
    if request.method != "POST":
        return redirect("review-case", reference=case.reference)
    form = NoteForm(request.POST, auto_id="note_%s")
    if form.is_valid():
        try:
            actions.add_internal_note(request.user, case, form.cleaned_data["note"])
        except DomainError as error:
            form.add_error("note", domain_error_text(error))
        else:
            messages.success(request, gettext("The note was added. Only staff can read it."))
            return redirect(reverse("review-case", args=[case.reference]) + "#notes-h")
    return _workspace(request, case, status=422, note_form=form)


@role_required(Role.SUPERVISOR)
def reassign(request: HttpRequest, reference: str) -> HttpResponse:
    """A supervisor hands the claimed case to another reviewer (logged, staff only)."""
    case = _staff_case(request, reference)
    if request.method != "POST":
        return redirect("review-case", reference=case.reference)
    to = User.objects.filter(pk=_int(request.POST.get("reviewer"))).first()
    try:
        if to is None:
            raise InvalidInput("reviewer", "Choose the reviewer to hand the case to.", field="reviewer")
        case = actions.reassign_case(request.user, case, to, reason=request.POST.get("reason", ""))
    except DomainError as error:
        return _workspace(
            request,
            get_case(request.user, case.reference),
            status=error.status,
            reassign_error=domain_error_text(error),
        )
    messages.success(request, gettext("The case was handed to %(who)s.") % {"who": to.username})
    return redirect("review-case", reference=case.reference)


@role_required(*DECIDERS)
def review_rectification(request: HttpRequest, reference: str, rectification_id: int) -> HttpResponse:
    """Accept or reject the merchant's proof of a rectification, with reasons (a rejection costs points)."""
    case = _staff_case(request, reference)
    rect = (
        Rectification.objects.filter(pk=rectification_id, case=case)
        .select_related("case__merchant", "decision")
        .first()
    )
    if rect is None:
        raise Http404(gettext("No such rectification on this case."))
    if request.method != "POST":
        return redirect("review-case", reference=case.reference)
    try:
        rectification.review(
            request.user, rect, accept=request.POST.get("accept") == "1", reasons=request.POST.get("reasons", "")
        )
    except DomainError as error:
        return _workspace(request, case, status=422, rectification_error=domain_error_text(error))
    messages.success(request, gettext("The rectification was checked."))
    return redirect("review-case", reference=case.reference)


# --- supervisors ---------------------------------------------------------------------------------


@role_required(Role.SUPERVISOR)
def supervisor(request: HttpRequest) -> HttpResponse:
    """Overdue and escalated cases, open monitoring flags, appeals awaiting reconsideration (oldest first)."""
    now = timezone.now()
    rulebook = loader.in_force(now)

    def rows(cases: Any) -> list[dict[str, Any]]:
        return [
            {
                "case": c,
                "category": pick(cat.title) if (cat := rulebook.category(c.category)) else c.category,
                "deadline": remaining(c.decision_due_at, now),
            }
            for c in cases
        ]

    overdue = Paginator(overdue_cases(now), PAGE_SIZE).get_page(request.GET.get("page"))
    escalated = review_queue(now, escalated=True)[:PAGE_SIZE]
    flags = MonitoringFlag.objects.filter(state=FlagState.OPEN).select_related("merchant").order_by("-raised_at")[:50]
    waiting = list(awaiting_reconsideration()[:50])
    due = decisions_due(waiting)
    appeals = [
        {
            "appeal": a,
            "party": PARTY_LABELS.get(a.party, a.party),
            "what": APPEALED_LABELS.get(a.appealed, a.appealed),
            "due": due[a.pk],
            # The penalty appeal under a rulebook without [appeals] keeps its one-line form here.
            "legacy": a.appealed == Appealed.PENALTY and loader.get(a.rulebook_version).appeals is None,
        }
        for a in waiting
    ]
    ratings = rating_figures(now - timedelta(days=RATING_DAYS), now, period="month")
    return render(
        request,
        "web/review/supervisor.html",
        {
            "overdue": overdue,
            "overdue_rows": rows(overdue.object_list),
            "escalated_rows": rows(escalated),
            "flags": [{"flag": f, "reason": FLAG_REASON_LABELS.get(f.reason, f.reason)} for f in flags],
            "reporter_appeals": ReporterMeasure.objects.filter(
                appealed_at__isnull=False, appeal_decided_at__isnull=True
            ).count(),
            "appeals": appeals,
            "unpaid": unpaid_remedies()[:PAGE_SIZE],
            "ratings": [
                r | {"title": pick(cat.title) if (cat := rulebook.category(r["category"])) else r["category"]}
                for r in ratings
            ],
            "rating_days": RATING_DAYS,
        },
    )


@role_required(Role.SUPERVISOR)
def decide_appeal(request: HttpRequest, appeal_id: int) -> HttpResponse:
    """A supervisor overturns a penalty (points revoked, measures lifted) or rejects the appeal, with reasons."""
    appeal = Appeal.objects.select_related("decision__case").filter(pk=appeal_id).first()
    if appeal is None:
        raise Http404(gettext("No such penalty appeal."))
    if request.method == "POST":
        try:
            decide_penalty_appeal(
                request.user,
                appeal,
                overturn=request.POST.get("overturn") == "1",
                reasons=request.POST.get("reasons", ""),
            )
        except DomainError as error:
            messages.error(request, domain_error_text(error))
        else:
            messages.success(request, gettext("The penalty appeal was decided."))
    return redirect("review-supervisor")


# --- reconsideration of an appeal ----------------------------------------------------------------

RESULT_CHOICES = {
    "confirmed": _("Confirm the decision"),
    "overturned": _("Overturn the decision"),
    "varied": _("Vary the decision"),
}


class ReconsiderForm(forms.Form):
    """The supervisor's result, reasons and, for a varied result, the variation as the API accepts it."""

    result = forms.ChoiceField(label=_("Result"), choices=list(RESULT_CHOICES.items()), widget=forms.RadioSelect)
    reasons = forms.CharField(
        label=_("Reasons"),
        min_length=10,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Both parties read these reasons in the appeal's statement."),
    )
    outcome = forms.ChoiceField(label=_("New outcome (when you vary)"), required=False)
    remedy = forms.ChoiceField(label=_("New remedy (when you vary)"), required=False)
    amount = forms.DecimalField(
        label=_("New amount (when you vary)"), required=False, min_value=Decimal("0"), decimal_places=2
    )
    points = forms.IntegerField(label=_("Violation points (when you vary)"), required=False, min_value=0)
    lift_measures = forms.MultipleChoiceField(
        label=_("Measures to lift (when you vary)"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, remedies: list[tuple[str, str]], measures: list[Measure], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [("", _("Unchanged"))] + list(OUTCOME_LABELS.items())
        self.fields["remedy"].choices = [("", _("Unchanged"))] + remedies
        self.fields["lift_measures"].choices = [
            (str(m.pk), f"{MEASURE_LABELS.get(m.kind, m.kind)} · {m.starts_at:%Y-%m-%d} (#{m.pk})") for m in measures
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("result") == "varied" and not self.variation():
            self.add_error("result", _("Say what the variation changes: outcome, remedy, amount, points or measures."))
        return data

    def variation(self) -> dict[str, Any] | None:
        """Return the variation of a varied result (None for the other results), in the API's shape."""
        data = self.cleaned_data
        if data.get("result") != "varied":
            return None
        variation: dict[str, Any] = {}
        if data.get("outcome"):
            variation["outcome"] = data["outcome"]
        if data.get("remedy"):
            variation["remedy"] = data["remedy"]
        if data.get("amount") is not None:
            variation["amount"] = str(data["amount"])
        if data.get("points") is not None:
            variation["points"] = data["points"]
        if data.get("lift_measures"):
            variation["lift_measures"] = [int(m) for m in data["lift_measures"]]
        return variation


def _appeal_or_404(request: HttpRequest, appeal_id: int) -> Appeal:
    """Return the appeal for a supervisor; the one who took the first decision is shown why they cannot (403)."""
    appeal = Appeal.objects.select_related("case", "decision", "filed_by").filter(pk=appeal_id).first()
    if appeal is None:
        raise Http404(gettext("There is no such appeal."))
    if appeal.decision is not None and appeal.decision.decided_by_id == request.user.pk:
        raise PermissionDenied(
            gettext(
                "You took the first decision on this case, so you cannot reconsider it: "
                "another supervisor must. The appeal is on the supervisors' list for them."
            )
        )
    return appeal


def _variation_choices(case: Case) -> tuple[list[tuple[str, str]], list[Measure]]:
    """Return the remedies of the case's category and the merchant's live measures, for the variation fields."""
    rulebook = loader.get(case.rulebook_version)
    category = rulebook.category(case.category)
    codes = category.remedies if category else list(rulebook.remedies)
    live = Measure.objects.filter(merchant_id=case.merchant_id, revoked_at__isnull=True, ended_at__isnull=True)
    return [(code, pick(rulebook.remedies[code])) for code in codes], list(live.order_by("-starts_at")[:50])


def _reconsideration(
    request: HttpRequest, appeal: Appeal, form: ReconsiderForm | None = None, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    case = appeal.case
    data = describe_case(case, request.user, language=_language(), now=now)
    rulebook = loader.get(case.rulebook_version)
    for item in data["evidence"]:
        item["kind_title"] = pick(rulebook.evidence_kinds.get(item["kind"])) or item["kind"]
        item["with_appeal"] = item["id"] in appeal.evidence_ids
        item["with_answer"] = item["id"] in appeal.answer_evidence_ids
    for response in data["responses"]:
        response["kind_label"] = RESPONSE_LABELS.get(response["kind"], response["kind"])
    remedies, measures = _variation_choices(case)
    stage = stage_of(appeal, now)
    decidable = stage["stage"] == "awaiting_decision" and appeal.route == AppealRoute.RECONSIDERATION
    if form is None and decidable:
        form = ReconsiderForm(remedies=remedies, measures=measures, auto_id="reconsider_%s")
    context = {
        "appeal": appeal,
        "case": case,
        "data": data,
        "first": next((d for d in data["decisions"] if d["id"] == appeal.decision_id), None),
        "party": PARTY_LABELS.get(appeal.party, appeal.party),
        "what": APPEALED_LABELS.get(appeal.appealed, appeal.appealed),
        "route": ROUTE_LABELS.get(appeal.route, appeal.route),
        "stage": stage["stage"],
        "stage_title": STAGE_LABELS[stage["stage"]],
        "due": stage["due"],
        "statement": statement_view(appeal.statement),
        "form": form if decidable else None,
        "for_committee": appeal.route == AppealRoute.COMMITTEE,
        "show_hashes": True,
    }
    return render(request, "web/review/appeal.html", context, status=status)


@role_required(Role.SUPERVISOR)
def appeal_page(request: HttpRequest, appeal_id: int) -> HttpResponse:
    """An appeal's dossier (the case, the first statement, both sides' evidence, grounds and answer) and the form.

    GET shows it; POST decides it through decide_appeal (a refusal shows the page again, nothing lost).
    """
    appeal = _appeal_or_404(request, appeal_id)
    if request.method != "POST":
        return _reconsideration(request, appeal)
    remedies, measures = _variation_choices(appeal.case)
    form = ReconsiderForm(request.POST, remedies=remedies, measures=measures, auto_id="reconsider_%s")
    status = 422
    if form.is_valid():
        try:
            data = form.cleaned_data
            reconsider(request.user, appeal, data["result"], data["reasons"], form.variation())
        except DomainError as error:
            status = error.status
            field = error.field if error.field in ("result", "reasons") else None
            if error.field == "variation":
                field = "result"
            text = appeal_error(error)
            messages.error(request, text)
            form.add_error(field, text)
        else:
            messages.success(
                request, gettext("The appeal was decided. Both parties can read its statement of reasons now.")
            )
            return redirect("review-appeal", appeal_id=appeal.pk)
    else:
        messages.error(request, gettext("The appeal was not decided; see the fields marked below."))
    appeal.refresh_from_db()
    return _reconsideration(request, appeal, form, status)
