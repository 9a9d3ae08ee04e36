"""A paid file's call-back task is written in the payment's transaction with the database
backend (one commit for both: the worker sees the call-back and its task, or neither), and
enqueued at commit with any other backend (the tests' immediate one)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult
from tests.fees import builders as b

from regie.fees.callbacks import callback_queue
from regie.fees.models import Callback
from regie.fees.services import file_push

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def paid_file(in_a):
    service = b.service(callback_url="http://127.0.0.1:9/permits/paid")
    file, _ = file_push(service=service, data=b.container())
    return file


@override_settings(TASKS=DATABASE_TASKS)
def test_with_the_database_backend_the_task_is_written_in_the_transaction(paid_file):
    with transaction.atomic():
        callback = callback_queue(paid_file)
        # Before the commit: the task's row is there, in the same transaction.
        [row] = DBTaskResult.objects.all()
        assert row.args_kwargs["kwargs"] == {"callback_id": callback.pk}
    assert Callback.objects.count() == 1


def test_with_another_backend_the_task_waits_for_the_commit(
    paid_file, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as hooks:
        callback_queue(paid_file)
    assert len(hooks) == 1
    assert DBTaskResult.objects.count() == 0
