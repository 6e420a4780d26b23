"""The agent console: find a consumer, file or update a report for them (hotline or online chat)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from plaint.accounts.models import Role

from .common import role_required

agent_only = role_required(Role.AGENT)


@agent_only
def home(request: HttpRequest) -> HttpResponse:
    """Search a consumer by name, phone, e-mail or marketplace id."""
    return render(request, "web/agent/home.html", {})
