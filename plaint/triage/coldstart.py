"""The cold start: the rulebook's phrases and examples, scored against the consumer's words.

Each category is one document made of its phrases (counted twice) and examples, in both languages.
A text scores against each document in three ways, added up:

- as BM25 scores a query (features in `text.py`; a feature found in few categories weighs more than
  one found in many);
- a bonus for each of the category's phrases found whole in the text;
- the cosine similarity of character 2-4-grams weighted by TF-IDF, between the text and the category's
  phrases, examples, title and description: it meets a consumer's wording that is near a phrase but
  not the phrase ("过期半个月" and "已过期", "refunded" and "refund"), and longer shared runs weigh more.

Nothing is learnt: a fresh installation suggests from the day the rulebook has phrases, and a policy
admin changes the suggestions by changing the phrases. A version without [triage] (1 and 2) borrows,
for each of its categories, the phrases of the nearest later version with [triage] that has the
category (`sources`).
"""

import math
from collections import Counter
from dataclasses import dataclass, field

from plaint.rulebook.schema import Category, Rulebook, Triage

from .text import HAN, features, grams, phrase_form, surface

# BM25's usual constants: term saturation and length normalisation.
K1 = 1.2
B = 0.75
# A phrase found whole is worth this (times the phrase's feature count, capped): the admin wrote it.
PHRASE_BONUS = 1.0
PHRASE_CAP = 4
PHRASE_WEIGHT = 2
EXAMPLE_WEIGHT = 1
# The n-gram cosine (0 to 1) is worth this much beside BM25 and the phrase bonus.
SIMILARITY_WEIGHT = 12.0
# A category whose n-gram cosine is under this keeps only that share of its BM25 and phrase score: a
# text that shares a word or two with a category and little else (a question about the account, praise
# of a courier) is not that category's complaint, however long it is.
SIMILARITY_FLOOR = 0.05


