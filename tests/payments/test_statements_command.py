"""``regie statements check``: what a finance officer sees of bank files before importing them.

Each file is listed statement by statement (account, balances with their dates, number of
movements, totals, the Belgian way) or refused with the parser's reason; any refusal makes the
exit status 1, and no file, however broken, produces a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from regie.payments.management.commands.statements import (
    format_account,
    format_amount,
    format_date,
)
from regie.payments.parsers import coda
from regie.payments.parsers.coda_writer import write_coda
from regie.payments.parsers.statement import Movement, Statement, exact_cents

DATA = Path(__file__).resolve().parent / "data"
CAMT_V02 = DATA / "camt053_v02_two_statements.xml"
CODA_FIXTURE = DATA / "two_statements_crlf.cod"

GOOD = Statement(
    account="BE68539007547034",
    currency="EUR",
    old_balance=Decimal("1234.56"),
    new_balance=Decimal("12580.00"),
    old_balance_date=date(2024, 10, 1),
    new_balance_date=date(2024, 10, 2),
    sequence_number=7,
    holder_name="Commune de Hévillers",
    movements=(
        Movement(sequence=1, amount=Decimal("12345.67"), communication="Accueil septembre"),
        Movement(sequence=2, amount=Decimal("-1000.00"), communication="Remboursement"),
        Movement(sequence=3, amount=Decimal("-0.23"), communication="Frais"),
    ),
)


@pytest.fixture
def english(settings):
    """Offer English as a language so wording can be asserted before the catalogues change."""
    settings.LANGUAGES = [*settings.LANGUAGES, ("en", "English")]


def run(*args: str) -> tuple[str, str, int]:
    """Run ``regie statements ARGS`` and return its output, its error text and exit status."""
    out, err = StringIO(), StringIO()
    try:
        call_command("statements", *args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), str(error), error.returncode
    return out.getvalue(), err.getvalue(), 0


def run_json(*args: str) -> tuple[dict, int]:
    """Run ``regie statements check --json ARGS`` and return the decoded report and status."""
    out, _err, status = run("check", "--json", *args)
    return json.loads(out), status


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def test_generated_file_gives_exact_figures_the_belgian_way(tmp_path, english):
    """Given a CODA file of one statement with 1 234,56 € + 12 345,67 € − 1 000,00 € − 0,23 €,
    when it is checked, then every figure is printed exactly and the exit status is 0."""
    path = write(tmp_path / "extrait.cod", write_coda([GOOD]))

    out, err, status = run("check", "--language", "en", path)

    assert (status, err) == (0, "")
    assert out == (
        f"{path}: CODA, 1 statement\n"
        "  Account BE68 5390 0754 7034, statement 7\n"
        "    Old balance   01/10/2024   1 234,56 €\n"
        "    New balance   02/10/2024  12 580,00 €\n"
        "    Movements                           3\n"
        "    Total debit                1 000,23 €\n"
        "    Total credit              12 345,67 €\n"
        "1 file checked: 1 accepted, 0 refused.\n"
    )


def test_generated_file_gives_the_same_figures_as_json(tmp_path):
    """Given the same file, when checked with --json, then cents and ISO dates are given."""
    path = write(tmp_path / "extrait.cod", write_coda([GOOD]))

    report, status = run_json(path)

    assert status == 0
    assert report == {
        "files": [
            {
                "file": path,
                "format": "coda",
                "accepted": True,
                "statements": [
                    {
                        "account": "BE68539007547034",
                        "account_formatted": "BE68 5390 0754 7034",
                        "currency": "EUR",
                        "sequence_number": 7,
                        "old_balance_cents": 123456,
                        "old_balance_date": "2024-10-01",
                        "new_balance_cents": 1258000,
                        "new_balance_date": "2024-10-02",
                        "movements": 3,
                        "total_debit_cents": 100023,
                        "total_credit_cents": 1234567,
                    }
                ],
                "errors": [],
                "warnings": [],
            }
        ],
        "accepted": 1,
        "refused": 0,
    }


def test_every_shared_coda_file_is_listed_with_the_parsers_totals_or_refused(shared_dir):
    """Given the real CODA files of the shared corpus, when they are checked together,
    then each accepted one shows the parser's own figures, each refused one every reason
    the parser found, in file order, and the exit status is 1 (some are refused)."""
    paths = sorted(str(p) for p in (shared_dir / "data" / "coda").iterdir() if p.is_file())

    report, status = run_json(*paths)

    assert [entry["file"] for entry in report["files"]] == paths
    outcomes = set()
    for entry in report["files"]:
        result, errors = coda.check(Path(entry["file"]).read_bytes())
        outcomes.add(entry["accepted"])
        if errors:
            with translation.override("fr"):
                reasons = [error.translated() for error in errors]
            assert not entry["accepted"]
            assert [e["message"] for e in entry["errors"]] == reasons
            assert entry["statements"] == []
            continue
        assert entry["accepted"] and entry["errors"] == []
        expected = [
            (
                s.account,
                exact_cents(s.old_balance),
                exact_cents(s.new_balance),
                len(s.movements),
                exact_cents(s.total_debit),
                exact_cents(s.total_credit),
            )
            for s in result.statements
        ]
        shown = [
            (
                s["account"],
                s["old_balance_cents"],
                s["new_balance_cents"],
                s["movements"],
                s["total_debit_cents"],
                s["total_credit_cents"],
            )
            for s in entry["statements"]
        ]
        assert shown == expected
    assert outcomes == {True, False}
    assert status == 1
    assert report["refused"] == sum(not entry["accepted"] for entry in report["files"])


def test_febelfin_sample_shows_its_old_belgian_account_number(shared_dir, english):
    """The Febelfin sample (account structure 0) is listed with 123-4567890-12 notation."""
    out, _err, status = run(
        "check", "--language", "en", str(shared_dir / "data" / "coda" / "febelfin-coda_CODA.txt")
    )

    assert status == 0
    assert "  Account 435-0000000-80, statement 1\n" in out
    assert "    Total credit              12 491 168,59 €\n" in out


def test_truncated_file_is_refused_with_status_1_and_the_reason(tmp_path, english):
    """Given a CODA file cut in the middle of its last record, when it is checked,
    then it is refused naming the line and the record, and the exit status is 1."""
    data = write_coda([GOOD])
    path = write(tmp_path / "cut.cod", data[:-60])

    out, err, status = run("check", "--language", "en", path)

    assert status == 1
    assert out.splitlines() == [
        f"{path}: CODA, refused",
        "  - Line 7 (record 9) has 70 characters; a CODA line has 128. The file was probably "
        "cut or edited; ask the bank for it again.",
    ]
    assert err == "1 file checked: 0 accepted, 1 refused."


def test_a_file_stripped_of_trailing_blanks_is_accepted_with_a_warning(tmp_path, english):
    """Given a file whose trailer lost its blanks (its multiple-file code left blank by the
    bank, its figures all there), then it is accepted with the same figures and a warning
    naming the line."""
    lines = write_coda([GOOD]).decode("cp1252").split("\r\n")
    lines[-2] = lines[-2][:127].rstrip(" ")
    assert (lines[-2][0], len(lines[-2])) == ("9", 52)
    path = write(tmp_path / "stripped.cod", "\r\n".join(lines).encode("cp1252"))

    out, err, status = run("check", "--language", "en", path)

    assert status == 0
    assert "  ! Blanks at the end of lines had been removed on the way (line numbers: 7)" in out
    assert "    Total credit              12 345,67 €" in out


def test_corrupted_amount_is_refused_with_the_rule_it_breaks(tmp_path, english):
    """Given a record 2.1 whose amount holds a letter, then the refusal names its positions."""
    lines = write_coda([GOOD]).split(b"\r\n")
    lines[2] = lines[2][:40] + b"X" + lines[2][41:]
    path = write(tmp_path / "corrupted.cod", b"\r\n".join(lines))

    report, status = run_json("--language", "en", path)

    assert status == 1
    (error,) = report["files"][0]["errors"]
    assert (error["code"], error["line"]) == ("coda.not_a_number", 3)
    assert error["message"].startswith("Line 3 (record 2.1): the ")


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("empty.cod", b"", "coda.empty"),
        ("undecodable.cod", b"0" * 127 + b"\x81\r\n", "coda.encoding"),
        ("utf8.cod", "0é".ljust(128, " ").encode("utf-8") + b"\r\n", "coda.encoding_utf8"),
        ("letter.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "coda.line_length"),
        ("broken.xml", b"<Document><BkToCstmrStmt>", "camt.malformed"),
        (
            "empty.xml",
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
            b"<BkToCstmrStmt><GrpHdr/></BkToCstmrStmt></Document>",
            "statements.none",
        ),
    ],
)
def test_content_that_is_not_a_good_statement_is_refused_without_traceback(
    tmp_path, name, content, code
):
    report, status = run_json(write(tmp_path / name, content))

    assert status == 1
    (entry,) = report["files"]
    assert (entry["accepted"], [e["code"] for e in entry["errors"]]) == (False, [code])
    assert entry["errors"][0]["message"]


def test_missing_file_and_folder_are_refused_with_a_reason(tmp_path, english):
    missing = str(tmp_path / "nowhere.cod")

    out, _err, status = run("check", "--language", "en", missing, str(tmp_path))

    assert status == 1
    assert out.splitlines() == [
        f"{missing}: refused",
        "  - The file does not exist.",
        f"{tmp_path}: refused",
        "  - This is a folder, not a file.",
    ]


def test_amount_with_a_fraction_of_a_cent_is_refused(tmp_path):
    """Regie stores cents: a movement of 0,005 € cannot be imported, even if it cancels out."""
    statement = Statement(
        account="BE68539007547034",
        currency="EUR",
        old_balance=Decimal("10"),
        new_balance=Decimal("10"),
        movements=(
            Movement(sequence=1, amount=Decimal("0.005")),
            Movement(sequence=2, amount=Decimal("-0.005")),
        ),
    )
    path = write(tmp_path / "thousandths.cod", write_coda([statement]))

    report, status = run_json(path)

    assert status == 1
    assert [e["code"] for e in report["files"][0]["errors"]] == ["statement.sub_cent_amount"]


def test_statement_in_another_currency_is_refused_naming_it(tmp_path, english):
    """Regie books euros: a statement of a USD account is refused, saying which one."""
    statement = Statement(
        account="BE68539007547034",
        currency="USD",
        sequence_number=7,
        old_balance=Decimal("10"),
        new_balance=Decimal("22.50"),
        movements=(Movement(sequence=1, amount=Decimal("12.50")),),
    )
    path = write(tmp_path / "dollars.cod", write_coda([statement]))

    out, _err, status = run("check", "--language", "en", path)

    assert status == 1
    assert "Statement 7 of account BE68539007547034 is in USD; Regie books euros only." in out


def test_camt053_sample_lists_both_statements(english):
    """The camt.053 .02 sample: the pending entry is left out, so 4 movements then 1."""
    report, status = run_json(str(CAMT_V02))

    assert status == 0
    (entry,) = report["files"]
    assert entry["format"] == "camt053"
    figures = [
        (
            s["account_formatted"],
            s["sequence_number"],
            s["old_balance_cents"],
            s["old_balance_date"],
            s["new_balance_cents"],
            s["new_balance_date"],
            s["movements"],
            s["total_debit_cents"],
            s["total_credit_cents"],
        )
        for s in entry["statements"]
    ]
    assert figures == [
        ("BE68 5390 0754 7034", 12, 125000, "2024-10-01", 126780, "2024-10-02", 4, 10000, 11780),
        ("BE68 5390 0754 7034", 13, 126780, "2024-10-02", 127780, "2024-10-03", 1, 0, 1000),
    ]
    out, _err, _status = run("check", "--language", "en", str(CAMT_V02))
    assert out.startswith(f"{CAMT_V02}: camt.053, 2 statements\n")
    assert "    Old balance   01/10/2024  1 250,00 €\n" in out


def test_format_is_recognised_from_the_content_not_the_name(tmp_path):
    """A camt.053 document named .cod and a CODA file named .xml are both read correctly."""
    camt = write(tmp_path / "statement.cod", CAMT_V02.read_bytes())
    coda_file = write(tmp_path / "statement.xml", CODA_FIXTURE.read_bytes())

    report, status = run_json(camt, coda_file)

    assert status == 0
    assert [(f["format"], len(f["statements"])) for f in report["files"]] == [
        ("camt053", 2),
        ("coda", 2),
    ]


def test_several_files_with_one_bad_exits_1_but_lists_the_good_ones(tmp_path, english):
    """Given a good CODA file, a truncated one and a camt.053 file, when checked together,
    then both good files are listed around the refusal, in order, and the status is 1."""
    good = write(tmp_path / "good.cod", write_coda([GOOD]))
    bad = write(tmp_path / "bad.cod", write_coda([GOOD])[:300])

    out, err, status = run("check", "--language", "en", good, bad, str(CAMT_V02))

    assert status == 1
    headings = [line for line in out.splitlines() if not line.startswith(" ")]
    assert headings == [
        f"{good}: CODA, 1 statement",
        f"{bad}: CODA, refused",
        f"{CAMT_V02}: camt.053, 2 statements",
    ]
    assert out.count("  Account BE68 5390 0754 7034, statement ") == 3
    assert "    Total credit              12 345,67 €\n" in out
    assert err == "3 files checked: 2 accepted, 1 refused."


def test_refusal_is_in_french_by_default_and_in_the_chosen_language(tmp_path):
    """The parser's message is translated: French (the settings' default), or --language nl."""
    lines = write_coda([GOOD]).split(b"\r\n")
    lines[0] = lines[0][:127] + b"5"  # CODA version 5
    path = write(tmp_path / "version5.cod", b"\r\n".join(lines))
    (error,) = coda.check(b"\r\n".join(lines))[1]

    french, _err, _status = run("check", path)
    dutch, _err, _status = run("check", "--language", "nl", path)

    with translation.override("fr"):
        assert f"  - {error.translated()}\n" in french
    with translation.override("nl"):
        assert f"  - {error.translated()}\n" in dutch
    assert error.english() not in french + dutch
    assert french != dutch


def test_action_is_required():
    """``regie statements`` alone is a usage error: the action (check) must be named."""
    with pytest.raises(CommandError, match="ACTION"):
        call_command("statements", stdout=StringIO(), stderr=StringIO())


@pytest.mark.parametrize(
    ("cents", "currency", "text"),
    [
        (123456, "EUR", "1 234,56 €"),
        (-525, "EUR", "-5,25 €"),
        (123456789012, "EUR", "1 234 567 890,12 €"),
        (5, "USD", "0,05 USD"),
        (100, "", "1,00"),
    ],
)
def test_amounts_are_written_the_belgian_way(cents, currency, text):
    assert format_amount(cents, currency) == text


def test_accounts_and_dates_are_written_for_reading():
    assert format_account("BE68539007547034") == "BE68 5390 0754 7034"
    assert format_account("435000000080") == "435-0000000-80"
    assert format_account("12345") == "12345"
    assert (format_date(date(2024, 3, 5)), format_date(None)) == ("05/03/2024", "")


@pytest.mark.parametrize(("name", "status"), [("good.cod", 0), ("bad.cod", 1)])
def test_regie_command_line_exit_status(tmp_path, name, status):
    """Run as a program, ``regie statements check`` exits 1 exactly when a file is refused."""
    data = write_coda([GOOD])
    path = write(tmp_path / name, data if status == 0 else data[:-10])
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "regie.config.settings.test"}

    done = subprocess.run(  # noqa: S603 - our own program, fixed arguments
        [sys.executable, "-m", "regie.cli", "statements", "check", path],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )

    assert done.returncode == status
    first_line = done.stdout.splitlines()[0]
    assert first_line.startswith(path) and "CODA" in first_line  # French puts a space before ":"
    assert ("CommandError" in done.stderr) == (status == 1)
