"""Reminder policy screens (finance officer): the list, and a policy with its levels."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from regie.core.errors import DomainError
from regie.core.views import require_capability
from regie.dunning.forms import LevelFormSet, PolicyForm, level_initial
from regie.dunning.models import ReminderPolicy
from regie.dunning.services import PolicyRefused, policy_save


def policy_list(request):
    """List the reminder policies with their categories and levels."""
    require_capability(request, "finance.view")
    policies = ReminderPolicy.objects.prefetch_related("categories", "levels")
    return render(request, "dunning/policy_list.html", {"policies": policies})


def policy_new(request):
    """Create a policy."""
    require_capability(request, "finance.edit")
    return _policy_form(request, ReminderPolicy())


def policy_edit(request, pk: int):
    """Change a policy and its levels."""
    require_capability(request, "finance.edit")
    return _policy_form(request, get_object_or_404(ReminderPolicy, pk=pk))


def _policy_form(request, policy: ReminderPolicy):
    data = request.POST if request.method == "POST" else None
    form = PolicyForm(data, instance=policy)
    levels = LevelFormSet(data, initial=level_initial(policy) if policy.pk else None)
    refusals: list[str] = []
    if data is not None and form.is_valid() and levels.is_valid():
        rows = [row.level() for row in levels if row.kept]
        try:
            with transaction.atomic():
                saved = policy_save(
                    policy=form.policy(), categories=form.cleaned_data["categories"], levels=rows
                )
        except PolicyRefused as refused:
            refusals = [error.translated() for error in refused.errors]
        except DomainError as error:
            refusals = [error.translated()]
        else:
            messages.success(request, _("The policy “%(name)s” is saved.") % {"name": saved})
            return redirect("dunning:policy-list")
    context = {"form": form, "levels": levels, "refusals": refusals, "policy": policy}
    return render(request, "dunning/policy_form.html", context)
