"""The model learnt from this installation's decided cases (manage.py train_triage).

Character n-grams (1 to 3, within word boundaries) weighted by TF-IDF, and a logistic regression:
it reads Chinese without a segmenter and English alike. scikit-learn is imported only here, so a
process that never trains or loads a model does not pay for it.
"""

import hashlib
import pickle
from dataclasses import dataclass
from typing import Any

from .text import normalize

MIN_CASES = 30
MIN_PER_CATEGORY = 3


@dataclass(frozen=True)
class Ranked:
    code: str
    score: float
    words: tuple[str, ...]


def _pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=1, preprocessor=normalize
                ),
            ),
            ("classify", LogisticRegression(max_iter=2000, C=10.0)),
        ]
    )


def fit(texts: list[str], labels: list[str]) -> Any:
    """Return a pipeline fitted on the texts and their category codes (at least two categories)."""
    pipeline = _pipeline()
    pipeline.fit(texts, labels)
    return pipeline


def evaluate(predicted: list[str], expected: list[str]) -> dict[str, float]:
    """Return accuracy and macro-F1 (over the expected labels) of predictions."""
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(expected))
    return {
        "accuracy": round(float(accuracy_score(expected, predicted)), 4),
        "macro_f1": round(float(f1_score(expected, predicted, labels=labels, average="macro", zero_division=0)), 4),
    }


def dumps(pipeline: Any) -> bytes:
    """Return the fitted pipeline as bytes for the model row."""
    return pickle.dumps(pipeline, protocol=pickle.HIGHEST_PROTOCOL)


def sklearn_version() -> str:
    """Return the installed scikit-learn's version."""
    import sklearn

    return sklearn.__version__


# Pipelines by their bytes' SHA-256, kept per process: a stored model never changes.
_loaded: dict[str, Any] = {}


def digest(blob: bytes) -> str:
    """Return the SHA-256 of a stored pipeline's bytes."""
    return hashlib.sha256(blob).hexdigest()


def loaded(key: str) -> Any | None:
    """Return the pipeline whose bytes have this digest if this process has loaded it, else None."""
    return _loaded.get(key)


def load(key: str, blob: bytes) -> Any:
    """Return the pipeline in `blob`, kept under its digest `key` for this process."""
    # The bytes come from this installation's own database, written by train_triage: not from a user.
    _loaded[key] = pickle.loads(blob)  # noqa: S301
    return _loaded[key]


def rank(pipeline: Any, text: str, min_probability: float) -> list[Ranked]:
    """Return the model's categories for `text`, most probable first; empty when none reaches min_probability."""
    vectorizer = pipeline.named_steps["tfidf"]
    model = pipeline.named_steps["classify"]
    row = vectorizer.transform([text])
    probabilities = model.predict_proba(row)[0]
    classes = list(model.classes_)
    order = sorted(range(len(classes)), key=lambda i: -probabilities[i])
    if probabilities[order[0]] < min_probability:
        return []
    names = _feature_names(vectorizer)
    coefficients = model.coef_

    def words(index: int) -> tuple[str, ...]:
        # Two classes: scikit-learn keeps one row, for the second class.
        weights = coefficients[0] * (1 if index == 1 else -1) if coefficients.shape[0] == 1 else coefficients[index]
        contributions = [(row[0, j] * weights[j], names[j].strip()) for j in row.indices]
        best = sorted((c for c in contributions if c[0] > 0 and c[1]), reverse=True)
        seen: list[str] = []
        for _, name in best:
            if name not in seen and not any(name in s for s in seen):
                seen.append(name)
            if len(seen) == 5:
                break
        return tuple(seen)

    shown = [i for i in order if probabilities[i] >= min_probability / 2][:8]
    return [Ranked(classes[i], round(float(probabilities[i]), 4), words(i)) for i in shown]


def _feature_names(vectorizer: Any) -> Any:
    """Return the vectorizer's feature names, computed once per loaded pipeline (it is a large array)."""
    names = getattr(vectorizer, "_plaint_names", None)
    if names is None:
        names = vectorizer._plaint_names = vectorizer.get_feature_names_out()
    return names
