from django.urls import path

from regie.exports import views

app_name = "exports"

urlpatterns = [
    path("", views.export_list, name="list"),
    path("new/", views.export_new, name="new"),
    path("settings/", views.export_settings, name="settings"),
    path("<int:pk>/", views.export_detail, name="detail"),
    path("files/<int:pk>/", views.export_file, name="file"),
]
