"""Text to features, for Chinese and English alike: character bigrams of Chinese, word stems of the rest.

Chinese has no spaces, so a run of Han characters gives its overlapping character pairs (and a lone
character itself); a run of Latin letters or digits gives lower-cased words with a crude suffix
stripped ("refunded" and "refunds" meet at "refund"), and each pair of neighbouring words. No
dictionary, no segmenter: what a policy admin writes as a phrase is matched the same way.
"""

import re
import unicodedata

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# English words too common to say anything about a category.
STOP = frozenset(
    "a an the and or but of to in on at for with from by is are was were be been it its this that these "
    "those i me my we our you your he she they them their his her have has had do does did not no so "
    "as if then than there here what when which who will would can could just very also any some all "
    "one two after before about into out up over again still only am "
    # Words every complaint has, whatever its category.
    "said say says told tell got get now time every day days week weeks ago shop seller store merchant "
    "item order page listing product thing things".split()
)
# Chinese characters of grammar rather than meaning: a pair with one of them says nothing of a category
# ("已经", "一个", "的是"), so it is left out. 不, 没, 给 and 说 stay: "不给退", "没收到", "说好的" need them.
FUNCTION_CHARS = frozenset("的了是我你他她它们这那个一在就都也还又着过吗呢吧啊很太把被")
SUFFIXES = ("ing", "ed", "es", "s")


def normalize(text: str) -> str:
    """Return `text` in one form: full-width letters and digits folded (NFKC), lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def stem(word: str) -> str:
    """Return the word with one common English suffix stripped, when enough of it is left."""
    word = word.removesuffix("'s")
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def features(text: str) -> list[str]:
    """Return the text's features in order of appearance (repeats kept)."""
    text = normalize(text)
    found: list[str] = []
    for run in HAN.findall(text):
        if len(run) == 1 and run not in FUNCTION_CHARS:
            found.append(run)
        pairs = (run[i : i + 2] for i in range(len(run) - 1))
        found.extend(p for p in pairs if p[0] not in FUNCTION_CHARS and p[1] not in FUNCTION_CHARS)
    words = [stem(w) for w in WORD.findall(HAN.sub(" | ", text))]
    kept = [w for w in words if w not in STOP]
    found.extend(kept)
    # Neighbouring words, stop words skipped ("never arrived", "wrong size").
    found.extend(f"{a} {b}" for a, b in zip(kept, kept[1:], strict=False))
    return found


def phrase_form(text: str) -> str:
    """Return the text as the phrase matcher reads it: Han kept, words stemmed, single spaces."""
    text = normalize(text)
    out = []
    for token in re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:'[a-z]+)?", text):
        out.append(token if HAN.fullmatch(token) else stem(token))
    return " " + " ".join(out) + " "
