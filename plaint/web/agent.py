"""The agent console: find a consumer, file or update a report for them (hotline or online chat).

The agent acts through `plaint.cases.actions` as themselves with the consumer named, so the case
records the channel, the call or chat reference and the agent, exactly as the API does.
"""

import uuid
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.core.validators import MaxLengthValidator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import ReportIn
from plaint.cases.models import Case, Channel
from plaint.cases.queries import phone_matches
from plaint.cases.reading import describe_case
from plaint.errors import DomainError, InvalidInput
from plaint.evidence.actions import Upload
from plaint.marketplace.models import Consumer
from plaint.rulebook import loader
from plaint.rulebook.schema import Rulebook

from . import appeals
from .common import (
    add_evidence_from_page,
    apply_domain_error,
    case_or_404,
    done,
    keep_refused,
    lang,
    nudge_from_page,
    pick,
    reply_from_page,
    role_required,
    take_refused,
    upload_field,
    withdraw_page,
)
from .filing import (
    category_preview,
    evidence_choices,
    find_target,
    hold_uploads,
    take_held,
    targets_for,
    transcript_upload,
    uploads_from,
)
from .negotiation import thread_context

agent_only = role_required(Role.AGENT)
PER_PAGE = 20


def _language() -> str:
    return "en" if lang() == "en" else "zh-hans"


def search_consumers(query: str) -> QuerySet[Consumer]:
    """Return consumers whose marketplace id, phone or e-mail is `query`, or whose name starts with it.

    The phone matches with spaces and dashes ignored on both sides ("138 0000-1001").
    Each test uses an index (external_id unique; consumer_phone_key, consumer_email, consumer_name): the
    name prefix is a range on the name index rather than LIKE, which no plain index serves everywhere.
    """
    query = query.strip()
    if not query:
        return Consumer.objects.none()
    match = (
        Q(external_id=query)
        | Q(pk__in=phone_matches(query).values("pk")[: PER_PAGE * 5])
        | Q(email=query)
        | Q(email=query.lower())
        # The range finds the rows on the index; startswith keeps only true prefixes whatever the collation.
        | Q(name__gte=query, name__lt=query + "\U0010ffff", name__startswith=query)
    )
    return Consumer.objects.filter(match).order_by("name", "id")


@agent_only
def home(request: HttpRequest) -> HttpResponse:
    """Search a consumer by name, phone, e-mail or marketplace id."""
    query = request.GET.get("q", "")[:200]
    page = Paginator(search_consumers(query), PER_PAGE).get_page(request.GET.get("page")) if query else None
    return render(
        request, "web/agent/home.html", {"query": query, "page": page, "search_query": urlencode({"q": query})}
    )


def _consumer(external_id: str) -> Consumer:
    return get_object_or_404(Consumer, external_id=external_id)


@agent_only
def consumer_page(request: HttpRequest, consumer_id: str) -> HttpResponse:
    """A consumer as the agent sees them: contact details, latest orders, their cases (paginated)."""
    consumer = _consumer(consumer_id)
    # Uses the case_reporter index (reporter, -opened_at).
    cases = Case.objects.filter(reporter=consumer).select_related("merchant").order_by("-opened_at", "-id")
    page = Paginator(cases, PER_PAGE).get_page(request.GET.get("page"))
    targets = targets_for(consumer.pk)
    rulebook = loader.in_force(timezone.now())
    rows = []
    for case in page.object_list:
        category = rulebook.category(case.category)
        rows.append({"case": case, "category": pick(category.title) if category else case.category})
    return render(
        request,
        "web/agent/consumer.html",
        {"consumer": consumer, "orders": [t for t in targets if t.type == "order"], "page": page, "rows": rows},
    )


