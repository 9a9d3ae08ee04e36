"""Documents of every kind, batches and sendings (namespace ``documents``).

``documents:group`` (kind, group id) is the documents page of a group: a billing run's
invoices (also ``documents:run``), a reminder run's reminders; ``documents:pdf`` and
``documents:send`` (kind, id) print and e-mail one document.
"""

from django.urls import path

from regie.documents import views

app_name = "documents"
urlpatterns = [
    path("runs/<int:pk>/", views.run_documents, name="run"),
    path("runs/<int:pk>/generate/", views.run_generate, name="run-generate"),
    path("runs/<int:pk>/send/", views.run_send, name="run-send"),
    path("groups/<slug:kind>/<int:pk>/", views.group_documents, name="group"),
    path("groups/<slug:kind>/<int:pk>/generate/", views.group_generate, name="group-generate"),
    path("groups/<slug:kind>/<int:pk>/send/", views.group_send, name="group-send"),
    path("selection/", views.selection_generate, name="selection"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice-pdf"),
    path("invoices/<int:pk>/send/", views.invoice_send, name="invoice-send"),
    path("invoices/<int:pk>/refresh/", views.invoice_refresh, name="invoice-refresh"),
    path("batches/", views.BatchList.as_view(), name="batch-list"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/download/", views.batch_download, name="batch-download"),
    path("batches/<int:pk>/letters/", views.batch_letters, name="batch-letters"),
    path("sendings/", views.SendingList.as_view(), name="sending-list"),
    path("sendings/<int:pk>/retry/", views.sending_retry, name="sending-retry"),
    path("sendings/retry/", views.sendings_retry_failed, name="sending-retry-all"),
    path("<slug:kind>/<int:pk>/pdf/", views.document_pdf, name="pdf"),
    path("<slug:kind>/<int:pk>/send/", views.document_send, name="send"),
]
