"""A statement of an account that is not one of the organisation's is refused, naming the
account, by the back-office upload, the API and the import itself (issue 13, 4)."""

from __future__ import annotations

import doctest
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils.html import escape
from tests.api.test_statements_api import Integration, api_user
from tests.conftest import with_token
from tests.payments import test_payment_services as spec
from tests.payments.test_reconciliation import statement_file

from regie.core.errors import DomainError
from regie.core.models import Job, Role
from regie.core.tenancy import scope
from regie.payments import accounts
from regie.payments.imports import statements_import
from regie.payments.models import BankAccount, BankMovement, StatementFile


def test_accounts_doctests():
    assert doctest.testmod(accounts).failed == 0


def test_an_organisation_lists_its_own_iban(org_a, org_b):
    with scope(org_a):
        listed = set(BankAccount.objects.values_list("iban", flat=True))
    assert org_a.iban in listed and org_b.iban not in listed


def test_another_organisations_account_is_refused_by_the_import(in_a, org_b):
    with pytest.raises(DomainError) as refused:
        statements_import(data=statement_file(("4.00", ""), account=org_b.iban), name="b.cod")
    assert refused.value.code == "statements.foreign_account"
    assert org_b.iban in refused.value.english()
    assert not StatementFile.objects.exists() and not BankMovement.objects.exists()


def test_an_inactive_account_is_refused_and_a_listed_one_accepted(in_a):
    other = "BE71096123456769"
    data = statement_file(("4.00", ""), account=other)
    BankAccount.objects.create(iban=other, is_active=False)
    with pytest.raises(DomainError):
        statements_import(data=data, name="b.cod")
    BankAccount.objects.filter(iban=other).update(is_active=True)
    assert statements_import(data=data, name="b.cod").new == 1


def test_the_upload_form_names_the_foreign_account(in_a, org_a, org_b, login):
    client = login(org_a, Role.FINANCE)
    data = statement_file(("4.00", ""), account=org_b.iban)
    response = client.post(
        reverse("payments:statement-import"),
        with_token({"file": SimpleUploadedFile("b.cod", data)}),
    )
    assert response.status_code == 200
    assert escape(org_b.iban) in response.content.decode()
    assert not Job.objects.exists()


def test_the_api_refuses_it_with_a_422(in_a, org_b):
    integration = Integration(api_user(in_a)[1])
    response = integration.upload(statement_file(("4.00", ""), account=org_b.iban))
    assert (response.status_code, response.json()["code"]) == (422, "statements.foreign_account")
    assert org_b.iban in response.json()["message"]


def test_the_account_list_is_the_administrators_configuration(org_a, login):
    client = login(org_a, Role.ADMINISTRATOR)
    page = client.get(reverse("admin:payments_bankaccount_changelist"))
    assert page.status_code == 200 and org_a.iban in page.content.decode()
    added = client.post(
        reverse("admin:payments_bankaccount_add"),
        {"iban": "BE71 0961 2345 6769", "name": "Compte des repas", "is_active": "on"},
    )
    assert added.status_code == 302
    with scope(org_a):
        assert BankAccount.objects.filter(iban="BE71096123456769").exists()


def test_a_spec_account_is_every_test_organisations(in_a):
    assert accounts.is_listed(spec.ACCOUNT, accounts.organisation_ibans())


def test_the_check_command_refuses_it_for_the_organisation_named(org_a, org_b, tmp_path):
    path = tmp_path / "b.cod"
    path.write_bytes(statement_file(("4.00", ""), account=org_b.iban))
    out = StringIO()
    call_command("statements", "check", str(path), stdout=out)  # the file alone is sound
    with pytest.raises(CommandError):
        call_command(
            "statements", "check", str(path), "--organisation", org_a.enterprise_number, stdout=out
        )
    assert "BE" in out.getvalue() and org_b.iban in out.getvalue()
    mine = tmp_path / "a.cod"
    mine.write_bytes(statement_file(("4.00", ""), account=org_a.iban))
    call_command("statements", "check", str(mine), "--organisation", str(org_a.pk), stdout=out)
