"""Billing runs, invoices and persons' accounts (namespace ``billing``)."""

from django.urls import path

from regie.billing import invoice_views, views

app_name = "billing"
urlpatterns = [
    path("runs/", views.RunList.as_view(), name="run-list"),
    path("runs/new/", views.run_new, name="run-create"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/delete/", views.run_delete, name="run-delete"),
    path("runs/<int:pk>/post/", views.run_post, name="run-post"),
    path("invoices/", invoice_views.InvoiceList.as_view(), name="invoice-list"),
    path("invoices/<int:pk>/", invoice_views.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/write-off/", invoice_views.invoice_write_off, name="invoice-write-off"),
    path("write-offs/<int:pk>/reverse/", invoice_views.write_off_reverse, name="write-off-reverse"),
    path("persons/<int:pk>/account/", invoice_views.account, name="account"),
    path("persons/<int:pk>/account/move/", invoice_views.account_move, name="account-move"),
]
