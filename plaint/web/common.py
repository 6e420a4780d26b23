"""What every page shares: who may open it, how domain errors read, how a case's log reads."""

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plaint.cases import actions
from plaint.cases.access import get_case
from plaint.cases.models import Case
from plaint.errors import DomainError, NotFound
from plaint.evidence.actions import Upload, video_limits
from plaint.evidence.inspection import megapixels, size_text
from plaint.rulebook import loader

ROLE_NAMES = {
    "consumer": gettext_lazy("consumer"),
    "merchant": gettext_lazy("merchant staff"),
    "agent": gettext_lazy("customer-service agent"),
    "reviewer": gettext_lazy("reviewer"),
    "supervisor": gettext_lazy("supervisor"),
    "admin": gettext_lazy("policy admin"),
    "marketplace": gettext_lazy("marketplace system"),
    "committee": gettext_lazy("committee member"),
    "secretary": gettext_lazy("committee secretary"),
    "trusted_flagger": gettext_lazy("trusted flagger"),
    "system": gettext_lazy("Plaint"),
}

STATE_NAMES = {
    "new": gettext_lazy("New"),
    "needs_evidence": gettext_lazy("Needs evidence"),
    "inadmissible": gettext_lazy("Not accepted"),
    "awaiting_merchant": gettext_lazy("Waiting for the merchant"),
    "awaiting_review": gettext_lazy("In review"),
    "resolved": gettext_lazy("Resolved by the merchant"),
    "decided": gettext_lazy("Decided"),
    "withdrawn": gettext_lazy("Withdrawn"),
}

CHANNEL_NAMES = {
    "web": gettext_lazy("Web"),
    "app": gettext_lazy("App"),
    "api": gettext_lazy("API"),
    "hotline": gettext_lazy("Hotline"),
    "online_chat": gettext_lazy("Online chat"),
    "trusted_flagger": gettext_lazy("Trusted flagger"),
    "email": gettext_lazy("E-mail"),
    "own_initiative": gettext_lazy("Own initiative"),
}


def lang() -> str:
    """Return "en" or "zh": the key of the rulebook's two-language texts for the active language."""
    return "en" if (translation.get_language() or "").startswith("en") else "zh"


def pick(text: Any) -> str:
    """Return the active language's side of a {"zh", "en"} text (dict or rulebook Text); '' for None."""
    if text is None:
        return ""
    if isinstance(text, dict):
        return text.get(lang()) or text.get("zh") or text.get("en") or ""
    if hasattr(text, "zh") and hasattr(text, "en"):
        return text.en if lang() == "en" else text.zh
    return str(text)


