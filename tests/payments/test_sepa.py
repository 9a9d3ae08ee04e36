"""Specification of refunds as a SEPA credit transfer file (ISO 20022 pain.001.001.09).

The file is parsed back: its transfers, amounts, IBANs and control sums must be those of the
refunds, the organisation's account must be the debtor, and it must be valid against the
pain.001.001.09 schema.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sepaxml
from django.urls import reverse
from lxml import etree
from tests import factories as f
from tests.conftest import with_token
from tests.payments import test_payment_services as spec

from regie.core.errors import DomainError
from regie.core.models import AuditLog, Role
from regie.payments.models import Refund
from regie.payments.refunds import batches, refund_create, refunds_gather, sepa_xml, unsent_refunds
from regie.payments.services import payment_create

invoices = spec.invoices  # Anne Dupont (IBAN BE71 0961 2345 6769) owes 2.50 in all
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
XSD = Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.09.xsd"


@pytest.fixture
def refunds(invoices, org_a):
    """Anne Dupont overpaid 10.00; Bob Martin paid 0.05 without owing anything; both are
    refunded in full (7.50 and 0.05)."""
    org_a.bic = "GKCCBEBB"
    org_a.save()
    mum, _ = invoices
    bob = f.person("Martin", "Bob")
    bob.iban = "BE68539007547034"
    bob.save()
    payment_create(person=mum, day=date(2025, 12, 5), amount_cents=1000, mode="transfer")
    payment_create(person=bob, day=date(2025, 12, 5), amount_cents=5, mode="cash")
    return [
        refund_create(person=mum, amount_cents=750, day=date(2025, 12, 8)),
        refund_create(person=bob, amount_cents=5, day=date(2025, 12, 8)),
    ]


def parse(content: bytes):
    return etree.fromstring(content)  # noqa: S320 (the file under test)


def test_the_sepa_file_pays_each_refund_from_the_organisations_account(refunds, org_a):
    """Two transfers, 7.55 in all, to the refunds' IBANs, from the organisation's IBAN/BIC,
    with the batch as message id; valid against the pain.001.001.09 schema."""
    document = parse(sepa_xml(organisation=org_a, refunds=refunds, batch="SEPA/2025/00001"))

    assert etree.XMLSchema(etree.parse(str(XSD))).validate(document)
    header = document.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert header.findtext("p:MsgId", namespaces=NS) == "SEPA/2025/00001"
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "2"
    assert Decimal(header.findtext("p:CtrlSum", namespaces=NS)) == Decimal("7.55")
    info = document.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert info.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == org_a.iban
    assert info.findtext("p:DbtrAgt/p:FinInstnId/p:BICFI", namespaces=NS) == "GKCCBEBB"
    transfers = [
        (
            tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS),
            tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
            tx.find("p:Amt/p:InstdAmt", NS).text,
            tx.find("p:Amt/p:InstdAmt", NS).get("Ccy"),
        )
        for tx in info.findall("p:CdtTrfTxInf", NS)
    ]
    assert transfers == [
        (f"REFUND{refunds[0].pk}", "BE71096123456769", "7.50", "EUR"),
        (f"REFUND{refunds[1].pk}", "BE68539007547034", "0.05", "EUR"),
    ]


def test_gathering_marks_the_unsent_refunds_with_a_new_batch(refunds, org_a):
    first = refunds_gather(organisation=org_a, today=date(2025, 12, 9))

    assert first == "SEPA/2025/00001"
    assert set(Refund.objects.values_list("batch", flat=True)) == {first}
    assert not unsent_refunds().exists()
    assert [(b.name, b.count, b.total_cents) for b in batches()] == [(first, 2, 755)]
    with pytest.raises(DomainError) as nothing:
        refunds_gather(organisation=org_a, today=date(2025, 12, 9))
    assert nothing.value.code == "refund.nothing_to_send"


def test_a_file_the_bank_would_refuse_is_not_written_and_the_refunds_stay_unsent(refunds, org_a):
    """A refund whose IBAN is not one (changed behind the screens) fails the schema check."""
    Refund.objects.filter(pk=refunds[1].pk).update(iban="not an iban")

    with pytest.raises(DomainError) as refused:
        refunds_gather(organisation=org_a, today=date(2025, 12, 9))

    assert refused.value.code == "refund.invalid_sepa"
    assert unsent_refunds().count() == 2


def test_an_organisation_without_iban_cannot_write_a_sepa_file(refunds, org_a):
    org_a.iban = ""
    org_a.save()

    with pytest.raises(DomainError) as refused:
        refunds_gather(organisation=org_a)

    assert refused.value.code == "refund.no_debtor_iban"


def test_the_officer_writes_and_downloads_the_file(refunds, org_a, login):
    """From the refunds screen: write the file, then download it (logged as an export)."""
    client = login(org_a, Role.FINANCE)

    client.post(reverse("payments:sepa-create"), with_token())
    batch = Refund.objects.values_list("batch", flat=True).first()
    listing = client.get(reverse("payments:refund-list")).content.decode()
    response = client.get(reverse("payments:sepa-file"), {"batch": batch})
    unknown = client.get(reverse("payments:sepa-file"), {"batch": "SEPA/1999/00001"})

    assert f'data-batch="{batch}"' in listing
    assert response["Content-Type"] == "application/xml"
    assert (
        response["Content-Disposition"] == f'attachment; filename="{batch.replace("/", "-")}.xml"'
    )
    document = parse(response.content)
    assert len(document.findall(".//p:CdtTrfTxInf", NS)) == 2
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, detail=batch).exists()
    assert unknown["Location"] == reverse("payments:refund-list")


def test_without_a_known_bic_the_debtor_bank_is_not_provided(refunds, org_a):
    """An IBAN-only SEPA transfer: the debtor agent says NOTPROVIDED, the file stays valid."""
    org_a.iban, org_a.bic = "BE68539007547034", ""  # no BIC in schwifty's registry for 539

    document = parse(sepa_xml(organisation=org_a, refunds=refunds, batch="SEPA/2025/00002"))

    agent = document.find(".//p:PmtInf/p:DbtrAgt/p:FinInstnId", NS)
    assert agent.findtext("p:Othr/p:Id", namespaces=NS) == "NOTPROVIDED"
    assert etree.XMLSchema(etree.parse(str(XSD))).validate(document)
