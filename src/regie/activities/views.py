"""Coverage check of the price list, and changing a price from a date."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from regie.activities import pricing, selectors, services
from regie.activities.forms import CoverageForm, PriceChangeForm, invalid
from regie.activities.models import Price
from regie.core.errors import DomainError
from regie.core.money import format_cents
from regie.core.permissions import role_can
from regie.core.views import require_capability

COVERAGE_CAPABILITIES = ("activities.edit", "finance.view")


def current_month(today: date) -> tuple[date, date]:
    """Return the first and last day of the month of ``today``."""
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


def add_price_url(gap: selectors.Gap) -> str:
    """Return the new-price screen prefilled for the gap's activity, child and dates."""
    params = {
        "name": gap.activity.name,
        "activities": gap.activity.pk,
        "positions": gap.gap.position,
        "valid_from": gap.gap.date_from.isoformat(),
        "valid_to": gap.gap.date_to.isoformat(),
    }
    if gap.category is None:
        params["without_category"] = "1"
    else:
        params["categories"] = gap.category.pk
    return f"{reverse('activities:price-create')}?{urlencode(params)}"


def coverage(request):
    """List every (activity, position, category, dates) with no price, or several."""
    if request.organisation is None or not any(
        role_can(request.role, capability) for capability in COVERAGE_CAPABILITIES
    ):
        raise PermissionDenied(_("Your role does not allow this."))
    first, last = current_month(timezone.localdate())
    form = CoverageForm(request.GET or {"date_from": first, "date_to": last})
    gaps = None
    if form.is_valid():
        first, last = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        gaps = [
            {"gap": gap, "add_url": add_price_url(gap) if gap.missing else None}
            for gap in selectors.coverage_check(first, last)
        ]
    return render(
        request,
        "activities/coverage.html",
        {"form": form, "gaps": gaps, "date_from": first, "date_to": last},
    )


def price_change(request, pk: int):
    """Change a price from a date: end it the day before, start the new price that day."""
    require_capability(request, "activities.edit")
    price = get_object_or_404(Price.objects.prefetch_related("activities"), pk=pk)
    form = PriceChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.price_change_from(
                price=price,
                day=form.cleaned_data["day"],
                unit_cents=form.cleaned_data["unit_cents"],
                name=form.cleaned_data["name"],
            )
        except DomainError as error:
            form.add_error(None, invalid(error))
        else:
            messages.success(
                request,
                _("Price %(old)s now ends on %(end)s; %(new)s applies from %(start)s.")
                % {
                    "old": price.name,
                    "end": pricing.format_date(new.valid_from - timedelta(days=1)),
                    "new": new.name,
                    "start": pricing.format_date(new.valid_from),
                },
            )
            return redirect("activities:price-edit", new.pk)
    return render(
        request,
        "activities/price_change.html",
        {
            "price": price,
            "form": form,
            "period": pricing.format_period(price.period_minutes),
            "unit": format_cents(price.unit_cents),
            "title": _("Change price %(price)s from a date") % {"price": price.name},
        },
    )
