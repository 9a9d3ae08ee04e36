"""Collection screens: policies, runs, reminders, complaints, orders, plans (``dunning``)."""

from django.urls import path

from regie.dunning import bailiff, order_views, plan_views, policy_views, reminder_views, run_views

app_name = "dunning"
urlpatterns = [
    path("", reminder_views.reminder_list, name="reminder-list"),
    path("reminders/<int:pk>/", reminder_views.reminder_detail, name="reminder"),
    path("reminders/<int:pk>/cancel/", reminder_views.reminder_cancel_view, name="reminder-cancel"),
    path("runs/", run_views.run_list, name="run-list"),
    path("runs/new/", run_views.run_new, name="run-create"),
    path("runs/<int:pk>/", run_views.run_detail, name="run"),
    path("policies/", policy_views.policy_list, name="policy-list"),
    path("policies/new/", policy_views.policy_new, name="policy-create"),
    path("policies/<int:pk>/", policy_views.policy_edit, name="policy-edit"),
    path("complaints/", reminder_views.complaint_list, name="complaint-list"),
    path(
        "complaints/<int:pk>/answer/", reminder_views.complaint_answer_view, name="complaint-answer"
    ),
    path("invoices/<int:pk>/complaint/", reminder_views.complaint_new, name="invoice-complaint"),
    path("orders/", order_views.order_candidates_view, name="order-candidates"),
    path("orders/lists/", order_views.order_lists, name="order-lists"),
    path("orders/lists/<int:pk>/", order_views.order_list_detail, name="order-list"),
    path("orders/<int:pk>/", order_views.order_detail, name="order"),
    path("orders/lists/<int:pk>/bailiff.xlsx", bailiff.bailiff_list_download, name="bailiff-list"),
    path("plans/", plan_views.plan_list, name="plan-list"),
    path("plans/<int:pk>/", plan_views.plan_detail, name="plan"),
    path("plans/<int:pk>/cancel/", plan_views.plan_cancel_view, name="plan-cancel"),
    path("persons/<int:pk>/plan/", plan_views.plan_new, name="person-plan"),
]
