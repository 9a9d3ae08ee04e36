from django.urls import path

from regie.ledger import views

app_name = "ledger"

urlpatterns = [
    path("trial-balance/", views.TrialBalanceView.as_view(), name="trial-balance"),
    path("trial-balance/export/", views.TrialBalanceExport.as_view(), name="trial-balance-export"),
    path("receivables/", views.ReceivablesView.as_view(), name="receivables"),
    path("receivables/export/", views.ReceivablesExport.as_view(), name="receivables-export"),
]