def role_required(*roles: str) -> Callable:
    """Let a view be opened only by signed-in users of `roles`: anonymous → sign-in, others → 403 page."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.role not in roles:
                names = ", ".join(str(ROLE_NAMES.get(r, r)) for r in roles)
                raise PermissionDenied(_("This page is for: %(roles)s.") % {"roles": names})
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# Domain error codes the pages meet, in words people read. Anything else falls back to the
# error's own (English) message, which still names the field and what to do.
ERROR_TEXTS: dict[str, Any] = {
    "no_shadow_report": gettext_lazy(
        "This rule has no shadow report yet: replay it over past decided cases and read its agreement with "
        "people before switching it on."
    ),
    "already_in_mode": gettext_lazy("The rule is already in that mode."),
    "not_an_admin": gettext_lazy("Only a policy admin may replay or switch automated rules."),
    "not_a_dossier": gettext_lazy(
        "This is not a Plaint dossier: choose the .zip file downloaded from a case page, as it was downloaded."
    ),
    "held_files_gone": gettext_lazy(
        "The files kept from the last attempt are no longer kept (they are kept for 12 hours). Choose them again."
    ),
    # A report of several problems of one order (cases/problems.py).
    "several_problems_not_available": gettext_lazy("The rules in force take one problem per report."),
    "several_problems_need_an_order": gettext_lazy("Only a report about an order may name several problems."),
    "too_many_problems": gettext_lazy("Too many problems for one report: keep the ones that matter most."),
    "every_problem_accepted": gettext_lazy(
        "Every problem is ticked as accepted: that is accepting the remedy. Choose that answer instead."
    ),
    "decide_each_problem": gettext_lazy("Decide each problem of the report."),
    "outcome_does_not_match_problems": gettext_lazy(
        "The outcome does not match the problems' outcomes: upheld when every problem is, not upheld when none "
        "is, otherwise partly upheld."
    ),
    "duplicate_report": gettext_lazy(
        "A report of the same kind about this is still open: %(case)s. "
        "Add evidence to it or chase it there; a new report can be filed once it is closed."
    ),
    # Per-reporter limits of the rulebook ([intake.limits]); %(when)s is the local time of retry_at.
    "too_many_reports:reports_per_hour": gettext_lazy(
        "Too many reports: at most %(allowed)s reports can be filed in one hour. Nothing was filed and "
        "your text is kept; send it again after %(when)s."
    ),
    "too_many_reports:reports_per_day": gettext_lazy(
        "Too many reports: at most %(allowed)s reports can be filed in 24 hours. Nothing was filed and "
        "your text is kept; send it again after %(when)s."
    ),
    # A reporter suspended for manifestly unfounded reports ([misuse], DSA art. 23); %(when)s is `until`.
    "reporting_suspended": gettext_lazy(
        "This reporter is suspended from reporting until %(when)s, because many of their reports were "
        "manifestly unfounded. Nothing was filed. The reporter may appeal on their reporting standing page."
    ),
    "unknown_order": gettext_lazy("That order is not one of this consumer's orders. Check the order number."),
    "unknown_listing": gettext_lazy("There is no such listing. Check the listing number."),
    "unknown_merchant": gettext_lazy("There is no such merchant. Check the merchant number."),
    "unknown_consumer": gettext_lazy("There is no such consumer. Search for the consumer again."),
    "consumer_required": gettext_lazy("Choose the consumer this report is for."),
    "unknown_category": gettext_lazy("Choose a category from the list."),
    "remedy_not_available": gettext_lazy("This category does not offer that remedy. Choose one from the list."),
    "description_too_long": gettext_lazy(
        "The description is too long. Shorten it, or attach the rest as a text file of evidence."
    ),
    "channel_not_allowed": gettext_lazy("That channel cannot be recorded from here."),
    "cannot_file": gettext_lazy("Your role cannot file reports."),
    "no_consumer": gettext_lazy("This account is not linked to a marketplace consumer."),
    "case_closed": gettext_lazy("The case is closed; nothing more can be added or changed."),
    "evidence_deadline_passed": gettext_lazy("The deadline for adding evidence has passed."),
    "no_valid_evidence": gettext_lazy("None of the files could be accepted. See the reason given for each file."),
    "nudge_limited": gettext_lazy(
        "The case is within its deadlines and was chased recently; you can chase it again later."
    ),
    "not_reporter": gettext_lazy("Only the reporter (or an agent for them) can do this."),
    "not_a_party": gettext_lazy("Only the parties to a case can add evidence to it."),
    "concurrent_change": gettext_lazy(
        "Someone else changed this case at the same moment. Reload the page and try again."
    ),
    "transition_not_allowed": gettext_lazy("The case is no longer in a state that allows this. Reload the page."),
    "case_not_found": gettext_lazy("There is no such case that you can see."),
    "reopen_window_closed": gettext_lazy(
        "The time to reopen this case has passed. Contact customer service, or a consumer association (12315)."
    ),
    "reopen_not_in_rulebook": gettext_lazy(
        "Cases resolved under this version of the rules cannot be reopened here. Contact customer service."
    ),
    "reason_required": gettext_lazy("Say what went wrong."),
    "hold_reason_required": gettext_lazy(
        "Say why (at least 5 characters): the proceeding, the authority or the request it is for."
    ),
    "already_rated": gettext_lazy("You have already rated this case."),
    "case_not_closed": gettext_lazy("A case can be rated once it is closed."),
    "invalid_score": gettext_lazy("Choose a rating from 1 to 5."),
    "empty": gettext_lazy("The file is empty. Choose the file again."),
    "too_large": gettext_lazy("The file is too large. Send a smaller photo or a shorter video, or split the PDF."),
    "unsupported_type": gettext_lazy(
        "This kind of file is not accepted. Send a JPEG, PNG, WebP or HEIC photo, a PDF, or plain text "
        "(and, where the rules accept them, an MP4 or MOV video)."
    ),
    "videos_not_accepted": gettext_lazy(
        "Videos are not accepted under the rules of this report. Send photos, a PDF, or plain text."
    ),
    "corrupt_video": gettext_lazy("The video is damaged or cut short: its length cannot be read. Export it again."),
    "too_long": gettext_lazy("The video is longer than the rules accept. Send a shorter clip, or cut it into parts."),
    "corrupt_image": gettext_lazy("The image is damaged or cut short. Take or export it again."),
    "corrupt_pdf": gettext_lazy("The PDF is not complete. Save or export it again."),
    "unknown_evidence_kind": gettext_lazy("Choose what each file shows from the list."),
    # The limits are filled in from the settings (upload_limits).
    "too_many_pixels": gettext_lazy(
        "The image has too many pixels; the limit is %(megapixels)s megapixels. Send a smaller image."
    ),
    "too_many_files": gettext_lazy(
        "Too many files at once; at most %(max_files)s are accepted together. Add this one to the case afterwards."
    ),
    "too_much_evidence": gettext_lazy(
        "The files together are too large; at most %(total)s are accepted together. "
        "Add this one to the case afterwards."
    ),
    # The negotiation thread (协商) and the agent's upload link.
    "negotiation_closed": gettext_lazy(
        "The case no longer awaits the merchant, so offers can no longer be made or accepted."
    ),
    "response_deadline_passed": gettext_lazy("The merchant's deadline to answer has passed."),
    "own_offer": gettext_lazy("The other side accepts or declines an offer, not the side that made it."),
    "not_your_offer": gettext_lazy("Only the side that made an offer can withdraw it."),
    "offer_not_open": gettext_lazy("This offer was already accepted, declined or withdrawn."),
    "no_extension": gettext_lazy("This case's rulebook version allows no extension of the merchant's deadline."),
    "extension_too_long": gettext_lazy(
        "Extensions may add at most %(max_extension_days)s days to this case; %(used)s are already used."
    ),
    "thread_closed": gettext_lazy("The case is closed, and so is its thread."),
    "empty_message": gettext_lazy("Write the message."),
    "message_too_long": gettext_lazy("The message is too long."),
    "amount": gettext_lazy("Give the amount as a number more than zero."),
    "amount_above_paid": gettext_lazy("The amount is more than was paid for the order."),
    "remedy": gettext_lazy("Choose a refund, a return and refund, or a replacement."),
    "days": gettext_lazy("Give the number of days, 1 or more."),
    "no_order": gettext_lazy("A remedy can be offered only on a report about an order."),
    "addressed_to": gettext_lazy("Choose the party the question is for."),
    "not_an_agent": gettext_lazy("Upload links are sent by customer-service agents."),
    "no_address": gettext_lazy("The consumer has no address on record to send the link to."),
    "upload_link_not_found": gettext_lazy("This upload link is not valid. Open it exactly as it is in our message."),
    "upload_link_other_case": gettext_lazy("This upload link is for another case; it adds files to that case only."),
    "upload_link_used": gettext_lazy("This upload link was already used; each link adds files once."),
    "upload_link_expired": gettext_lazy("This upload link has expired with the evidence deadline."),
}
UPLOAD_LIMIT_CODES = {"too_many_pixels", "too_many_files", "too_much_evidence"}


def upload_limits() -> dict[str, str | int]:
    """Return the upload limits as the refusal texts name them."""
    return {
        "megapixels": megapixels(settings.PLAINT_EVIDENCE_MAX_PIXELS),
        "max_files": settings.PLAINT_EVIDENCE_MAX_FILES,
        "total": size_text(settings.PLAINT_EVIDENCE_MAX_TOTAL_BYTES),
    }


def error_text(code: str, fallback: str) -> str:
    """Return the words for a domain error (or refused file) code in the active language."""
    text = ERROR_TEXTS.get(code)
    return str(text) if text is not None else fallback


def error_message(exc: DomainError) -> str:
    """Return a domain error as one sentence in the active language, with its hint when it has one.

    A text with placeholders takes them from the error's details (e.g. the open case's reference).
    """
    code = exc.code
    if f"{code}:{exc.details.get('limit')}" in ERROR_TEXTS:
        code = f"{code}:{exc.details['limit']}"
    text = error_text(code, exc.message)
    if code in ERROR_TEXTS and exc.details:
        details = dict(exc.details)
        moment = details.get("retry_at") or details.get("until")
        if moment:
            details["when"] = formats.date_format(timezone.localtime(datetime.fromisoformat(moment)), "DATETIME_FORMAT")
        return text % details
    return text


def apply_domain_error(form: forms.Form | None, exc: DomainError, request: HttpRequest | None = None) -> None:
    """Show a domain error where the person will see it: on the form field it names, else on the form.

    With no form, it becomes an error message on the next page (`request` needed then).
    """
    text = error_message(exc)
    if form is not None:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, text)
    elif request is not None:
        messages.error(request, text)


def rejected_files(items: list[dict[str, str]]) -> list[dict[str, str]]:
    """Return refused files as {file, reason} in the active language (from file_report's rejected_files)."""
    refused = []
    for item in items:
        reason = error_text(item["code"], item["message"])
        if item["code"] in UPLOAD_LIMIT_CODES:
            reason %= upload_limits()
        refused.append({"file": item["file"], "reason": reason})
    return refused


def case_or_404(request: HttpRequest, reference: str, message: str | None = None) -> Case:
    """Return the case if the signed-in person may see it; a 404 page otherwise (never say it exists)."""
    try:
        return get_case(request.user, reference)
    except NotFound:
        raise Http404(message or reference) from None


def keep_refused(request: HttpRequest, reference: str, items: list[dict[str, str]]) -> None:
    """Remember the files refused for a case until its page is shown next (see take_refused)."""
    refused = rejected_files(items)
    if refused:
        request.session[f"refused-{reference}"] = refused


def take_refused(request: HttpRequest, reference: str) -> list[dict[str, str]] | None:
    """Return, once, the files refused for a case since its page was last shown."""
    return request.session.pop(f"refused-{reference}", None)


def done(request: HttpRequest, url: str) -> HttpResponse:
    """Go to `url`: a redirect for a plain form, {url} for the upload script (which then goes there)."""
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"url": url})
    return redirect(url)


