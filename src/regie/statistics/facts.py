"""Pivots over invoice lines that need more than a line's amount, in one SQL statement.

Received, written off and balance per line, and the status or payment plan of a line's
invoice, are not columns of the line. Each comes from a subquery the ORM compiles (so every
piece is scoped to the active organisation by its model's manager), joined here:

- **written off per line**: the write-offs' spreads (line id → cents, reversals negative),
  unfolded by the database's JSON functions (``json_each`` on SQLite, ``jsonb_each_text`` on
  PostgreSQL);
- **received per line**: the invoice's allocations (not cancelled) shared among its lines in
  paying order (:mod:`regie.statistics.allocation`) with a running total, a window function
  ``SUM(…) OVER (PARTITION BY invoice ORDER BY date, line)``, computed over *all* the lines of
  the invoices the filter touches, so that a date or category filter never changes a line's
  part;
- **status and plan of the invoice**: :func:`regie.billing.selectors.status_conditions` as a
  ``CASE`` and the plan (if any) that holds it last, per invoice.

The outer query groups by the row and column keys and sums, like every pivot; no row is
loaded into Python.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import connection
from django.db.models import Case, CharField, F, OuterRef, Subquery, Sum, Value, When

from regie.billing.models import Invoice, InvoiceLine, Kind, WriteOff
from regie.billing.selectors import status_conditions, with_balance
from regie.dunning.plan_models import PlanInvoice
from regie.payments.models import Allocation

NO_PLAN = "none"

RECEIVED = (
    "CASE WHEN f.paid - COALESCE(f.before, 0) <= 0 THEN 0"
    " WHEN f.paid - COALESCE(f.before, 0) >= f.due THEN f.due"
    " ELSE f.paid - COALESCE(f.before, 0) END"
)
#: The SQL of each measure over the line facts ``f``.
MEASURES = {
    "received": RECEIVED,
    "written_off": "f.written",
    "balance": f"f.amount - f.written - ({RECEIVED})",
}


def _sql(queryset) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def _written_sql() -> tuple[str, tuple]:
    spreads, params = _sql(WriteOff.objects.order_by().values(w_spread=F("spread")))
    if connection.vendor == "postgresql":
        unfold = "CROSS JOIN LATERAL jsonb_each_text(s.w_spread) e"
        key, value = "CAST(e.key AS bigint)", "CAST(e.value AS bigint)"
    else:
        unfold = ", json_each(s.w_spread) e"
        key, value = "CAST(e.key AS integer)", "CAST(e.value AS integer)"
    sql = f"SELECT {key} AS line_id, SUM({value}) AS cents FROM ({spreads}) s {unfold} GROUP BY 1"  # noqa: S608
    return sql, params


def _facts_sql(invoices) -> tuple[str, tuple]:
    """Return the SQL of each line's facts: line, signed amount, written off, due, what its
    invoice received and what is due on the lines paid before it."""
    lines, p_lines = _sql(
        InvoiceLine.objects.filter(invoice__posted_at__isnull=False, invoice__in=invoices)
        .order_by()
        .values(
            l_line=F("pk"),
            l_invoice=F("invoice_id"),
            l_date=F("date"),
            l_kind=F("invoice__kind"),
            l_amount=F("amount_cents"),
        )
    )
    written, p_written = _written_sql()
    received, p_received = _sql(
        Allocation.objects.filter(cancelled=False, invoice__in=invoices)
        .order_by()
        .values(r_invoice=F("invoice"))
        .annotate(r_cents=Sum("amount_cents"))
    )
    due = (
        "CASE WHEN l.l_kind = %s AND l.l_amount - COALESCE(w.cents, 0) > 0"
        " THEN l.l_amount - COALESCE(w.cents, 0) ELSE 0 END"
    )
    sql = f"""
        SELECT l.l_line AS line_id,
          CASE WHEN l.l_kind = %s THEN l.l_amount ELSE -l.l_amount END AS amount,
          CASE WHEN l.l_kind = %s THEN COALESCE(w.cents, 0) ELSE 0 END AS written,
          {due} AS due,
          CASE WHEN l.l_kind = %s THEN COALESCE(r.r_cents, 0) ELSE 0 END AS paid,
          SUM({due}) OVER (PARTITION BY l.l_invoice ORDER BY l.l_date, l.l_line
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
        FROM ({lines}) l
        LEFT JOIN ({written}) w ON w.line_id = l.l_line
        LEFT JOIN ({received}) r ON r.r_invoice = l.l_invoice
    """  # noqa: S608 (pieces the ORM compiled; the parameters apart)
    kind = Kind.INVOICE.value
    return sql, (kind, kind, kind, kind, kind, *p_lines, *p_written, *p_received)


def _invoices_sql(invoices) -> tuple[str, tuple]:
    """Return the SQL of each invoice's status and the state of the plan holding it last."""
    status = Case(
        *[When(condition, then=Value(code)) for code, condition in status_conditions().items()],
        default=Value(""),
        output_field=CharField(),
    )
    plan = PlanInvoice.objects.filter(invoice=OuterRef("pk")).order_by("-pk").values("plan__status")
    annotated = (
        with_balance(Invoice.objects.filter(pk__in=invoices))
        .annotate(s_status=status, s_plan_state=Subquery(plan[:1]))
        .order_by()
        .values(s_invoice=F("pk"), s_status=F("s_status"), s_plan=F("s_plan_state"))
    )
    return _sql(annotated)


def grouped(dims, *, measure: str, row_fact: str, column_fact: str, columns: bool) -> list:
    """Return (row key, column key, value) groups of the filtered lines ``dims``.

    ``dims`` holds the filtered lines' ``d_line``, ``d_invoice``, ``d_amount`` (signed),
    ``row_key`` and, with ``columns``, ``column_key``; ``row_fact``/``column_fact`` name an
    invoice fact (``status``, ``plan``) that gives the key instead, or are empty.
    """
    invoices = dims.values("d_invoice")
    sql, params = _sql(dims)
    column = _key("column_key", column_fact) if columns else "NULL"
    value = {"amount": "d.d_amount", "count": "1"}.get(measure) or MEASURES[measure]
    sql = f"""
        SELECT {_key("row_key", row_fact)} AS row_key, {column} AS column_key, SUM({value})
        FROM ({sql}) d
    """  # noqa: S608 (pieces the ORM compiled; the parameters apart)
    if measure not in ("amount", "count"):
        f_sql, f_params = _facts_sql(invoices)
        sql += f" JOIN ({f_sql}) f ON f.line_id = d.d_line"
        params += f_params
    if row_fact or column_fact:
        s_sql, s_params = _invoices_sql(invoices)
        sql += f" JOIN ({s_sql}) s ON s.s_invoice = d.d_invoice"
        params += s_params
    sql += " GROUP BY 1, 2"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row, col, int(total or 0)) for row, col, total in cursor.fetchall()]


def _key(name: str, fact: str) -> str:
    if fact == "status":
        return "s.s_status"
    if fact == "plan":
        return f"COALESCE(s.s_plan, '{NO_PLAN}')"
    return f"d.{name}"


def as_date(value):
    """Return a date key as the ORM would give it (SQLite returns truncated dates as text)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value
