"""Building e-mails as mail clients send them, for the inbound tests."""

import base64
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone


def mail(
    sender: str,
    to: str,
    subject: str,
    text: str,
    *,
    attachments: list[tuple[str, bytes, str]] = (),
    message_id: str | None = None,
    html: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    """Return a mail as bytes: `attachments` are (file name, bytes, MIME type); `html` makes it HTML-only."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = message_id or make_msgid(domain="client.example")
    for name, value in (headers or {}).items():
        message[name] = value
    if html is not None:
        message.set_content(html, subtype="html")
    else:
        message.set_content(text)
    for name, data, mime in attachments:
        maintype, subtype = mime.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def gbk_mail(sender: str, to: str, subject: str, text: str, attachment: tuple[str, bytes], message_id: str) -> bytes:
    """Return a mail as an older Chinese client writes it: everything in GBK, labelled GB2312."""

    def word(value: str) -> str:
        return f"=?gb2312?B?{base64.b64encode(value.encode('gbk')).decode()}?="

    name, data = attachment
    return (
        f"From: {word('李娜')} <{sender}>\r\n"
        f"To: {to}\r\n"
        f"Subject: {word(subject)}\r\n"
        f"Message-ID: <{message_id}>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="==b=="\r\n'
        "\r\n"
        "--==b==\r\n"
        "Content-Type: text/plain; charset=gb2312\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        f"{base64.encodebytes(text.encode('gbk')).decode()}"
        "--==b==\r\n"
        f'Content-Type: image/jpeg; name="{word(name)}"\r\n'
        f'Content-Disposition: attachment; filename="{word(name)}"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        f"{base64.encodebytes(data).decode()}"
        "--==b==--\r\n"
    ).encode("ascii")


def nested_mail(sender: str, to: str, levels: int) -> bytes:
    """Return a mail whose text sits inside `levels` multiparts, each the only part of the one above."""
    head = (
        f"From: {sender}\r\nTo: {to}\r\nSubject: [expired_goods] O-1001\r\nMessage-ID: <nested-{levels}@x.example>\r\n"
    )
    lines = [head + "MIME-Version: 1.0\r\n"]
    for level in range(levels):
        lines.append(f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n')
    lines.append("Content-Type: text/plain\r\n\r\nThe cream had expired.\r\n")
    lines += [f"--b{level}--\r\n" for level in reversed(range(levels))]
    return "".join(lines).encode()


def unbounded_mail(sender: str, to: str) -> bytes:
    """Return a multipart mail whose boundary never appears: its parts cannot be found."""
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: [expired_goods] O-1001\r\nMessage-ID: <unbounded@x.example>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="never-used"\r\n\r\n'
        "--wrong\r\nContent-Type: text/plain\r\n\r\nThe cream had expired.\r\n--wrong--\r\n"
    ).encode()
