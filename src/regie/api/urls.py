"""The HTTP API (django-ninja), mounted at /api/."""

urlpatterns: list = []
