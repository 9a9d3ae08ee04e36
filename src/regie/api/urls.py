"""The HTTP API (django-ninja), mounted at /api/: version 1 under /api/v1/."""

from django.urls import path

from regie.api.main import api

urlpatterns = [path("v1/", api.urls)]