def add_evidence_from_page(request: HttpRequest, case: Case, uploads: list[Upload]) -> None:
    """Add a page's files to a case; refused files and the outcome are shown on the case page next."""
    try:
        filed = actions.add_evidence(request.user, case, uploads)
    except DomainError as exc:
        keep_refused(request, case.reference, exc.details.get("rejected_files", []))
        apply_domain_error(None, exc, request)
        return
    keep_refused(request, case.reference, filed.rejected_files)
    messages.success(request, _("The evidence was added to the case."))


def _local_date(value: str | None) -> str:
    moment = when(value)
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else ""


def reply_from_page(request: HttpRequest, case: Case, uploads: list[Upload]) -> None:
    """Send the reporter's reply to the merchant's answer from a case page; the outcome is shown there next.

    A refusal names its dates in the reader's language and format.
    """
    try:
        filed = actions.reply_to_merchant(request.user, case, request.POST.get("text", ""), uploads)
    except DomainError as exc:
        keep_refused(request, case.reference, exc.details.get("rejected_files", []))
        details = exc.details or {}
        dates = {"opened": _local_date(details.get("reply_opened_at")), "due": _local_date(details.get("reply_due_at"))}
        if exc.code == "already_replied":
            text = _("You already replied to the merchant's answer, on %(at)s; a case takes one reply.") % {
                "at": _local_date(details.get("replied_at"))
            }
        elif exc.code == "reply_window_closed":
            text = _("The time to reply ran from %(opened)s until %(due)s; it has ended.") % dates
        elif exc.code == "reply_closed":
            text = _("The case is no longer waiting for its decision; a reply was open until %(due)s.") % dates
        elif exc.code == "text":
            text = _("Write your reply to the merchant's answer.")
        else:
            text = error_message(exc)
        messages.error(request, text)
        return
    keep_refused(request, case.reference, filed.rejected_files)
    messages.success(request, _("Your reply was sent. The reviewer reads it with the merchant's answer."))


