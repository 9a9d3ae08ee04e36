"""Verify-days wizard and unbilled monitor (namespace ``checks``)."""

app_name = "checks"
urlpatterns: list = []
