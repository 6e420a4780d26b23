"""The cold start: the rulebook's phrases and examples, scored against the consumer's words.

Each category is one document made of its phrases (counted twice) and examples, in both languages.
A text scores against each document as BM25 scores a query (features in `text.py`; a feature found
in few categories weighs more than one found in many), plus a bonus for each of the category's
phrases found whole in the text. Nothing is learnt: a fresh installation suggests from the day the
rulebook has phrases, and a policy admin changes the suggestions by changing the phrases.
"""

import math
from collections import Counter
from dataclasses import dataclass, field

from plaint.rulebook.schema import Rulebook

from .text import HAN, features, phrase_form

# BM25's usual constants: term saturation and length normalisation.
K1 = 1.2
B = 0.75
# A phrase found whole is worth this (times the phrase's feature count, capped): the admin wrote it.
PHRASE_BONUS = 1.0
PHRASE_CAP = 4
PHRASE_WEIGHT = 2
EXAMPLE_WEIGHT = 1


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


@dataclass(frozen=True)
class Scored:
    """A category's score and the words that weighed most for it."""

    code: str
    score: float
    words: tuple[str, ...]


def build(rulebook: Rulebook) -> Index:
    """Return the cold start's index of a rulebook's phrases and examples (categories without any left out)."""
    documents = []
    for category in rulebook.categories:
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
    count = len(documents)
    df = Counter(f for d in documents for f in d.tf)
    idf = {f: math.log(1 + (count - n + 0.5) / (n + 0.5)) for f, n in df.items()}
    average = sum(d.length for d in documents) / count if count else 1.0
    return Index(rulebook.version, tuple(documents), idf, average or 1.0)


_indexes: dict[str, Index] = {}


def index_for(rulebook: Rulebook) -> Index:
    """Return the index of a rulebook version, built once per process (a published version never changes)."""
    index = _indexes.get(rulebook.version)
    if index is None:
        index = _indexes[rulebook.version] = build(rulebook)
    return index


def score(index: Index, text: str) -> list[Scored]:
    """Return every category of the index scored against `text`, best first; ties by the rulebook's order."""
    query = set(features(text))
    form = phrase_form(text)
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
        total = sum(weights.values())
        words = tuple(w for w, _ in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:5])
        results.append((total, -order, Scored(document.code, round(total, 3), words)))
    results.sort(key=lambda r: (r[0], r[1]), reverse=True)
    return [r[2] for r in results]
