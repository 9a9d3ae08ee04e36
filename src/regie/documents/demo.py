"""The demo commune's documents: what ``regie demo`` calls once its billing run is posted."""

from __future__ import annotations

from collections import Counter

from regie.billing.models import BillingRun, Invoice
from regie.core.errors import DomainError
from regie.core.models import Language
from regie.documents.batches import batch_build, batch_create
from regie.documents.mail import default_template
from regie.documents.models import BatchFormat, DocumentBatch, EmailTemplate


def documents_for_demo(run: BillingRun, *, workers: int = 2) -> dict:
    """Build a posted run's documents now (no background job), inside the run's scope.

    Gives the organisation its e-mail templates in French, Dutch and German (the defaults,
    to edit in the configuration), a ZIP of every invoice and the post PDF. Return the
    batches and the number of invoices per language, so the demo can say that documents
    exist in all three languages.
    """
    for language in Language.values:
        subject, body = default_template(language)
        EmailTemplate.objects.get_or_create(
            language=language, defaults={"subject": subject, "body": body}
        )
    batches: dict[str, DocumentBatch] = {}
    for fmt in (BatchFormat.ZIP, BatchFormat.POST):
        try:
            batches[fmt] = batch_build(batch_create(format=fmt, group=run.pk), workers=workers)
        except DomainError as error:  # a demo without anyone by post is still a demo
            if error.code != "documents.nothing_to_print":
                raise
    languages = Counter(
        Invoice.objects.filter(run=run, posted_at__isnull=False).values_list(
            "person__language", flat=True
        )
    )
    return {"batches": batches, "languages": dict(languages)}
