"""Appeals on the parties' case pages (consumer, agent for the consumer, merchant).

What each party sees of a case under appeal (the appeal's state, deadline, route, grounds, files,
the answer, and once decided its statement of reasons), the form to appeal what is open to the
party, and the other party's answer form. The portals' views call `file_from_page` and
`answer_from_page` with their own way to draw the case page; every change goes through
plaint.cases.actions.appeals, so the pages have exactly the API's permissions and refusals.

A refused appeal or answer draws the case page again with the refusal at the top and next to its
field (422, 409, 403 as the API answers), the words typed kept, and the files chosen kept for the
next attempt (filing.hold_uploads: a browser cannot refill a file input).
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from plaint.accounts.models import User
from plaint.cases.actions.appeals import GROUNDS_MAX_CHARS, answer_appeal, file_appeal
from plaint.cases.appeal_views import appeal_offer, may_answer, stage_of
from plaint.cases.models import Appeal, Case
from plaint.errors import DomainError, InvalidInput
from plaint.evidence.actions import Upload
from plaint.rulebook import loader

from .committee import SEAT_LABELS
from .common import error_message, keep_refused, pick
from .filing import evidence_choices, hold_uploads, take_held, uploads_from

APPEALED_LABELS = {
    "outcome": _("The outcome of the decision"),
    "remedy": _("The remedy"),
    "inadmissibility": _("The decision not to accept the report"),
    "points": _("The violation points"),
    "measures": _("The measures"),
    "penalty": _("The points and the measures they bring (the penalty)"),
}
PARTY_LABELS = {"reporter": _("The reporter"), "merchant": _("The merchant")}
ROUTE_LABELS = {
    "reconsideration": _("Reconsideration by a supervisor who did not take the first decision"),
    "committee": _("A panel drawn from the independent committee"),
}
STAGE_LABELS = {
    "answer_window": _("Waiting for the other party's answer"),
    "awaiting_decision": _("Awaiting the decision"),
    "decided": _("Decided"),
}
RESULT_LABELS = {"confirmed": _("Confirmed"), "overturned": _("Overturned"), "varied": _("Varied")}
VOTE_LABELS = {"confirm": _("to confirm"), "overturn": _("to overturn"), "vary": _("to vary")}

# Refusals of the appeal actions in the reader's language; the placeholders come from the error's
# details (dates formatted first). Anything else reads as common.error_message has it.
APPEAL_ERRORS = {
    "appeal_window_closed": _("The window to appeal was from %(opens_at)s to %(closes_at)s; it has closed."),
    "appeal_exists": _(
        "Your side already appealed this decision (appeal %(appeal_id)s); each party appeals a decision once."
    ),
    "not_appealable": _("Your side cannot appeal that of this decision. Choose from what is offered."),
    "answer_window_closed": _("The answer was due by %(answer_due_at)s; the time to answer has ended."),
    "appeal_answered": _("This appeal was already answered, or its time to answer ended. Reload the page."),
    "appeal_transition_not_allowed": _(
        "The appeal is no longer waiting for an answer; it was answered or its time ended. Reload the page."
    ),
    "own_appeal": _("You filed this appeal; the other party answers it."),
    "not_a_party": _("Only the parties to a case can appeal its decision or answer an appeal."),
    "no_penalty": _("This decision put no points on your record; there is no penalty to appeal."),
}


def _date_text(value: datetime | str | None) -> str:
    when = parse_datetime(value) if isinstance(value, str) else value
    return formats.date_format(timezone.localtime(when), "DATETIME_FORMAT") if when else ""


def appeal_error(exc: DomainError) -> str:
    """Return an appeal action's refusal as a sentence in the reader's language, its dates filled in."""
    text = APPEAL_ERRORS.get(exc.code)
    if text is None:
        return error_message(exc)
    details = {k: _date_text(v) if k.endswith("_at") else v for k, v in exc.details.items()}
    try:
        return str(text) % details
    except (KeyError, TypeError):
        return error_message(exc)


class AppealForm(forms.Form):
    appealed = forms.ChoiceField(label=_("What you appeal"), widget=forms.RadioSelect)
    grounds = forms.CharField(
        label=_("Your grounds"),
        max_length=GROUNDS_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Why the decision is wrong: what was missed or misread, and what any new evidence shows. "
            "The other party and whoever decides the appeal read this."
        ),
    )

    def __init__(self, offered: list[dict[str, Any]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (
                o["appealed"],
                gettext("%(what)s — until %(until)s")
                % {"what": APPEALED_LABELS.get(o["appealed"], o["appealed"]), "until": _date_text(o["closes"])},
            )
            for o in offered
        ]
        posted = self.data.get("appealed") if self.is_bound else None
        if posted in APPEALED_LABELS and posted not in {c for c, _label in choices}:
            # Offered when the page was drawn, gone now (the window closed meanwhile): the action says why.
            choices.append((posted, APPEALED_LABELS[posted]))
        self.fields["appealed"].choices = choices
        if len(choices) == 1:
            self.fields["appealed"].initial = choices[0][0]


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer to the appeal"),
        max_length=GROUNDS_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("You answer once. Whoever decides the appeal reads it beside the grounds."),
    )


def statement_view(statement: dict[str, Any]) -> dict[str, Any] | None:
    """Return an appeal's statement of reasons (Appeal.statement) as the page shows it, in the reader's language.

    A committee's statement adds the panel by seat, the vote count and the dissent, when it has them.
    """
    if not statement:
        return None
    considered = statement.get("considered") or {}
    # A panel's decision: statement["panel"] holds its seats, the vote counts and the dissent.
    decided_by_panel = statement.get("panel") or {}
    panel = [SEAT_LABELS.get(s.get("seat"), s.get("seat")) for s in decided_by_panel.get("seats", [])]
    counts = decided_by_panel.get("counts")
    dissent = []
    for item in decided_by_panel.get("dissent") or []:
        if not isinstance(item, dict):
            continue
        dissent.append(
            {
                "seat": SEAT_LABELS.get(item.get("seat"), item.get("seat") or ""),
                "vote": VOTE_LABELS.get(item.get("choice"), item.get("choice") or ""),
                "reasons": item.get("reasons") if isinstance(item.get("reasons"), str) else pick(item.get("reasons")),
            }
        )
    return {
        "result": pick(statement.get("result_title")) or RESULT_LABELS.get(statement.get("result"), ""),
        "result_code": statement.get("result"),
        "reasons": statement.get("reasons", ""),
        "effect": pick(statement.get("effect_text")),
        "decided_by": pick(statement.get("decided_by_role")),
        "remains": pick(statement.get("remains")),
        "grounds": considered.get("grounds", ""),
        "answer": considered.get("answer", ""),
        "panel": panel,
        "counts": [(VOTE_LABELS.get(k, k), n) for k, n in counts.items()] if isinstance(counts, dict) else [],
        "dissent": dissent,
        "text": pick(statement),
    }


def _held_key(kind: str, ident: Any) -> str:
    return f"{kind}:{ident}"


def _held_for_page(held: dict[str, Any] | None, version: str) -> dict[str, Any] | None:
    if held is not None:
        kinds = loader.get(version).evidence_kinds
        for item in held["files"]:
            item["kind_title"] = pick(kinds.get(item["kind"])) or item["kind"]
    return held


def party_context(
    request: HttpRequest,
    case: Case,
    data: dict[str, Any],
    urls: dict[str, str],
    *,
    now: datetime | None = None,
    appeal_form: AppealForm | None = None,
    appeal_held: dict[str, Any] | None = None,
    appeal_answer_form: AnswerForm | None = None,
    appeal_answer_for: int | None = None,
    appeal_answer_held: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the appeal part of a party's case page: the offer, the form, and each appeal as the party reads it.

    `data` is the page's describe_case (its evidence items give the appeal's files, served as the
    viewer may see them); `urls` names the portal's `case`, `appeal` and `answer` URL names.
    """
    now = now or timezone.now()
    user: User = request.user
    offer = appeal_offer(case, user, now)
    rulebook = loader.get(case.rulebook_version)
    evidence = {e["id"]: e | {"kind_title": pick(rulebook.evidence_kinds.get(e["kind"])) or e["kind"]}
                for e in data["evidence"]}  # fmt: skip
    appeals = []
    for appeal in case.appeals.all():
        stage = stage_of(appeal, now)
        answerable = may_answer(user, appeal, now)
        form = None
        if answerable:
            form = AnswerForm(auto_id=f"answer{appeal.pk}_%s")
            if appeal_answer_for == appeal.pk and appeal_answer_form is not None:
                form = appeal_answer_form
        appeals.append(
            {
                "appeal": appeal,
                "mine": offer is not None and appeal.party == offer["party"],
                "party": PARTY_LABELS.get(appeal.party, appeal.party),
                "what": APPEALED_LABELS.get(appeal.appealed, appeal.appealed),
                "route": ROUTE_LABELS.get(appeal.route, appeal.route),
                "stage": stage["stage"],
                "stage_title": STAGE_LABELS[stage["stage"]],
                "due": stage["due"],
                "files": [evidence[i] for i in appeal.evidence_ids if i in evidence],
                "answer_files": [evidence[i] for i in appeal.answer_evidence_ids if i in evidence],
                "statement": statement_view(appeal.statement),
                "answer_form": form,
                "answer_url": reverse(urls["answer"], args=[case.reference, appeal.pk]) if form else "",
                "answer_held": appeal_answer_held if appeal_answer_for == appeal.pk else None,
                "upload_id": f"answer{appeal.pk}",
            }
        )
    # A refused form is shown again with what was typed, even when the refusal closed the offer.
    form = appeal_form
    if form is None and offer is not None and offer["open"]:
        form = AppealForm(offer["open"], auto_id="appeal_%s")
    return {
        "appeals": appeals,
        "appeal_offer": offer,
        "appeal_form": form,
        "appeal_action": reverse(urls["appeal"], args=[case.reference]),
        "appeal_held": appeal_held,
        "appeal_kinds": evidence_choices(rulebook, rulebook.category(case.category)),
        "appeal_open_titles": [
            {"what": APPEALED_LABELS.get(o["appealed"], o["appealed"]), "closes": o["closes"]}
            for o in (offer or {}).get("open", [])
        ],
    }


