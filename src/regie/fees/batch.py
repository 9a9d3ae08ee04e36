"""Pushing many files at once (``POST /api/v1/files/batch``): each as a single push would go.

Every file of a batch gets the answer :func:`regie.fees.services.file_push` would give it alone:
created, unchanged (the same push again) or refused with its named reason, and a refused file
never stops the others. What changes is the number of statements: the batch's known files, their
applicants and communications are read or reserved together, and the new files, versions,
lines and payment requests written together (one task sends the e-mails at commit), in a
savepoint. Should that savepoint fail (a file of the batch pushed at the same moment by another
request, a value the database refuses), it is rolled back and its files pushed one by one, each
in its own savepoint (a value the database refuses is then that file's refusal); so are
the files the grouped path does not take (an id repeated in the batch, an e-mail address that
is not ASCII, whose case-insensitive comparison only the database makes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import DatabaseError, DataError, transaction
from django.db.models import Q
from django.db.models.functions import Upper

from regie.billing.numbering import communications_next
from regie.core.badinput import TOO_LARGE_NUMBER
from regie.core.errors import DomainError, gettext_noop
from regie.fees import rules
from regie.fees.applicants import applicant_identifiers, applicant_new
from regie.fees.models import FileLine, FileVersion, Service, ServiceFile
from regie.fees.services import (
    FILE_EXISTS,
    ON_PUSHED,
    SERVICE_INACTIVE,
    FileData,
    Outcome,
    file_check,
    file_new,
    file_push,
    version_rows,
)
from regie.people.models import Person

#: The most files a batch holds (a permit system sends the rest in another batch).
MAX_FILES = 500

BATCH_TOO_LARGE = DomainError(
    "fees.batch_too_large",
    gettext_noop("A batch holds at most %(max)s files; send the rest in another batch."),
    max=MAX_FILES,
)


@dataclass(frozen=True)
class Pushed:
    """What became of one file of a batch: the file and the outcome, or the refusal."""

    file: ServiceFile | None = None
    outcome: Outcome | None = None
    error: DomainError | None = None


@dataclass(frozen=True)
class _Item:
    index: int
    data: FileData
    pushed: dict
    digest: str
    national: str
    enterprise: str


def files_push(*, service: Service, files: Sequence[FileData]) -> list[Pushed]:
    """Push ``files`` as single pushes would (``POST``: no new versions); return what became
    of each, in order. The batch is one transaction; each file stands alone in it."""
    if not service.is_active:
        raise SERVICE_INACTIVE
    if len(files) > MAX_FILES:
        raise BATCH_TOO_LARGE
    results: list[Pushed | None] = [None] * len(files)
    grouped, alone, seen = [], [], set()
    for index, data in enumerate(files):
        try:
            file_check(data)
            national, enterprise = applicant_identifiers(data.applicant)
        except DomainError as error:
            results[index] = Pushed(error=error)
            continue
        if data.external_id in seen or not data.applicant.email.isascii():
            alone.append(index)  # after the grouped ones: an id's first push comes first
        else:
            pushed = data.pushed()
            digest = rules.push_digest(pushed)
            grouped.append(_Item(index, data, pushed, digest, national, enterprise))
        seen.add(data.external_id)
    with transaction.atomic():
        try:
            with transaction.atomic():
                results_grouped = _grouped(service, grouped)
        except DatabaseError:  # pushed meanwhile by another request...: one by one
            alone = sorted(alone + [item.index for item in grouped])
        else:
            for item, result in zip(grouped, results_grouped, strict=True):
                results[item.index] = result
        for index in alone:
            results[index] = _alone(service, files[index])
    return results


def _alone(service: Service, data: FileData) -> Pushed:
    """Push one file in its own savepoint, as a single push: a value the database refuses is
    that file's refusal, as a single push answers it."""
    try:
        file, outcome = file_push(service=service, data=data)
    except DomainError as error:
        return Pushed(error=error)
    except DataError:
        return Pushed(error=TOO_LARGE_NUMBER)
    return Pushed(file, outcome)


def _grouped(service: Service, items: list[_Item]) -> list[Pushed]:
    known = _known(service, [item.data.external_id for item in items])
    results, new = [], []
    for item in items:
        file = known.get(item.data.external_id)
        if file is None:
            new.append(item)
            results.append(None)
        elif file.current_digest == item.digest:
            results.append(Pushed(file, Outcome.UNCHANGED))
        else:
            results.append(Pushed(error=FILE_EXISTS))
    created = dict(zip((item.index for item in new), _create(service, new), strict=True))
    return [
        result if result is not None else created[item.index]
        for item, result in zip(items, results, strict=True)
    ]


