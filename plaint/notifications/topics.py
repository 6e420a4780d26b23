"""The webhook topics Plaint sends, and which of them an endpoint subscribes to (docs/webhooks.md, Topics).

An endpoint subscribes to topic patterns: a topic (`case.decided`), a family (`remedy.*`: every topic
that starts with `remedy.`) or `*` (everything). An endpoint with no subscriptions receives every topic,
so endpoints made before subscriptions existed keep receiving everything.
"""

from collections.abc import Iterable

from django.db import transaction

from plaint.errors import InvalidInput

from .models import WebhookEndpoint, WebhookSubscription

# Every topic enqueue_webhook is called with; docs/webhooks.md lists each with its payload.
TOPICS: tuple[str, ...] = (
    "case.opened",
    "case.resolved",
    "case.decided",
    "case.withdrawn",
    "case.escalated",
    "case.nudged",
    "case.reopened",
    "appeal.filed",
    "appeal.panel_drawn",
    "appeal.decided",
    "remedy.instructed",
    "remedy.executed",
    "remedy.failed",
    "remedy.overdue",
    "remedy.revised",
    "points.awarded",
    "points.revoked",
    "measure.started",
    "measure.ended",
    "measure.lifted",
    "rectification.ordered",
    "rectification.submitted",
    "rectification.accepted",
    "rectification.rejected",
    "rectification.missed",
    "cluster.escalated",
)
ALL = "*"
# The families: "remedy.*" and so on, in the order of TOPICS.
FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(f"{topic.split('.')[0]}.*" for topic in TOPICS))
PATTERNS: frozenset[str] = frozenset(TOPICS) | frozenset(FAMILIES) | {ALL}
# More patterns than there are topics and families cannot be meant.
MAX_PATTERNS = len(PATTERNS)


def patterns_matching(topic: str) -> tuple[str, str, str]:
    """Return the patterns that take `topic`: the topic itself, its family and `*`."""
    return topic, f"{topic.split('.')[0]}.*", ALL


def normalise(patterns: Iterable[str]) -> list[str]:
    """Return the patterns to store, sorted and without repeats; [] means every topic.

    `*` among them means every topic, as does an empty list. A pattern that is not a known topic,
    a known family (`remedy.*`) or `*` is InvalidInput (422) naming it and listing the known ones.
    """
    cleaned = [str(p).strip() for p in patterns]
    cleaned = [p for p in cleaned if p]
    if len(cleaned) > MAX_PATTERNS:
        raise InvalidInput(
            "too_many_topics",
            f"At most {MAX_PATTERNS} topic patterns; {len(cleaned)} were given.",
            field="topics",
            hint="Use a family such as remedy.* instead of its topics, or * for every topic.",
        )
    unknown = sorted({p for p in cleaned if p not in PATTERNS})
    if unknown:
        raise InvalidInput(
            "unknown_topic",
            f"Unknown webhook topic(s): {', '.join(unknown)}. Known topics: {', '.join(TOPICS)}; "
            f"families: {', '.join(FAMILIES)}; or * for all.",
            field="topics",
            hint="Subscribe to topics from the list, a family such as remedy.*, or * (or nothing) for every topic.",
            details={"unknown": unknown, "known": list(TOPICS), "families": list(FAMILIES)},
        )
    if ALL in cleaned:
        return []
    return sorted(set(cleaned))


def topics_of(endpoint: WebhookEndpoint) -> list[str]:
    """Return the endpoint's patterns, sorted; ["*"] when it receives every topic."""
    stored = sorted(endpoint.subscriptions.values_list("topic", flat=True))
    return stored or [ALL]


def subscribe(endpoint: WebhookEndpoint, patterns: Iterable[str]) -> list[str]:
    """Replace the endpoint's subscriptions by `patterns` (validated by normalise); return topics_of.

    Events already in the outbox are not touched: the subscriptions decide who gets the events put
    in the outbox from now on.
    """
    wanted = normalise(patterns)
    with transaction.atomic():
        endpoint.subscriptions.exclude(topic__in=wanted).delete()
        have = set(endpoint.subscriptions.values_list("topic", flat=True))
        WebhookSubscription.objects.bulk_create(
            [WebhookSubscription(endpoint=endpoint, topic=t) for t in wanted if t not in have]
        )
    return wanted or [ALL]
