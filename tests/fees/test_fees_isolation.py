"""Services and files of one organisation never reach another's."""

from __future__ import annotations

from tests.fees import builders as b
from tests.payments.payment_builders import coda_file

from regie.core.tenancy import scope
from regie.fees.models import FileState, Service, ServiceFile
from regie.fees.services import file_push
from regie.payments.imports import statements_import


def test_a_communication_of_another_organisations_file_pays_nothing_here(org_a, org_b):
    with scope(org_b):
        service = b.service()
        file_push(service=service, data=b.container("B-1"))
        theirs, _ = file_push(service=service, data=b.container("B-2"))
    with scope(org_a):
        ours, _ = file_push(service=b.service(), data=b.container("A-1"))
        assert ours.communication != theirs.communication
        assert list(ServiceFile.objects.all()) == [ours]
        assert Service.objects.count() == 1
        result = statements_import(data=coda_file([(3000, theirs.communication)]), name="a.cod")
        assert (result.accepted, result.rejected) == (0, 1)
    with scope(org_b):
        theirs.refresh_from_db()
        assert theirs.state == FileState.AWAITING_PAYMENT


def test_the_same_file_id_in_two_organisations_is_two_files(org_a, org_b):
    with scope(org_a):
        ours, _ = file_push(service=b.service(), data=b.container())
    with scope(org_b):
        theirs, outcome = file_push(service=b.service(), data=b.container())
    assert outcome == "created" and ours.pk != theirs.pk
