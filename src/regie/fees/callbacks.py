"""Telling a service's system that a file is paid, so that it releases the permit (DOMAIN §8).

When a file is paid a :class:`Callback` is written in the same transaction; the worker sends
it at once (a task written in the payment's transaction,
:func:`regie.core.jobs.enqueue_with_transaction`) and, until the system answers 2xx, again
after growing delays (:func:`rules.retry_delay_minutes`, run every minute by ``regie worker``).
Each try is an HMAC-signed ``POST`` of JSON; every attempt is kept with its answer or error.

Headers: ``X-Regie-Delivery`` (the call-back's id: the same for every retry, so the system can
ignore a repeat), ``X-Regie-Timestamp`` (Unix seconds) and ``X-Regie-Signature``
(``sha256=`` + hex HMAC-SHA256 of ``timestamp.body`` under the service's signing secret).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from regie.core.errors import DomainError, gettext_noop
from regie.core.jobs import enqueue_with_transaction
from regie.core.tenancy import scope
from regie.fees import rules
from regie.fees.models import Callback, CallbackAttempt, CallbackStatus, ServiceFile

TIMEOUT_SECONDS = 10

ACKNOWLEDGED = DomainError(
    "fees.callback_acknowledged",
    gettext_noop("The service's system already acknowledged this call-back: nothing to retry."),
)


def callback_queue(file: ServiceFile) -> Callback | None:
    """Write the call-back of a file just paid (none when its service has no address)."""
    url = file.service.callback_url
    if not url:
        return None
    callback = Callback.objects.create(
        file=file,
        url=url,
        body={
            "event": "file.paid",
            "service": file.service.name,
            "external_id": file.external_id,
            "version": file.version,
            "state": file.state,
            "amount_cents": file.amount_cents,
            "communication": file.communication,
            "paid_at": file.paid_at.isoformat() if file.paid_at else None,
        },
        next_at=timezone.now(),
    )
    enqueue_with_transaction(callback_send_task, callback_id=callback.pk)
    return callback


@task()
def callback_send_task(callback_id: int) -> None:
    """Send one call-back now (the first try, right after the payment's commit)."""
    callback = Callback.unscoped_objects.select_related("organisation").get(pk=callback_id)
    with scope(callback.organisation):
        callbacks_send(Callback.objects.filter(pk=callback_id))


@transaction.atomic
def callback_retry(*, callback: Callback) -> Callback:
    """Send a call-back not acknowledged yet again now (the finance officer's "retry now")."""
    callback = Callback.objects.select_for_update().get(pk=callback.pk)
    if callback.status != CallbackStatus.PENDING:
        raise ACKNOWLEDGED
    callback.next_at = timezone.now()
    callback.save(update_fields=["next_at"])
    transaction.on_commit(lambda: callback_send_task.enqueue(callback_id=callback.pk))
    return callback


def callbacks_due(now: datetime | None = None) -> int:
    """Send the call-backs whose next attempt is due; return how many were tried."""
    due = Callback.objects.filter(status=CallbackStatus.PENDING, next_at__lte=now or timezone.now())
    return callbacks_send(due)


def callbacks_send(callbacks) -> int:
    """Try each pending call-back of ``callbacks`` once (skipping those another worker holds)."""
    tried = 0
    with transaction.atomic():
        pending = callbacks.filter(status=CallbackStatus.PENDING)
        for callback in pending.select_for_update(skip_locked=True).select_related("file__service"):
            _attempt(callback)
            tried += 1
    return tried


def _attempt(callback: Callback) -> None:
    body = json.dumps(callback.body, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 (an http(s) URL validated on the service)
        callback.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Regie call-back",
            "X-Regie-Delivery": str(callback.pk),
            "X-Regie-Timestamp": timestamp,
            "X-Regie-Signature": rules.signature(
                callback.file.service.callback_secret, timestamp, body
            ),
        },
    )
    started, status, error = time.monotonic(), None, ""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            status = answer.status
    except urllib.error.HTTPError as refused:
        status, error = refused.code, str(refused.reason)[:300]
    except (OSError, ValueError) as failure:  # refused, unreachable, timed out, bad address
        error = str(failure)[:300] or type(failure).__name__
    now = timezone.now()
    CallbackAttempt.objects.create(
        callback=callback,
        at=now,
        status_code=status,
        error=error,
        milliseconds=int((time.monotonic() - started) * 1000),
    )
    callback.attempts += 1
    if status is not None and 200 <= status < 300:
        callback.status, callback.acknowledged_at, callback.next_at = (
            CallbackStatus.ACKNOWLEDGED,
            now,
            None,
        )
    else:
        callback.next_at = now + timedelta(minutes=rules.retry_delay_minutes(callback.attempts))
    callback.save(update_fields=["attempts", "status", "acknowledged_at", "next_at"])
