"""Reminders are documents (DOMAIN §7): PDF in the person's language, batches per run, the post
with its list of registered letters, e-mail, the log of sendings (worked example 11)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core import mail as django_mail
from django.urls import reverse
from openpyxl import load_workbook
from tests.documents.test_document_language import labels
from tests.documents.test_rendering import pdf_text, scanned
from tests.dunning.builders import invoice_of, parent, world
from tests.dunning.test_reminders import run

from regie.core.models import Organisation, Role
from regie.core.tenancy import current_organisation, scope
from regie.documents import files
from regie.documents.batches import batch_build, batch_create, letters_path
from regie.documents.kinds import kind_get
from regie.documents.mail import sendings_queue, sendings_send
from regie.documents.models import BatchStatus, Sending, SendingStatus
from regie.documents.rendering import renderer_for
from regie.dunning.documents import REMINDER, reminders_data
from regie.dunning.models import Reminder

pytestmark = pytest.mark.django_db

IBAN, BIC = "BE71096123456769", "GKCCBEBB"


def example_11(notice_fee: int = 2000, **person):
    """Run example 11's three levels on one invoice of 25.00; return the three reminders."""
    Organisation.objects.filter(pk=current_organisation().pk).update(iban=IBAN, bic=BIC)
    setup, policy = world()
    levels = {level.number: level for level in policy.levels.all()}
    levels[2].letter_nl = "Beste {{ person }},\n\nWij herinneren u aan {{ total }}."
    levels[2].save()
    levels[3].fee_cents = notice_fee
    levels[3].save()
    person = parent(**person)
    invoice = invoice_of(setup, person, 2500)
    days = (date(2026, 3, 11), date(2026, 4, 1), date(2026, 5, 1))
    runs = [run(policy, number, day) for number, day in enumerate(days, start=1)]
    return [Reminder.objects.get(run=r) for r in runs], invoice


def test_the_formal_notice_prints_its_invoices_fee_lowered_to_the_cap_and_total(in_a):
    """Example 11: the notice charges 15.00 (cap 20.00) on 25.00 open; the QR code asks 40.00."""
    (_first, _second, notice), invoice = example_11()
    (document,) = reminders_data([notice.pk])
    assert (document["number"], document["formal_notice"]) == ("RAP/2026/00003", True)
    assert document["items"] == [
        {"number": invoice.number, "due_date": "28/02/2026", "open": "25,00 €"}
    ]
    assert (document["principal"], document["fee"], document["fee_cap"]) == (
        "25,00 €",
        "15,00 €",
        "20,00 €",
    )
    assert (document["total"], document["due_date"]) == ("40,00 €", "16/05/2026")
    assert document["communication"] == notice.formatted_communication
    assert document["payment"]["amount_cents"] == 4000
    assert document["file_name"] == "RAP-2026-00003.pdf"


def test_a_reminder_pdf_speaks_dutch_with_its_letter_and_a_qr_code_of_the_total(in_a):
    """The second reminder of a Dutch speaker: the level's Dutch letter filled in, the fee,
    the total, and a QR code that scans to 30.00 and the reminder's communication."""
    (_first, second, _notice), _invoice = example_11(language="nl")
    (document,) = reminders_data([second.pk])
    kind = kind_get(REMINDER)
    renderer = renderer_for(
        files.template_for(in_a.pk, kind.template, kind.folder), files.media_root()
    )
    pages, text = pdf_text(renderer.render(document))
    assert pages == 1
    for words in ("Herinnering", "RAP/2026/00002", "Beste Pierre Boulanger", "30,00 €"):
        assert words in text
    assert "Herinneringskosten" in text and "verlaagd" not in text
    (payload,) = scanned(renderer.render_png(document, ppi=150)[0])
    fields = payload.decode().split("\n")
    assert (fields[7], fields[9]) == ("EUR30", second.communication)


