from django.urls import path

from regie.people import medical, views
from regie.people.models import Child, Person

app_name = "people"
urlpatterns = [
    path("children/", views.ChildList.as_view(), name="child-list"),
    path("children/new/", views.ChildCreate.as_view(), name="child-create"),
    path("children/<int:pk>/", views.ChildDetail.as_view(), name="child-detail"),
    path("children/<int:pk>/edit/", views.ChildUpdate.as_view(), name="child-update"),
    path("children/<int:pk>/qr.svg", views.child_qr, name="child-qr"),
    path("children/<int:pk>/card/", views.child_card, name="child-card"),
    path("children/<int:pk>/medical/", medical.medical_detail, name="child-medical"),
    path("children/<int:pk>/medical/edit/", medical.medical_edit, name="child-medical-edit"),
    path(
        "children/<int:pk>/national-number/",
        views.national_number,
        {"model": Child},
        name="child-national-number",
    ),
    path("children/<int:child_pk>/links/new/", views.link_edit, name="link-create"),
    path("children/<int:child_pk>/links/<int:pk>/", views.link_edit, name="link-update"),
    path("children/<int:child_pk>/links/<int:pk>/delete/", views.link_delete, name="link-delete"),
    path("persons/", views.PersonList.as_view(), name="person-list"),
    path("persons/new/", views.PersonCreate.as_view(), name="person-create"),
    path("persons/<int:pk>/", views.PersonDetail.as_view(), name="person-detail"),
    path("persons/<int:pk>/edit/", views.PersonUpdate.as_view(), name="person-update"),
    path(
        "persons/<int:pk>/national-number/",
        views.national_number,
        {"model": Person},
        name="person-national-number",
    ),
]
