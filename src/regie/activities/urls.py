"""The coordinator's screens of activities and prices, the coverage check and price changes."""

from django.urls import path

from regie.activities import screens, views

app_name = "activities"
urlpatterns = [
    path("", screens.ActivityList.as_view(), name="activity-list"),
    path("new/", screens.ActivityEdit.as_view(), name="activity-create"),
    path("<int:pk>/", screens.ActivityEdit.as_view(), name="activity-edit"),
    path("places/", screens.PlaceList.as_view(), name="place-list"),
    path("places/new/", screens.PlaceEdit.as_view(), name="place-create"),
    path("places/<int:pk>/", screens.PlaceEdit.as_view(), name="place-edit"),
    path("categories/", screens.CategoryList.as_view(), name="category-list"),
    path("categories/new/", screens.CategoryEdit.as_view(), name="category-create"),
    path("categories/<int:pk>/", screens.CategoryEdit.as_view(), name="category-edit"),
    path("prices/", screens.PriceList.as_view(), name="price-list"),
    path("prices/new/", screens.PriceEdit.as_view(), name="price-create"),
    path("prices/<int:pk>/", screens.PriceEdit.as_view(), name="price-edit"),
    path("coverage/", views.coverage, name="coverage"),
    path("prices/<int:pk>/change-from/", views.price_change, name="price-change"),
]
