"""Tax certificates 281.86 (namespace ``certificates``)."""

from django.urls import path

from regie.certificates import views

app_name = "certificates"
urlpatterns = [
    path("", views.index, name="index"),
    path("maximum/", views.maximum_set, name="maximum"),
    path("build/", views.build, name="build"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/belcotax/", views.batch_filing, name="batch-filing"),
    path("<int:pk>/", views.certificate_detail, name="certificate"),
]
