"""The second factor's pages: set it up, confirm a login, see one's own, reset a member's."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from regie.core.errors import DomainError
from regie.core.models import Membership, Role
from regie.core.views import require_capability
from regie.security import recovery, services
from regie.security.forms import CodeForm
from regie.security.policy import ROLES_WITH_SECOND_FACTOR, second_factor_required


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return "/"
    return target


@login_required
def enrol(request):
    """Set up an authenticator: its QR code and key, then a code it shows to confirm it."""
    if services.has_second_factor(request.user):
        return redirect("security:account" if request.user.is_verified() else "security:verify")
    device = services.second_factor_start(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.second_factor_confirm(
                user=request.user, code=form.cleaned_data["code"]
            )
        except DomainError as error:
            form.add_error("code", error.translated())
        else:
            otp_login(request, device)
            context = {"codes": codes, "next": _next_url(request)}
            return render(request, "security/recovery_codes.html", context)
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "qr_svg": qr.svg_inline(scale=5, dark="#1d2330", omitsize=True),
        "manual_key": services.manual_key_text(device),
        "required": second_factor_required(request.user),
        "next": _next_url(request),
    }
    return render(request, "security/enrol.html", context)


@login_required
def verify(request):
    """Confirm this login with a code of the authenticator or a recovery code."""
    if request.user.is_verified():
        return HttpResponseRedirect(_next_url(request))
    if not services.has_second_factor(request.user):
        return redirect("security:enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.second_factor_verify(
                user=request.user, code=form.cleaned_data["code"]
            )
        except DomainError as error:
            form.add_error("code", error.translated())
        else:
            otp_login(request, device)
            if device.name == services.RECOVERY:
                left = recovery.codes_left(request.user)
                messages.warning(
                    request,
                    _(
                        "You used a recovery code: %(left)s left. Create new ones on the "
                        "“Second factor” page if you no longer have your phone."
                    )
                    % {"left": left},
                )
            return HttpResponseRedirect(_next_url(request))
    return render(request, "security/verify.html", {"form": form, "next": _next_url(request)})


@login_required
def account(request):
    """The user's own second factor: set up or not, recovery codes left; new codes (POST)."""
    device = services.confirmed_device(request.user)
    if request.method == "POST" and device is not None:
        codes = services.second_factor_new_recovery_codes(user=request.user)
        return render(request, "security/recovery_codes.html", {"codes": codes, "next": "/"})
    left = recovery.codes_left(request.user)
    context = {
        "device": device,
        "codes_left": left,
        "required": second_factor_required(request.user),
    }
    return render(request, "security/account.html", context)


def _members(request):
    require_capability(request, "config.edit")
    return (
        Membership.objects.filter(organisation=request.organisation)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )


@login_required
def members(request):
    """The organisation's members and their second factor, for its administrators."""
    rows = list(_members(request))
    enrolled = set(
        services.TOTPDevice.objects.filter(
            user__in=[m.user_id for m in rows], confirmed=True
        ).values_list("user_id", flat=True)
    )
    for membership in rows:
        membership.has_second_factor = membership.user_id in enrolled
        membership.must_have_one = (
            request.organisation.require_second_factor
            and membership.role in ROLES_WITH_SECOND_FACTOR
        )
    context = {"members": rows, "required_roles": _required_roles()}
    return render(request, "security/members.html", context)


def _required_roles() -> str:
    return ", ".join(str(Role(role).label).lower() for role in sorted(ROLES_WITH_SECOND_FACTOR))


@login_required
@require_POST
def member_reset(request, pk: int):
    """Reset a member's second factor (an administrator, not for themselves)."""
    membership = _members(request).filter(user_id=pk).first()
    if membership is None:
        raise Http404
    try:
        services.second_factor_reset(
            actor=request.user, user=membership.user, organisation=request.organisation
        )
    except DomainError as error:
        messages.error(request, error.translated())
    else:
        name = membership.user.get_full_name() or membership.user.get_username()
        messages.success(
            request,
            _("The second factor of %(user)s is reset: they set up a new one at their next login.")
            % {"user": name},
        )
    return redirect("security:members")