def _known(service: Service, external_ids: list[str]) -> dict[str, ServiceFile]:
    """The batch's files the service has already, locked, each with ``current_digest`` and
    ``current_lines`` (its newest version's)."""
    files = {
        file.pk: file
        for file in ServiceFile.objects.select_for_update()
        .filter(service=service, external_id__in=external_ids)
        .order_by("pk")  # locked in the order any other batch locks them
    }
    if not files:
        return {}
    newest = {}
    versions = FileVersion.objects.filter(file_id__in=files).only("file_id", "number", "digest")
    for version in versions.order_by("file_id", "number"):
        newest[version.file_id] = version  # the highest number last
    lines: dict[int, list[FileLine]] = {version.pk: [] for version in newest.values()}
    for line in FileLine.objects.filter(version_id__in=lines).order_by("pk"):
        lines[line.version_id].append(line)
    for file in files.values():
        file.service = service
        file.current_digest = newest[file.pk].digest
        version = newest[file.pk]
        file.current_lines = lines[version.pk] if version.number == file.version else None
    return {file.external_id: file for file in files.values()}


def _create(service: Service, items: list[_Item]) -> list[Pushed]:
    """Write the new files of a batch, their versions and lines; queue their payment requests."""
    if not items:
        return []
    applicants = _Applicants(items)
    results, files, versions, lines = [], [], [], []
    for item in items:
        try:
            person = applicants.person(item)
        except DomainError as error:
            results.append(Pushed(error=error))
            continue
        file = file_new(service, item.data, person)
        file._check_organisation()  # written without save(): its links checked here
        files.append((file, item))
        results.append(Pushed(file, Outcome.CREATED))
    if not files:
        return results
    communications = communications_next("fee", len(files))
    for (file, item), communication in zip(files, communications, strict=True):
        version, version_lines = version_rows(
            file, item.data, item.pushed, item.digest, 1, communication
        )
        versions.append(version)
        lines.append(version_lines)
    # Inserted in the order of their ids, as any other batch inserts them: two batches with
    # the same new ids wait for each other instead of locking each other out.
    ServiceFile.objects.bulk_create(sorted((file for file, _item in files), key=_external_id))
    FileVersion.objects.bulk_create(versions)  # each takes its file's id, then lines theirs
    FileLine.objects.bulk_create([line for version_lines in lines for line in version_lines])
    for (file, _item), version_lines in zip(files, lines, strict=True):
        file.current_lines = version_lines
    created = [file for file, _item in files]
    for hook in ON_PUSHED:  # the versions' payment requests, e-mailed
        hook(created)
    return results


def _external_id(file: ServiceFile) -> str:
    return file.external_id


class _Applicants:
    """The registry's persons the batch's applicants may be, read in one query, and those
    registered by the batch: found as :func:`regie.fees.applicants.applicant_person` finds
    them (national number, enterprise number, then e-mail; the oldest person first)."""

    def __init__(self, items: list[_Item]) -> None:
        nationals = {item.national for item in items if item.national}
        enterprises = {item.enterprise for item in items if item.enterprise}
        emails = {item.data.applicant.email.upper() for item in items if item.data.applicant.email}
        self.by_national: dict[str, Person] = {}
        self.by_enterprise: dict[str, Person] = {}
        self.by_email: dict[str, Person] = {}
        people = (
            Person.objects.filter(is_active=True)
            .annotate(email_key=Upper("email"))
            .filter(
                Q(national_number__in=nationals)
                | Q(enterprise_number__in=enterprises)
                | Q(email_key__in=emails)
            )
            .order_by("pk")
        )
        for person in people:
            self._know(person, person.email_key)

    def _know(self, person: Person, email_key: str) -> None:
        if person.national_number:
            self.by_national.setdefault(person.national_number, person)
        if person.enterprise_number:
            self.by_enterprise.setdefault(person.enterprise_number, person)
        if email_key:
            self.by_email.setdefault(email_key, person)

    def person(self, item: _Item) -> Person:
        """Return the applicant's person, registered when nobody matches."""
        email = item.data.applicant.email
        if item.national and (found := self.by_national.get(item.national)):
            return found
        if item.enterprise and (found := self.by_enterprise.get(item.enterprise)):
            return found
        if email and (found := self.by_email.get(email.upper())):
            return found
        person = applicant_new(item.data.applicant, item.national, item.enterprise)
        self._know(person, person.email.upper())
        return person
