"""The agent's one-time upload link (issue 17, item 9): a caller adds evidence files to one case without signing in.

The agent sends it by a channel (plaint/notifications/links.py: e-mail today, SMS pluggable) to the
address on record. The link names the case and carries a signed token naming an `UploadLink` row. It
adds files once (one sending, which may carry several files) to that case only, until the evidence
deadline: the case's own when it waits for evidence, else the rulebook's evidence_deadline_days from
when it was sent. A link used, expired, for another case, or for a closed case is refused.
"""

from datetime import datetime

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from plaint.accounts.models import Role, User
from plaint.errors import Forbidden, InvalidInput, NotFound, Refused
from plaint.evidence.actions import Upload
from plaint.notifications import emails, links
from plaint.rulebook import loader

from .. import chain, clocks
from ..models import Case, UploadLink, Visibility
from ..transitions import OPEN_STATES
from .common import Filed, _event, _locked, no_reporter
from .evidence import add_evidence

SALT = "plaint.upload-link"


def upload_link_token(link: UploadLink) -> str:
    """Return the signed token of an upload link (its row and its case)."""
    return signing.dumps({"link": link.pk, "case": link.case.reference}, salt=SALT)


def upload_link_path(link: UploadLink) -> str:
    return f"/upload/{link.case.reference}/{upload_link_token(link)}/"


def send_upload_link(actor: User, case: Case, *, channel: str = "email", now: datetime | None = None) -> UploadLink:
    """Send the case's reporter a one-time link to add evidence, by `channel`; return the link's row."""
    now = now or timezone.now()
    if actor.role != Role.AGENT:
        raise Forbidden("not_an_agent", "Upload links are sent by customer-service agents.")
    sender = links.sender(channel)
    if sender is None:
        raise InvalidInput(
            "channel", f"No channel {channel!r} to send links by.", field="channel", hint=", ".join(links.SENDERS)
        )
    if case.reporter_id is None:
        raise no_reporter(case)
    if case.state not in OPEN_STATES:
        raise Refused("case_closed", f"The case is {case.state}; evidence can only be added to an open case.")
    recipient = getattr(case.reporter, sender.address_field, "") or ""
    if not recipient:
        raise InvalidInput(
            "no_address",
            f"The consumer has no {sender.address_field} on record to send the link to.",
            field="channel",
        )
    with transaction.atomic():
        case = _locked(case)
        if case.state not in OPEN_STATES:
            raise Refused("case_closed", f"The case is {case.state}; evidence can only be added to an open case.")
        rulebook = loader.get(case.rulebook_version)
        due = case.evidence_due_at
        if due is None or due <= now:
            due = clocks.due_at("evidence", now, rulebook, case)
        link = UploadLink.objects.create(
            case=case, sent_by=actor, channel=channel, recipient=recipient, sent_at=now, expires_at=due
        )
        texts = emails.render("upload_link", ref=case.reference, due=emails.at(due))
        message = links.LinkMessage(
            recipient=recipient,
            language=case.reporter.language,
            subject={code: texts[code][0] for code in texts},
            body={code: texts[code][1] for code in texts},
            link=f"{settings.PLAINT_BASE_URL.rstrip('/')}{upload_link_path(link)}",
            key=f"upload-link-{link.pk}",
        )
        sender.send(message, now)
        data = {"link_id": link.pk, "channel": channel, "expires_at": due.isoformat()}
        chain.append(case, [_event(case, "upload_link_sent", actor, now, data=data, visibility=Visibility.REPORTER)])
    return link


def find_upload_link(reference: str, token: str, now: datetime | None = None) -> UploadLink:
    """Return the upload link a token names, if it may still add files to case `reference`.

    NotFound for a token Plaint did not sign; Refused for one used, expired, for another case or a closed case.
    """
    now = now or timezone.now()
    try:
        data = signing.loads(token, salt=SALT)
        link_id, case_ref = int(data["link"]), str(data["case"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound("upload_link_not_found", "This upload link is not valid.") from None
    link = UploadLink.objects.select_related("case", "case__reporter").filter(pk=link_id).first()
    if link is None or link.case.reference != case_ref:
        raise NotFound("upload_link_not_found", "This upload link is not valid.")
    if case_ref != reference:
        raise Refused(
            "upload_link_other_case", "This upload link is for another case; it adds files to that case only."
        )
    if link.used_at is not None:
        raise Refused("upload_link_used", "This upload link was already used; each link adds files once.")
    if now >= link.expires_at:
        raise Refused("upload_link_expired", "This upload link has expired with the evidence deadline.")
    if link.case.state not in OPEN_STATES:
        raise Refused("case_closed", f"The case is {link.case.state}; evidence can only be added to an open case.")
    return link


def add_evidence_by_link(reference: str, token: str, uploads: list[Upload], *, now: datetime | None = None) -> Filed:
    """Add files to the case through its upload link, which is then used up (not when no file was accepted).

    The files are the reporter's side's evidence, added in the name of the agent who sent the link.
    """
    now = now or timezone.now()
    link = find_upload_link(reference, token, now)
    with transaction.atomic():
        if not UploadLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now):
            raise Refused("upload_link_used", "This upload link was already used; each link adds files once.")
        filed = add_evidence(link.sent_by, link.case, uploads, now=now)
        case = _locked(filed.case)
        names = list(case.evidence.filter(uploaded_at=now).values_list("original_name", flat=True))
        data = {"link_id": link.pk, "files": names}
        chain.append(case, [_event(case, "upload_link_used", None, now, data=data, visibility=Visibility.REPORTER)])
    return filed
