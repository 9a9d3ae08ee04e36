"""Bank screens: import a bank file, the imported files, the movements and their correction."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import generic

from regie.core.badinput import id_param
from regie.core.errors import DomainError
from regie.core.models import Job
from regie.core.money import format_cents
from regie.core.once import OnceMixin, once_view
from regie.core.views import CapabilityRequiredMixin, require_capability
from regie.exports.lists import (
    ListColumn,
    ListExportMixin,
    export_answer,
    export_query,
    wants_export,
)
from regie.exports.xlsx import DATE, MONEY
from regie.payments import selectors
from regie.payments.allocation import OpenItem, propose
from regie.payments.corrections import movement_correct
from regie.payments.forms import (
    ImportForm,
    MovementFilter,
    SetAsideForm,
    SplitForm,
    split_initial,
)
from regie.payments.models import (
    BankMovement,
    MovementStatus,
    OnlinePayment,
    StatementFile,
    live_payments,
)
from regie.payments.outcomes import live_outcome, payer_of, undo_refusal
from regie.payments.refunds import with_credit
from regie.payments.tasks import KIND_IMPORT, import_job_start
from regie.payments.templatetags.payments_tags import communication
from regie.people.models import Person
from regie.people.selectors import search_persons, with_children

MOVEMENTS_PER_PAGE = 100
PERSONS_FOUND = 20


def querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def movements_context(request, queryset) -> dict:
    """Return the context of the movements table: a page grouped by status, and the totals."""
    totals = selectors.status_totals(queryset)
    ordered = queryset.order_by(selectors.status_ordering(), "-entry_date", "sequence", "pk")
    page = Paginator(ordered, MOVEMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return {
        "page_obj": page,
        "paginator": page.paginator,
        "groups": selectors.grouped_by_status(page.object_list, totals),
        "totals": totals,
        "query": querystring_without_page(request),
    }


def user_name(path: str):
    """Annotate a user's name as the screens show it: first and last name, else the login."""
    full = Concat(f"{path}__first_name", Value(" "), f"{path}__last_name")
    return Coalesce(NullIf(Trim(full), Value("")), f"{path}__username")


class FileList(ListExportMixin, CapabilityRequiredMixin, generic.ListView):
    """The imported bank files, the latest first (and their export)."""

    capability = "finance.view"
    template_name = "payments/file_list.html"
    paginate_by = 50
    export_name = "fichiers-bancaires"
    export_title = _lazy("Bank files")
    export_columns = (
        ListColumn(_lazy("File"), "name"),
        ListColumn(_lazy("Format"), "format"),
        ListColumn(_lazy("Imported at"), "imported_at", display=timezone.localtime),
        ListColumn(_lazy("By"), "imported_by_name"),
        ListColumn(_lazy("New movements"), "movements_new"),
        ListColumn(_lazy("Already imported"), "movements_known"),
    )

    def get_queryset(self):
        files = StatementFile.objects.select_related("imported_by")
        return files.annotate(imported_by_name=user_name("imported_by"))


class StatementImport(CapabilityRequiredMixin, OnceMixin, generic.FormView):
    """Upload a CODA or camt.053 file; it is imported by a background job."""

    capability = "finance.edit"
    template_name = "payments/import.html"
    form_class = ImportForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["jobs"] = Job.objects.filter(kind=KIND_IMPORT)[:5]
        return context

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        job = import_job_start(
            organisation=self.request.organisation,
            user=self.request.user,
            name=upload.name,
            data=upload.read(),
        )
        return redirect("job", pk=job.pk)


def file_detail(request, pk: int):
    """Show an imported file: its statements, then its accepted and rejected movements."""
    require_capability(request, "finance.view")
    file = get_object_or_404(StatementFile.objects.select_related("imported_by"), pk=pk)
    context = movements_context(request, selectors.movements(file_id=file.pk))
    context.update(file=file, statements=file.statements.order_by("account", "number", "pk"))
    return render(request, "payments/file_detail.html", context)


MOVEMENT_COLUMNS = (
    ListColumn(
        _lazy("Status"), "status", display=lambda v: str(MovementStatus(v).label).capitalize()
    ),
    ListColumn(_lazy("Date"), "entry_date", DATE),
    ListColumn(_lazy("Account"), "statement__account"),
    ListColumn(_lazy("Structured communication"), "reference", display=communication),
    ListColumn(_lazy("Communication"), "communication"),
    ListColumn(_lazy("Counterparty"), "counterparty_name"),
    ListColumn(_lazy("Amount"), "amount_cents", MONEY),
)


