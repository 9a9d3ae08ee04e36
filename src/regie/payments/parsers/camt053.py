"""Read ISO 20022 camt.053 bank-to-customer statements (versions .001.02 to .001.08).

Elements are matched by local name, so every version's namespace is accepted. Each ``Stmt``
becomes a :class:`Statement`, each booked ``Ntry`` a :class:`Movement` (entries whose status
is not BOOK, such as PDNG, do not move the balance and are left out). An entry with several
``TxDtls`` is a batch: like a CODA globalisation, its transactions become the movement's
``details`` and are not counted again.

A Belgian structured communication is taken from ``Strd/CdtrRefInf/Ref`` (or from an
unstructured text that is exactly +++123/4567/89012+++) when its check digits are right;
anything else, RF creditor references included, stays free text in ``communication``.

The XML is parsed without DTDs, entities or network access, and a document with a DOCTYPE is
refused. Every problem is a :class:`Camt053Error`.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from lxml import etree
from stdnum.be import ogm_vcs

from regie.core.errors import DomainError, gettext_noop
from regie.payments.parsers.statement import Movement, Statement, StatementFile

__all__ = ["Camt053Error", "check", "parse"]

FORMATTED_REFERENCE = re.compile(r"^\s*(\+\+\+|\*\*\*)?\s*(\d{3})/?(\d{4})/?(\d{5})\s*(\1)?\s*$")


class Camt053Error(DomainError):
    """A camt.053 document that cannot be read or does not add up, naming the line."""

    def __init__(self, code: str, template: str, **params: object) -> None:
        super().__init__(code, template, **params)
        self.line = params.get("line")


def parse(data: bytes) -> StatementFile:
    """Return the statements of a camt.053 document, raising the first error found."""
    result, errors = check(data)
    if errors:
        raise errors[0]
    assert result is not None
    return result


def check(data: bytes) -> tuple[StatementFile | None, list[Camt053Error]]:
    """Return the statements of a camt.053 document and every error found in it."""
    try:
        root = _load(data)
        statements = [_statement(element) for element in _children(_container(root), "Stmt")]
    except Camt053Error as error:
        return None, [error]
    errors = [error for pair in statements for error in _check_balances(*pair)]
    return StatementFile(tuple(statement for statement, _closing in statements)), errors


def _load(data: bytes) -> etree._Element:
    """Return the root element of a safely parsed document."""
    if not isinstance(data, bytes | bytearray) or not data.strip():
        raise Camt053Error("camt.empty", gettext_noop("The file is empty: it contains no XML."))
    if b"<!DOCTYPE" in bytes(data).upper() or b"<!ENTITY" in bytes(data).upper():
        raise Camt053Error(
            "camt.doctype",
            gettext_noop(
                "The file declares a DOCTYPE or entities, which bank statements never do; it "
                "is refused for safety."
            ),
        )
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(bytes(data), parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise Camt053Error(
            "camt.malformed",
            gettext_noop("The file is not well-formed XML (%(reason)s); it cannot be read."),
            reason=str(exc)[:200],
        ) from None
    if root is None or root.getroottree().docinfo.doctype:
        raise Camt053Error("camt.doctype", gettext_noop("The file declares a DOCTYPE."))
    return root


def _container(root: etree._Element) -> etree._Element:
    if _name(root) == "Document":
        found = _child(root, "BkToCstmrStmt")
        if found is not None:
            return found
    raise Camt053Error(
        "camt.not_a_statement",
        gettext_noop(
            "The document is a “%(found)s”, not a camt.053 bank statement (Document/BkToCstmrStmt)."
        ),
        found=_name(root),
        line=root.sourceline,
    )


def _name(element: etree._Element) -> str:
    """Return the local name of an element ("" for comments and processing instructions)."""
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element: etree._Element | None, name: str) -> list[etree._Element]:
    if element is None:
        return []
    return [child for child in element if _name(child) == name]


def _child(element: etree._Element | None, *path: str) -> etree._Element | None:
    """Return the first element along ``path`` of local names, or None."""
    for name in path:
        found = _children(element, name)
        if not found:
            return None
        element = found[0]
    return element


def _text(element: etree._Element | None, *path: str) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None else ""


def _missing(element: etree._Element, what: str) -> Camt053Error:
    return Camt053Error(
        "camt.missing",
        gettext_noop("Line %(line)s: the element %(what)s is missing in %(where)s."),
        line=element.sourceline,
        what=what,
        where=_name(element),
    )


def _amount_unsigned(element: etree._Element) -> Decimal:
    """Return the Amt of ``element`` (a plain decimal, at most 5 fraction digits)."""
    amount_element = _child(element, "Amt")
    if amount_element is None:
        raise _missing(element, "Amt")
    text = (amount_element.text or "").strip()
    if not re.fullmatch(r"\d{1,18}(\.\d{1,5})?", text):
        raise Camt053Error(
            "camt.amount",
            gettext_noop("Line %(line)s: “%(value)s” is not an amount."),
            line=amount_element.sourceline,
            value=text[:40],
        )
    return Decimal(text)


def _amount(element: etree._Element) -> Decimal:
    """Return the signed amount of an element with Amt and CdtDbtInd (credit positive)."""
    amount = _amount_unsigned(element)
    indicator = _text(element, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise Camt053Error(
            "camt.indicator",
            gettext_noop(
                "Line %(line)s: the credit/debit indicator is “%(value)s”; it must be CRDT or DBIT."
            ),
            line=element.sourceline,
            value=indicator[:40],
        )
    return amount if indicator == "CRDT" else -amount


def _date(element: etree._Element | None) -> date | None:
    """Return the date of a Dt/DtTm choice (the date part of a date-time), or None."""
    text = (
        _text(element, "Dt")
        or _text(element, "DtTm")
        or ((element.text or "").strip() if element is not None and len(element) == 0 else "")
    )
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise Camt053Error(
            "camt.date",
            gettext_noop("Line %(line)s: “%(value)s” is not a date."),
            line=element.sourceline if element is not None else None,
            value=text[:40],
        ) from None


def _account(account: etree._Element | None) -> str:
    return _text(account, "Id", "IBAN") or _text(account, "Id", "Othr", "Id")


def _bic(agent: etree._Element | None) -> str:
    return _text(agent, "FinInstnId", "BIC") or _text(agent, "FinInstnId", "BICFI")


def _statement(element: etree._Element) -> tuple[Statement, etree._Element]:
    account = _child(element, "Acct")
    balances = {_text(b, "Tp", "CdOrPrtry", "Cd"): b for b in _children(element, "Bal")}
    opening = balances.get("OPBD")
    if opening is None:
        opening = balances.get("PRCD")  # some banks give only the previous closing balance
    closing = balances.get("CLBD")
    if opening is None:
        raise _missing(element, "Bal (OPBD)")
    if closing is None:
        raise _missing(element, "Bal (CLBD)")
    amount = _child(opening, "Amt")
    entries = [e for e in _children(element, "Ntry") if _status(e) in ("", "BOOK")]
    statement = Statement(
        account=_account(account),
        currency=_text(account, "Ccy") or (amount.get("Ccy", "") if amount is not None else ""),
        old_balance=_amount(opening),
        new_balance=_amount(closing),
        old_balance_date=_date(_child(opening, "Dt")),
        new_balance_date=_date(_child(closing, "Dt")),
        sequence_number=_sequence_number(element),
        holder_name=_text(account, "Ownr", "Nm"),
        creation_date=_date(_child(element, "CreDtTm")),
        bank_bic=_bic(_child(account, "Svcr")),
        movements=tuple(_movement(e, n) for n, e in enumerate(entries, start=1)),
    )
    return statement, closing


def _status(entry: etree._Element) -> str:
    return _text(entry, "Sts", "Cd") or _text(entry, "Sts")  # .08 nests the code


def _sequence_number(element: etree._Element) -> int:
    for name in ("ElctrncSeqNb", "LglSeqNb"):
        text = _text(element, name)
        if text.isascii() and text.isdigit() and len(text) < 19:
            return int(text)
    return 0


def _movement(entry: etree._Element, sequence: int) -> Movement:
    transactions = [t for d in _children(entry, "NtryDtls") for t in _children(d, "TxDtls")]
    own = transactions[0] if len(transactions) == 1 else None
    amount = _amount(entry)
    details = ()
    if len(transactions) > 1:
        details = tuple(_detail(t, entry, sequence, amount) for t in transactions)
    return Movement(
        sequence=sequence,
        amount=amount,
        value_date=_date(_child(entry, "ValDt")),
        entry_date=_date(_child(entry, "BookgDt")),
        transaction_code=_transaction_code(entry),
        bank_reference=_text(entry, "AcctSvcrRef") or _text(entry, "NtryRef"),
        information=_text(entry, "AddtlNtryInf"),
        details=details,
        **_transaction_fields(own, amount >= 0),
    )


def _detail(
    transaction: etree._Element, entry: etree._Element, sequence: int, total: Decimal
) -> Movement:
    """Return one transaction of a batch entry as a detail movement."""
    holder = transaction
    if _child(transaction, "Amt") is None:
        holder = _child(transaction, "AmtDtls", "TxAmt")
    if holder is None:
        raise _missing(transaction, "Amt")
    if _child(holder, "CdtDbtInd") is None:
        # a transaction without its own indicator goes the way of its entry
        amount = _amount_unsigned(holder) * (1 if total >= 0 else -1)
    else:
        amount = _amount(holder)
    return Movement(
        sequence=sequence,
        amount=amount,
        value_date=_date(_child(entry, "ValDt")),
        entry_date=_date(_child(entry, "BookgDt")),
        transaction_code=_transaction_code(transaction) or _transaction_code(entry),
        bank_reference=_text(transaction, "Refs", "AcctSvcrRef"),
        information=_text(transaction, "AddtlTxInf"),
        **_transaction_fields(transaction, amount >= 0),
    )


def _transaction_code(element: etree._Element) -> str:
    code = _child(element, "BkTxCd")
    domain = [_text(code, "Domn", "Cd"), _text(code, "Domn", "Fmly", "Cd")]
    domain.append(_text(code, "Domn", "Fmly", "SubFmlyCd"))
    return "/".join(domain) if any(domain) else _text(code, "Prtry", "Cd")


def _transaction_fields(transaction: etree._Element | None, credit: bool) -> dict[str, str]:
    """Return the reference, communication and counterparty of a TxDtls."""
    if transaction is None:
        return {}
    info = _child(transaction, "RmtInf")
    free = " ".join(t for t in (_text(u) for u in _children(info, "Ustrd")) if t)
    references = [_text(s, "CdtrRefInf", "Ref") for s in _children(info, "Strd")]
    structured = ""
    for text in [*references, free]:
        digits = _belgian_reference(text)
        if digits and not structured:
            structured = digits
            if text == free:
                free = ""
        elif text and text != free:
            free = f"{text} {free}".strip()  # an RF or unchecked reference stays readable
    parties, agents = _child(transaction, "RltdPties"), _child(transaction, "RltdAgts")
    party = "Dbtr" if credit else "Cdtr"
    name = _text(parties, party, "Nm") or _text(parties, party, "Pty", "Nm")
    return {
        "structured_reference": structured,
        "communication": free,
        "counterparty_name": name,
        "counterparty_account": _account(_child(parties, party + "Acct")),
        "counterparty_bic": _bic(_child(agents, party + "Agt")),
    }


def _belgian_reference(text: str) -> str:
    """Return the 12 digits of a valid Belgian structured communication, or ""."""
    match = FORMATTED_REFERENCE.match(text)
    if not match or (match.group(1) and not match.group(5)):
        return ""
    digits = "".join(match.group(2, 3, 4))
    return digits if ogm_vcs.is_valid(digits) else ""


def _check_balances(statement: Statement, closing: etree._Element) -> list[Camt053Error]:
    moved = sum((m.amount for m in statement.movements), Decimal(0))
    if statement.old_balance + moved == statement.new_balance:
        return []
    return [
        Camt053Error(
            "camt.balance",
            gettext_noop(
                "Line %(line)s: the closing balance %(new)s of account %(account)s is not the "
                "opening balance %(old)s plus the entries %(moved)s (that makes %(expected)s)."
            ),
            line=closing.sourceline,
            account=statement.account,
            new=statement.new_balance,
            old=statement.old_balance,
            moved=moved,
            expected=statement.old_balance + moved,
        )
    ]
