"""Reading mail as Chinese and English clients send it (pure: no database)."""

import quopri

from plaint.inbound.parsing import html_to_text, parse, without_quotes
from tests import factories as f
from tests.inbound.mails import gbk_mail, mail


def test_gbk_text_labelled_gb2312_is_read_whole():
    # 訂 and 喆 are in GBK but not in GB2312: read as GB2312 they would be lost.
    raw = gbk_mail(
        "c1@example.cn",
        "report@plaint.example",
        "投诉 過期商品 訂單 O-1001 喆",
        "订单：O-1001\n商品已过期，喆。",
        ("保质期照片.jpg", b"\xff\xd8\xff\xe0data"),
        "gbk-1@client.example",
    )
    parsed = parse(raw)
    assert parsed.subject == "投诉 過期商品 訂單 O-1001 喆"
    assert parsed.text == "订单：O-1001\n商品已过期，喆。"
    assert parsed.sender == "c1@example.cn" and parsed.sender_name == "李娜"
    assert [(a.name, a.content_type) for a in parsed.attachments] == [("保质期照片.jpg", "image/jpeg")]
    assert parsed.message_id == "gbk-1@client.example"


def test_quoted_printable_utf8_and_an_encoded_subject():
    body = quopri.encodestring("商品与描述不符 — the colour is wrong.".encode()).decode()
    raw = (
        "From: Emily <Emily.Chen@Example.com>\r\nTo: report@plaint.example\r\n"
        "Subject: =?utf-8?Q?=E8=AE=A2=E5=8D=95?= O-7 [not_as_described]\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + body
    ).encode()
    parsed = parse(raw)
    assert parsed.subject == "订单 O-7 [not_as_described]"
    assert parsed.text == "商品与描述不符 — the colour is wrong."
    # Addresses are compared without case.
    assert parsed.sender == "emily.chen@example.com"


def test_html_only_mail_is_read_as_text():
    html = (
        "<html><head><style>p {color: red}</style><script>alert(1)</script></head>"
        "<body><p>订单：O-1001</p><div>面霜已&nbsp;过期 &amp; 变质</div></body></html>"
    )
    parsed = parse(mail("c1@example.cn", "report@plaint.example", "x", "", html=html))
    assert parsed.text == "订单：O-1001\n\n面霜已 过期 & 变质"
    assert parsed.attachments == []
    assert html_to_text("<p>a<br>b</p>") == "a\nb"


def test_plain_and_html_twins_are_one_text_and_attachments_are_kept():
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "c1@example.cn"
    message["To"] = "case+PL-AAAA-BBBB@plaint.example"
    message["Subject"] = "Re: 举报 PL-AAAA-BBBB"
    message.set_content("plain text")
    message.add_alternative("<p>html text</p>", subtype="html")
    message.add_attachment(f.jpeg(), maintype="image", subtype="jpeg", filename="IMG_0001.JPG")
    parsed = parse(message.as_bytes())
    assert parsed.text == "plain text"
    assert [a.name for a in parsed.attachments] == ["IMG_0001.JPG"]
    assert parsed.recipients == ["case+pl-aaaa-bbbb@plaint.example"]


def test_reply_text_leaves_out_the_quoted_message():
    text = "照片见附件。\n\n在 2026年11月24日 10:00，Plaint 写道：\n> 您的举报已收到\n"
    assert without_quotes(text) == "照片见附件。"
    assert without_quotes("Here it is.\n> old line\nMore.\nOn Tue, 24 Nov 2026 Plaint wrote:\nold") == (
        "Here it is.\nMore."
    )


def test_mail_no_person_wrote_is_marked_automatic():
    auto = parse(
        mail(
            "c1@example.cn",
            "report@plaint.example",
            "Out of office",
            "away",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    bounce = parse(mail("MAILER-DAEMON@example.cn", "report@plaint.example", "Undelivered", "x"))
    person = parse(mail("c1@example.cn", "report@plaint.example", "订单 O-1", "x", headers={"Auto-Submitted": "no"}))
    assert auto.automatic and bounce.automatic and not person.automatic


def test_a_mail_without_message_id_is_known_by_its_bytes():
    raw = b"From: a@example.cn\r\nTo: report@plaint.example\r\nSubject: x\r\n\r\nhello\r\n"
    assert parse(raw).key == parse(raw).key != parse(raw + b"more").key


def test_raw_8bit_headers_rfc2231_names_and_gbk_html_are_read():
    raw = (
        b"From: a@example.cn\r\nSubject: \xe8\xae\xa2\xe5\x8d\x95 O-1\r\n"
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n"
        b"--x\r\nContent-Type: text/html; charset=gbk\r\n\r\n<p>\xb6\xa9\xb5\xa5</p>\r\n"
        b"--x\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''%E8%B4%A8%E6%A3%80.pdf\r\n\r\n%PDF-1.4 x %%EOF\r\n--x--\r\n"
    )
    parsed = parse(raw)
    assert parsed.subject == "订单 O-1" and parsed.text == "订单"
    assert [(a.name, a.content_type) for a in parsed.attachments] == [("质检.pdf", "application/pdf")]


def test_garbage_is_parsed_as_an_automatic_mail_without_sender():
    for raw in (b"", b"\x00\xff\xfe garbage", b"From: <>\r\n\r\n"):
        parsed = parse(raw)
        assert parsed.sender == "" and parsed.automatic
