from django.urls import path

from regie.security import views

app_name = "security"

urlpatterns = [
    path("account/second-factor/", views.account, name="account"),
    path("account/second-factor/set-up/", views.enrol, name="enrol"),
    path("account/second-factor/verify/", views.verify, name="verify"),
    path("security/members/", views.members, name="members"),
    path("security/members/<int:pk>/reset/", views.member_reset, name="member-reset"),
]
