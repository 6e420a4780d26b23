"""The merchant portal: reports about my shop by urgency, the answer form, appeals, rectification proof.

Every read goes through plaint.cases.reading (which hides the reporter's contact details from the
merchant and serves evidence as the copy without location data); every change through the case actions.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.actions import rectification
from plaint.cases.inputs import ResponseIn
from plaint.cases.models import Case
from plaint.cases.queries import merchant_cases
from plaint.cases.reading import describe_case
from plaint.enforcement.models import Rectification, RectificationState
from plaint.errors import DomainError
from plaint.evidence.actions import Upload
from plaint.rulebook import loader

from . import appeals
from .casework import (
    RECTIFICATION_KIND_LABELS,
    RECTIFICATION_STATE_LABELS,
    RESPONSE_LABELS,
    MultipleFileField,
    domain_error_text,
    remaining,
)
from .common import case_or_404, pick, rejected_files, role_required, take_refused, upload_field
from .negotiation import thread_context

PAGE_SIZE = 25


def _evidence_kind_choices(rulebook_version: str) -> list[tuple[str, str]]:
    kinds = loader.get(rulebook_version).evidence_kinds
    return [(code, pick(kind)) for code, kind in kinds.items()]


class AnswerForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("How you answer"), choices=list(RESPONSE_LABELS.items()), widget=forms.RadioSelect, initial="contest"
    )
    explanation = forms.CharField(
        label=_("Explanation"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What happened, in your words. The reporter and the reviewer read this."),
    )
    rectification_plan = forms.CharField(
        label=_("Rectification you propose"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only when you propose rectification: what you will change, and by when."),
    )
    evidence = MultipleFileField(
        label=_("Counter-evidence files"),
        required=False,
        help_text=_("Photos (JPEG, PNG, WebP), PDF or plain-text chat logs; several at once."),
    )
    evidence_kind = forms.ChoiceField(label=_("Kind of these files"), initial="other")

    def __init__(self, *args: Any, rulebook_version: str, own_initiative: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence_kind"].choices = _evidence_kind_choices(rulebook_version)
        if own_initiative:
            # An investigation has no consumer's remedy to accept: contest or propose rectification.
            self.fields["kind"].choices = [(k, v) for k, v in RESPONSE_LABELS.items() if k != "accept"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == "rectify" and not (data.get("rectification_plan") or "").strip():
            self.add_error("rectification_plan", _("Describe the rectification you propose."))
        elif data.get("kind") != "rectify":
            # The plan belongs to rectification only (the page hides its box for the other answers),
            # so text left in it is not filed with an acceptance or a contest.
            data["rectification_plan"] = ""
        return data


class ProofForm(forms.Form):
    proof = forms.CharField(label=_("What you changed"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    evidence = MultipleFileField(label=_("Proof files"), required=False)
    evidence_kind = forms.ChoiceField(label=_("Kind of these files"), initial="other")

    def __init__(self, *args: Any, rulebook_version: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence_kind"].choices = _evidence_kind_choices(rulebook_version)


def _uploads(files: list[Any], kind: str) -> list[Upload]:
    return [Upload(name=f.name or "upload", data=f, kind=kind) for f in files]


def _rejected_message(request: HttpRequest, rejected: list[dict[str, str]]) -> None:
    for item in rejected_files(rejected):
        messages.warning(
            request,
            gettext("The file %(name)s was not accepted: %(reason)s")
            % {"name": item["file"], "reason": item["reason"]},
        )


def _language() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-hans"


@role_required(Role.MERCHANT)
def home(request: HttpRequest) -> HttpResponse:
    """Reports about my shop: those waiting for my answer by deadline, or all of them newest first."""
    show = "all" if request.GET.get("show") == "all" else "to_answer"
    merchant_id = request.user.merchant_id
    page = Paginator(merchant_cases(merchant_id, to_answer=show == "to_answer"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    rulebook = loader.in_force(now)
    rows = []
    for case in page.object_list:
        category = loader.get(case.rulebook_version).category(case.category) or rulebook.category(case.category)
        report = case.report
        rows.append(
            {
                "case": case,
                "category": pick(category.title) if category else case.category,
                "target": report.order.external_id
                if report.order_id
                else (report.listing.title if report.listing_id else ""),
                "deadline": remaining(case.response_due_at, now) if case.state == "awaiting_merchant" else None,
            }
        )
    open_rectifications = (
        Rectification.objects.filter(case__merchant_id=merchant_id, state=RectificationState.ORDERED)
        .select_related("case")
        .order_by("due_at")[:20]
    )
    return render(
        request,
        "web/merchant/home.html",
        {
            "page": page,
            "rows": rows,
            "show": show,
            "to_answer_count": merchant_cases(merchant_id, to_answer=True).count(),
            "rectifications": [
                {"rect": r, "deadline": remaining(r.due_at, now), "kind": RECTIFICATION_KIND_LABELS.get(r.kind, r.kind)}
                for r in open_rectifications
            ],
        },
    )


APPEAL_URLS = {"appeal": "merchant-appeal", "answer": "merchant-appeal-answer"}
# The forms of the appeal part (web.appeals.party_context) a refused post shows again.
APPEAL_FORMS = ("appeal_form", "appeal_held", "appeal_answer_form", "appeal_answer_for", "appeal_answer_held")


def _case_context(request: HttpRequest, case: Any, **forms_: Any) -> dict[str, Any]:
    now = timezone.now()
    data = describe_case(case, request.user, language=_language(), now=now)
    rectifications = list(case.rectifications.order_by("id"))
    rulebook = loader.get(case.rulebook_version)
    for item in data["evidence"]:
        item["kind_title"] = pick(rulebook.evidence_kinds.get(item["kind"])) or item["kind"]
    remedy = rulebook.remedies.get(data["report"]["remedy_wanted"])
    return (
        {
            "case": case,
            "data": data,
            "remedy_wanted": pick(remedy) if remedy else data["report"]["remedy_wanted"],
            "deadline": remaining(case.response_due_at, now) if case.state == "awaiting_merchant" else None,
            "can_answer": "contest" in data["allowed_actions"],
            # A report of several problems: the merchant marks the ones it accepts (cases/problems.py).
            "open_problems": [
                p for p in data["problems"] if p["admissibility"].get("outcome") != "inadmissible" and not p["outcome"]
            ],
            "accepted": forms_.get("accepted", []),
            "answer_form": forms_.get("answer_form")
            or AnswerForm(
                rulebook_version=case.rulebook_version, own_initiative=case.own_initiative, auto_id="answer_%s"
            ),
            "proof_forms": {
                r.pk: (
                    forms_.get("proof_form")
                    if forms_.get("proof_for") == r.pk
                    else ProofForm(rulebook_version=case.rulebook_version, auto_id=f"proof{r.pk}_%s")
                )
                for r in rectifications
                if r.state == RectificationState.ORDERED
            },
            "rectifications": [
                {
                    "rect": r,
                    "kind": RECTIFICATION_KIND_LABELS.get(r.kind, r.kind),
                    "state": RECTIFICATION_STATE_LABELS.get(r.state, r.state),
                    "deadline": remaining(r.due_at, now),
                }
                for r in rectifications
            ],
            "response_labels": RESPONSE_LABELS,
            "refused": take_refused(request, case.reference),
            **upload_field(loader.get(case.rulebook_version)),
        }
        | thread_context(request, case, data)
        | appeals.party_context(
            request, case, data, APPEAL_URLS, now=now, **{k: v for k, v in forms_.items() if k in APPEAL_FORMS}
        )
    )


def _merchant_case(request: HttpRequest, reference: str) -> Case:
    return case_or_404(request, reference, gettext("No case %(ref)s about your shop.") % {"ref": reference})


@role_required(Role.MERCHANT)
def case_page(request: HttpRequest, reference: str) -> HttpResponse:
    """What the merchant needs to answer, and the answer form (POST)."""
    case = _merchant_case(request, reference)
    if request.method != "POST":
        return render(request, "web/merchant/case.html", _case_context(request, case))
    form = AnswerForm(
        request.POST,
        request.FILES,
        rulebook_version=case.rulebook_version,
        own_initiative=case.own_initiative,
        auto_id="answer_%s",
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            filed = actions.respond_as_merchant(
                request.user,
                case,
                ResponseIn(
                    kind=data["kind"],
                    explanation=data["explanation"],
                    rectification_plan=data.get("rectification_plan") or "",
                    accepted=request.POST.getlist("accepted"),
                ),
                _uploads(data.get("evidence") or [], data["evidence_kind"]),
            )
        except ValidationError:
            form.add_error("explanation", _("Write an explanation."))
        except DomainError as error:
            form.add_error(None, domain_error_text(error))
        else:
            _rejected_message(request, filed.rejected_files)
            messages.success(request, gettext("Your answer was sent. The reporter and the reviewer will see it."))
            return redirect("merchant-case", reference=case.reference)
    context = _case_context(request, case, answer_form=form, accepted=request.POST.getlist("accepted"))
    return render(request, "web/merchant/case.html", context, status=422)


def _draw(request: HttpRequest, case: Case) -> appeals.Draw:
    def draw(forms_: dict[str, Any], status: int) -> HttpResponse:
        return render(request, "web/merchant/case.html", _case_context(request, case, **forms_), status=status)

    return draw


@role_required(Role.MERCHANT)
def appeal(request: HttpRequest, reference: str) -> HttpResponse:
    """Appeal the case's decision: its outcome, remedy, points, measures or penalty, as open to the merchant.

    The old penalty form's URL: a post with only `grounds` appeals the one thing open (the penalty
    under a rulebook without [appeals]).
    """
    case = _merchant_case(request, reference)
    if request.method != "POST":
        return redirect("merchant-case", reference=case.reference)
    return appeals.file_from_page(request, case, "merchant-case", _draw(request, case))


@role_required(Role.MERCHANT)
def answer_appeal(request: HttpRequest, reference: str, appeal_id: int) -> HttpResponse:
    """Answer the reporter's appeal of the case, once, with words and files."""
    case = _merchant_case(request, reference)
    if request.method != "POST":
        return redirect("merchant-case", reference=case.reference)
    return appeals.answer_from_page(request, case, appeal_id, "merchant-case", _draw(request, case))


@role_required(Role.MERCHANT)
def proof(request: HttpRequest, reference: str, rectification_id: int) -> HttpResponse:
    """Send the proof of an ordered rectification."""
    case = _merchant_case(request, reference)
    rect = case.rectifications.filter(pk=rectification_id).select_related("case__merchant", "decision").first()
    if rect is None:
        raise Http404(gettext("No such rectification on this case."))
    if request.method != "POST":
        return redirect("merchant-case", reference=case.reference)
    form = ProofForm(request.POST, request.FILES, rulebook_version=case.rulebook_version, auto_id=f"proof{rect.pk}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            rectification.submit_proof(
                request.user, rect, data["proof"], _uploads(data.get("evidence") or [], data["evidence_kind"])
            )
        except DomainError as error:
            form.add_error(None, domain_error_text(error))
        else:
            messages.success(request, gettext("Your proof was sent. A reviewer checks it."))
            return redirect("merchant-case", reference=case.reference)
    context = _case_context(request, case, proof_form=form, proof_for=rect.pk)
    return render(request, "web/merchant/case.html", context, status=422)
