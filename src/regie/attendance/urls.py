"""Days screen, manual encoding and registrations (namespace ``attendance``)."""

app_name = "attendance"
urlpatterns: list = []
