"""The consumer portal: my reports, filing a report in steps, the case page.

Every change goes through `plaint.cases.actions` with the signed-in consumer as the actor, so the
pages have exactly the API's permissions; a case that is not the consumer's is a 404.
"""

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from plaint.accounts.models import Role, User
from plaint.cases import actions, problems
from plaint.cases.inputs import ReportIn
from plaint.cases.models import Case
from plaint.cases.queries import cases_for
from plaint.cases.reading import describe_case
from plaint.dossier.complaint import complaint_text
from plaint.errors import DomainError, RateLimited
from plaint.reporters import misuse
from plaint.rulebook import loader
from plaint.rulebook.schema import Rulebook
from plaint.triage.suggest import suggest, triage_settings

from . import appeals
from .common import (
    add_evidence_from_page,
    case_or_404,
    done,
    error_message,
    error_text,
    lang,
    nudge_from_page,
    pick,
    rejected_files,
    reply_from_page,
    role_required,
    take_refused,
    upload_field,
    withdraw_page,
)
from .filing import Target, category_preview, evidence_choices, find_target, open_case_for, targets_for, uploads_from
from .negotiation import thread_context

DRAFT = "report_draft"
# The open report a refused filing named (duplicate_report), linked on the page the refusal comes back to.
DUPLICATE = "report_duplicate"
STEPS = ("target", "category", "describe", "evidence", "review")
STEP_TITLES = {
    "target": gettext_lazy("What is it about"),
    "category": gettext_lazy("Category"),
    "describe": gettext_lazy("Describe"),
    "evidence": gettext_lazy("Evidence"),
    "review": gettext_lazy("Review and send"),
}
CASES_PER_PAGE = 20

consumer_only = role_required(Role.CONSUMER)


def _language() -> str:
    return "en" if lang() == "en" else "zh-hans"


# --- my reports -----------------------------------------------------------------------------------


@consumer_only
def my_reports(request: HttpRequest) -> HttpResponse:
    """The consumer's reports, newest first, a page at a time."""
    page = Paginator(cases_for(request.user), CASES_PER_PAGE).get_page(request.GET.get("page"))
    rulebook = loader.in_force(timezone.now())
    rows = []
    for case in page.object_list:
        category = rulebook.category(case.category) or loader.get(case.rulebook_version).category(case.category)
        rows.append({"case": case, "category": pick(category.title) if category else case.category})
    return render(request, "web/consumer/my_reports.html", {"page": page, "rows": rows})


# --- filing in steps ------------------------------------------------------------------------------


def _target(user: User, value: str) -> Target | None:
    return find_target(user.consumer_id, value)


class CategoryForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("What went wrong"), widget=forms.RadioSelect)
    # Version 4 on ([problems]), for an order: the other problems of the same order, judged each on its own.
    also = forms.MultipleChoiceField(
        label=gettext_lazy("Anything else wrong with this order?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, rulebook: Rulebook, *args: Any, first: tuple[str, ...] = (), several: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        ordered = [c for code in first if (c := rulebook.category(code))]
        ordered += [c for c in rulebook.categories if c.code not in first]
        self.fields["category"].choices = [(c.code, pick(c.title)) for c in ordered]
        if several:
            self.fields["also"].choices = [(c.code, pick(c.title)) for c in rulebook.categories if "order" in c.targets]
        else:
            del self.fields["also"]


def _suggested(request: HttpRequest, rulebook: Rulebook, text: str, now: Any, *, record: bool) -> dict[str, Any]:
    """Return the category step's suggestion context for the consumer's words ({} when there is nothing to show).

    The version in force suggests with its [triage] (version 3 on) or, before, with the phrases it borrows
    from a later version (`coldstart.sources`); the best `shown` go first.
    """
    triage = triage_settings(rulebook)
    if triage is None or not text.strip():
        return {}
    try:
        result = suggest(text, user=request.user, channel="web", now=now, record=record)
    except DomainError as exc:
        return {"suggest_error": error_message(exc)}
    shown = result.ranked[: triage.shown]
    return {
        "suggested": {
            r.code: {"rank": i + 1, "words": list(r.words), "window_days": rulebook.category(r.code).window_days}
            for i, r in enumerate(shown)
        },
        "suggested_order": tuple(r.code for r in shown),
        "suggested_none": not shown,
    }


class DescribeForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("What happened"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("In Chinese or English: what you received, what is wrong, what you did so far."),
    )
    remedy_wanted = forms.ChoiceField(label=gettext_lazy("What you want"))

    def __init__(self, rulebook: Rulebook, remedies: list[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = rulebook.intake.description_max_chars
        description = self.fields["description"]
        description.max_length = limit
        description.validators.append(MaxLengthValidator(limit))
        description.widget.attrs["maxlength"] = str(limit)
        self.fields["remedy_wanted"].choices = [(r, pick(rulebook.remedies[r])) for r in remedies]


def _step_url(step: str) -> str:
    return f"{reverse('consumer-new')}?step={step}"


@consumer_only
def new_report(request: HttpRequest) -> HttpResponse:
    """File a report in steps: target → category (window shown) → description → evidence, review, send.

    The draft lives in the session until it is sent; nothing is filed before the last step.
    """
    now = timezone.now()
    rulebook = loader.in_force(now)
    suspended = misuse.suspension_in_force(request.user.consumer_id, now)
    if suspended is not None:
        # Suspended from reporting (DSA art. 23): say until when and how to appeal instead of a form.
        context = {"suspended": misuse.measure_item(suspended, now)}
        return render(request, "web/consumer/suspended.html", context, status=403)
    draft: dict[str, str] = request.session.get(DRAFT, {})
    step = request.GET.get("step") or request.POST.get("step") or "target"
    if request.GET.get("restart"):
        request.session.pop(DRAFT, None)
        return redirect(_step_url("target"))
    target = _target(request.user, draft.get("target", "")) if draft.get("target") else None
    category = rulebook.category(draft.get("category", "")) if draft.get("category") else None
    # A step whose earlier choices are missing sends the consumer back to the first missing one.
    needs = {
        "category": [target],
        "describe": [target, category],
        "evidence": [target, category],
        "submit": [target, category],
    }
    if step in needs and not all(needs[step]):
        return redirect(_step_url("target" if target is None else "category"))
    if step in needs and step in ("evidence", "submit") and not draft.get("description"):
        return redirect(_step_url("describe"))

    context: dict[str, Any] = {"step": step, "steps": [(s, STEP_TITLES[s]) for s in STEPS], "draft": draft}
    context |= {"target": target, "category": category, "rulebook": rulebook}
    if step == "target":
        error = None
        if request.method == "POST":
            chosen = _target(request.user, request.POST.get("target", ""))
            if chosen is not None:
                request.session[DRAFT] = draft | {"target": chosen.value}
                return redirect(_step_url("category"))
            error = _("Choose an order, a listing or a shop.")
        context |= {"targets": targets_for(request.user.consumer_id), "error": error, "current": draft.get("target")}
        return render(request, "web/consumer/new_target.html", context)

    if step == "category":
        # The consumer's words first (version 3 on): the likely categories go to the top, with their windows.
        words = request.POST.get("words", draft.get("description", "")) if request.method == "POST" else None
        if words is not None and words.strip():
            draft = draft | {"description": words.strip()}
            request.session[DRAFT] = draft
        asked = request.method == "POST" and "suggest" in request.POST
        suggestion = _suggested(request, rulebook, draft.get("description", ""), now, record=asked)
        first = suggestion.get("suggested_order", ())
        several = rulebook.problems is not None and target.type == "order"
        initial = {"category": draft.get("category"), "also": draft.get("also", [])}
        if asked:
            initial["category"] = draft.get("category") or next(iter(first), None)
            form = CategoryForm(rulebook, initial=initial, first=first, several=several)
        else:
            form = CategoryForm(rulebook, request.POST or None, initial=initial, first=first, several=several)
        if request.method == "POST" and not asked and form.is_valid():
            chosen = form.cleaned_data["category"]
            also = [code for code in form.cleaned_data.get("also") or [] if code != chosen]
            try:
                problems.extra_categories(rulebook, rulebook.category(chosen), also, target.type)
            except DomainError as exc:
                form.add_error("also", error_message(exc))
            else:
                # One open report per problem: say so here, before anything is written, not at the end,
                # and keep the way to the open report on the page.
                open_case = next(
                    (ref for code in [chosen, *also] if (ref := open_case_for(request.user.consumer_id, target, code))),
                    None,
                )
                if open_case is None:
                    request.session[DRAFT] = draft | {"category": chosen, "also": also}
                    return redirect(_step_url("describe"))
                form.add_error("category", error_text("duplicate_report", "") % {"case": open_case})
                context["duplicate"] = {"reference": open_case, "url": reverse("consumer-case", args=[open_case])}
        # The category checked on the page: the draft's, or the first suggestion just pre-selected, whose
        # window and evidence are shown beside it as if the consumer had clicked it.
        checked = category or (rulebook.category(initial["category"]) if asked and initial["category"] else None)
        preview = (
            category_preview(rulebook, checked, target, now, request.user.consumer_id, "consumer-case")
            if checked
            else None
        )
        context |= {"form": form, "preview": preview, "draft": draft, "triage": triage_settings(rulebook) is not None}
        return render(request, "web/consumer/new_category.html", context | suggestion)

    preview = category_preview(rulebook, category, target, now, request.user.consumer_id, "consumer-case")
    context["preview"] = preview
    # The other problems of the order (version 4 on): each with its own window and evidence.
    context["also_previews"] = [
        category_preview(rulebook, c, target, now, request.user.consumer_id, "consumer-case")
        for code in draft.get("also", [])
        if (c := rulebook.category(code))
    ]
    if step == "describe":
        initial = {"description": draft.get("description", ""), "remedy_wanted": draft.get("remedy_wanted")}
        form = DescribeForm(rulebook, list(category.remedies), request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            request.session[DRAFT] = draft | form.cleaned_data
            return redirect(_step_url("evidence"))
        context["form"] = form
        return render(request, "web/consumer/new_describe.html", context)

    if step == "submit" and request.method == "POST":
        return _submit(request, rulebook, draft, target, context)

    return _evidence_step(request, rulebook, category, draft, context)


def _evidence_step(
    request: HttpRequest, rulebook: Rulebook, category: Any, draft: dict, context: dict, status: int = 200
) -> HttpResponse:
    duplicate = request.session.pop(DUPLICATE, None)
    if duplicate:
        context["duplicate"] = {"reference": duplicate, "url": reverse("consumer-case", args=[duplicate])}
    context |= {
        "kinds": evidence_choices(rulebook, category),
        "remedy_title": pick(rulebook.remedies.get(draft.get("remedy_wanted", ""))),
        "idempotency_key": uuid.uuid4().hex,
        **upload_field(rulebook),
    }
    return render(request, "web/consumer/new_evidence.html", context, status=status)


def _submit(request: HttpRequest, rulebook: Rulebook, draft: dict, target: Target, context: dict) -> HttpResponse:
    """Send the report (the last step's form, or its script's XHR): file_report, then the case page."""
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    data = ReportIn(
        target_type=target.type,
        target_id=target.id,
        category=draft["category"],
        also=draft.get("also", []),
        description=draft["description"],
        remedy_wanted=draft.get("remedy_wanted") or "refund",
        channel="web",
    )
    try:
        filed = actions.file_report(
            request.user, data, uploads_from(request), idempotency_key=request.POST.get("idempotency_key") or None
        )
    except DomainError as exc:
        # The draft (target, category, text) stays in the session: nothing typed is lost.
        if wants_json:
            response = JsonResponse({"error": error_message(exc), "field": exc.field}, status=exc.status)
            if getattr(exc, "retry_after", None):
                response["Retry-After"] = str(exc.retry_after)
            return response
        messages.error(request, error_message(exc))
        if exc.code == "duplicate_report":
            # The refusal keeps the way to the open report on the page it comes back to.
            request.session[DUPLICATE] = exc.details["case"]
        if isinstance(exc, RateLimited):
            # Answered here with its status and when to retry, the report's text on the page to send again.
            response = _evidence_step(
                request, rulebook, rulebook.category(draft["category"]), draft, context, status=exc.status
            )
            response["Retry-After"] = str(exc.retry_after)
            return response
        return redirect(_step_url("evidence"))
    request.session.pop(DRAFT, None)
    refused = rejected_files(filed.rejected_files)
    if refused:
        request.session[f"refused-{filed.case.reference}"] = refused
    messages.success(request, _("Your report was sent. Its reference is %(ref)s.") % {"ref": filed.case.reference})
    url = reverse("consumer-case", args=[filed.case.reference])
    if wants_json:
        return JsonResponse({"reference": filed.case.reference, "url": url, "rejected_files": refused}, status=201)
    return redirect(url)


@consumer_only
def category_info(request: HttpRequest) -> HttpResponse:
    """The htmx partial of the category step: the window for this order and the evidence needed."""
    now = timezone.now()
    rulebook = loader.in_force(now)
    draft = request.session.get(DRAFT, {})
    target = _target(request.user, draft.get("target", ""))
    category = rulebook.category(request.GET.get("category", ""))
    if target is None or category is None:
        return HttpResponse("")
    preview = category_preview(rulebook, category, target, now, request.user.consumer_id, "consumer-case")
    return render(request, "web/consumer/_category_info.html", {"preview": preview, "target": target})


# --- the case page --------------------------------------------------------------------------------


APPEAL_URLS = {"appeal": "consumer-appeal", "answer": "consumer-appeal-answer"}


def case_context(request: HttpRequest, case: Case, **appeal_forms: Any) -> dict[str, Any]:
    """Return the case page's context: the case as the viewer may read it, and the words for it.

    `appeal_forms`: a refused appeal or answer form to show again (web.appeals.party_context).
    """
    now = timezone.now()
    data = describe_case(case, request.user, language=_language(), now=now)
    rulebook = loader.get(case.rulebook_version)
    category = rulebook.category(case.category)
    admissibility = data["admissibility"] or {}
    return (
        {
            "case": case,
            "data": data,
            "category": category,
            "category_title": pick(category.title) if category else case.category,
            "remedy_title": pick(rulebook.remedies.get(data["report"]["remedy_wanted"])),
            "explanation": pick(admissibility.get("explanation")),
            "alternatives": [pick(a) for a in admissibility.get("alternatives", [])],
            "missing": [
                pick(rulebook.evidence_kinds[k])
                for k in admissibility.get("missing_evidence", [])
                if k in rulebook.evidence_kinds
            ],
            "dates": {k: v for k, v in (admissibility.get("dates") or {}).items() if v},
            "own_evidence": [
                e | {"kind_title": pick(rulebook.evidence_kinds.get(e["kind"]))}
                for e in data["evidence"]
                if e["party"] == "reporter"
            ],
            # The merchant's counter-evidence, as the merchant gets the reporter's: copies without location data.
            "merchant_evidence": [
                e | {"kind_title": pick(rulebook.evidence_kinds.get(e["kind"]))}
                for e in data["evidence"]
                if e["party"] == "merchant"
            ],
            "kinds": evidence_choices(rulebook, category),
            "allowed": data["allowed_actions"],
            "refused": take_refused(request, case.reference),
            **upload_field(rulebook),
            # The 12315 complaint in Chinese (12315 takes Chinese), and in English beside it on an English page.
            "complaint_text": complaint_text(case, request.user, "zh-hans", data=data),
            "complaint_text_en": complaint_text(case, request.user, "en", data=data) if _language() == "en" else "",
        }
        | thread_context(request, case, data)
        | appeals.party_context(request, case, data, APPEAL_URLS, now=now, **appeal_forms)
    )


def _draw(request: HttpRequest, case: Case) -> appeals.Draw:
    def draw(forms_: dict[str, Any], status: int) -> HttpResponse:
        return render(request, "web/consumer/case.html", case_context(request, case, **forms_), status=status)

    return draw


@consumer_only
def case_page(request: HttpRequest, reference: str) -> HttpResponse:
    """One of the consumer's cases: state, deadlines, timeline, reasons, evidence, what they can do."""
    case = case_or_404(request, reference)
    return render(request, "web/consumer/case.html", case_context(request, case))


@require_POST
@consumer_only
def add_evidence(request: HttpRequest, reference: str) -> HttpResponse:
    """Add files to one of the consumer's open cases (asked for, or while it is open)."""
    case = case_or_404(request, reference)
    url = reverse("consumer-case", args=[reference])
    uploads = uploads_from(request)
    if not uploads:
        messages.error(request, _("Choose at least one file to add."))
    else:
        add_evidence_from_page(request, case, uploads)
    return done(request, url)


@consumer_only
def withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    """Withdraw a report: a confirmation page (GET), then the withdrawal (POST)."""
    return withdraw_page(request, case_or_404(request, reference), "consumer-case", "web/consumer/withdraw.html")


@require_POST
@consumer_only
def nudge(request: HttpRequest, reference: str) -> HttpResponse:
    """Ask about an open case's progress (二次反馈); an overdue case goes to a supervisor."""
    case = nudge_from_page(request, case_or_404(request, reference))
    if case is not None:
        if case.escalated_at:
            messages.success(request, _("The case is overdue; it has been passed to a supervisor."))
        else:
            messages.success(request, _("Your question was recorded on the case."))
    return redirect("consumer-case", reference)


@require_POST
@consumer_only
def reply(request: HttpRequest, reference: str) -> HttpResponse:
    """Answer the merchant's answer and counter-evidence, once, in words and files, before the decision."""
    case = case_or_404(request, reference)
    reply_from_page(request, case, uploads_from(request))
    return done(request, reverse("consumer-case", args=[reference]) + "#reply")


@require_POST
@consumer_only
def appeal(request: HttpRequest, reference: str) -> HttpResponse:
    """Appeal the case's decision (or its inadmissibility): what, grounds, new evidence files."""
    case = case_or_404(request, reference)
    return appeals.file_from_page(request, case, "consumer-case", _draw(request, case))


@require_POST
@consumer_only
def reopen(request: HttpRequest, reference: str) -> HttpResponse:
    """Reopen a case the merchant resolved by accepting, because the money never arrived; it goes to review."""
    case = case_or_404(request, reference)
    try:
        actions.reopen_unpaid(request.user, case, request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, error_message(exc))
    else:
        messages.success(request, _("The case is reopened and has gone to a reviewer."))
    return redirect("consumer-case", reference)


@require_POST
@consumer_only
def answer_appeal(request: HttpRequest, reference: str, appeal_id: int) -> HttpResponse:
    """Answer the merchant's appeal of the case, once, with words and files."""
    case = case_or_404(request, reference)
    return appeals.answer_from_page(request, case, appeal_id, "consumer-case", _draw(request, case))


@require_POST
@consumer_only
def rate(request: HttpRequest, reference: str) -> HttpResponse:
    """Rate how a closed case was handled, 1 to 5 with a comment, once."""
    case = case_or_404(request, reference)
    try:
        score = int(request.POST.get("score", ""))
    except ValueError:
        score = 0
    try:
        actions.rate_case(request.user, case, score, request.POST.get("comment", ""))
    except DomainError as exc:
        messages.error(request, error_message(exc))
    else:
        messages.success(request, _("Thank you: your rating was recorded."))
    return redirect("consumer-case", reference)
