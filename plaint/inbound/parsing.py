"""Reading an e-mail as people really send them: RFC 2047 headers, GB2312/GBK/UTF-8 bodies, HTML-only
mails and attachments. Pure: bytes in, a `Mail` out.

The standard library's parser (policy.default) does the MIME work. Two things are redone here because
Chinese mail breaks them: text labelled GB2312 often holds GBK-only characters (so every GB label is
read as GB18030, their superset), and some clients put raw 8-bit text in headers.

What cannot be read safely is refused with `MalformedMail` (the receiver answers 5xx, so the sending
server bounces it instead of retrying): parts nested more than MAX_NESTING levels deep, a multipart
whose parts cannot be found, or a message the parser itself gives up on. NUL characters, which
PostgreSQL cannot store in text, are removed from every header, the text and file names.
"""

import email.header
import hashlib
import html
import re
from dataclasses import dataclass, field
from email import errors as email_errors
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

# Labels whose text is read with a superset codec (GB2312 and GBK are subsets of GB18030).
CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
}
# Lines that start the quoted earlier message in a reply (English, Chinese, Outlook, Foxmail).
QUOTE_HEADER = re.compile(
    r"^\s*(On .{4,200} wrote:|在 ?.{4,200}写道[:：]"
    r"|-{2,}\s*(Original Message|原始邮件|Forwarded message|转发邮件)\s*-{2,}"
    r"|From:\s.+|发件人[:：].+)\s*$",
    re.IGNORECASE,
)
# Parts inside parts (multipart/* or an attached message/*) deeper than this are refused: mail clients
# nest 3 to 5 levels (mixed > related > alternative > text, a forwarded message adds two); deeper is
# a crafted message, and the standard library's parser recurses per level.
MAX_NESTING = 10
# Defects after which the parts of a multipart cannot be told apart: its body would be taken as
# one opaque file. Lesser defects (a missing closing boundary, bad base64 padding) are read through.
STRUCTURE_DEFECTS = (
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
)
BLOCK_TAGS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "pre", "hr"}


class MalformedMail(ValueError):
    """The message cannot be read safely: refuse it for good (a 5xx), never ask for it again (a 4xx).

    `code` is "too_deep" or "malformed"; the message says what was wrong, for the bounce.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass
class Mail:
    message_id: str
    # sha256 of the Message-ID (of the whole message when it has none): the key a repeat is known by.
    key: str
    sender: str
    sender_name: str
    recipients: list[str]
    subject: str
    text: str
    attachments: list[Attachment] = field(default_factory=list)
    # Set for mail no person wrote (auto-replies, bounces, lists): never answered (RFC 3834).
    automatic: bool = False


def decode_text(data: bytes, charset: str | None) -> str:
    """Return `data` as text: in its declared charset if that works, else UTF-8, else GB18030.

    A missing, unknown or wrong label never loses the text; undecodable bytes become U+FFFD.
    """
    candidates = []
    if charset:
        label = charset.strip().strip('"').lower()
        candidates.append(CHARSET_ALIASES.get(label, label))
    candidates += ["utf-8", "gb18030"]
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def decode_header(value: str) -> str:
    """Return a raw header value as text: encoded words (RFC 2047) and raw 8-bit bytes decoded."""
    if not value:
        return ""
    parts = []
    for chunk, charset in email.header.decode_header(value):
        if isinstance(chunk, str):
            chunk = chunk.encode("ascii", "surrogateescape")
        parts.append(decode_text(chunk, charset))
    # decode_header keeps the spaces around encoded words and drops those between two of them (RFC 2047 6.2).
    return re.sub(r"\s+", " ", "".join(parts)).strip()


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style", "head"):
            self.skip += 1
        elif tag in BLOCK_TAGS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self.skip = max(self.skip - 1, 0)
        elif tag in BLOCK_TAGS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data)


def html_to_text(markup: str) -> str:
    """Return the readable text of an HTML mail: no tags, scripts or styles; paragraphs on their own lines."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.out)).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def without_quotes(text: str) -> str:
    """Return what the sender wrote in a reply: the quoted earlier message ("> ..." lines, and all
    from a line such as "On ... wrote:" or "-----原始邮件-----") removed."""
    kept = []
    for line in text.splitlines():
        if QUOTE_HEADER.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def _raw(message: EmailMessage, name: str) -> str:
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return ""


def _addresses(raw: str) -> list[tuple[str, str]]:
    return [(decode_header(name), addr.strip().lower()) for name, addr in getaddresses([raw]) if "@" in addr]


def _filename(part: EmailMessage, index: int) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:  # a malformed parameter: fall back to reading it ourselves
        name = ""
    if not name or "\ufffd" in name:
        raw = _raw(part, "Content-Disposition") + ";" + _raw(part, "Content-Type")
        found = re.search(r'(?:file)?name\*?="?([^";]+)"?', raw)
        if found:
            name = decode_header(found.group(1))
    name = _no_nul(name).replace("/", "_").replace("\\", "_").strip()
    return name or f"attachment-{index}"


