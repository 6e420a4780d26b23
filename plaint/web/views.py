from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

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
    return render(request, "web/home.html")


def enforcement(request: HttpRequest) -> HttpResponse:
    """The public list of enforcement actions: merchant, measure, period, rule, date."""
    page = Paginator(published_measures(), 50).get_page(request.GET.get("page"))
    rulebook = loader.in_force(timezone.now())
    rows = []
    for measure in page.object_list:
        zh, en = MEASURE_TITLES[measure.kind]
        track = loader.get(measure.rulebook_version).tracks.get(measure.track, rulebook.tracks[measure.track])
        rows.append({"measure": measure, "zh": zh, "en": en, "track": track.title})
    return render(request, "web/enforcement.html", {"page": page, "rows": rows})


@login_required
def merchant_standing(request: HttpRequest) -> HttpResponse:
    """The merchant portal's record page: points per track with expiry, measures, the next threshold."""
    if request.user.role != Role.MERCHANT or request.user.merchant_id is None:
        raise PermissionDenied("Only merchant staff have a record page.")
    now = timezone.now()
    data = standing(request.user.merchant, loader.in_force(now), now)
    return render(request, "web/standing.html", {"standing": data, "as_of": now})
