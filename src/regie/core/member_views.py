"""Screens of the organisation's members (its administrator) and of accepting an invitation."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from regie.core import members
from regie.core.dashboard import Counter, Section, register_counter
from regie.core.errors import DomainError
from regie.core.models import Membership, Role
from regie.core.permissions import CAPABILITIES
from regie.core.tenancy import current_organisation
from regie.core.views import require_capability

CAPABILITY = "members.manage"


def _waiting() -> int:
    """Count the members invited who have not chosen their password yet."""
    return Membership.objects.filter(
        organisation=current_organisation(), is_active=True, user__is_active=False
    ).count()


register_counter(
    Counter(
        key="members.invited",
        label=gettext_lazy("members invited, no password chosen yet"),
        count=_waiting,
        url=lambda: reverse("members:list"),
        roles=CAPABILITIES[CAPABILITY],
        section=Section.ORGANISATION,
        order=10,
        warn=False,
    )
)


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150)
    role = forms.ChoiceField(
        label=gettext_lazy("Role"), choices=Role.choices, initial=Role.COORDINATOR
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)


def _memberships(organisation):
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("-is_active", "user__last_name", "user__first_name", "pk")
    )


def member_list(request):
    """List the organisation's members with their role; invite a new one."""
    require_capability(request, CAPABILITY)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = members.member_invite(
                organisation=request.organisation,
                by=request.user,
                base_url=request.build_absolute_uri("/"),
                **form.cleaned_data,
            )
        except DomainError as error:
            form.add_error(None, error.translated())
        else:
            messages.success(
                request,
                _("%(email)s is invited as %(role)s; an e-mail with a link was sent.")
                % {"email": membership.user.email, "role": membership.get_role_display()},
            )
            return redirect("members:list")
    rows = [
        (m, RoleForm(initial={"role": m.role}, prefix=str(m.pk)))
        for m in _memberships(request.organisation)
    ]
    return render(request, "core/members.html", {"form": form, "rows": rows})


def _membership(request, pk: int) -> Membership:
    require_capability(request, CAPABILITY)
    return get_object_or_404(_memberships(request.organisation), pk=pk)


@require_POST
def member_role(request, pk: int):
    """Change a member's role."""
    membership = _membership(request, pk)
    form = RoleForm(request.POST, prefix=str(pk))
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles."))
        return redirect("members:list")
    try:
        members.member_set_role(
            membership=membership, role=form.cleaned_data["role"], by=request.user
        )
    except DomainError as error:
        messages.error(request, error.translated())
    else:
        messages.success(request, _("Role of %(user)s changed.") % {"user": _name(membership)})
    return redirect("members:list")


@require_POST
def member_active(request, pk: int):
    """Deactivate or reactivate a member."""
    membership = _membership(request, pk)
    active = request.POST.get("active") == "1"
    try:
        members.member_set_active(membership=membership, active=active, by=request.user)
    except DomainError as error:
        messages.error(request, error.translated())
    else:
        text = _("%(user)s can work again.") if active else _("%(user)s is deactivated.")
        messages.success(request, text % {"user": _name(membership)})
    return redirect("members:list")


def _name(membership: Membership) -> str:
    return membership.user.get_full_name() or membership.user.email or membership.user.username


def invitation(request, secret: str):
    """Let an invited user choose a password with the link of the e-mail (once, until expiry)."""
    try:
        found = members.invitation_find(secret)
    except DomainError as error:
        return render(request, "core/invitation.html", {"error": error.translated()}, status=404)
    user = found.membership.user
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            members.invitation_accept(secret=secret, password=form.cleaned_data["new_password1"])
        except DomainError as error:
            return render(
                request, "core/invitation.html", {"error": error.translated()}, status=404
            )
        messages.success(request, _("Your password is set: log in with your e-mail address."))
        return redirect("login")
    context = {"form": form, "invited": user, "organisation_name": found.membership.organisation}
    return render(request, "core/invitation.html", context)
