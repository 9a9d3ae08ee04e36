"""Build collection fixtures: the policy of worked example 11 and a parent's posted invoices."""

from __future__ import annotations

from datetime import date

from tests.payments.payment_builders import invoices_post, setup_create

from regie.dunning.models import ReminderPolicy
from regie.dunning.services import policy_save
from regie.people.models import Person

EXAMPLE_11 = [
    {"name": "Rappel", "delay_days": 10, "days_to_pay": 15, "fee_cents": 0},
    {"name": "Second rappel", "delay_days": 5, "days_to_pay": 15, "fee_cents": 500},
    {
        "name": "Mise en demeure",
        "delay_days": 5,
        "days_to_pay": 15,
        "fee_cents": 1000,
        "formal_notice": True,
    },
]


def policy_create(setup, levels=EXAMPLE_11, **options) -> ReminderPolicy:
    """Save the policy of worked example 11 over the setup's categories."""
    policy = ReminderPolicy(name="Accueil", **options)
    return policy_save(policy=policy, categories=setup.categories, levels=levels)


def parent(last_name: str = "Boulanger", **fields) -> Person:
    person = Person(
        last_name=last_name,
        first_name="Pierre",
        street="Rue Léon Morel 1",
        postcode="5032",
        city="Isnes",
        **fields,
    )
    person.full_clean()
    person.save()
    return person


def invoice_of(setup, person: Person, cents: int, due: date = date(2026, 2, 28)):
    """Post one invoice of ``cents`` in the setup's first category, due ``due``."""
    return invoices_post(setup, [(person.pk, [cents])], day=date(2026, 2, 1), due_date=due)[0]


def world():
    setup = setup_create()
    return setup, policy_create(setup)
