"""Coverage check and price change screens (namespace ``activities``)."""

from django.urls import path

from regie.activities import views

app_name = "activities"
urlpatterns = [
    path("coverage/", views.coverage, name="coverage"),
    path("prices/<int:pk>/change-from/", views.price_change, name="price-change"),
]