def withdraw_page(request: HttpRequest, case: Case, case_page: str, template: str) -> HttpResponse:
    """Withdraw a report: a confirmation page (GET), then the withdrawal (POST) and back to `case_page`."""
    if request.method == "POST":
        try:
            actions.withdraw_report(request.user, case, request.POST.get("reason", ""))
        except DomainError as exc:
            apply_domain_error(None, exc, request)
        else:
            messages.success(request, _("The report was withdrawn."))
        return redirect(case_page, case.reference)
    return render(request, template, {"case": case})


def nudge_from_page(request: HttpRequest, case: Case) -> Case | None:
    """Chase a case (二次反馈); return it as it now is, or None when refused (the reason is shown)."""
    try:
        return actions.nudge_case(request.user, case)
    except DomainError as exc:
        apply_domain_error(None, exc, request)
        return None


def when(value: str | datetime | None) -> datetime | None:
    """Return an ISO string (as the read models give them) as an aware datetime; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return parse_datetime(value)


def _evidence_kind(kind: str | None, version: str | None) -> str:
    if not kind:
        return ""
    try:
        rulebook = loader.get(version) if version else None
    except DomainError:
        rulebook = None
    text = rulebook.evidence_kinds.get(kind) if rulebook else None
    return pick(text) if text else kind


def remedy_name(kind: str, version: str | None = None) -> str:
    """Return a remedy's name in the active language from the rulebook `version` (the code if unknown)."""
    try:
        rulebook = loader.get(version) if version else loader.in_force(timezone.now())
    except DomainError:
        return kind
    text = rulebook.remedies.get(kind)
    return pick(text) if text else kind


