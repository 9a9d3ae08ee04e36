"""The finance officer's screens of service files (namespace ``fees-files``)."""

from django.urls import path

from regie.fees import bulk_invoicing, refund_views, request_views, views

app_name = "fees-files"
urlpatterns = [
    path("", views.FileList.as_view(), name="file-list"),
    path("invoice/", bulk_invoicing.files_invoice_view, name="files-invoice"),
    path("<int:pk>/", views.file_detail, name="file-detail"),
    path("<int:pk>/pay/", views.file_pay_view, name="file-pay"),
    path("<int:pk>/refund/", refund_views.file_refund_view, name="file-refund"),
    path("<int:pk>/invoice/", views.file_invoice_view, name="file-invoice"),
    path("<int:pk>/request.pdf", request_views.request_pdf, name="request-pdf"),
    path("<int:pk>/request/send/", request_views.request_resend_view, name="request-resend"),
    path(
        "<int:pk>/callbacks/<int:callback_pk>/retry/",
        views.callback_retry_view,
        name="callback-retry",
    ),
]
