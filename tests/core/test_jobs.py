"""Every background job ends, done or failed with a message, whatever went wrong (issue 13, 2)."""

from __future__ import annotations

import doctest
from decimal import Decimal

import pytest
from django_tasks import task

from regie.core import errors
from regie.core.errors import DomainError
from regie.core.jobs import job_run, job_start
from regie.core.models import Job


@task()
def nothing(job_id: int) -> None:
    """A task never enqueued here: the tests run the work themselves."""


def started(org) -> Job:
    return job_start(
        organisation=org, user=None, kind="test", title="x", task=nothing, parameters={}
    )


def test_errors_doctests():
    assert doctest.testmod(errors).failed == 0


def test_a_refusal_with_decimal_parameters_fails_the_job_with_its_message(org_a):
    """A CODA trailer that does not add up names its totals as Decimals."""
    refusal = DomainError("coda.trailer_debit", "total %(found)s", found=Decimal("12.340"))
    job = started(org_a)

    def work(job, progress):
        raise refusal

    job_run(job.pk, work)

    job.refresh_from_db()
    assert (job.status, job.error) == (Job.Status.FAILED, "total 12.340")
    assert job.finished_at is not None
    assert DomainError.from_dict(job.result["error"]).translated() == "total 12.340"


def test_a_result_that_cannot_be_stored_still_ends_the_job(org_a):
    """The safety net: when even recording the outcome fails, the job ends failed."""
    job = started(org_a)
    job_run(job.pk, lambda job, progress: {"what": object()})
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.error and job.finished_at is not None


@pytest.mark.parametrize("length", [200, 500])
def test_a_long_title_is_shortened_to_fit(org_a, length):
    job = job_start(
        organisation=org_a,
        user=None,
        kind="test",
        title="Import " + "x" * length,
        task=nothing,
        parameters={},
    )
    job.refresh_from_db()
    assert len(job.title) <= 200 and job.title.startswith("Import x")
