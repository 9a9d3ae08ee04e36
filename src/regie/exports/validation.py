"""Run a UBL file through the official EN 16931 and Peppol BIS Billing 3.0 rules (saxonche).

The compiled rule sets ship with Regie in ``regie/exports/rules/`` (their origin and licences
in ``rules/SOURCES.md``). Compiling them takes a few seconds, so a process compiles them once;
each file then costs about 3 ms (docs/exports.md, Performance), less when checked in a chunk
(:func:`validate_many`, through Regie's wrappers ``rules/*-batch.xslt``).
:func:`refuse_invalid` raises a :class:`~regie.core.errors.DomainError` naming the first fatal
rule, which is how an export refuses to produce a failing file.
"""

from __future__ import annotations

import json
import re
import threading
import xml.etree.ElementTree as ET  # noqa: S405 - parses Saxon's own report, not user input
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from regie.core.errors import DomainError, gettext_noop

RULES = Path(__file__).resolve().parent / "rules"
RULE_SETS = (
    ("EN16931", RULES / "EN16931-UBL-validation.xslt"),
    ("PEPPOL", RULES / "PEPPOL-EN16931-UBL.xslt"),
)
#: Regie's wrappers running each rule set (imported unchanged) over several files at once.
BATCH = RULES / "EN16931-batch.xslt"
PEPPOL_BATCH = RULES / "PEPPOL-batch.xslt"
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


def _processor():
    """Return this thread's Saxon processor."""
    if not hasattr(_local, "processor"):
        from saxonche import PySaxonProcessor

        _local.processor = PySaxonProcessor(license=False)
        _local.executables = {}
    return _local.processor


def _executable(path: Path):
    """Return this thread's compiled stylesheet of ``path`` (compiled once, when first used)."""
    processor = _processor()
    if path not in _local.executables:
        xslt = processor.new_xslt30_processor()
        _local.executables[path] = xslt.compile_stylesheet(stylesheet_file=str(path))
    return _local.executables[path]


def _compiled():
    """Return this thread's Saxon processor and the compiled rule sets (compiled once)."""
    return _processor(), [(name, _executable(path)) for name, path in RULE_SETS]


def _findings(rule_set: str, report: str) -> list[Finding]:
    if "failed-assert" not in report and "successful-report" not in report:
        return []  # nothing to read: parsing the report costs more than the check's tenth
    return _read(rule_set, ET.fromstring(report))  # noqa: S314 - Saxon's report of our own file


def _read(rule_set: str, root: ET.Element) -> list[Finding]:
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


def validate_many(contents: Sequence[bytes | str]) -> list[list[Finding]]:
    """Return what both rule sets find in each of several UBL files (bytes in UTF-8, or their
    text), as :func:`validate`.

    Each file is parsed once for both rule sets. The EN 16931 rules check all the files in
    one call (``rules/EN16931-batch.xslt`` runs them on each file's own document: they read
    nothing else). The Peppol rules read their settings (profile, countries, currency, issue
    date) from the file into global variables, so ``rules/PEPPOL-batch.xslt`` first says what
    those read in each file, then checks in one call each group of files that read the same,
    the group's first file setting the globals (:func:`_peppol`).
    """
    processor = _processor()
    nodes = [processor.parse_xml(xml_text=content if isinstance(content, str) else
                                 content.decode("utf-8")) for content in contents]  # fmt: skip
    found: list[list[Finding]] = [[] for _node in nodes]
    if not nodes:
        return found
    (en16931, _path), (peppol, _path) = RULE_SETS
    for index, findings in _batch(_executable(BATCH), nodes, en16931):
        found[index] += findings
    for index, findings in _peppol(nodes, peppol):
        found[index] += findings
    return found


def _batch(executable, nodes, rule_set: str, context=None) -> Iterator[tuple[int, list[Finding]]]:
    """Yield (position, findings) of the documents of a wrapper's call with a finding."""
    processor = _processor()
    if context is not None:
        executable.set_global_context_item(xdm_item=context)
    executable.set_parameter("documents", processor.make_array(nodes))
    report = executable.call_template_returning_string("batch")
    if "<document " in report:
        for document in ET.fromstring(report).iter("document"):  # noqa: S314 - our own report
            yield int(document.get("index")), _read(rule_set, document)


def _peppol(nodes, rule_set: str) -> Iterator[tuple[int, list[Finding]]]:
    """Yield (position, findings) of the Peppol rules, a call per group of equal settings."""
    executable = _executable(PEPPOL_BATCH)
    executable.set_parameter("documents", _processor().make_array(nodes))
    settings = json.loads(executable.call_template_returning_value("settings").head.string_value)
    groups: dict[str, list[int]] = {}
    for index, read in enumerate(settings):
        groups.setdefault(read, []).append(index)
    for members in groups.values():
        chosen = [nodes[index] for index in members]
        for position, findings in _batch(executable, chosen, rule_set, context=chosen[0]):
            yield members[position], findings


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
