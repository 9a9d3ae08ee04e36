"""The organisation's members (namespace ``members``)."""

from django.urls import path

from regie.core import member_views

app_name = "members"
urlpatterns = [
    path("", member_views.member_list, name="list"),
    path("<int:pk>/role/", member_views.member_role, name="role"),
    path("<int:pk>/active/", member_views.member_active, name="active"),
]
