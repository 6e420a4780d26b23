"""Personal data written inside text: masked in what the merchant and the committee's panels read.

A consumer writes a phone number into a description or an appeal's grounds as readily as into the
form's phone field; the merchant and the panels get the text with ID numbers, e-mail addresses, phone
numbers, street addresses and the reporter's name masked (PIPL: the least personal data the purpose
needs). Text evidence (a chat log saved as a .txt file) is masked the same way in the copy the other
party and the panels download (plaint/evidence/actions.py).

Addresses are masked from the street on: "上海市浦东新区张杨路500号3栋201室" keeps "上海市浦东新区"
(the region says where goods went, which a complaint about delivery may need) and hides the rest.
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

# Addresses. Chinese: a street (a name of Chinese characters that does not run over a region's suffix or
# a verb such as 住/寄) with a house number, or a housing estate with a building number, then the
# building, unit and room numbers that follow. English: a house number, one to three capitalised words
# and a street word. A street name alone ("南京路上的店") is not an address: the number makes it one.
_HAN = r"(?:(?![省市区县镇乡在住是的于到从寄送往和与及或])[\u4e00-\u9fff])"
_NUMBER = r"[0-9０-９一二三四五六七八九十百零]+"
_BUILDING = rf"(?:[\s-]*(?:{_NUMBER}|[A-Za-z])[\s-]*(?:号楼|栋|幢|座|单元|楼|层|室|号|户|弄))*"
_CN_ADDRESS = re.compile(
    rf"(?:{_HAN}{{1,8}}?(?:大道|大街|路|街|巷|弄|胡同)[\s-]*{_NUMBER}[\s-]*(?:号|弄)"
    rf"|{_HAN}{{2,8}}?(?:小区|花园|公寓|大厦|家园|新村|苑)[\s-]*{_NUMBER}[\s-]*(?:号楼|栋|幢|座|号))"
    rf"{_BUILDING}"
)
_EN_ADDRESS = re.compile(
    r"(?:\b(?:Apt|Apartment|Flat|Room|Unit|Suite)\.?\s*[0-9A-Za-z-]+,?\s*)?"
    r"\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Z][A-Za-z'-]+\s+){1,3}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|Pl|Terrace|Close)\b\.?"
)
ADDRESS = "[地址/address]"


def mask_text(text: str, names: tuple[str, ...] = ()) -> str:
    """Return `text` with ID numbers, e-mail addresses, phone numbers, addresses and the given names masked."""
    if not text:
        return text
    text = _ID.sub("[身份证号/ID number]", text)
    text = _EMAIL.sub("[邮箱/e-mail]", text)
    text = _PHONE.sub("[电话/phone]", text)
    text = _CN_ADDRESS.sub(ADDRESS, text)
    text = _EN_ADDRESS.sub(ADDRESS, text)
    for name in names:
        if name and len(name) >= 2:
            text = text.replace(name, masked_name(name))
    return text
