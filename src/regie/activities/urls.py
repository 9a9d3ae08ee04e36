"""Coverage check and price change screens (namespace ``activities``)."""

app_name = "activities"
urlpatterns: list = []
