"""The Simplified Chinese catalog is complete and its compiled .mo says what the .po says."""

import gettext
from pathlib import Path

import polib
from django.conf import settings

LOCALE = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"


def _entries():
    return [e for e in polib.pofile(str(LOCALE / "django.po")) if not e.obsolete]


def test_every_text_is_translated_and_none_is_fuzzy():
    untranslated = [e.msgid for e in _entries() if not e.translated()]
    fuzzy = [e.msgid for e in _entries() if "fuzzy" in e.flags]
    assert not untranslated, f"untranslated in django.po (run make messages, then translate): {untranslated}"
    assert not fuzzy, f"fuzzy in django.po (check and clear the flag): {fuzzy}"


def test_compiled_catalog_matches_the_po():
    with open(LOCALE / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in _entries():
        if entry.msgid_plural:
            got = compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
            want = entry.msgstr_plural[0]
        else:
            got = compiled.gettext(entry.msgid)
            want = entry.msgstr
        if entry.msgctxt:
            got = compiled.pgettext(entry.msgctxt, entry.msgid)
        if got != want:
            stale.append(entry.msgid)
    assert not stale, f"django.mo is older than django.po (run make messages): {stale[:10]}"
