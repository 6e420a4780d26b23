from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.http import require_POST

from plaint.accounts.models import Role
from plaint.enforcement.standing import published_measures, standing
from plaint.rulebook import loader

MEASURE_TITLES = {
    "warning": ("警告", "Warning"),
    "suspension": ("暂停店铺经营", "Shop suspended"),
    "takedown": ("全店商品下架", "All listings taken down"),
    "removal": ("清退（终止服务）", "Removed from the platform"),
}


def home(request: HttpRequest) -> HttpResponse:
    """The start page: what Plaint is, sign-in, a way into each portal."""
    portal = ROLE_HOMES.get(getattr(request.user, "role", None))
    return render(request, "web/home.html", {"portal": portal})


def demo_accounts() -> list[dict[str, str]]:
    """Return the demo users by role, for the sign-in page (only shown when PLAINT_DEMO is on)."""
    from plaint import demo

    consumers = [
        {"role": Role.CONSUMER, "username": f"consumer-{c['id'].lower()}", "name": c["name"]} for c in demo.CONSUMERS
    ]
    order = [
        Role.CONSUMER,
        Role.MERCHANT,
        Role.AGENT,
        Role.REVIEWER,
        Role.SUPERVISOR,
        Role.ADMIN,
        Role.SECRETARY,
        Role.COMMITTEE,
    ]
    staff = [{"role": role, "username": username, "name": ""} for username, role, _ in demo.STAFF if role in order]
    members = [{"role": Role.COMMITTEE, "username": username, "name": name} for username, name, *_ in demo.COMMITTEE]
    return sorted(consumers + staff + members, key=lambda a: order.index(a["role"]))


# Where each role starts after signing in.
ROLE_HOMES = {
    Role.CONSUMER: "/consumer/",
    Role.MERCHANT: "/merchant/",
    Role.AGENT: "/agent/",
    Role.REVIEWER: "/review/",
    Role.SUPERVISOR: "/review/supervisor/",
    Role.ADMIN: "/admin/",
    Role.COMMITTEE: "/committee/",
    Role.SECRETARY: "/committee/secretary/",
}


class SignInView(auth_views.LoginView):
    """Sign-in; in the demo, the page lists an account for every role."""

    template_name = "web/login.html"

    def get_default_redirect_url(self) -> str:
        """Without a `next`, each person lands in their own portal."""
        return ROLE_HOMES.get(self.request.user.role, "/")

    def get_context_data(self, **kwargs: object) -> dict:
        context = super().get_context_data(**kwargs)
        if settings.PLAINT_DEMO:
            from plaint import demo

            context |= {"demo_accounts": demo_accounts(), "demo_password": demo.PASSWORD}
        return context


def locked_out(request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None) -> HttpResponse:
    """The page django-axes shows instead of signing in once an account or an address had too many failures.

    It says how long the pause lasts, not which of the two tripped it, so it tells a guesser nothing.
    """
    minutes = settings.PLAINT_LOGIN_COOLOFF_MINUTES
    response = render(
        request,
        "web/lockout.html",
        {"minutes": minutes, "failure_limit": settings.PLAINT_LOGIN_FAILURE_LIMIT},
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the pages' language: remembered on the account when signed in, in a cookie otherwise."""
    response = i18n_views.set_language(request)
    language = request.POST.get("language", "")
    if language in dict(settings.LANGUAGES) and request.user.is_authenticated:
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response


def enforcement(request: HttpRequest) -> HttpResponse:
    """The public list of enforcement actions: merchant, measure, period, rule, date."""
    page = Paginator(published_measures(), 50).get_page(request.GET.get("page"))
    rulebook = loader.in_force(timezone.now())
    rows = []
    for measure in page.object_list:
        zh, en = MEASURE_TITLES[measure.kind]
        track = loader.get(measure.rulebook_version).tracks.get(measure.track, rulebook.tracks[measure.track])
        rows.append({"measure": measure, "title": {"zh": zh, "en": en}, "track": track.title})
    return render(request, "web/enforcement.html", {"page": page, "rows": rows})


@login_required
def merchant_standing(request: HttpRequest) -> HttpResponse:
    """The merchant portal's record page: points per track with expiry, measures, the next threshold."""
    if request.user.role != Role.MERCHANT or request.user.merchant_id is None:
        raise PermissionDenied(_("Only merchant staff have a record page."))
    now = timezone.now()
    data = standing(request.user.merchant, loader.in_force(now), now)
    return render(request, "web/standing.html", {"standing": data, "as_of": now})
