"""Personal data written inside text: masked in what the merchant and the committee's panels read.

A consumer writes a phone number into a description or an appeal's grounds as readily as into the
form's phone field; the merchant and the panels get the text with ID numbers, e-mail addresses, phone
numbers and the reporter's name masked (PIPL: the least personal data the purpose needs).
"""

import re


def masked_name(name: str) -> str:
    """Return a name as the merchant reads it: its first character, the rest starred (李娜 → 李*)."""
    return name[:1] + "*" * max(len(name) - 1, 1)


# Mainland ID numbers (18 characters), e-mail addresses, and phone numbers (7+ digits with the usual
# separators, mainland mobiles included). Order matters: an ID number is also a run of digits.
_ID = re.compile(r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}\d{7}[\dXx](?![0-9A-Za-z])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\d])(?:\+?\d{1,3}[ -]?)?(?:\(?\d{2,4}\)?[ -]?)?\d{3,4}[ -]?\d{4}(?![\d])")


def mask_text(text: str, names: tuple[str, ...] = ()) -> str:
    """Return `text` with ID numbers, e-mail addresses, phone numbers and the given names masked."""
    if not text:
        return text
    text = _ID.sub("[身份证号/ID number]", text)
    text = _EMAIL.sub("[邮箱/e-mail]", text)
    text = _PHONE.sub("[电话/phone]", text)
    for name in names:
        if name and len(name) >= 2:
            text = text.replace(name, masked_name(name))
    return text
