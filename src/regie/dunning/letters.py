"""The late-payment letter of a payment plan (DOMAIN §7; the seed's wording, word for word).

The letter is written in the person's language. Amounts and dates are printed as the seed's
letter prints them ("16.67 €", "01-05-2026"), which DOMAIN's worked example 12 fixes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import translation
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class LateLetter:
    """What the late-payment letter of one instalment says."""

    place: str
    day: date
    organisation: list[str]
    recipient: list[str]
    person: str
    due_cents: int
    received_cents: int
    due_date: date
    iban: str
    bic: str
    communication: str


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d} €"


def late_letter_lines(letter: LateLetter, language: str) -> list[str]:
    """Return the paragraphs of the letter in ``language`` (fr, nl or de)."""
    with translation.override(language):
        return [
            _("%(place)s, %(date)s") % {"place": letter.place, "date": f"{letter.day:%d-%m-%Y}"},
            *letter.organisation[1:],
            *letter.recipient,
            _("Late payment notice"),
            _("Dear %(person)s,") % {"person": letter.person},
            _(
                "We inform you that an instalment of your payment plan is currently late. "
                "Please find below the details of the instalment concerned:"
            ),
            _("Amount due: %(amount)s") % {"amount": _amount(letter.due_cents)},
            _("Amount received: %(amount)s") % {"amount": _amount(letter.received_cents)},
            _("Due date: %(date)s") % {"date": f"{letter.due_date:%d-%m-%Y}"},
            _(
                "We ask you to settle this situation as soon as possible in order to avoid "
                "any further consequence."
            ),
            _("Kind regards,"),
            _("Account number: %(iban)s") % {"iban": letter.iban},
            _("BIC: %(bic)s") % {"bic": letter.bic},
            _("Structured communication: %(communication)s")
            % {"communication": letter.communication},
        ]


def late_letter_of(instalment, state, today: date) -> LateLetter:
    """Return the late-payment letter of an instalment of a plan (see :func:`late_instalments`)."""
    from regie.core.tenancy import current_organisation
    from regie.core.validators import format_iban

    org = current_organisation()
    person = instalment.plan.person
    return LateLetter(
        place=org.name,
        day=today,
        organisation=[line for line in (org.city, org.street) if line],
        recipient=[str(person), *person.address_lines],
        person=str(person),
        due_cents=state.amount_cents,
        received_cents=state.paid_cents,
        due_date=state.due_date,
        iban=format_iban(org.iban).replace(" ", ""),
        bic=org.bic,
        communication=instalment.plan.formatted_communication,
    )
