from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from regie.core import member_views, token_views
from regie.core import views as core_views
from regie.core.admin_site import site as admin_site

urlpatterns = [
    path("", core_views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("organisation/", core_views.switch_organisation, name="switch-organisation"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("account/api-tokens/", token_views.api_tokens, name="api-tokens"),
    path(
        "account/api-tokens/<int:pk>/revoke/",
        token_views.api_token_revoke_view,
        name="api-token-revoke",
    ),
    path("", include("regie.security.urls")),
    path("members/", include("regie.core.member_urls")),
    path("invitation/<str:secret>/", member_views.invitation, name="invitation"),
    path("jobs/<int:pk>/", core_views.job_detail, name="job"),
    path("jobs/<int:pk>/status/", core_views.job_status, name="job-status"),
    path("registry/", include("regie.people.urls")),
    path("activities/", include("regie.activities.urls")),
    path("attendance/", include("regie.attendance.urls")),
    path("attendance/checks/", include("regie.attendance.checks_urls")),
    path("payments/", include("regie.payments.urls")),
    path("billing/", include("regie.billing.urls")),
    path("documents/", include("regie.documents.urls")),
    path("ledger/", include("regie.ledger.urls")),
    path("collection/", include("regie.dunning.urls")),
    path("exports/", include("regie.exports.urls")),
    path("api/", include("regie.api.urls")),
    path("scan/", include("regie.scanning.urls")),
    path("certificates/", include("regie.certificates.urls")),
    path("statistics/", include("regie.statistics.urls")),
    path("pay/", include("regie.fees.urls")),
    path("fees/files/", include("regie.fees.staff_urls")),
    path("config/", admin_site.urls),
]

# Nothing under MEDIA_ROOT is served by its path, in any setting: documents (invoice batches,
# templates, logos) hold personal data and are served only by views that check the
# organisation and the role (e.g. ``documents:batch-download``).
