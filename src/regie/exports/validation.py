"""Run a UBL file through the official EN 16931 and Peppol BIS Billing 3.0 rules (saxonche).

The compiled rule sets ship with Regie in ``regie/exports/rules/`` (their origin and licences
in ``rules/SOURCES.md``). Compiling them takes a few seconds, so a process compiles them once;
each file then costs about 25 ms (measured on the CI machine). :func:`refuse_invalid` raises a
:class:`~regie.core.errors.DomainError` naming the first fatal rule, which is how an export
refuses to produce a failing file.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET  # noqa: S405 - parses Saxon's own report, not user input
from dataclasses import dataclass
from pathlib import Path

from regie.core.errors import DomainError, gettext_noop

RULES = Path(__file__).resolve().parent / "rules"
RULE_SETS = (
    ("EN16931", RULES / "EN16931-UBL-validation.xslt"),
    ("PEPPOL", RULES / "PEPPOL-EN16931-UBL.xslt"),
)
SVRL = "{http://purl.oclc.org/dsdl/svrl}"
_local = threading.local()


@dataclass(frozen=True)
class Finding:
    """A failed assertion of a rule set: its flag, rule, text and where."""

    flag: str
    rule_set: str
    rule: str
    text: str
    location: str

    @property
    def fatal(self) -> bool:
        return self.flag in ("fatal", "error")


def _compiled():
    """Return this thread's Saxon processor and the compiled rule sets (compiled once)."""
    if not hasattr(_local, "compiled"):
        from saxonche import PySaxonProcessor

        processor = PySaxonProcessor(license=False)
        xslt = processor.new_xslt30_processor()
        _local.compiled = (
            processor,
            [(name, xslt.compile_stylesheet(stylesheet_file=str(p))) for name, p in RULE_SETS],
        )
    return _local.compiled


def _findings(rule_set: str, report: str) -> list[Finding]:
    if "failed-assert" not in report and "successful-report" not in report:
        return []  # nothing to read: parsing the report costs more than the check's tenth
    root = ET.fromstring(report)  # noqa: S314 - Saxon's report of our own file
    found = []
    for tag in ("failed-assert", "successful-report"):
        for element in root.iter(SVRL + tag):
            said = element.find(SVRL + "text")
            text = " ".join("".join(said.itertext()).split()) if said is not None else ""
            location = re.sub(r"Q\{[^}]*\}|\*:|\[namespace-uri\(\)='[^']*'\]", "",
                              element.get("location") or "")  # fmt: skip
            found.append(Finding(element.get("flag") or "fatal", rule_set,
                                 element.get("id") or "?", text, location))  # fmt: skip
    return found


def validate(content: bytes) -> list[Finding]:
    """Return what both rule sets find in a UBL file (fatal errors and warnings)."""
    processor, rule_sets = _compiled()
    node = processor.parse_xml(xml_text=content.decode("utf-8"))
    found: list[Finding] = []
    for name, executable in rule_sets:
        found += _findings(name, executable.transform_to_string(xdm_node=node))
    return found


def refusal(number: str, fatal: list[Finding]) -> DomainError:
    """Return the refusal of a document's UBL file, naming its first fatal rule."""
    first = fatal[0]
    return DomainError(
        "export.ubl_invalid",
        gettext_noop(
            "The UBL file of %(number)s breaks rule %(rule)s of %(rule_set)s: %(text)s "
            "(%(count)s fatal errors in all); nothing was exported."
        ),
        number=number,
        rule=first.rule,
        rule_set=first.rule_set,
        text=first.text,
        count=len(fatal),
    )


def refuse_invalid(content: bytes, number: str) -> None:
    """Refuse a UBL file with a fatal error, naming the document and the rule."""
    fatal = [finding for finding in validate(content) if finding.fatal]
    if fatal:
        raise refusal(number, fatal)
