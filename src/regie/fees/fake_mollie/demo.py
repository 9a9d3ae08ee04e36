"""The simulated Mollie of the demo and of ``regie serve``: its settings, the local ports the
organisations' settings point at, and running it alone (``python -m regie.fees.fake_mollie``)."""

from __future__ import annotations

import threading
import urllib.parse

from regie.fees.fake_mollie.state import FakeMollie

DEFAULT_PORT = 8765
DEMO_KEY = "test_ValDeMehaigneSimulated00000000"  # noqa: S105 - the simulated Mollie's


def settings_for_demo() -> None:
    """Give the active (demo) organisation Mollie settings pointing at the simulated Mollie."""
    from regie.fees.models import MollieSettings
    from regie.fees.online import mollie_settings_save

    mollie_settings_save(
        settings=MollieSettings(api_endpoint=f"http://127.0.0.1:{DEFAULT_PORT}"), api_key=DEMO_KEY
    )


def local_ports() -> set[int]:
    """Return the local ports organisations' Mollie settings point at (the simulated Mollie)."""
    from django.db import DatabaseError

    from regie.fees.models import MollieSettings

    try:
        endpoints = set(
            MollieSettings.unscoped_objects.filter(is_active=True)
            .exclude(api_endpoint="")
            .values_list("api_endpoint", flat=True)
        )
    except DatabaseError:  # not migrated yet
        return set()
    ports = set()
    for endpoint in endpoints:
        parts = urllib.parse.urlsplit(endpoint)
        if parts.hostname in ("127.0.0.1", "localhost") and parts.port:
            ports.add(parts.port)
    return ports


def serve_beside(write) -> list[FakeMollie]:
    """Start a simulated Mollie on each local port the settings point at (``regie serve``)."""
    started = []
    for port in sorted(local_ports()):
        try:
            started.append(FakeMollie(port=port).start())
        except OSError as error:
            write(f"Simulated Mollie not started on port {port}: {error.strerror}.")
            continue
        write(f"Simulated Mollie (payments of the demo) on http://127.0.0.1:{port}.")
    return started


def main() -> None:  # pragma: no cover - for trying it by hand
    import argparse

    parser = argparse.ArgumentParser(description="Run the simulated Mollie.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0: a free port")
    port = parser.parse_args().port
    import django

    django.setup()
    fake = FakeMollie(port=port).start()
    # The first line says where it listens (a benchmark starting it on port 0 reads it).
    print(f"Simulated Mollie on {fake.url} (Ctrl-C to stop)", flush=True)  # noqa: T201
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()