def movement_list(request):
    """List the movements by status with their totals; filters by date, status and account."""
    require_capability(request, "finance.view")
    filters = MovementFilter(request.GET or None)
    movements = selectors.movements(**filters.filters())
    if wants_export(request):
        ordered = movements.prefetch_related(None).order_by(
            selectors.status_ordering(), "-entry_date", "sequence", "pk"
        )
        return export_answer(
            request, ordered, name="mouvements", title=_lazy("Bank movements"),
            columns=MOVEMENT_COLUMNS,
        )  # fmt: skip
    context = movements_context(request, movements)
    context.update(filters=filters, export_query=export_query(request))
    context["online_to_allocate"] = OnlinePayment.objects.filter(payment__isnull=True).count()
    return render(request, "payments/movement_list.html", context)


def persons_found(query: str):
    """Return the persons whose names match ``query`` (at most a screenful), with their credit."""
    if not query.strip():
        return []
    found = search_persons({"q": query, "status": "all"}).order_by("last_name", "first_name")
    persons = list(with_children(with_credit(found))[:PERSONS_FOUND])
    for person in persons:
        person.credit_euros = format_cents(person.credit_cents)
    return persons


def chosen_person(request) -> Person | None:
    """Return the person named by ``?person=`` (GET or POST), 404 when not the organisation's."""
    wanted = request.POST.get("person") or request.GET.get("person")
    if not wanted:
        return None
    return get_object_or_404(with_credit(Person.objects.all()), pk=id_param(wanted, "person"))


def proposed_split(amount_cents: int, rows) -> SplitForm:
    """Return an unbound split form holding the proposal: oldest due date first."""
    items = [OpenItem(row.id, row.due_date, row.open_cents) for row in rows]
    return SplitForm(rows=rows, initial=split_initial(propose(amount_cents, items).allocations))


def movement_of(pk: int) -> BankMovement:
    """Return the organisation's movement ``pk`` (404 otherwise), with what its page shows."""
    return get_object_or_404(
        BankMovement.objects.select_related("statement").prefetch_related(live_payments()), pk=pk
    )


def movement_context(movement: BankMovement, set_aside: SetAsideForm | None = None) -> dict:
    """Return what a movement's page shows: its payments, and what was done with it (set
    aside, refunded) or can be done (allocated, set aside, refunded, undone)."""
    rejected = movement.status == MovementStatus.REJECTED and movement.amount_cents > 0
    outcome = live_outcome(movement)
    try:
        payer = payer_of(movement) if rejected else None
        refund_refusal = None
    except DomainError as error:
        payer, refund_refusal = None, error.translated()
    refusal = undo_refusal(outcome.refund) if outcome else None
    cancelled = movement.payments.filter(cancelled_at__isnull=False).select_related("person")
    return {
        "movement": movement,
        "correctable": rejected,
        "cancelled_payments": cancelled.order_by("cancelled_at", "pk"),
        "outcome": outcome,
        "undo_refusal": refusal.translated() if refusal else None,
        "set_aside_form": set_aside or SetAsideForm(),
        "payer": payer,
        "refund_refusal": refund_refusal,
    }


@once_view
def movement_detail(request, pk: int):
    """Show a movement; a rejected one is corrected here: choose the person, split the amount."""
    require_capability(request, "finance.view")
    movement = movement_of(pk)
    if request.method == "POST":
        require_capability(request, "finance.edit")
    context = movement_context(movement)
    person = chosen_person(request) if context["correctable"] else None
    context["person"] = person
    if person is None:
        correctable = context["correctable"]
        query = request.GET.get("q", movement.counterparty_name if correctable else "")
        context.update(query=query, found=persons_found(query) if correctable else [])
        return render(request, "payments/movement_detail.html", context)

    def allocate(split):
        return movement_correct(movement=movement, person=person, split=split, user=request.user)

    done = _("The movement is allocated to %(person)s.") % {"person": person}
    context["amount_cents"] = movement.amount_cents
    return by_hand(request, context, allocate, done, "payments/movement_detail.html")


def by_hand(request, context: dict, allocate, done: str, template: str):
    """Answer the split of an amount over the open items of ``context["person"]``: proposed
    (oldest due first), or posted and given to ``allocate(split)``, which returns the payment
    (then ``done`` is said, and the payment shown) or raises a :class:`DomainError`."""
    rows = selectors.item_rows(context["person"].pk)
    split = SplitForm(request.POST or None, rows=rows)
    if request.method == "POST" and split.is_valid():
        try:
            payment = allocate(split.split())
        except DomainError as error:
            split.add_error(None, error.translated())
        else:
            messages.success(request, done)
            return redirect("payments:payment-detail", pk=payment.pk)
    elif request.method != "POST":
        split = proposed_split(context["amount_cents"], rows)
    context.update(split=split, rows=rows)
    return render(request, template, context)
