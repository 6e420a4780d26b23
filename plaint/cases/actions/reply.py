"""The reporter's reply: an answer, once, to the merchant's answer and counter-evidence, before the decision.

Open from the merchant's answer (contest or proposed rectification) for the rulebook's
[intake] reply_days, while the case waits for its decision; the review's clock runs on. The merchant
reads the reply with the reporter's personal data masked and the files as the copies without
location data, as it reads the report.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from plaint.accounts.models import User
from plaint.errors import Forbidden, InvalidInput, Refused
from plaint.evidence.actions import Upload, check_uploads
from plaint.evidence.models import Party
from plaint.rulebook import loader

from .. import chain
from ..models import Case, ReporterReply
from ..notices import tell
from ..progress import ReplyWindow, reply_window
from ..transitions import DECIDABLE_STATES
from .common import Filed, _attach, _change, _locked, _record, _reporter_side

REPLY_MIN_CHARS = 4


def _local(value: datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def _check_open(case: Case, window: ReplyWindow | None, now: datetime) -> ReplyWindow:
    """Return the case's reply window if a reply may be made now; raise Refused naming the dates if not."""
    if window is None:
        raise Refused(
            "nothing_to_reply_to",
            "There is no answer of the merchant to reply to: the reporter replies to a contest or a proposed "
            "rectification, under a rulebook version that gives the days for it.",
        )
    dates = {"reply_opened_at": window.opens_at.isoformat(), "reply_due_at": window.due_at.isoformat()}
    existing = ReporterReply.objects.filter(case=case).values_list("replied_at", flat=True).first()
    if existing is not None:
        raise Refused(
            "already_replied",
            f"The reporter already replied to the merchant's answer, at {_local(existing)}; a case takes one reply.",
            details=dates | {"replied_at": existing.isoformat()},
        )
    if case.state not in DECIDABLE_STATES:
        closed = case.closed_at or case.updated_at
        raise Refused(
            "reply_closed",
            f"The case was {case.state} at {_local(closed)}; a reply was open from {_local(window.opens_at)} "
            f"until {_local(window.due_at)} or the decision, whichever came first.",
            details=dates | {"state": case.state, "closed_at": closed.isoformat()},
        )
    if now > window.due_at:
        raise Refused(
            "reply_window_closed",
            f"The time to reply ran from {_local(window.opens_at)} until {_local(window.due_at)}.",
            details=dates,
        )
    return window


def reply_to_merchant(
    actor: User, case: Case, text: str, uploads: list[Upload] = (), *, now: datetime | None = None
) -> Filed:
    """The reporter's side answers the merchant's answer and counter-evidence, once, in words and files.

    Refused (409) when there is nothing to reply to, when the reporter already replied, once the case
    is decided or closed, or after the rulebook's days; each refusal names the dates. Files that cannot
    be accepted are listed in `rejected_files`; when files were sent and none passed, nothing is written (422).
    """
    now = now or timezone.now()
    if not _reporter_side(actor, case):
        raise Forbidden("not_the_reporter", "Only the reporter (or an agent for them) replies to the merchant.")
    rulebook = loader.get(case.rulebook_version)
    # Checked on the case as it is now (the caller's copy may be older), again under the lock below.
    current = Case.objects.get(pk=case.pk)
    _check_open(current, reply_window(current, rulebook), now)
    text = (text or "").strip()
    if len(text) < REPLY_MIN_CHARS:
        raise InvalidInput("text", "Write your reply to the merchant's answer.", field="text")
    limit = rulebook.intake.description_max_chars
    if len(text) > limit:
        raise InvalidInput("text", f"The reply is {len(text)} characters; the limit is {limit}.", field="text")
    uploads = list(uploads)
    checked, rejected = check_uploads(uploads, rulebook)
    if uploads and not checked:
        raise InvalidInput(
            "no_valid_evidence",
            "None of the files could be accepted.",
            field="files",
            details={"rejected_files": [r.as_dict() for r in rejected]},
        )
    try:
        with transaction.atomic():
            case = _locked(case)
            window = _check_open(case, reply_window(case, rulebook), now)
            stored, events = _attach(case, checked, rejected, actor, Party.REPORTER, now)
            reply = ReporterReply.objects.create(
                case=case, text=text, replied_by=actor, replied_at=now, evidence_ids=[e.pk for e in stored]
            )
            chain.append(case, events)
            _change(case, now)
            _record(
                case,
                "reporter_replied",
                actor,
                now,
                data={
                    "reply_id": reply.pk,
                    "evidence_ids": reply.evidence_ids,
                    "files": len(stored),
                    "reply_due_at": window.due_at.isoformat(),
                },
            )
            tell(case, "replied", now, f"{case.reference}-replied", reporter=False, merchant=True)
    except IntegrityError:
        # Two replies at once: the one-per-case constraint let the first through.
        raise Refused("already_replied", "The reporter already replied to the merchant's answer.") from None
    return Filed(case, created=False, rejected_files=[r.as_dict() for r in rejected], stored=stored)