@dataclass
class Document:
    code: str
    tf: Counter = field(default_factory=Counter)
    length: int = 0
    # (as written, matcher form, is Chinese, its feature count)
    phrases: list[tuple[str, str, bool, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Index:
    rulebook_version: str
    documents: tuple[Document, ...]
    idf: dict[str, float]
    average_length: float
    # n-gram -> (its IDF, {document number: the n-gram's weight in the document's unit vector})
    grams: dict[str, tuple[float, dict[int, float]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Sources:
    """Where a version's suggestions come from: its own [triage], or a later version's for each category."""

    triage: Triage | None
    # The version's categories that have phrases or examples (a borrowed category: the lender's, same code).
    categories: tuple[Category, ...]
    # {category code: the version whose phrases it borrows}; empty when the version has its own.
    borrowed: dict[str, str]


@dataclass(frozen=True)
class Scored:
    """A category's score and the words that weighed most for it."""

    code: str
    score: float
    words: tuple[str, ...]


def sources(rulebook: Rulebook, published: list[Rulebook] | None = None) -> Sources:
    """Return where `rulebook`'s suggestions come from.

    A version with [triage] uses its own phrases. One without (versions 1 and 2) borrows, for each of
    ITS categories, the phrases and examples of the nearest later published version that has [triage]
    and a category of the same code with phrases; the thresholds are those of the nearest such lender.
    Only the version's own categories are ever suggested, so filing under it accepts them. `triage`
    is None when no later version lends anything: nothing is suggested then.
    """
    if rulebook.triage is not None:
        return Sources(rulebook.triage, tuple(c for c in rulebook.categories if c.phrases or c.examples), {})
    if published is None:
        from plaint.rulebook import loader

        published = loader.versions()
    later = sorted(
        (rb for rb in published if rb.triage is not None and rb.effective_from > rulebook.effective_from),
        key=lambda rb: (rb.effective_from, rb.version),
    )
    categories, borrowed, lenders = [], {}, []
    for category in rulebook.categories:
        for lender in later:
            theirs = lender.category(category.code)
            if theirs is not None and (theirs.phrases or theirs.examples):
                categories.append(theirs)
                borrowed[category.code] = lender.version
                lenders.append(lender)
                break
    # The thresholds of the nearest version that lends (the scores are on its scale).
    triage = min(lenders, key=lambda rb: (rb.effective_from, rb.version)).triage if lenders else None
    return Sources(triage, tuple(categories), borrowed)


def build(rulebook: Rulebook, lent: Sources | None = None) -> Index:
    """Return the cold start's index of a rulebook's phrases and examples (categories without any left out)."""
    documents = []
    texts = []
    for category in (lent or sources(rulebook)).categories:
        if category.phrases is None and category.examples is None:
            continue
        document = Document(category.code)
        for source, weight in ((category.phrases, PHRASE_WEIGHT), (category.examples, EXAMPLE_WEIGHT)):
            for text in (*source.zh, *source.en) if source else ():
                found = features(text)
                for feature in found:
                    document.tf[feature] += weight
                document.length += len(found) * weight
                if weight == PHRASE_WEIGHT:
                    form = phrase_form(text).strip()
                    document.phrases.append((text, form, bool(HAN.search(form)), len(set(found))))
        documents.append(document)
        described = [t for t in (category.title, category.description) if t is not None]
        texts.append(
            [*(category.phrases.zh + category.phrases.en if category.phrases else ())]
            + [*(category.examples.zh + category.examples.en if category.examples else ())]
            + [t for d in described for t in (d.zh, d.en)]
        )
    count = len(documents)
    df = Counter(f for d in documents for f in d.tf)
    idf = {f: math.log(1 + (count - n + 0.5) / (n + 0.5)) for f, n in df.items()}
    average = sum(d.length for d in documents) / count if count else 1.0
    return Index(rulebook.version, tuple(documents), idf, average or 1.0, _gram_vectors(texts))


def _gram_vectors(texts: list[list[str]]) -> dict[str, tuple[float, dict[int, float]]]:
    """Return each n-gram's IDF and its weight in each document's unit TF-IDF vector (sublinear TF)."""
    counts = [Counter(g for t in document for g in grams(t)) for document in texts]
    df = Counter(g for c in counts for g in c)
    n = len(counts)
    idf = {g: math.log((1 + n) / (1 + k)) + 1 for g, k in df.items()}
    postings: dict[str, tuple[float, dict[int, float]]] = {g: (idf[g], {}) for g in df}
    for number, c in enumerate(counts):
        weights = {g: (1 + math.log(k)) * idf[g] for g, k in c.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        for g, w in weights.items():
            postings[g][1][number] = w / norm
    return postings


def similarity(index: Index, text: str) -> list[float]:
    """Return the cosine of `text`'s n-gram vector with each document's (n-grams the documents lack ignored)."""
    found = Counter(grams(text))
    weights = {g: (1 + math.log(k)) * index.grams[g][0] for g, k in found.items() if g in index.grams}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    cosines = [0.0] * len(index.documents)
    if not norm:
        return cosines
    for g, w in weights.items():
        for number, d in index.grams[g][1].items():
            cosines[number] += w * d
    return [c / norm for c in cosines]


_indexes: dict[tuple[str, tuple[tuple[str, str], ...]], Index] = {}


def index_for(rulebook: Rulebook, lent: Sources | None = None) -> Index:
    """Return the index of a rulebook version, built once per process (a published version never changes).

    A version that borrows its phrases is indexed again if a later version starts lending (a new version
    published); its own categories only, with the lenders' phrases.
    """
    lent = lent or sources(rulebook)
    key = (rulebook.version, tuple(sorted(lent.borrowed.items())))
    index = _indexes.get(key)
    if index is None:
        index = _indexes[key] = build(rulebook, lent)
    return index


def score(index: Index, text: str) -> list[Scored]:
    """Return every category of the index scored against `text`, best first; ties by the rulebook's order."""
    query = set(features(text))
    form = phrase_form(text)
    as_written = surface(text)
    cosines = similarity(index, text)
    results = []
    for order, document in enumerate(index.documents):
        norm = K1 * (1 - B + B * document.length / index.average_length)
        weights: dict[str, float] = {}
        for feature in query:
            tf = document.tf.get(feature)
            if tf:
                weights[feature] = index.idf[feature] * tf * (K1 + 1) / (tf + norm)
        for written, phrase, chinese, size in document.phrases:
            if (phrase in form) if chinese else (f" {phrase} " in form):
                weights[written] = weights.get(written, 0.0) + PHRASE_BONUS * min(size, PHRASE_CAP)
        near = min(1.0, cosines[order] / SIMILARITY_FLOOR)
        total = sum(weights.values()) * near + SIMILARITY_WEIGHT * cosines[order]
        # Shown as she wrote them ("arrived", not the stem "arriv" the scoring compares).
        ranked = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
        shown = dict.fromkeys(" ".join(as_written.get(part, part) for part in w.split(" ")) for w, _ in ranked)
        words = tuple(shown)[:5]
        results.append((total, -order, Scored(document.code, round(total, 3), words)))
    results.sort(key=lambda r: (r[0], r[1]), reverse=True)
    return [r[2] for r in results]
