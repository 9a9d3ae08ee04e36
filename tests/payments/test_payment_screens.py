"""Specification of the payment screens: bank file import as a job, movements and their
correction, manual payments with their split, receipts, cancellation, refunds, roles.

Wording is translated later, so these tests read states, codes, figures and data attributes.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from tests import factories as f
from tests.conftest import with_token
from tests.payments import test_payment_services as spec

from regie.core.models import Job, Role
from regie.core.tenancy import scope
from regie.payments.models import BankMovement, MovementStatus, Payment, Refund, StatementFile
from regie.payments.services import payment_create, person_credit
from regie.payments.statement_check import check_data
from regie.people.models import Person

invoices = spec.invoices  # Anne Dupont's posted invoices: October 2.00, November 0.50
open_of = spec.open_of


@pytest.fixture
def finance(org_a, login):
    return login(org_a, Role.FINANCE)


def upload(client, data: bytes, name: str, capture):
    """Post a bank file to the import screen; return the job it started (run at once)."""
    with capture(execute=True):
        response = client.post(
            reverse("payments:statement-import"),
            with_token({"file": SimpleUploadedFile(name, data)}),
        )
    job = Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert response["Location"] == reverse("job", args=[job.pk])
    return job


def test_import_runs_as_a_job_and_reports_new_accepted_and_rejected_movements(
    invoices, finance, django_capture_on_commit_callbacks
):
    """Given a CODA file paying October exactly, one unknown communication and one without,
    when the finance officer uploads it, then a job imports it, reports 3 new movements, 1
    accepted (2.00) and 2 rejected (8.00), forgets the file's bytes, and links to the file."""
    mum, (october, november) = invoices
    data = spec.coda(("2.00", october.communication), ("5.00", spec.UNKNOWN), ("3.00", ""))

    job = upload(finance, data, "extrait.cod", django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    counts = job.result["counts"]
    assert (counts["new"], counts["known"], counts["accepted"], counts["rejected"]) == (3, 0, 1, 2)
    assert (counts["accepted_cents"], counts["rejected_cents"]) == (200, 800)
    assert job.parameters == {"name": "extrait.cod"}
    file = StatementFile.objects.get()
    assert job.result["next_url"] == reverse("payments:file-detail", args=[file.pk])
    page = finance.get(job.result["next_url"]).content.decode()
    assert 'data-status="accepted" data-count="1" data-total="200"' in page
    assert 'data-status="rejected" data-count="2" data-total="800"' in page
    assert open_of(october) == 0


def test_a_file_stripped_of_its_trailing_blanks_is_imported_with_a_warning(
    invoices, finance, django_capture_on_commit_callbacks
):
    """Issue 12 item 6: the bank left the trailer's last code blank and a transfer tool cut
    the blanks: the file is imported and the job's summary says which line was padded."""
    mum, (october, _) = invoices
    lines = spec.coda(("2.00", october.communication)).decode("cp1252").split("\r\n")
    lines[-2] = lines[-2][:127].rstrip(" ")
    data = "\r\n".join(lines).encode("cp1252")

    job = upload(finance, data, "extrait.cod", django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.result["counts"]["accepted"] == 1
    assert f": {len(lines) - 1})" in job.result["summary"]  # the trailer's line number
    assert open_of(october) == 0


def test_importing_the_same_file_again_says_so_and_imports_nothing(
    invoices, finance, django_capture_on_commit_callbacks
):
    mum, (october, _) = invoices
    data = spec.coda(("2.00", october.communication))
    upload(finance, data, "a.cod", django_capture_on_commit_callbacks)

    again = upload(finance, data, "a-copie.cod", django_capture_on_commit_callbacks)

    again.refresh_from_db()
    assert again.result["counts"]["already_imported"] is True
    assert "a.cod" in again.result["summary"]
    assert BankMovement.objects.count() == 1 and Payment.objects.count() == 1


def test_a_refused_file_is_shown_again_with_the_parsers_translated_reason(in_a, finance):
    """Given a file that is no CODA, the form is shown again with the parser's reason in the
    user's language, never a traceback; no job starts and nothing is imported."""
    data = b"0000001010000000000000000000000000000000000000000000000000000000\r\n"

    response = finance.post(
        reverse("payments:statement-import"),
        with_token({"file": SimpleUploadedFile("broken.cod", data)}),
    )

    assert response.status_code == 200
    with translation.override("fr"):
        expected = check_data(data, "broken.cod").errors[0].translated()
    page = response.content.decode()
    assert escape(expected) in page and "Traceback" not in page
    assert not Job.objects.exists() and not StatementFile.objects.exists()


def test_a_statement_that_does_not_follow_the_previous_one_is_reported(
    invoices, finance, django_capture_on_commit_callbacks
):
    """Statement 2 starts from 1000.00 although statement 1 ended at 1002.00: a gap."""
    mum, (october, _) = invoices
    upload(
        finance,
        spec.coda(("2.00", october.communication)),
        "1.cod",
        django_capture_on_commit_callbacks,
    )

    job = upload(
        finance, spec.coda(("0.10", ""), number=2), "2.cod", django_capture_on_commit_callbacks
    )

    job.refresh_from_db()
    assert job.result["counts"]["gaps"] == [f"{spec.ACCOUNT} #2"]
    page = finance.get(job.result["next_url"]).content.decode()
    assert 'class="gap"' in page


def test_movements_are_listed_by_status_with_totals_and_filtered(invoices, finance):
    mum, (october, _) = invoices
    spec.statements_import(
        data=spec.coda(("2.00", october.communication), ("5.00", spec.UNKNOWN), ("3.00", "")),
        name="x.cod",
    )
    url = reverse("payments:movement-list")

    everything = finance.get(url).content.decode()
    rejected = finance.get(url, {"status": "rejected"}).content.decode()
    other_account = finance.get(url, {"account": "BE00NOTHING"})
    later = finance.get(url, {"date_from": "2025-12-02"}).content.decode()

    assert 'data-status="accepted" data-count="1" data-total="200"' in everything
    assert 'data-status="rejected" data-count="2" data-total="800"' in everything
    assert 'data-status="accepted"' not in rejected
    assert rejected.count("data-movement=") == 2
    assert other_account.context["filters"].errors  # not an imported account
    assert "data-movement=" not in later


def test_a_rejected_movement_is_corrected_by_searching_the_person_and_splitting_it(
    invoices, finance
):
    """Given a rejected 2.50 without communication, when the officer searches "dupont",
    chooses Anne Dupont, and gives 2.00 to October and 0.30 to November, then the movement is
    corrected, both invoices are paid as split and the 0.20 left is her credit."""
    mum, (october, november) = invoices
    spec.statements_import(data=spec.coda(("2.50", "")), name="x.cod")
    movement = BankMovement.objects.get()
    url = reverse("payments:movement-detail", args=[movement.pk])

    search = finance.get(url, {"q": "dupont"})
    chosen = finance.get(url, {"person": mum.pk})
    response = finance.post(
        url,
        with_token({"person": mum.pk, f"item_{october.pk}": "2,00", f"item_{november.pk}": "0,30"}),
    )

    assert [p.pk for p in search.context["found"]] == [mum.pk]
    assert chosen.context["split"].initial == {
        f"item_{october.pk}": 200,
        f"item_{november.pk}": 50,
    }
    payment = Payment.objects.get()
    assert response["Location"] == reverse("payments:payment-detail", args=[payment.pk])
    movement.refresh_from_db()
    assert movement.status == MovementStatus.CORRECTED
    assert (open_of(october), open_of(november)) == (0, 20)
    assert person_credit(mum.pk) == 20
    assert spec.ledger_balances()


def test_a_correction_allocating_more_than_an_invoice_owes_is_refused(invoices, finance):
    mum, (october, _) = invoices
    spec.statements_import(data=spec.coda(("5.00", "")), name="x.cod")
    movement = BankMovement.objects.get()

    response = finance.post(
        reverse("payments:movement-detail", args=[movement.pk]),
        with_token({"person": mum.pk, f"item_{october.pk}": "3,00"}),
    )

    assert response.status_code == 200
    assert response.context["split"].non_field_errors()
    movement.refresh_from_db()
    assert movement.status == MovementStatus.REJECTED and not Payment.objects.exists()


def test_another_organisations_person_cannot_be_chosen(invoices, org_b, finance):
    spec.statements_import(data=spec.coda(("2.50", "")), name="x.cod")
    movement = BankMovement.objects.get()
    with scope(org_b):
        stranger = Person.objects.create(last_name="Dupont", first_name="Bea")
    url = reverse("payments:movement-detail", args=[movement.pk])

    found = finance.get(url, {"q": "dupont"}).context["found"]

    assert stranger.pk not in [p.pk for p in found]
    assert finance.get(url, {"person": stranger.pk}).status_code == 404
    assert finance.post(url, with_token({"person": stranger.pk})).status_code == 404
    assert (
        finance.get(reverse("payments:payment-create"), {"person": stranger.pk}).status_code == 404
    )
    assert not Payment.objects.exists()


def payment_data(person, **changes) -> dict:
    data = {
        "person": person.pk,
        "amount": "1,00",
        "date": "2025-12-05",
        "reconciled_on": "2025-12-05",
        "mode": "cash",
        "comment": "guichet",
        "action": "save",
        "once": uuid.uuid4().hex,  # the form's one-time token (regie.core.once)
    }
    data.update(changes)
    return data


def test_the_payment_form_proposes_the_oldest_due_date_first(invoices, finance):
    mum, (october, november) = invoices
    url = reverse("payments:payment-create")

    response = finance.post(url, payment_data(mum, amount="2,10", action="propose"))

    assert response.status_code == 200
    assert response.context["split"].initial == {
        f"item_{october.pk}": 200,
        f"item_{november.pk}": 10,
    }
    assert 'id="person-credit">0,00' in response.content.decode()
    assert not Payment.objects.exists()


def test_a_cash_payment_with_a_chosen_split_shows_its_receipt(invoices, finance):
    """1.00 in cash: 0.50 to November, 0.25 to October; 0.25 becomes credit; the receipt page
    shows its receipt number."""
    mum, (october, november) = invoices
    response = finance.post(
        reverse("payments:payment-create"),
        payment_data(mum, **{f"item_{november.pk}": "0,50", f"item_{october.pk}": "0,25"}),
    )

    payment = Payment.objects.get()
    assert response["Location"] == reverse("payments:payment-receipt", args=[payment.pk])
    receipt = finance.get(response["Location"]).content.decode()
    assert payment.receipt_number == "REC/2025/00001"
    assert f'id="receipt-number">{payment.receipt_number}<' in receipt
    assert (open_of(october), open_of(november)) == (175, 0)
    assert (payment.comment, payment.reconciled_on) == ("guichet", date(2025, 12, 5))
    assert person_credit(mum.pk) == 25


def test_a_payment_whose_allocations_are_all_left_empty_pays_the_oldest_due_dates(
    invoices, finance
):
    """2.10 by card, no amount typed in the table: October (2.00) then 0.10 of November."""
    mum, (october, november) = invoices

    finance.post(reverse("payments:payment-create"), payment_data(mum, amount="2,10", mode="card"))

    assert (open_of(october), open_of(november)) == (0, 40)
    assert Payment.objects.get().receipt_number == ""


def test_a_zero_typed_keeps_the_whole_payment_as_credit(invoices, finance):
    mum, (october, _) = invoices

    finance.post(
        reverse("payments:payment-create"),
        payment_data(mum, amount="2,00", **{f"item_{october.pk}": "0"}),
    )

    assert open_of(october) == 200 and person_credit(mum.pk) == 200


def test_allocations_above_the_amount_are_refused_and_nothing_is_saved(invoices, finance):
    mum, (october, november) = invoices
    response = finance.post(
        reverse("payments:payment-create"),
        payment_data(
            mum, amount="0,40", **{f"item_{october.pk}": "0,30", f"item_{november.pk}": "0,20"}
        ),
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Payment.objects.exists()
    assert (open_of(october), open_of(november)) == (200, 50)


def test_the_category_filter_offers_only_the_invoices_of_those_categories(invoices, finance):
    mum, (october, november) = invoices
    other = f.category("repas", "Repas")
    url = reverse("payments:payment-create")

    accueil = finance.post(
        url, payment_data(mum, categories=[october.lines.first().category_id], action="propose")
    )
    repas = finance.post(url, payment_data(mum, categories=[other.pk], action="propose"))

    assert [row.id for row in accueil.context["rows"]] == [october.pk, november.pk]
    assert repas.context["rows"] == []


def test_cancelling_a_payment_from_its_page_restores_the_open_amounts(invoices, finance):
    mum, (october, november) = invoices
    payment = payment_create(person=mum, day=date(2025, 12, 5), amount_cents=240, mode="transfer")
    detail = reverse("payments:payment-detail", args=[payment.pk])
    assert 'id="payment-allocated">2,40' in finance.get(detail).content.decode()

    response = finance.post(reverse("payments:payment-cancel", args=[payment.pk]), with_token())
    again = finance.post(reverse("payments:payment-cancel", args=[payment.pk]), with_token())

    assert response["Location"] == detail and again["Location"] == detail
    payment.refresh_from_db()
    assert payment.cancelled_at is not None
    assert (open_of(october), open_of(november)) == (200, 50)
    assert 'id="cancelled"' in finance.get(detail).content.decode()


def test_a_refund_of_the_credit_is_recorded_and_never_above_it(invoices, finance):
    mum, _ = invoices
    payment_create(person=mum, day=date(2025, 12, 5), amount_cents=1000, mode="transfer")
    url = reverse("payments:refund-create", args=[mum.pk])
    listing = finance.get(reverse("payments:refund-list")).content.decode()
    assert f'data-person="{mum.pk}"' in listing

    too_much = finance.post(
        url, {"amount": "7,51", "iban": mum.iban, "date": "2025-12-08", "once": uuid.uuid4().hex}
    )
    form = {"amount": "7,50", "iban": "BE71 0961 2345 6769", "date": "2025-12-08"}
    done = finance.post(url, {**form, "once": uuid.uuid4().hex})

    assert too_much.status_code == 200 and too_much.context["form"].non_field_errors()
    assert done["Location"] == reverse("payments:refund-list")
    refund = Refund.objects.get()
    assert (refund.amount_cents, refund.iban, refund.batch) == (750, "BE71096123456769", "")
    assert person_credit(mum.pk) == 0


def trailer_off(data: bytes) -> bytes:
    """Return the CODA file with its trailer's credit total raised by 1 cent (thousandths)."""
    lines = data.split(b"\r\n") if b"\r\n" in data else data.split(b"\n")
    sep = b"\r\n" if b"\r\n" in data else b"\n"
    for index, line in enumerate(lines):
        if line.startswith(b"9"):
            total = int(line[37:52]) + 10
            lines[index] = line[:37] + str(total).zfill(15).encode() + line[52:]
    return sep.join(lines)


def test_a_file_whose_trailer_does_not_add_up_is_refused_in_the_form(invoices, finance):
    """The upload checks the file as the API does: the parser's reason in the form, no job."""
    mum, (october, _) = invoices
    data = trailer_off(spec.coda(("2.00", october.communication)))
    reasons = check_data(data, "x.cod").errors
    assert reasons and reasons[0].code == "coda.trailer_credit"

    response = finance.post(
        reverse("payments:statement-import"),
        with_token({"file": SimpleUploadedFile("x.cod", data)}),
    )

    assert response.status_code == 200
    with translation.override("fr"):
        assert escape(reasons[0].translated()) in response.content.decode()
    assert not Job.objects.exists() and not StatementFile.objects.exists()


def test_a_very_long_file_name_is_imported(invoices, finance, django_capture_on_commit_callbacks):
    mum, (october, _) = invoices
    name = "extrait-" + "x" * 240 + ".cod"
    job = upload(
        finance,
        spec.coda(("2.00", october.communication)),
        name,
        django_capture_on_commit_callbacks,
    )
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and len(job.title) <= 200
