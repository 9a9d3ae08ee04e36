"""Days screen, manual encoding and registrations (namespace ``attendance``)."""

from django.urls import path

from regie.attendance import attendance_list, registration_views, views

app_name = "attendance"
urlpatterns = [
    path("days/", views.DayList.as_view(), name="day-list"),
    path("attendances/", attendance_list.AttendanceList.as_view(), name="attendance-list"),
    path("days/<int:pk>/", views.day_detail, name="day"),
    path("days/<int:pk>/swap/", views.day_swap, name="day-swap"),
    path("days/<int:pk>/choose/", views.day_choose, name="day-choose"),
    path("days/<int:pk>/verify/", views.day_verify_again, name="day-verify"),
    path("events/<int:pk>/active/", views.event_active, name="event-active"),
    path("events/<int:pk>/swap/", views.event_swap, name="event-swap"),
    path("children/<int:child_pk>/events/new/", views.event_create, name="child-event-create"),
    path(
        "children/<int:child_pk>/registrations/",
        registration_views.child_registrations,
        name="child-registrations",
    ),
    path(
        "children/<int:child_pk>/registrations/new/",
        registration_views.registration_create,
        name="child-registration-create",
    ),
    path(
        "registrations/",
        registration_views.RegistrationList.as_view(),
        name="registration-list",
    ),
    path(
        "registrations/<int:pk>/",
        registration_views.registration_detail,
        name="registration",
    ),
    path(
        "registered/<int:pk>/absent/",
        registration_views.registered_absent,
        name="registered-absent",
    ),
    path(
        "registered/<int:pk>/cancel/",
        registration_views.registered_cancel,
        name="registered-cancel",
    ),
]
