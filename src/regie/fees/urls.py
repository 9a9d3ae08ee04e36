"""The applicant's payment page (public: its secret link is the only key) and its address."""

from __future__ import annotations

from django.urls import path, reverse

from regie.fees import pay_links, public
from regie.fees.models import ServiceFile, Way

app_name = "fees"

urlpatterns = [
    path("mollie/webhook/", public.mollie_webhook, name="mollie_webhook"),
    path("c/<str:token>/", pay_links.pay_any, name="pay_any"),
    path("c/<str:token>/online/", pay_links.pay_any_online, name="pay_any_online"),
    path("<str:token>/", public.pay, name="pay"),
    path("<str:token>/online/", public.pay_online, name="pay_online"),
]


def payment_path(file: ServiceFile) -> str | None:
    """Return the path of a file's payment page (None: a file invoiced afterwards)."""
    if file.way != Way.ADVANCE:
        return None
    return reverse("fees:pay", args=[file.pay_token])