def test_the_formal_notice_goes_by_post_with_its_list_of_registered_letters(in_a):
    """A person who chose e-mail still receives the formal notice by post: the run's post
    batch holds it, logs it printed, and lists it for the post office."""
    (_first, _second, notice), _invoice = example_11(delivery="email", email="p@example.be")
    batch = batch_build(batch_create(kind=REMINDER, format="post", group=notice.run_id), workers=1)
    assert (batch.status, batch.produced) == (BatchStatus.DONE, 1)
    assert batch.file.endswith(f"rappels-courrier-run-{notice.run_id}.pdf")
    printed = Sending.objects.get(kind=REMINDER)
    assert (printed.document_id, printed.status) == (notice.pk, SendingStatus.PRINTED)
    sheet = load_workbook(io.BytesIO(letters_path(batch).read_bytes())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)]
    assert rows == [["Pierre Boulanger", "Rue Léon Morel 1, 5032 Isnes", "5032", notice.number, 40]]
    assert sendings_queue([notice.pk], kind=REMINDER) == ([], 1)


def test_a_reminder_is_e_mailed_with_its_pdf_and_logged(in_a):
    """The first reminder of a person who chose e-mail is sent once, with its PDF attached."""
    (first, _second, _notice), _invoice = example_11(delivery="email", email="p@example.be")
    queued, by_post = sendings_queue([first.pk], kind=REMINDER)
    assert by_post == 0 and sendings_send([s.pk for s in queued]) == {"sent": 1, "failed": 0}
    (message,) = django_mail.outbox
    assert message.to == ["p@example.be"] and first.number in message.subject
    assert "25,00 €" in message.body and first.formatted_communication in message.body
    ((name, _pdf, kind),) = message.attachments
    assert (name, kind) == ("RAP-2026-00001.pdf", "application/pdf")
    assert Sending.objects.get(kind=REMINDER).status == SendingStatus.SENT
    assert sendings_queue([first.pk], kind=REMINDER) == ([], 0)  # never twice


def test_every_language_of_the_reminder_has_every_label():
    source = (kind_get(REMINDER).folder / "reminder.typ").read_text(encoding="utf-8")
    found = labels(source)
    assert set(found) == {"fr", "nl", "de"}
    assert found["fr"].keys() == found["nl"].keys() == found["de"].keys()


def test_a_reminder_keeps_the_address_and_e_mail_it_was_issued_to(in_a):
    """The person moves after the formal notice: its letter, the list of registered letters,
    its e-mail and its page keep the address of the day it was issued; a later reminder has
    the new one."""
    (first, _second, notice), _invoice = example_11(delivery="email", email="p@example.be")
    person = notice.person
    type(person).objects.filter(pk=person.pk).update(
        street="Chaussée de Namur 5", postcode="5000", city="Namur", email="new@example.be"
    )
    (document,) = reminders_data([notice.pk])
    assert document["recipient"]["address"] == ["Rue Léon Morel 1", "5032 Isnes"]
    batch = batch_build(batch_create(kind=REMINDER, format="post", group=notice.run_id), workers=1)
    sheet = load_workbook(io.BytesIO(letters_path(batch).read_bytes())).active
    [row] = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)]
    assert row[:3] == ["Pierre Boulanger", "Rue Léon Morel 1, 5032 Isnes", "5032"]
    queued, _by_post = sendings_queue([first.pk], kind=REMINDER)
    sendings_send([s.pk for s in queued])
    assert django_mail.outbox[0].to == ["p@example.be"]
    person.refresh_from_db()
    later = Reminder(person=person)
    later.address_take(person)
    assert (later.street, later.postcode, later.email) == (
        "Chaussée de Namur 5",
        "5000",
        "new@example.be",
    )


def test_the_reminder_page_shows_the_address_it_was_issued_to(org_a, login):
    with scope(org_a):
        (first, _second, _notice), _invoice = example_11(email="p@example.be")
        type(first.person).objects.filter(pk=first.person_id).update(street="Chaussée de Namur 5")
    page = login(org_a, Role.FINANCE).get(reverse("dunning:reminder", args=[first.pk]))
    text = page.content.decode()
    assert "Rue Léon Morel 1" in text and "p@example.be" in text
    assert "Chaussée de Namur" not in text