Draw = Callable[[dict[str, Any], int], HttpResponse]


def _files(request: HttpRequest, key: str) -> tuple[list[Upload], DomainError | None]:
    """Return the files kept from the last attempt that the form still wants, then those sent now."""
    try:
        files = take_held(request, key)
    except InvalidInput as exc:
        return uploads_from(request), exc
    return files + uploads_from(request), None


def _refused(request: HttpRequest, form: forms.Form, text: str, field: str | None) -> None:
    """Show a refusal at the top of the page and next to its field."""
    messages.error(request, text)
    form.add_error(field if field in form.fields else None, text)


def file_from_page(request: HttpRequest, case: Case, case_url: str, draw: Draw) -> HttpResponse:
    """File the party's appeal from its case page's form; refused → the page again (422/409/403), nothing lost.

    The merchant's old penalty form posts only `grounds`: with no `appealed`, the one thing open is
    appealed, or the penalty (so a closed window is refused with its dates, as before).
    """
    now = timezone.now()
    offer = appeal_offer(case, request.user, now)
    offered = offer["open"] if offer else []
    posted = request.POST.copy()
    if not posted.get("appealed"):
        posted["appealed"] = offered[0]["appealed"] if len(offered) == 1 else "penalty"
    form = AppealForm(offered, posted, auto_id="appeal_%s")
    key = _held_key("appeal", case.reference)
    files, gone = _files(request, key)
    status = 422
    if gone is not None:
        _refused(request, form, error_message(gone), "grounds")
    elif form.is_valid():
        try:
            filed = file_appeal(request.user, case, form.cleaned_data["appealed"], form.cleaned_data["grounds"], files)
        except DomainError as exc:
            status = exc.status
            field = exc.field if exc.field in ("grounds", "appealed") else "appealed"
            _refused(request, form, appeal_error(exc), field)
        else:
            keep_refused(request, case.reference, filed.rejected_files)
            messages.success(
                request,
                gettext("Your appeal was filed. The other party is told, and the appeal's state shows on this page."),
            )
            return redirect(case_url, case.reference)
    else:
        messages.error(request, gettext("The appeal was not filed; see the fields marked below."))
    held = _held_for_page(hold_uploads(request, files, key), case.rulebook_version)
    return draw({"appeal_form": form, "appeal_held": held}, status)


