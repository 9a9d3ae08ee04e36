"""Bank files, movements, payments, refunds and the reconciliation (namespace ``payments``)."""

from django.urls import path

from regie.payments import (
    outcome_views,
    payment_views,
    payout_views,
    refund_views,
    release_views,
    views,
)

app_name = "payments"
urlpatterns = [
    path("", payment_views.PaymentList.as_view(), name="payment-list"),
    path("new/", payment_views.payment_new, name="payment-create"),
    path("<int:pk>/", payment_views.payment_detail, name="payment-detail"),
    path("<int:pk>/cancel/", payment_views.payment_cancel_view, name="payment-cancel"),
    path("<int:pk>/receipt/", payment_views.payment_receipt, name="payment-receipt"),
    path(
        "invoices/<int:pk>/release/",
        release_views.invoice_release_view,
        name="invoice-release",
    ),
    path("movements/", views.movement_list, name="movement-list"),
    path("movements/<int:pk>/", views.movement_detail, name="movement-detail"),
    path(
        "movements/<int:pk>/set-aside/",
        outcome_views.movement_set_aside_view,
        name="movement-set-aside",
    ),
    path(
        "movements/<int:pk>/rematch/",
        outcome_views.movement_rematch_view,
        name="movement-rematch",
    ),
    path("movements/<int:pk>/refund/", outcome_views.movement_refund_view, name="movement-refund"),
    path("movements/<int:pk>/undo/", outcome_views.movement_undo_view, name="movement-undo"),
    path("files/", views.FileList.as_view(), name="file-list"),
    path("files/import/", views.StatementImport.as_view(), name="statement-import"),
    path("files/<int:pk>/", views.file_detail, name="file-detail"),
    path("refunds/", refund_views.refund_list, name="refund-list"),
    path("refunds/persons/<int:pk>/", refund_views.refund_new, name="refund-create"),
    path("refunds/sepa/", refund_views.sepa_create, name="sepa-create"),
    path("refunds/sepa/file/", refund_views.sepa_file, name="sepa-file"),
    path("payouts/", payout_views.payout_list, name="payout-list"),
    path("payouts/fetch/", payout_views.payout_fetch, name="payout-fetch"),
    path("payouts/<int:pk>/confirm/", payout_views.payout_confirm_view, name="payout-confirm"),
    path("online/<int:pk>/", payout_views.online_allocate_view, name="online-allocate"),
    path("reconciliation/", refund_views.reconciliation_report, name="reconciliation"),
]
