"""The marketplace's webhook endpoints and the topics each receives (docs/webhooks.md, Topics): for admins."""

from django.http import HttpRequest
from ninja import Router, Schema

from plaint.accounts.models import Role
from plaint.errors import Forbidden, NotFound
from plaint.limits import RowId
from plaint.notifications import topics
from plaint.notifications.models import WebhookEndpoint

from ..schemas import ERRORS

router = Router()


class EndpointOut(Schema):
    id: int
    name: str
    url: str
    active: bool
    topics: list[str]


class TopicsIn(Schema):
    topics: list[str]


class KnownTopicsOut(Schema):
    topics: list[str]
    families: list[str]


def _admin(request: HttpRequest) -> None:
    if request.auth.role != Role.ADMIN:
        raise Forbidden("admin_only", "Webhook endpoints and their topics are managed by admins.")


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound("endpoint_not_found", f"There is no webhook endpoint {endpoint_id}.")
    return endpoint


def _out(endpoint: WebhookEndpoint, patterns: list[str] | None = None) -> dict:
    # The secret is never shown: it is given to the receiver once, by a safe channel.
    return {
        "id": endpoint.pk,
        "name": endpoint.name,
        "url": endpoint.url,
        "active": endpoint.active,
        "topics": patterns if patterns is not None else topics.topics_of(endpoint),
    }


@router.get("/topics", response={200: KnownTopicsOut, **ERRORS})
def known_topics(request: HttpRequest) -> dict:
    """The topics an endpoint can subscribe to, and their families (`remedy.*`); `*` is every topic."""
    _admin(request)
    return {"topics": list(topics.TOPICS), "families": list(topics.FAMILIES)}


@router.get("/endpoints", response={200: list[EndpointOut], **ERRORS})
def endpoints(request: HttpRequest) -> list[dict]:
    """Every webhook endpoint with the topics it receives (`["*"]`: every topic); admins only."""
    _admin(request)
    rows = WebhookEndpoint.objects.order_by("pk").prefetch_related("subscriptions")
    return [_out(e, sorted(s.topic for s in e.subscriptions.all()) or [topics.ALL]) for e in rows]


@router.get("/endpoints/{endpoint_id}", response={200: EndpointOut, **ERRORS})
def endpoint(request: HttpRequest, endpoint_id: RowId) -> dict:
    """One webhook endpoint with the topics it receives; admins only."""
    _admin(request)
    return _out(_endpoint(endpoint_id))


@router.put("/endpoints/{endpoint_id}/topics", response={200: EndpointOut, **ERRORS})
def set_topics(request: HttpRequest, endpoint_id: RowId, body: TopicsIn) -> dict:
    """Replace the topics the endpoint receives: topics (`case.decided`), families (`remedy.*`), or `*`
    (or `[]`) for every topic. An unknown topic is 422 `unknown_topic`, naming it and listing the known
    ones. Events already queued are not affected."""
    _admin(request)
    target = _endpoint(endpoint_id)
    return _out(target, topics.subscribe(target, body.topics))
