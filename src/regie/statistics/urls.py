"""Statistics: pivots and saved views (namespace ``statistics``)."""

from django.urls import path

from regie.statistics import views

app_name = "statistics"
urlpatterns = [
    path("", views.pivot_page, name="pivot"),
    path("export/", views.pivot_export, name="pivot-export"),
    path("views/", views.view_save, name="view-save"),
    path("views/<int:pk>/delete/", views.view_delete, name="view-delete"),
]
