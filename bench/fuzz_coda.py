"""Coverage-guided fuzzing of the CODA parser with atheris (libFuzzer), run by hand.

The property is the one of ``tests/payments/test_fuzz.py``, which hypothesis checks on every
test run: any bytes give statements or :class:`CodaError`\\ s, never another exception, and
:func:`regie.payments.statement_check.check_data` (what an import reads first) always answers
with statements or reasons to refuse the file. atheris is not a dependency of the project::

    python3 -m venv /tmp/fuzz && /tmp/fuzz/bin/pip install atheris
    echo "$PWD/.venv/lib/python3.11/site-packages" \
        > /tmp/fuzz/lib/python3.11/site-packages/regie.pth
    PYTHONPATH=src:. /tmp/fuzz/bin/python bench/fuzz_coda.py -max_total_time=600 var/fuzz-coda

The corpus folder (created if missing) starts from the CODA files of the tests and grows with
every input that reaches new code; a crash is written to ``crash-<sha1>`` in the current folder
and replays with ``bench/fuzz_coda.py crash-<sha1>``.
"""

from __future__ import annotations

import contextlib
import sys
from decimal import Decimal
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from regie.payments.parsers import coda
    from regie.payments.parsers.coda import CodaError
    from regie.payments.statement_check import check_data

SAMPLES = Path(__file__).resolve().parents[1] / "tests" / "payments" / "data"


def one_input(data: bytes) -> None:
    """Fail (raise) unless ``data`` gives statements or CODA errors, and a file check."""
    with contextlib.suppress(CodaError):
        coda.parse(data)
    result, errors = coda.check(data)
    if result is None and not errors:
        raise AssertionError("neither statements nor errors")
    if not all(isinstance(error, CodaError) for error in errors):
        raise AssertionError(f"not a CodaError: {errors!r}")
    checked = check_data(data, "fuzz.cod")
    if not (checked.statements or checked.errors):
        raise AssertionError("a file check with neither statements nor errors")


def seed(corpus: Path) -> None:
    """Put the tests' CODA files and a written one into an empty corpus folder."""
    from regie.payments.parsers.coda_writer import write_coda
    from regie.payments.parsers.statement import Movement, Statement

    corpus.mkdir(parents=True, exist_ok=True)
    if any(corpus.iterdir()):
        return
    for sample in SAMPLES.glob("*.cod"):
        (corpus / sample.name).write_bytes(sample.read_bytes())
    movement = Movement(1, Decimal("12.50"), structured_reference="101000000114")
    written = Statement(
        "BE68539007547034", "EUR", Decimal(100), Decimal("112.50"), movements=(movement,)
    )
    (corpus / "written.cod").write_bytes(write_coda([written]))


def main() -> None:
    folders = [Path(a) for a in sys.argv[1:] if not a.startswith("-") and not Path(a).is_file()]
    for folder in folders:
        seed(folder)
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
