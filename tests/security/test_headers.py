"""The security headers of every answer, and templates the policy can serve as they are."""

from __future__ import annotations

import re
from pathlib import Path

from django.http import HttpResponse
from django.test import Client, override_settings

from regie.security.headers import ContentSecurityPolicyMiddleware, policy_header

SRC = Path(__file__).resolve().parents[2] / "src" / "regie"
EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def test_pages_and_the_api_carry_the_policy_and_the_other_headers(db):
    for url in ("/login/", "/api/v1/openapi.json", "/api/v1/docs"):
        answer = Client().get(url)
        assert answer["Content-Security-Policy"] == EXPECTED_CSP, url
        assert answer["Permissions-Policy"].startswith("camera=(self), microphone=()")
        assert answer["X-Frame-Options"] == "DENY"
        assert answer["X-Content-Type-Options"] == "nosniff"
        assert answer["Referrer-Policy"] == "same-origin"
        assert answer["Cross-Origin-Opener-Policy"] == "same-origin"


def test_report_only_sends_the_policy_without_enforcing_it(rf):
    with override_settings(REGIE_CSP_REPORT_ONLY=True):
        middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())
    answer = middleware(rf.get("/"))
    assert answer["Content-Security-Policy-Report-Only"] == policy_header()
    assert "Content-Security-Policy" not in answer


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)  # an attribute inside a tag
INLINE_STYLE = re.compile(r"\sstyle\s*=|<style", re.I)


def test_no_template_holds_an_inline_script_handler_or_style():
    """What the policy would refuse, found before any browser runs (docs/security.md)."""
    found = []
    for template in sorted(SRC.glob("*/templates/**/*.html")):
        text = template.read_text(encoding="utf-8")
        for name, pattern in (
            ("script", INLINE_SCRIPT),
            ("handler", INLINE_HANDLER),
            ("style", INLINE_STYLE),
        ):
            found += [f"{template.relative_to(SRC)}: inline {name}" for _ in pattern.findall(text)]
    assert not found, found