def _body_text(part: EmailMessage) -> str:
    data = part.get_payload(decode=True) or b""
    text = decode_text(data, part.get_content_charset())
    if part.get_content_subtype() == "html":
        return html_to_text(text)
    return text.replace("\r\n", "\n").strip()


def _automatic(message: EmailMessage, sender: str) -> bool:
    auto = _raw(message, "Auto-Submitted").strip().lower()
    precedence = _raw(message, "Precedence").strip().lower()
    local = sender.partition("@")[0]
    return (
        (auto not in ("", "no"))
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or bool(_raw(message, "List-Id") or _raw(message, "X-Autoreply") or _raw(message, "X-Autorespond"))
        or local in ("mailer-daemon", "postmaster", "noreply", "no-reply")
        or not sender
    )


def _check_structure(message: EmailMessage) -> None:
    # Iterative, so that checking a deep message does not recurse as walk() would.
    stack = [(message, 1)]
    while stack:
        part, level = stack.pop()
        if any(isinstance(defect, STRUCTURE_DEFECTS) for defect in part.defects):
            raise MalformedMail(
                "malformed", f"A {part.get_content_type()} part has no parts that can be found (no or wrong boundary)."
            )
        if not part.is_multipart():
            continue
        if level > MAX_NESTING:
            raise MalformedMail("too_deep", f"Parts are nested more than {MAX_NESTING} levels deep.")
        stack.extend((child, level + 1) for child in part.get_payload())


def _no_nul(text: str) -> str:
    return text.replace("\x00", "")


def parse(raw: bytes, *, headers_only: bool = False) -> Mail:
    """Return the mail's sender, recipients, subject, text and attachments.

    The text is the plain-text body, or the HTML body stripped to text when there is no plain one;
    every other leaf part that is not that body's alternative is an attachment. `headers_only` reads
    the headers alone (of a mail too large to read). Raises MalformedMail for what cannot be read
    safely (see the module's docstring); NUL characters are left out of every string returned.
    """
    try:
        message: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw, headersonly=headers_only)
        if not headers_only:
            _check_structure(message)
        return _read(message, raw, headers_only)
    except MalformedMail:
        raise
    except RecursionError:
        # The parser recurses once per level of nesting: a message this deep is crafted.
        raise MalformedMail("too_deep", f"Parts are nested more than {MAX_NESTING} levels deep.") from None
    except Exception as exc:
        # The parser is lenient; what it or the reading of a part still fails on is broken for good,
        # and a retry would fail the same way.
        raise MalformedMail("malformed", f"The message cannot be read ({type(exc).__name__}).") from exc


def _read(message: EmailMessage, raw: bytes, headers_only: bool) -> Mail:
    message_id = parseaddr(_raw(message, "Message-ID"))[1] or _raw(message, "Message-ID").strip()
    key_source = message_id.strip("<> ").encode() if message_id else raw
    name, sender = (_addresses(_raw(message, "From")) or [("", "")])[0]
    recipients = [
        addr
        for header in ("Delivered-To", "X-Original-To", "To", "Cc")
        for _, addr in _addresses(", ".join(v for k, v in message.raw_items() if k.lower() == header.lower()))
    ]
    body = None if headers_only else message.get_body(preferencelist=("plain", "html"))
    alternatives = set()
    if body is not None:
        alternatives.add(id(body))
        # The HTML twin of a plain body (and the reverse) is the same text, not an attachment.
        for part in message.walk():
            if part.get_content_type() == "multipart/alternative":
                alternatives.update(id(p) for p in part.iter_parts() if p.get_content_maintype() == "text")
    attachments = []
    for index, part in enumerate([] if headers_only else message.walk(), start=1):
        if part.is_multipart() or id(part) in alternatives or part.get_content_type() == "message/rfc822":
            continue
        if (
            part.get_content_maintype() == "text"
            and not part.get_filename()
            and part.get_content_disposition() != ("attachment")
        ):
            continue
        data = part.get_payload(decode=True) or b""
        attachments.append(Attachment(_filename(part, index), _no_nul(part.get_content_type()), data))
    return Mail(
        message_id=_no_nul(message_id),
        key=hashlib.sha256(key_source).hexdigest(),
        sender=_no_nul(sender),
        sender_name=_no_nul(name),
        recipients=list(dict.fromkeys(_no_nul(r) for r in recipients)),
        subject=_no_nul(decode_header(_raw(message, "Subject"))),
        text=_no_nul(_body_text(body)) if body is not None else "",
        attachments=attachments,
        automatic=_automatic(message, _no_nul(sender)),
    )