def answer_from_page(request: HttpRequest, case: Case, appeal_id: int, case_url: str, draw: Draw) -> HttpResponse:
    """The other party answers an appeal of the case from its page; refused → the page again, nothing lost."""
    appeal = Appeal.objects.filter(pk=appeal_id, case=case).select_related("case").first()
    if appeal is None:
        raise Http404(gettext("There is no such appeal on this case."))
    form = AnswerForm(request.POST, auto_id=f"answer{appeal.pk}_%s")
    key = _held_key("answer", appeal.pk)
    files, gone = _files(request, key)
    status = 422
    if gone is not None:
        _refused(request, form, error_message(gone), "answer")
    elif form.is_valid():
        try:
            filed = answer_appeal(request.user, appeal, form.cleaned_data["answer"], files)
        except DomainError as exc:
            status = exc.status
            _refused(request, form, appeal_error(exc), "answer")
        else:
            keep_refused(request, case.reference, filed.rejected_files)
            messages.success(request, gettext("Your answer was sent. The appeal now awaits its decision."))
            return redirect(case_url, case.reference)
    else:
        messages.error(request, gettext("The answer was not sent; see the field marked below."))
    held = _held_for_page(hold_uploads(request, files, key), case.rulebook_version)
    return draw({"appeal_answer_form": form, "appeal_answer_for": appeal.pk, "appeal_answer_held": held}, status)
