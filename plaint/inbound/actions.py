"""Receiving e-mail: a new report to the intake address, evidence in a reply to a case's address.

Both go through the case actions every other channel uses (`file_report`, `add_evidence`), so
admissibility, evidence checks and notifications are the same. Mail that cannot be acted on is
answered with what was wrong and how to report; mail no person wrote is never answered (RFC 3834).

A From header is easy to forge, so only a case's signed address adds to a case: intake mail about a
matter still open is answered with where to write, and adds nothing. A report from an address the
marketplace has not verified is held, and filed only when the link sent to the account's address
on record is followed. docs/inbound-mail.md tells the whole of it.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from plaint.accounts.models import Role, User
from plaint.cases import actions as case_actions
from plaint.cases.addresses import case_address, intake_address, parse_recipient, split_case_detail, token_matches
from plaint.cases.inputs import ReportIn
from plaint.cases.models import Case, Channel
from plaint.errors import DomainError, NotFound, Refused
from plaint.evidence.actions import Upload
from plaint.marketplace.models import Consumer, Order
from plaint.notifications.outbox import enqueue_email
from plaint.rulebook import loader
from plaint.rulebook.schema import Category, Rulebook
from plaint.storage import delete_files, held_storage

from . import texts
from .models import HeldMail, InboundMail, Outcome
from .parsing import Attachment, Mail, parse, without_quotes

# The account that files reports and adds evidence for reporters who write in: an agent-role
# system account without a password (nobody can sign in as it), so the timeline says who acted.
GATEWAY_USERNAME = "inbound-mail"
# A sender that was answered this many times in a day gets no more answers: two auto-responders
# that do not mark their mail as automatic would otherwise answer each other for ever.
ANSWERS_PER_SENDER_PER_DAY = 5
# Confirmation links are signed with SECRET_KEY under this salt, so no other signed value passes for one.
CONFIRM_SALT = "plaint.inbound.confirm-held-mail"

SUBJECT_CATEGORY = re.compile(r"\[\s*([a-z][a-z0-9_]*)\s*\]")
LABELLED_ORDER = re.compile(
    r"(?:order(?:\s*(?:id|no\.?|number))?|订单(?:号|编号)?)\s*[:：#]?\s*([A-Za-z0-9][A-Za-z0-9_\-]{1,63})",
    re.IGNORECASE,
)
ANY_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{2,63}")
CATEGORY_LINE = re.compile(r"^\s*(?:category|类别|类型|举报类型)\s*[:：]\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
REMEDY_LINE = re.compile(r"^\s*(?:remedy|诉求|要求)\s*[:：]\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass
class IngestResult:
    """What became of a mail: `outcome` is an inbound.models.Outcome value, or "duplicate"."""

    outcome: str
    reason: str = ""
    case_reference: str | None = None
    rejected_files: list[dict[str, str]] = field(default_factory=list)
    message_id: str = ""


@dataclass
class _Received:
    """The row and bytes of the mail being ingested, for holding it (none when its owner confirmed it)."""

    record: InboundMail
    raw: bytes


class _Answer(Exception):
    """The mail cannot be acted on: answer the sender with `reason` (a texts.REASONS key)."""

    def __init__(self, reason: str, **fields: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fields = fields


def ingest_email(raw: bytes, now: datetime | None = None, *, recipients: list[str] | None = None) -> IngestResult:
    """Act on one received e-mail and return what became of it.

    `recipients` are the envelope's (SMTP RCPT TO); without them the Delivered-To, X-Original-To, To
    and Cc headers say where the mail went. A mail seen before (same Message-ID; the same bytes when
    it has none) changes nothing and returns outcome "duplicate". Everything the mail causes commits
    in one transaction with its InboundMail row, so a crash half-way leaves the mail unprocessed for
    the mail server to deliver again. A mail that cannot be read safely (nested too deep, parts that
    cannot be found) raises parsing.MalformedMail before anything is written: a permanent failure,
    for the mail server to bounce rather than retry.
    """
    now = now or timezone.now()
    too_large = len(raw) > settings.PLAINT_INBOUND_MAX_BYTES
    mail = parse(_headers_of(raw), headers_only=True) if too_large else parse(raw)
    if InboundMail.objects.filter(key=mail.key).exists():
        return IngestResult("duplicate", message_id=mail.message_id)
    envelope = [address.replace("\x00", "") for address in recipients or []]
    ours = [(address, parse_recipient(address)) for address in (envelope or mail.recipients)]
    ours = [(address, target) for address, target in ours if target is not None]
    recipient, target = ours[0] if ours else ("", None)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = InboundMail.objects.create(
                    key=mail.key,
                    message_id=mail.message_id[:2000],
                    sender=mail.sender[:320],
                    recipient=recipient[:320],
                    subject=mail.subject[:300],
                    size=len(raw),
                    received_at=now,
                    outcome=Outcome.ANSWERED,
                )
        except IntegrityError:
            # The same mail arriving at the same moment through another connection.
            return IngestResult("duplicate", message_id=mail.message_id)
        result = _act(mail, target, len(raw) if too_large else 0, now, _Received(record, raw))
        result.message_id = mail.message_id
        record.outcome = result.outcome
        record.reason = result.reason
        record.case = Case.objects.filter(reference=result.case_reference).first() if result.case_reference else None
        record.detail = {"rejected_files": result.rejected_files} if result.rejected_files else {}
        record.save(update_fields=["outcome", "reason", "case", "detail"])
    return result


def _headers_of(raw: bytes) -> bytes:
    # Of a mail too large to read, only the headers are parsed: enough to answer its sender.
    end = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n") if end < 0 else end
    return raw[: end if end >= 0 else 65536][:65536]


def _act(
    mail: Mail, target: tuple[str, str | None] | None, oversize: int, now: datetime, received: _Received
) -> IngestResult:
    if mail.automatic:
        return IngestResult(Outcome.IGNORED, reason="automatic")
    rulebook = loader.in_force(now)
    try:
        if oversize:
            mb = 1024 * 1024
            raise _Answer(
                "too_large", size=f"{oversize / mb:.1f}", limit=f"{settings.PLAINT_INBOUND_MAX_BYTES / mb:.0f}"
            )
        if target is not None and target[0] == "case":
            return _to_case(mail, target[1], now)
        # The intake address, or none of ours in the headers (an alias or a forward): a new report.
        return _new_report(mail, rulebook, now, received)
    except _Answer as answer:
        outcome = Outcome.REFUSED if answer.reason == "too_large" else Outcome.ANSWERED
        _send_help(mail, answer.reason, rulebook, now, answer.fields)
        return IngestResult(outcome, reason=answer.reason)


def _may_answer(mail: Mail, now: datetime) -> bool:
    """Return whether the sender of `mail` may get one more answer today (help, pointer or confirmation link)."""
    answered = InboundMail.objects.filter(
        sender=mail.sender,
        outcome__in=[Outcome.ANSWERED, Outcome.REFUSED, Outcome.HELD],
        received_at__gte=now - timedelta(days=1),
    ).exclude(key=mail.key)
    return answered.count() < ANSWERS_PER_SENDER_PER_DAY


def _send_help(mail: Mail, reason: str, rulebook: Rulebook, now: datetime, fields: dict[str, str]) -> None:
    if not _may_answer(mail, now):
        return
    subject, body = texts.help_reply(reason, mail.subject, rulebook, **({"sender": mail.sender} | fields))
    enqueue_email(
        mail.sender, subject, body, "inbound.unmatched", f"mail-in-{mail.key[:40]}-help", now, reply_to=intake_address()
    )


def gateway() -> User:
    """Return the system account that acts for reporters who write in (made on first use)."""
    user, _ = User.objects.get_or_create(
        username=GATEWAY_USERNAME,
        defaults={"role": Role.AGENT, "first_name": "E-mail intake", "password": make_password(None)},
    )
    return user


# --- a new report ------------------------------------------------------------------------------


def _category(mail: Mail, rulebook: Rulebook) -> Category:
    codes = {c.code: c for c in rulebook.categories}
    for code in SUBJECT_CATEGORY.findall(mail.subject.lower()):
        if code in codes:
            return codes[code]
    for value in CATEGORY_LINE.findall(mail.text):
        found = _by_code_or_title(value, rulebook.categories)
        if found:
            return found
    # A category's title (Chinese or English) in the subject, the longest that appears.
    subject = mail.subject.lower()
    titled = [(len(t), c) for c in rulebook.categories for t in (c.title.zh, c.title.en.lower()) if t in subject]
    if titled:
        return max(titled, key=lambda pair: pair[0])[1]
    raise _Answer("no_category")


def _by_code_or_title(value: str, categories: tuple[Category, ...]) -> Category | None:
    value = value.strip().strip("[]").lower()
    return next((c for c in categories if value in (c.code, c.title.zh, c.title.en.lower())), None)


def _remedy(mail: Mail, rulebook: Rulebook, category: Category) -> str:
    for value in REMEDY_LINE.findall(mail.text):
        value = value.strip().lower()
        for code in category.remedies:
            title = rulebook.remedies.get(code)
            if value == code or (title and value in (title.zh, title.en.lower())):
                return code
    # Unsaid: a refund where the category offers one, else the category's first remedy.
    return "refund" if "refund" in category.remedies else category.remedies[0]


def _order(mail: Mail, consumers: list[Consumer]) -> Order:
    labelled = LABELLED_ORDER.findall(mail.subject) + LABELLED_ORDER.findall(mail.text)
    # Labelled numbers first; then any word of the mail that is one of the sender's orders, for
    # people who write "O-1001 arrived expired" without a label. Only the sender's orders are looked
    # up, so a guessed number of someone else's finds nothing.
    candidates = list(dict.fromkeys(labelled + ANY_TOKEN.findall(f"{mail.subject}\n{mail.text}")))[:500]
    orders = {
        o.external_id: o
        for o in Order.objects.filter(external_id__in=candidates, consumer__in=consumers).select_related("consumer")
    }
    for candidate in candidates:
        if candidate in orders:
            return orders[candidate]
    given = f" ({', '.join(labelled[:3])})" if labelled else ""
    raise _Answer("no_order", given=given)


def _kinds(names: list[str], rulebook: Rulebook, category: Category, present: set[str]) -> list[str]:
    """Return the evidence kind of each attachment.

    A file named after a kind (photo_of_damage.jpg, chat_log-2.txt) is that kind; the others are taken,
    in order, as the kinds the category requires and the case does not have yet; the rest are "other".
    """
    missing = [kind for kind in category.required_evidence if kind not in present]
    kinds = []
    for name in names:
        stem = name.rsplit(".", 1)[0].lower()
        named = max((k for k in rulebook.evidence_kinds if stem.startswith(k)), key=len, default=None)
        if named:
            kind = named
            if named in missing:
                missing.remove(named)
        elif missing:
            kind = missing.pop(0)
        else:
            kind = "other" if "other" in rulebook.evidence_kinds else next(iter(rulebook.evidence_kinds))
        kinds.append(kind)
    return kinds


def _capped(mail: Mail, text_files: int) -> tuple[list[Attachment], list[dict[str, str]]]:
    """Return the attachments kept and the rest as refused files: PLAINT_EVIDENCE_MAX_FILES in all.

    The mail's own text, when it is kept as a file (`text_files`), is always kept and counts as one
    of them: the limit is the one every request has, and a request past it loses its last files.
    """
    limit = settings.PLAINT_EVIDENCE_MAX_FILES
    room = max(limit - text_files, 0)
    over = [
        {
            "file": a.name,
            "code": "too_many_files",
            "message": f"Only the first {limit} files of a message are kept; send this one in another "
            "message or add it on the web.",
        }
        for a in mail.attachments[room:]
    ]
    return mail.attachments[:room], over


def _uploads(attachments: list[Attachment], rulebook: Rulebook, category: Category, present: set[str]) -> list[Upload]:
    names = [a.name for a in attachments]
    return [
        Upload(a.name, a.data, kind)
        for a, kind in zip(attachments, _kinds(names, rulebook, category, present), strict=True)
    ]


def _text_upload(text: str, rulebook: Rulebook, now: datetime) -> Upload:
    kind = "other" if "other" in rulebook.evidence_kinds else next(iter(rulebook.evidence_kinds))
    return Upload(f"mail-{timezone.localtime(now):%Y%m%d-%H%M%S}.txt", text.encode("utf-8"), kind)


def _new_report(mail: Mail, rulebook: Rulebook, now: datetime, received: _Received | None) -> IngestResult:
    """File the report a mail to the intake address makes; hold it first if its sender is not verified.

    `received` is None when the account's owner confirmed a held mail: it is then filed as it stands.
    """
    consumers = list(Consumer.objects.filter(email__iexact=mail.sender)) if mail.sender else []
    if not consumers:
        raise _Answer("unknown_sender")
    order = _order(mail, consumers)
    category = _category(mail, rulebook)
    matter = case_actions.matter_of(order.consumer_id, "order", order.pk, category.code)
    open_case = case_actions.open_case_of(matter)
    if open_case is not None:
        return _point_to_case(mail, open_case, now)
    if received is not None and not order.consumer.email_verified:
        return _hold(mail, order.consumer, received, now)
    description = mail.text.strip() or mail.subject.strip() or "(e-mail without text)"
    limit = rulebook.intake.description_max_chars
    long_text = len(description) > limit
    attachments, over = _capped(mail, text_files=1 if long_text else 0)
    uploads = _uploads(attachments, rulebook, category, set())
    if long_text:
        # The report keeps its start as the description and the whole text as evidence: nothing is lost.
        uploads.append(_text_upload(description, rulebook, now))
        description = description[: limit - 1] + "…"
    data = ReportIn(
        target_type="order",
        target_id=order.external_id,
        category=category.code,
        description=description,
        remedy_wanted=_remedy(mail, rulebook, category),
        channel=Channel.EMAIL,
        channel_reference=mail.message_id[:100],
        consumer_id=order.consumer.external_id,
    )
    try:
        filed = case_actions.file_report(gateway(), data, uploads, idempotency_key=f"mail:{mail.key[:60]}", now=now)
    except DomainError as error:
        if error.code == "duplicate_report":
            # Opened meanwhile (another mail, the web): answered as a matter found open above.
            return _point_to_case(mail, error.details["case"], now)
        raise _Answer("invalid_report", detail=_detail(error)) from None
    case = filed.case
    rejected = over + filed.rejected_files
    if rejected:
        subject, body = texts.rejected_reply(
            case.reference, rejected, case.reporter.language, f"/consumer/cases/{case.reference}/"
        )
        enqueue_email(
            case.reporter.email,
            subject,
            body,
            "inbound.rejected",
            f"mail-in-{mail.key[:40]}-rejected",
            now,
            reply_to=case_address(case.reference, "reporter"),
        )
    return IngestResult(Outcome.FILED, case_reference=case.reference, rejected_files=rejected)


def _point_to_case(mail: Mail, reference: str, now: datetime) -> IngestResult:
    """Answer intake mail about a matter still open: write to the case's own address. Add nothing.

    The intake address cannot tell the reporter from someone forging their From, and the case's
    address (signed for the reporter) can; the answer goes to the reporter's address on record.
    """
    case = Case.objects.select_related("reporter").get(reference=reference)
    if _may_answer(mail, now):
        subject, body = texts.open_case_reply(
            case.reference, mail.subject, case.reporter.language, f"/consumer/cases/{case.reference}/"
        )
        enqueue_email(
            case.reporter.email,
            subject,
            body,
            "inbound.open_case",
            f"mail-in-{mail.key[:40]}-open",
            now,
            reply_to=case_address(case.reference, "reporter"),
        )
    return IngestResult(Outcome.ANSWERED, reason="open_case", case_reference=case.reference)


# --- a report from an address the marketplace has not verified ---------------------------------


def confirmation_token(key: str, expires_at: datetime) -> str:
    """Return the signed token of the link that files the held mail `key` (an InboundMail key) until `expires_at`."""
    return signing.dumps({"mail": key, "until": int(expires_at.timestamp())}, salt=CONFIRM_SALT)


def _hold(mail: Mail, consumer: Consumer, received: _Received, now: datetime) -> IngestResult:
    expires_at = now + timedelta(hours=settings.PLAINT_INBOUND_HOLD_HOURS)
    HeldMail.objects.create(
        mail=received.record,
        consumer=consumer,
        raw=ContentFile(received.raw, name=f"{mail.key}.eml"),
        held_at=now,
        expires_at=expires_at,
    )
    if _may_answer(mail, now):
        link = f"{settings.PLAINT_BASE_URL}/mail/confirm/{confirmation_token(mail.key, expires_at)}/"
        subject, body = texts.confirm_request(mail.subject, now, expires_at, link, consumer.language)
        # To the address on record, never to the From as written: the two match here (that is how the
        # sender was found), and the link must reach the mailbox the marketplace knows.
        enqueue_email(consumer.email, subject, body, "inbound.confirm", f"mail-in-{mail.key[:40]}-confirm", now)
    return IngestResult(Outcome.HELD, reason="unverified_sender")


def _held_key(token: str, now: datetime) -> str:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT)
        key, until = str(data["mail"]), int(data["until"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound("confirmation_not_found", "This confirmation link is not valid.") from None
    if now.timestamp() >= until:
        raise Refused(
            "confirmation_expired",
            "This confirmation link has expired; the message was not filed.",
            hint="Send the report again, or report on the web.",
        )
    return key


def find_held_mail(token: str, now: datetime | None = None) -> InboundMail:
    """Return the received mail a confirmation link is for; `.outcome` says whether it is still held.

    NotFound for a link that was not made by us; Refused (confirmation_expired) once it has expired.
    """
    key = _held_key(token, now or timezone.now())
    record = InboundMail.objects.filter(key=key).first()
    if record is None:
        raise NotFound("confirmation_not_found", "This confirmation link is not valid.")
    return record


def confirm_held_mail(token: str, now: datetime | None = None) -> IngestResult:
    """File the report of the held mail a confirmation link is for, as it would have been filed at once.

    Following the link again returns what became of the mail the first time. The report is filed at
    the moment of confirmation (its time window is counted to then). A mail that cannot be filed now
    (its matter was opened meanwhile, the order is no longer the sender's) is answered as at once.
    Raises as find_held_mail does, and Refused (confirmation_expired) for a mail already expired.
    """
    now = now or timezone.now()
    key = _held_key(token, now)
    with transaction.atomic():
        record = InboundMail.objects.select_for_update().filter(key=key).first()
        if record is None:
            raise NotFound("confirmation_not_found", "This confirmation link is not valid.")
        held = HeldMail.objects.select_for_update().filter(mail=record).first()
        if held is None or held.expires_at <= now:
            if record.outcome in (Outcome.HELD, Outcome.EXPIRED):
                raise Refused("confirmation_expired", "This confirmation link has expired; the message was not filed.")
            return IngestResult(
                record.outcome,
                reason=record.reason,
                case_reference=record.case.reference if record.case_id else None,
                rejected_files=record.detail.get("rejected_files", []),
                message_id=record.message_id,
            )
        with held.raw.open("rb") as stored:
            mail = parse(stored.read())
        rulebook = loader.in_force(now)
        try:
            result = _new_report(mail, rulebook, now, None)
        except _Answer as answer:
            _send_help(mail, answer.reason, rulebook, now, answer.fields)
            result = IngestResult(Outcome.ANSWERED, reason=answer.reason)
        result.message_id = mail.message_id
        record.outcome = result.outcome
        record.reason = "confirmed" if result.outcome == Outcome.FILED else result.reason
        record.case = Case.objects.filter(reference=result.case_reference).first() if result.case_reference else None
        record.detail = {"rejected_files": result.rejected_files} if result.rejected_files else {}
        record.save(update_fields=["outcome", "reason", "case", "detail"])
        name = held.raw.name
        held.delete()
        transaction.on_commit(lambda: delete_files(held_storage(), [name]))
    return result


def expire_held_mail(now: datetime | None = None) -> int:
    """Delete held mail whose confirmation time has passed; return how many (a periodic job).

    Its InboundMail stays, with outcome "expired". Safe beside a confirmation or another worker: a
    row another transaction took first is skipped.
    """
    now = now or timezone.now()
    expired = 0
    for held in HeldMail.objects.filter(expires_at__lte=now).order_by("expires_at")[:500]:
        with transaction.atomic():
            deleted, _ = HeldMail.objects.filter(pk=held.pk).delete()
            if not deleted:
                continue
            InboundMail.objects.filter(pk=held.mail_id, outcome=Outcome.HELD).update(
                outcome=Outcome.EXPIRED, reason="unconfirmed"
            )
            transaction.on_commit(lambda name=held.raw.name: delete_files(held_storage(), [name]))
        expired += 1
    return expired


def _detail(error: DomainError) -> str:
    return " ".join(part for part in (error.message, error.hint or "") if part)


# --- a reply to a case -------------------------------------------------------------------------


def _party(case: Case, sender: str) -> tuple[str, User | None, str, str] | None:
    """Return (the party, the account to act as, the e-mail language, the party's page) for a party's address.

    None for anyone else. The merchant writes from its contact address or a staff account's.
    """
    # An own-initiative investigation has no reporter: only the merchant's addresses are a party's.
    if case.reporter_id is not None and case.reporter.email and sender == case.reporter.email.lower():
        return "reporter", gateway(), case.reporter.language, f"/consumer/cases/{case.reference}/"
    staff = User.objects.filter(role=Role.MERCHANT, merchant_id=case.merchant_id, is_active=True).order_by("pk")
    own = staff.filter(email__iexact=sender).first()
    contact = case.merchant.contact_email.lower()
    if own is not None or (contact and sender == contact):
        return "merchant", own or staff.first(), "bilingual", f"/merchant/cases/{case.reference}/"
    return None


def _to_case(mail: Mail, detail: str | None, now: datetime) -> IngestResult:
    reference, token = split_case_detail(detail or "")
    case = (
        Case.objects.select_related("reporter", "merchant").filter(reference=reference).first() if reference else None
    )
    party = _party(case, mail.sender) if case is not None and mail.sender else None
    # A forged From is refused like a stranger: the address must be the one given to that party.
    if party is None or not token_matches(case.reference, party[0], token):
        raise _Answer("unknown_case")
    party_name, actor, language, path = party
    if actor is None:
        raise _Answer("no_merchant_account")
    return _add_mail(mail, case, party_name, actor, language, path, now)


def _add_mail(
    mail: Mail, case: Case, party_name: str, actor: User, language: str, path: str, now: datetime
) -> IngestResult:
    """Add a party's mail to the case (attachments, and its own text as a file) and answer what was added."""
    rulebook = loader.get(case.rulebook_version)
    category = rulebook.category(case.category)
    present = set(case.evidence.values_list("kind", flat=True))
    text = without_quotes(mail.text)
    attachments, over = _capped(mail, text_files=1 if text else 0)
    uploads = _uploads(attachments, rulebook, category, present)
    if text:
        uploads.append(_text_upload(text, rulebook, now))
    if not uploads:
        raise _Answer("empty", ref=case.reference)
    try:
        added = case_actions.add_evidence(actor, case, uploads, now=now)
    except DomainError as error:
        detail = _detail(error)
        rejected = over + (error.details.get("rejected_files") or [])
        if rejected:
            detail += " " + "; ".join(f"{r['file']}: {r['message']}" for r in rejected)
        raise _Answer("not_added", ref=case.reference, detail=detail) from None
    refused = {r["file"] for r in added.rejected_files}
    names = [u.name for u in uploads if u.name not in refused]
    rejected = over + added.rejected_files
    subject, body = texts.added_reply(case.reference, names, rejected, language, path)
    enqueue_email(
        mail.sender,
        subject,
        body,
        "inbound.added",
        f"mail-in-{mail.key[:40]}-added",
        now,
        reply_to=case_address(case.reference, party_name),
    )
    return IngestResult(Outcome.EVIDENCE_ADDED, case_reference=case.reference, rejected_files=rejected)


def describe(result: IngestResult) -> dict[str, Any]:
    """Return the result as the commands print it."""
    return {
        "outcome": result.outcome,
        "reason": result.reason,
        "case": result.case_reference,
        "rejected_files": result.rejected_files,
        "message_id": result.message_id,
    }
