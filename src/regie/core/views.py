"""Back-office shell: home page, organisation switcher, capability checks for views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from regie.core.dashboard import dashboard
from regie.core.errors import DomainError
from regie.core.middleware import SESSION_KEY
from regie.core.models import AuditLog, Job
from regie.core.permissions import role_can


class CapabilityRequiredMixin(LoginRequiredMixin):
    """Require a logged-in member of the active organisation whose role grants ``capability``."""

    capability: str = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.organisation is None or not role_can(request.role, self.capability):
            raise PermissionDenied(_("Your role does not allow this."))
        return super().dispatch(request, *args, **kwargs)


def require_capability(request, capability: str) -> None:
    """Raise PermissionDenied unless the request's role grants ``capability``."""
    if getattr(request, "organisation", None) is None or not role_can(request.role, capability):
        raise PermissionDenied(_("Your role does not allow this."))


def audit(request, *, action: str, obj, detail: str = "") -> None:
    """Write an audit entry for ``obj`` by the request's user."""
    AuditLog.objects.create(
        user=request.user,
        action=action,
        model=obj._meta.label,
        object_id=str(obj.pk),
        detail=detail[:200],
    )


def home(request):
    """Show the dashboard of the active organisation."""
    if not request.user.is_authenticated:
        return HttpResponseRedirect("/login/")
    sections = dashboard(request.role) if request.organisation else []
    return render(request, "core/home.html", {"sections": sections})


@require_POST
def switch_organisation(request):
    """Make another of the user's organisations the active one."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    wanted = request.POST.get("organisation")
    chosen = next(
        (m for m in getattr(request, "memberships", []) if str(m.organisation_id) == wanted), None
    )
    if chosen is None:
        messages.error(request, _("You are not a member of that organisation."))
    else:
        request.session[SESSION_KEY] = chosen.organisation_id
        messages.success(
            request, _("You now work in %(organisation)s.") % {"organisation": chosen.organisation}
        )
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)


def _job_or_404(request, pk: int) -> Job:
    if not request.user.is_authenticated:
        raise PermissionDenied
    if request.organisation is None:
        raise Http404
    return get_object_or_404(Job.objects.all(), pk=pk)


def job_detail(request, pk: int):
    """Show a background job's progress bar, then its outcome and where to go next."""
    if not request.user.is_authenticated:
        return HttpResponseRedirect(f"/login/?next={request.path}")
    job = _job_or_404(request, pk)
    return render(request, "core/job.html", {"job": job})


def job_status(request, pk: int):
    """Return a job's progress as JSON for the progress bar."""
    job = _job_or_404(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            "finished": job.finished,
        }
    )


class ServiceFormMixin:
    """A create or update view whose form's instance is written by a service, not ``save()``.

    The view defines ``write(form)``, which calls the service and returns the saved record; a
    business error or a validation error of the service shows above the form.
    """

    def write(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.object = self.write(form)
        except DomainError as error:
            form.add_error(None, error.translated())
            return self.form_invalid(form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        message = self.get_success_message(form.cleaned_data)
        if message:
            messages.success(self.request, message)
        return HttpResponseRedirect(self.get_success_url())
