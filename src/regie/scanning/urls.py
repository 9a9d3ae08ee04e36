from django.urls import path

from regie.scanning import views

app_name = "scanning"
urlpatterns = [
    path("", views.app, name="app"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("devices/", views.devices, name="devices"),
    path("devices/<int:pk>/pair/", views.device_pair, name="device-pair"),
]
