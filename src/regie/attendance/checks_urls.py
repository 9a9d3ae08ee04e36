"""Verify-days wizard and unbilled monitor (namespace ``checks``)."""

from django.urls import path

from regie.attendance import checks

app_name = "checks"
urlpatterns = [
    path("verify/", checks.VerifyDays.as_view(), name="verify"),
    path("unbilled/", checks.Unbilled.as_view(), name="unbilled"),
]