STAGE_NAMES = {
    "acknowledgement": gettext_lazy("acknowledging the report"),
    "merchant_response": gettext_lazy("the merchant's answer"),
    "decision": gettext_lazy("the decision"),
    "rectification": gettext_lazy("the rectification"),
    "appeal": gettext_lazy("the appeal"),
    "committee": gettext_lazy("the committee panel's decision"),
}


def _local(value: str | None) -> str:
    moment = when(value)
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else ""


def _uncovered(data: dict[str, Any]) -> str:
    """Return the note that a clock counted days its business calendar has no official arrangement for, or ""."""
    if not data.get("weekday_rule_from"):
        return ""
    return " " + _(
        "(From %(day)s the business calendar has no official holiday arrangement yet: those days are "
        "counted by weekday and the statutory holidays known.)"
    ) % {"day": data["weekday_rule_from"]}


def _clock_sentence(kind: str, data: dict[str, Any]) -> str:
    stage = str(STAGE_NAMES.get(data.get("stage", ""), data.get("stage", "")))
    due = when(data.get("due_at"))
    due_text = formats.date_format(timezone.localtime(due), "DATETIME_FORMAT") if due else ""
    if kind == "clock_started":
        return _("Deadline for %(stage)s: %(due)s") % {"stage": stage, "due": due_text} + _uncovered(data)
    if kind == "clock_paused":
        return _("The deadline for %(stage)s is paused while the reporter adds evidence.") % {
            "stage": stage
        } + _uncovered(data)
    if kind == "clock_resumed":
        return _("The deadline for %(stage)s runs again: %(due)s") % {"stage": stage, "due": due_text} + _uncovered(
            data
        )
    if kind == "clock_warning":
        return _("The deadline for %(stage)s is near: %(due)s") % {"stage": stage, "due": due_text}
    if kind == "clock_breached":
        return _("The deadline for %(stage)s passed.") % {"stage": stage}
    if kind == "clock_stopped":
        return _("The deadline for %(stage)s no longer runs.") % {"stage": stage}
    if kind == "clock_extended":
        return _("As both parties agreed, the deadline for %(stage)s moved to %(due)s.") % {
            "stage": stage,
            "due": due_text,
        }
    if kind == "purged" and data.get("scope") == "evidence":
        return _("The evidence files were deleted when their retention period ended; their hashes are kept.")
    if kind == "purged":
        return _("The words the parties wrote were erased when their retention period ended; their hashes are kept.")
    if kind == "legal_hold_set":
        return _("A legal hold was set: the case is kept until it is lifted.")
    if kind == "legal_hold_lifted":
        return _("The legal hold was lifted.")
    return kind.replace("_", " ")


THREAD_SENTENCES = {
    "message_posted": gettext_lazy("%(who)s wrote in the negotiation."),
    "offer_made": gettext_lazy("%(who)s made an offer."),
    "offer_accepted": gettext_lazy("The other side accepted the offer."),
    "offer_declined": gettext_lazy("The other side declined the offer."),
    "offer_withdrawn": gettext_lazy("%(who)s withdrew an offer."),
}


