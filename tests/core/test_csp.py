"""A Content-Security-Policy on every response; inline code runs only with the request's
nonce, and no template needs more (the browser side is tests/e2e/test_csp.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from core.csp import CSP, ContentSecurityPolicyMiddleware, build_policy, csp_override

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]{16,})'")


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


@pytest.mark.parametrize(
    ("host", "path", "status"),
    [
        ("localhost", "/", 200),
        ("ar685.localhost", "/", 200),
        ("ar685.localhost", "/accounts/login/", 200),
        ("localhost", "/api/auth/me/", 401),
        ("localhost", "/api/docs/", 200),
        ("localhost", "/healthz", 200),
        ("localhost", "/no-such-page/", 404),
        ("ar999.localhost", "/", 404),  # answered by host routing, before any view
        ("panel.localhost", "/", 302),
    ],
)
def test_every_response_carries_the_policy(client, agency, host, path, status):
    response = client.get(path, HTTP_HOST=host)
    assert response.status_code == status
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][0] == "'self'"
    assert policy["style-src"][0] == "'self'"
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:", "https://tile.openstreetmap.org"]
    assert policy["form-action"] == ["'self'", "http://localhost:*", "http://*.localhost:*"]
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in policy[directive]
        assert "'unsafe-eval'" not in policy[directive]


def test_an_inline_style_runs_with_the_nonce_of_its_own_request(client, agency):
    first = client.get("/", HTTP_HOST="ar685.localhost")
    second = client.get("/", HTTP_HOST="ar685.localhost")
    nonces = []
    for response in (first, second):
        policy = _policy(response)
        (nonce,) = NONCE.findall(" ".join(policy["style-src"]))
        assert policy["script-src"] == ["'self'", f"'nonce-{nonce}'"]
        assert f'<style nonce="{nonce}">' in response.content.decode()
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_a_page_that_needs_no_nonce_names_none(client, agency):
    response = client.get("/healthz", HTTP_HOST="localhost")
    assert _policy(response)["script-src"] == ["'self'"]


def test_the_api_documentation_has_no_inline_script(client):
    page = client.get("/api/docs/", HTTP_HOST="localhost")
    html = page.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>", html)
    assert scripts and all("src=" in attributes for attributes in scripts)
    (nonce,) = NONCE.findall(page["Content-Security-Policy"].split("style-src")[1])
    assert f'<style nonce="{nonce}">' in html
    start = client.get("/api/docs/?script=", HTTP_HOST="localhost")
    assert start.status_code == 200
    assert start["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in start.content.decode()


def test_policies_are_written_as_configured():
    config = {
        "default-src": [CSP.SELF],
        "script-src": [CSP.SELF, CSP.NONCE, CSP.SELF],
        "img-src": "data:",
        "upgrade-insecure-requests": True,
        "block-all-mixed-content": False,
        "report-uri": None,
    }
    assert build_policy(config, "abc") == (
        "default-src 'self'; script-src 'self' 'nonce-abc'; img-src data:; "
        "upgrade-insecure-requests"
    )
    assert build_policy(config) == (
        "default-src 'self'; script-src 'self'; img-src data:; upgrade-insecure-requests"
    )


def test_a_view_may_carry_its_own_policy_and_a_set_header_is_kept():
    @csp_override({"default-src": [CSP.NONE]})
    def strict(request):
        return HttpResponse("x")

    def own_header(request):
        response = HttpResponse("x")
        response["Content-Security-Policy"] = "sandbox"
        return response

    request = RequestFactory().get("/")
    assert ContentSecurityPolicyMiddleware(strict)(request)["Content-Security-Policy"] == (
        "default-src 'none'"
    )
    assert ContentSecurityPolicyMiddleware(own_header)(request)["Content-Security-Policy"] == (
        "sandbox"
    )


@override_settings(SECURE_CSP={})
def test_no_policy_configured_means_no_header(client):
    assert "Content-Security-Policy" not in client.get("/healthz", HTTP_HOST="localhost")


# What a template must not contain for the policy to hold without 'unsafe-inline'.
HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.IGNORECASE)
INLINE_BLOCK = re.compile(r"<(script|style)\b([^>]*)>", re.IGNORECASE)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def _templates() -> list[Path]:
    found = [
        path
        for path in ROOT.glob("**/templates/**/*.html")
        if not {".venv", "node_modules", "static_collected"} & set(path.parts)
    ]
    assert len(found) > 50
    return found


def test_no_template_has_inline_code_without_the_nonce():
    problems = []
    for path in _templates():
        text = path.read_text()
        name = path.relative_to(ROOT)
        if HANDLER.search(text):
            problems.append(f"{name}: an inline event handler (use a static script)")
        if STYLE_ATTRIBUTE.search(text):
            problems.append(f"{name}: a style attribute (use a class in static/css)")
        if JS_URL.search(text):
            problems.append(f"{name}: a javascript: URL")
        for tag, attributes in INLINE_BLOCK.findall(text):
            if tag.lower() == "script" and (
                "src=" in attributes or "application/json" in attributes
            ):
                continue
            if 'nonce="{{ csp_nonce }}"' not in attributes:
                problems.append(f"{name}: an inline <{tag}> without the nonce")
    assert problems == []
