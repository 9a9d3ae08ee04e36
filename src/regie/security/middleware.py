"""Hold a logged-in user who owes a second factor at its pages until they give it.

A user with a confirmed authenticator confirms each login with a code; a user whose role
requires one (:mod:`regie.security.policy`) and has none sets one up first. Until then
every page redirects there, except logging out and changing the language; the API treats
the session as anonymous (its tokens and devices are not concerned).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from regie.security.policy import second_factor_required
from regie.security.services import has_second_factor

OPEN_URL_NAMES = ("logout", "set_language", "security:verify", "security:enrol")


class SecondFactorMiddleware:
    """Redirect an unconfirmed session to the second factor's verification or enrolment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return self.get_response(request)
        if has_second_factor(user):
            step = "security:verify"
        elif second_factor_required(user, getattr(request, "memberships", None)):
            step = "security:enrol"
        else:
            return self.get_response(request)
        request.second_factor_step = step
        if request.path.startswith("/api/"):
            request.user = AnonymousUser()
            return self.get_response(request)
        open_paths = {reverse(name) for name in OPEN_URL_NAMES}
        if request.path in open_paths or request.path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return redirect(reverse(step) + (f"?{query}" if query else ""))
