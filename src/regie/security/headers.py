"""The Content-Security-Policy and Permissions-Policy headers of every answer.

Pages load only Regie's own scripts, styles, images and fonts (``'self'``): no inline
``<script>``, no ``onclick=`` attribute, no ``style=`` attribute, no third party. A page that
needs behaviour gets a static JS file (see docs/security.md, "Writing templates").
``REGIE_CSP_REPORT_ONLY`` sends the policy as report-only, to try a change in production first.
"""

from __future__ import annotations

from django.conf import settings

#: The policy, directive by directive. ``data:`` images serve the browser's own widgets and
#: the API documentation's icons; ``frame-ancestors`` forbids framing (clickjacking).
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

#: Browser features: the camera only for Regie's own pages (the scanning app), nothing else.
PERMISSIONS = {
    "camera": "(self)",
    "microphone": "()",
    "geolocation": "()",
    "payment": "()",
    "usb": "()",
}


def policy_header(**changes: str) -> str:
    """Return the Content-Security-Policy header's value (``changes``: directives replaced,
    ``form_action="'self' https://x"``).

    >>> policy_header().split("; ")[:2]
    ["default-src 'self'", "script-src 'self'"]
    """
    policy = POLICY | {name.replace("_", "-"): value for name, value in changes.items()}
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def policy_header_name() -> str:
    if getattr(settings, "REGIE_CSP_REPORT_ONLY", False):
        return "Content-Security-Policy-Report-Only"
    return "Content-Security-Policy"


def forms_may_lead_to(response, *origins: str):
    """Let the forms of one answer lead to ``origins`` too, and return it: a form whose answer
    redirects to a payment provider's checkout (browsers apply ``form-action`` to redirects).
    """
    sources = " ".join(["'self'", *origins])
    response.headers[policy_header_name()] = policy_header(form_action=sources)
    return response


def permissions_header() -> str:
    """Return the Permissions-Policy header's value.

    >>> permissions_header().startswith("camera=(self), microphone=()")
    True
    """
    return ", ".join(f"{name}={value}" for name, value in PERMISSIONS.items())


class ContentSecurityPolicyMiddleware:
    """Add the Content-Security-Policy and Permissions-Policy headers to every answer."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.csp_name = policy_header_name()
        self.csp = policy_header()
        self.permissions = permissions_header()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(self.csp_name, self.csp)
        response.headers.setdefault("Permissions-Policy", self.permissions)
        return response
