"""The user's API tokens page: create a token (its secret shown once), list and revoke them.

A token acts as its user in the active organisation, with the user's role there (see
:mod:`regie.core.api_tokens`); a user sees and revokes only their own tokens here.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from regie.core.api_tokens import api_token_create, api_token_revoke
from regie.core.models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("What is the token for?"),
        max_length=100,
        help_text=gettext_lazy("For instance “Accounting software, nightly bank statements”."),
    )


def _own_tokens(request):
    if request.organisation is None:
        raise PermissionDenied(_("Your account belongs to no active organisation."))
    return ApiToken.objects.filter(user=request.user)


@login_required
def api_tokens(request):
    """List the user's tokens in the active organisation; create one (POST)."""
    tokens = _own_tokens(request)
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        _token, secret = api_token_create(
            user=request.user, organisation=request.organisation, name=form.cleaned_data["name"]
        )
        form = TokenForm()
    context = {"tokens": tokens, "form": form, "secret": secret}
    return render(request, "core/api_tokens.html", context)


@login_required
@require_POST
def api_token_revoke_view(request, pk: int):
    """Revoke one of the user's tokens at once."""
    token = get_object_or_404(_own_tokens(request), pk=pk)
    api_token_revoke(token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("api-tokens")
