"""Every page carries a Content-Security-Policy that allows only Plaint's own scripts and styles, and no
template relies on anything it refuses (inline scripts, <style>, style= or on…= attributes)."""

import re
from pathlib import Path

import pytest
from django.test import Client

from plaint.accounts.models import Role
from tests import factories

TEMPLATES = Path(__file__).resolve().parents[2] / "plaint" / "web" / "templates"


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/enforcement/", "/api/docs", "/nowhere/"])
def test_pages_anyone_can_open_allow_only_plaints_own_scripts_and_styles(path):
    response = Client().get(path)
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_signed_in_pages_carry_the_policy():
    client = Client()
    client.force_login(factories.user(Role.REVIEWER))
    for path in ("/review/", "/notifications/"):
        response = client.get(path)
        assert response.status_code == 200
        assert directives(response)["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_the_json_api_allows_nothing_at_all():
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_no_template_has_inline_script_style_or_event_handlers():
    found = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for pattern, what in (
            (r"<script(?![^>]*\bsrc=)[^>]*>", "inline <script>"),
            (r"<style\b", "<style>"),
            (r"\sstyle\s*=", "style= attribute"),
            (r"\son[a-z]+\s*=", "on…= event handler"),
            (r"\shx-on", "hx-on (evaluated by htmx)"),
            (r"javascript:", "javascript: URL"),
        ):
            if re.search(pattern, text, re.I):
                found.append(f"{template.relative_to(TEMPLATES)}: {what}")
    assert not found, found


def test_htmx_is_told_not_to_inject_its_indicator_style_nor_to_eval():
    base = (TEMPLATES / "web" / "base.html").read_text()
    assert '"includeIndicatorStyles": false' in base
    assert '"allowEval": false' in base