def event_sentence(event: dict[str, Any]) -> str:
    """Return one plain-language sentence for a timeline event (a dict from `cases.reading.event_item`).

    Unknown kinds read as their code, so a new kind of event still shows.
    """
    kind = event.get("kind", "")
    data = event.get("data") or {}
    version = event.get("rulebook_version")
    if kind == "filed" and data.get("channel") == "own_initiative":
        return _("The platform opened an investigation on its own initiative.")
    if kind == "evidence_added" and data.get("party") == "platform":
        return _("The platform added evidence: %(kind)s (%(file)s).") % {
            "kind": _evidence_kind(data.get("kind"), version),
            "file": data.get("file", ""),
        }
    if kind == "filed":
        channel = CHANNEL_NAMES.get(data.get("channel", ""), data.get("channel", ""))
        return _("The report was filed (channel: %(channel)s).") % {"channel": channel}
    if kind == "evidence_added" and data.get("with_report"):
        return _("The reporter sent evidence with the report: %(kind)s (%(file)s).") % {
            "kind": _evidence_kind(data.get("kind"), version),
            "file": data.get("file", ""),
        }
    if kind == "evidence_added":
        who = _("The merchant") if data.get("party") == "merchant" else _("The reporter")
        return _("%(who)s added evidence: %(kind)s (%(file)s).") % {
            "who": who,
            "kind": _evidence_kind(data.get("kind"), version),
            "file": data.get("file", ""),
        }
    if kind == "evidence_rejected":
        files = ", ".join(f"{f['file']} ({error_text(f['code'], f['message'])})" for f in data.get("files", []))
        return _("Some files were not accepted: %(files)s") % {"files": files}
    if kind == "admit":
        return _("The report was accepted and sent to the merchant for an answer.")
    if kind == "request_evidence":
        missing = ", ".join(_evidence_kind(k, version) for k in data.get("missing_evidence", []))
        return _("The report needs more evidence: %(missing)s.") % {"missing": missing}
    if kind == "declare_inadmissible":
        return _("The report could not be accepted; the reasons and the other ways forward are given with it.")
    if kind == "complete_evidence":
        return _("The evidence is complete; the report was sent to the merchant for an answer.")
    if kind == "close_for_missing_evidence":
        return _("The evidence deadline passed without the required evidence; the report was not upheld.")
    if kind == "accept_remedy":
        return _("The merchant accepted the remedy.")
    if kind == "contest":
        return _("The merchant contested the report.")
    if kind == "propose_rectification":
        return _("The merchant proposed to put the problem right.")
    if kind == "reporter_replied":
        return _("The reporter replied to the merchant's answer and evidence.")
    if kind == "refer_silence_to_review":
        return _("The merchant did not answer in time; the case went to review.")
    if kind == "uphold_for_silence":
        return _("The merchant did not answer in time; the report was upheld.")
    if kind == "decide":
        return _("A reviewer decided the case.")
    if kind == "withdraw":
        return _("The report was withdrawn.")
    if kind == "claimed":
        return _("A reviewer took the case.")
    if kind == "released":
        return _("The reviewer released the case.")
    if kind == "request_more_evidence":
        return _("The reviewer asked the reporter for more evidence: %(missing)s.") % {
            "missing": ", ".join(_evidence_kind(k, version) for k in data.get("kinds", [])) or "—"
        }
    if kind == "return_to_review":
        return _("The case went back to review.")
    if kind == "internal_note":
        return _("A member of staff wrote an internal note.")
    if kind == "reassigned":
        return _("A supervisor handed the case from %(from)s to %(to)s.") % {
            "from": data.get("from", "—"),
            "to": data.get("to", "—"),
        }
    if kind == "claim_lapsed":
        return _("The reviewer's hold on the case lapsed.")
    if kind == "claim_kept":
        return _("The case went back to the reviewer who asked for the evidence.")
    if kind == "claim_returned_to_queue":
        return _("The reviewer who asked for the evidence has been away; the case went back to the queue.")
    if kind == "sla_warning":
        return _("The decision deadline is near.")
    if kind == "escalated":
        return _("The decision deadline passed; the case went to a supervisor.")
    if kind == "nudged":
        if data.get("overdue"):
            return _("The reporter chased the overdue case; it was passed to a supervisor.")
        return _("The reporter asked about progress.")
    if kind == "rectification_ordered":
        return _("The merchant was ordered to put the problem right by a deadline.")
    if kind == "rectification_submitted":
        return _("The merchant sent proof of the rectification.")
    if kind == "rectification_accepted":
        return _("The rectification was checked and accepted.")
    if kind == "rectification_rejected":
        return _("The rectification was checked and rejected.")
    if kind == "rectification_missed":
        return _("The merchant missed the rectification deadline.")
    if kind == "remedy_executed":
        return _(
            "The marketplace confirmed the remedy (%(remedy)s) paid: %(amount)s on %(date)s, reference %(ref)s."
        ) % {
            "remedy": remedy_name(data.get("remedy", ""), version),
            "amount": f"{data.get('amount', '')} {data.get('currency', '')}",
            "date": _local(data.get("executed_at")),
            "ref": data.get("reference", ""),
        }
    if kind == "remedy_failed":
        return _("The marketplace could not carry out the %(remedy)s: %(reason)s") % {
            "remedy": remedy_name(data.get("remedy", ""), version),
            "reason": event.get("reason", ""),
        }
    if kind == "remedy_overdue":
        return _("The marketplace did not confirm the remedy in time; a supervisor is following it up.")
    if kind == "cluster_joined":
        return _("Joined cluster %(id)s of reports about the same thing (%(n)s different reporters).") % {
            "id": data.get("cluster", ""),
            "n": data.get("size", ""),
        }
    if kind == "cluster_escalated":
        return _("Cluster %(id)s reached %(n)s different reporters and went to the supervisors.") % {
            "id": data.get("cluster", ""),
            "n": data.get("size", ""),
        }
    if kind == "reopen_unpaid":
        return _("The reporter reopened the case because the money never arrived; it went to review.")
    if kind == "points_on_acceptance":
        return _("Accepting the remedy settles the claim, not the violation: the rulebook's points were recorded.")
    if kind == "rated":
        return _("The reporter rated how the case was handled: %(score)s of 5.") % {"score": data.get("score", "")}
    if kind in THREAD_SENTENCES:
        who = {"merchant": _("The merchant"), "staff": _("A reviewer")}.get(data.get("party"), _("The reporter"))
        return THREAD_SENTENCES[kind] % {"who": who}
    if kind == "upload_link_sent":
        return _("An upload link was sent to the reporter.")
    if kind == "upload_link_used":
        return _("The reporter added files through the upload link.")
    if kind.startswith("clock_"):
        return _clock_sentence(kind, data)
    if kind == "panel_drawn":
        return _("A panel of %(n)s was drawn at random from the committee (seed %(seed)s).") % {
            "n": len(data.get("composition", [])),
            "seed": data.get("seed", ""),
        }
    if kind == "panel_waiting":
        return _("Too few committee members are eligible for the panel; it waits for members.")
    if kind == "panel_member_recused":
        return _("A panel member stepped down; another is drawn for the seat.")
    if kind == "panel_member_replaced":
        return _("A panel member did not vote in time; another is drawn for the seat.")
    if kind == "panel_seat_filled":
        return _("A new member was drawn for a seat on the panel.")
    if kind == "panel_decided":
        return _("The panel decided.")
    if kind == "appeal_filed":
        who = _("The merchant") if data.get("party") == "merchant" else _("The reporter")
        return _("%(who)s appealed the decision.") % {"who": who}
    if kind == "appeal_answered":
        return _("The other party answered the appeal.")
    if kind == "appeal_answer_window_closed":
        return _("The time to answer the appeal ended; the appeal awaits its decision.")
    if kind == "appeal_decided":
        return _("The appeal was decided.")
    if kind == "readmit_on_appeal":
        return _("On appeal, the report was admitted after all.")
    if kind == "penalty_appeal_filed":
        return _("The merchant appealed the penalty.")
    if kind.startswith("penalty_appeal"):
        return _("The penalty appeal was decided.")
    return kind.replace("_", " ")


# The types the upload fields offer (the input's `accept`), as the server's inspection accepts them.
ACCEPT_FILES = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif,application/pdf,text/plain,.txt"
ACCEPT_VIDEOS = "video/mp4,video/quicktime,.mp4,.mov"


def upload_field(rulebook: Any) -> dict[str, Any]:
    """Return the upload field's context under a rulebook version: sizes, video length, the accepted types.

    The page refuses what the server would (type, size) before anything is sent; the server checks again.
    """
    video_bytes, video_seconds = video_limits(rulebook)
    return {
        "max_bytes": settings.PLAINT_EVIDENCE_MAX_BYTES,
        "video_max_bytes": video_bytes or 0,
        "video_max_seconds": video_seconds or 0,
        "accept": f"{ACCEPT_FILES},{ACCEPT_VIDEOS}" if video_bytes else ACCEPT_FILES,
    }