class AgentReportForm(forms.Form):
    target = forms.ChoiceField(label=gettext_lazy("What the report is about"))
    category = forms.ChoiceField(label=gettext_lazy("Category"), widget=forms.RadioSelect)
    description = forms.CharField(
        label=gettext_lazy("What the consumer says"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("In the consumer's words, in Chinese or English."),
    )
    remedy_wanted = forms.ChoiceField(label=gettext_lazy("What the consumer wants"))
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        widget=forms.RadioSelect,
        choices=[(Channel.HOTLINE, gettext_lazy("Hotline")), (Channel.ONLINE_CHAT, gettext_lazy("Online chat"))],
        initial=Channel.HOTLINE,
    )
    channel_reference = forms.CharField(
        label=gettext_lazy("Call or chat reference"),
        max_length=100,
        help_text=gettext_lazy("The ID the telephony or chat system shows for this conversation."),
    )
    transcript = forms.CharField(
        label=gettext_lazy("Chat transcript (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Pasted text is attached to the case as a chat log."),
    )

    def __init__(self, rulebook: Rulebook, targets: list, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rulebook = rulebook
        self.fields["target"].choices = [(t.value, _target_label(t)) for t in targets]
        self.fields["category"].choices = [(c.code, pick(c.title)) for c in rulebook.categories]
        # "none" too: a service-attitude report may ask for no remedy at all.
        self.fields["remedy_wanted"].choices = [(code, pick(title)) for code, title in rulebook.remedies.items()]
        limit = rulebook.intake.description_max_chars
        self.fields["description"].validators.append(MaxLengthValidator(limit))
        self.fields["description"].widget.attrs["maxlength"] = str(limit)
        self.fields["transcript"].validators.append(MaxLengthValidator(settings.PLAINT_EVIDENCE_MAX_BYTES // 4))

    def clean(self) -> dict[str, Any]:
        """Refuse a remedy the category does not offer here, naming those it does (before any file is read)."""
        data = super().clean()
        category = self.rulebook.category(data.get("category") or "")
        remedy = data.get("remedy_wanted")
        if category is not None and remedy and remedy not in category.remedies:
            names = _(", ").join(pick(self.rulebook.remedies[r]) for r in category.remedies)
            self.add_error(
                "remedy_wanted",
                _("%(category)s offers: %(remedies)s. Choose one of them.")
                % {"category": pick(category.title), "remedies": names},
            )
        return data


def _target_label(target: Any) -> str:
    if target.type == "order":
        items = ", ".join(i.title for i in target.order.items.all())
        return _("Order %(id)s · %(shop)s · %(items)s") % {
            "id": target.id,
            "shop": target.merchant.name,
            "items": items,
        }
    if target.type == "listing":
        return _("Listing: %(title)s") % {"title": target.listing.title}
    return _("Shop: %(name)s") % {"name": target.merchant.name}


@agent_only
def file_for_consumer(request: HttpRequest, consumer_id: str) -> HttpResponse:
    """File a report for a consumer on the phone or in chat: the agent, channel and reference are recorded."""
    consumer = _consumer(consumer_id)
    now = timezone.now()
    rulebook = loader.in_force(now)
    targets = targets_for(consumer.pk)
    initial = {"target": request.GET.get("target", ""), "channel": Channel.HOTLINE}
    form = AgentReportForm(rulebook, targets, request.POST or None, initial=initial)
    # Files kept from an attempt that was not filed, then the ones chosen now.
    files: list[Upload] = []
    held_gone = None
    duplicate = None
    if request.method == "POST":
        try:
            files = take_held(request, consumer.external_id)
        except InvalidInput as exc:
            held_gone = exc
        files += uploads_from(request)
    if request.method == "POST" and form.is_valid() and held_gone is None:
        target = find_target(consumer.pk, form.cleaned_data["target"])
        data = ReportIn(
            target_type=target.type,
            target_id=target.id,
            category=form.cleaned_data["category"],
            description=form.cleaned_data["description"],
            remedy_wanted=form.cleaned_data["remedy_wanted"],
            channel=form.cleaned_data["channel"],
            channel_reference=form.cleaned_data["channel_reference"],
            consumer_id=consumer.external_id,
        )
        uploads = list(files)
        transcript = transcript_upload(form.cleaned_data["transcript"], form.cleaned_data["channel_reference"])
        if transcript:
            uploads.append(transcript)
        try:
            filed = actions.file_report(
                request.user, data, uploads, idempotency_key=request.POST.get("idempotency_key") or None
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
            if exc.code == "duplicate_report":
                duplicate = exc.details["case"]
        else:
            keep_refused(request, filed.case.reference, filed.rejected_files)
            messages.success(
                request,
                _("The report was filed for %(name)s. Its reference is %(ref)s; read it out to the consumer.")
                % {"name": consumer.name, "ref": filed.case.reference},
            )
            return redirect("agent-case", filed.case.reference)
    if held_gone is not None:
        apply_domain_error(form, held_gone)
    category = rulebook.category(form["category"].value() or "")
    target = find_target(consumer.pk, form["target"].value() or "")
    preview = (
        category_preview(rulebook, category, target, now, consumer.pk, "agent-case") if category and target else None
    )
    return render(
        request,
        "web/agent/file.html",
        {
            "consumer": consumer,
            "form": form,
            "preview": preview,
            "kinds": evidence_choices(rulebook, category),
            **upload_field(rulebook),
            "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
            # Not filed: the files chosen are kept for the next attempt (a file input cannot be refilled).
            "held": _held_for_page(hold_uploads(request, files, consumer.external_id), rulebook),
            # Refused as a second report of an open matter: the files can go to that case instead.
            "duplicate": duplicate,
        },
    )


def _held_for_page(held: dict[str, Any] | None, rulebook: Rulebook) -> dict[str, Any] | None:
    if held is not None:
        for item in held["files"]:
            kind = rulebook.evidence_kinds.get(item["kind"])
            item["kind_title"] = pick(kind) if kind else item["kind"]
    return held


@agent_only
def category_info(request: HttpRequest, consumer_id: str) -> HttpResponse:
    """The htmx partial of the filing form: the category's window for the chosen order, its evidence."""
    consumer = _consumer(consumer_id)
    now = timezone.now()
    rulebook = loader.in_force(now)
    target = find_target(consumer.pk, request.GET.get("target", ""))
    category = rulebook.category(request.GET.get("category", ""))
    if target is None or category is None:
        return HttpResponse("")
    preview = category_preview(rulebook, category, target, now, consumer.pk, "agent-case")
    return render(request, "web/consumer/_category_info.html", {"preview": preview})


APPEAL_URLS = {"appeal": "agent-appeal", "answer": "agent-appeal-answer"}


def _consumer_case(request: HttpRequest, reference: str) -> Case:
    """Return a consumer's case for the console; 404 for an own-initiative investigation (no consumer to act for)."""
    case = case_or_404(request, reference)
    if case.reporter_id is None:
        raise Http404(_("This case is an investigation the platform opened itself: it has no consumer."))
    return case


def _case_context(request: HttpRequest, case: Case, **appeal_forms: Any) -> dict[str, Any]:
    now = timezone.now()
    data = describe_case(case, request.user, language=_language(), now=now)
    rulebook = loader.get(case.rulebook_version)
    category = rulebook.category(case.category)
    admissibility = data["admissibility"] or {}
    return (
        {
            "case": case,
            "data": data,
            "category_title": pick(category.title) if category else case.category,
            "remedy_title": pick(rulebook.remedies.get(data["report"]["remedy_wanted"])),
            "explanation": pick(admissibility.get("explanation")),
            "alternatives": [pick(a) for a in admissibility.get("alternatives", [])],
            "missing": [pick(rulebook.evidence_kinds[k]) for k in admissibility.get("missing_evidence", [])],
            "evidence": [e | {"kind_title": pick(rulebook.evidence_kinds.get(e["kind"]))} for e in data["evidence"]],
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
        }
        | thread_context(request, case, data)
        | appeals.party_context(request, case, data, APPEAL_URLS, now=now, **appeal_forms)
    )


def _draw(request: HttpRequest, case: Case) -> appeals.Draw:
    def draw(forms_: dict[str, Any], status: int) -> HttpResponse:
        return render(request, "web/agent/case.html", _case_context(request, case, **forms_), status=status)

    return draw


@agent_only
def case_page(request: HttpRequest, reference: str) -> HttpResponse:
    """A case as the agent sees it, with a form to add evidence or a chat transcript for the consumer.

    A decided case offers the consumer's appeal (the agent files it for them) and their answer to the
    merchant's appeal.
    """
    case = _consumer_case(request, reference)
    return render(request, "web/agent/case.html", _case_context(request, case))


@require_POST
@agent_only
def appeal(request: HttpRequest, reference: str) -> HttpResponse:
    """Appeal the decision for the consumer: what, grounds, new evidence files."""
    case = _consumer_case(request, reference)
    return appeals.file_from_page(request, case, "agent-case", _draw(request, case))


@require_POST
@agent_only
def answer_appeal(request: HttpRequest, reference: str, appeal_id: int) -> HttpResponse:
    """Answer the merchant's appeal for the consumer, once, with words and files."""
    case = _consumer_case(request, reference)
    return appeals.answer_from_page(request, case, appeal_id, "agent-case", _draw(request, case))


@require_POST
@agent_only
def add_evidence(request: HttpRequest, reference: str) -> HttpResponse:
    """Add files and/or a pasted chat transcript to a consumer's open case."""
    case = _consumer_case(request, reference)
    url = reverse("agent-case", args=[reference])
    try:  # files kept from a filing attempt refused because this case was open (file.html)
        uploads = take_held(request, case.reporter.external_id) + uploads_from(request)
    except InvalidInput as exc:
        apply_domain_error(None, exc, request)
        return done(request, url)
    transcript = transcript_upload(request.POST.get("transcript", ""), request.POST.get("channel_reference", ""))
    if transcript:
        uploads.append(transcript)
    if not uploads:
        messages.error(request, _("Choose a file or paste a transcript to add."))
    else:
        add_evidence_from_page(request, case, uploads)
    return done(request, url)


@require_POST
@agent_only
def reply(request: HttpRequest, reference: str) -> HttpResponse:
    """Answer the merchant's answer and counter-evidence for the consumer, once, before the decision."""
    case = _consumer_case(request, reference)
    reply_from_page(request, case, uploads_from(request))
    return done(request, reverse("agent-case", args=[reference]) + "#reply")


@agent_only
def withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    """Withdraw a report at the consumer's wish: a confirmation page (GET), then the withdrawal (POST)."""
    return withdraw_page(request, case_or_404(request, reference), "agent-case", "web/agent/withdraw.html")


@require_POST
@agent_only
def nudge(request: HttpRequest, reference: str) -> HttpResponse:
    """Chase a consumer's open case for them (二次反馈); an overdue case goes to a supervisor."""
    if nudge_from_page(request, case_or_404(request, reference)) is not None:
        messages.success(request, _("Your question was recorded on the case."))
    return redirect("agent-case", reference)


@require_POST
@agent_only
def send_upload_link(request: HttpRequest, reference: str) -> HttpResponse:
    """Send the caller a one-time link to add evidence files to this case (by e-mail, to the address on record)."""
    case = _consumer_case(request, reference)
    try:
        link = actions.send_upload_link(request.user, case, channel=request.POST.get("channel") or "email")
    except DomainError as exc:
        apply_domain_error(None, exc, request)
    else:
        until = formats.date_format(timezone.localtime(link.expires_at), "DATETIME_FORMAT")
        messages.success(
            request,
            _("An upload link was sent to the consumer's e-mail address. It works once, until %(until)s.")
            % {"until": until},
        )
    return redirect("agent-case", reference)
