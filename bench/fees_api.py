"""Benchmark: a permit system pushing 10,000 files through the real API (POST /api/v1/files).

Prepare (not timed): an empty commune, a service ("Occupation du domaine public") and its token,
and 10,000 JSON files: 4,000 applicants (each pushes two or three files, so most pushes find
the applicant in the registry by e-mail, the others register them), one to three lines each,
one file in five invoiced afterwards. Measure: post each file with the service's token through
Django's test client (routing, middleware, authentication, validation, applicant matching, the
service, JSON answers; no network), one request per file as a permit system does, and check
every file is created with its amount. The batched operation pushes the same files through
``POST /api/v1/files/batch``, :data:`BATCH` a request, as a permit system catching up does.
"""

from __future__ import annotations

import json
import random

FILES = int(__import__("os").environ.get("BENCH_FILES", "10000"))
APPLICANTS = 4_000
SEED = 16
BATCH = 500
LABELS = ("Conteneur, par jour", "Échafaudage, par m² et par jour", "Stationnement réservé")


def prepare() -> dict:
    """Return the service's token and the JSON bodies of the files to push."""
    from bench.operations import _empty_commune
    from regie.activities.models import ActivityCategory
    from regie.core.tenancy import scope
    from regie.fees.models import Service
    from regie.fees.services import service_save, service_token_new

    org = _empty_commune()
    with scope(org):
        category = ActivityCategory.objects.create(name="Permis", code="permis")
        service = service_save(
            service=Service(name="Occupation du domaine public", category=category)
        )
        token = service_token_new(service=service)
    rng = random.Random(SEED)
    bodies, total = [], 0
    for n in range(FILES):
        body, cents = _file(n, rng)
        bodies.append(json.dumps(body))
        total += cents
    return {"token": token, "bodies": bodies, "total": total}


def _file(n: int, rng: random.Random) -> tuple[dict, int]:
    who = rng.randrange(APPLICANTS)
    lines, cents = [], 0
    for _ in range(rng.randint(1, 3)):
        quantity, unit = rng.randint(1, 10), rng.choice((500, 1500, 2250, 4000))
        lines.append(
            {"label": rng.choice(LABELS), "quantity": str(quantity), "unit_price_cents": unit}
        )
        cents += quantity * unit
    body = {
        "external_id": f"OCC-2026-{n:05d}",
        "applicant": {
            "last_name": f"Demandeur{who}",
            "first_name": "Julie",
            "street": f"Rue Haute {who % 200 + 1}",
            "postcode": "5000",
            "city": "Namur",
            "email": f"demandeur{who}@example.be",
            "language": rng.choice(("fr", "fr", "nl", "de")),
        },
        "description": f"Occupation du domaine public, dossier {n}",
        "date_from": "2026-05-04",
        "date_to": "2026-05-05",
        "lines": lines,
        "way": "afterwards" if n % 5 == 4 else "advance",
    }
    return body, cents


def measure(state: dict) -> int:
    """Push every file; return how many the API created (201)."""
    from django.test import Client

    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {state['token']}")
    created, total = 0, 0
    for body in state["bodies"]:
        response = client.post("/api/v1/files", body, content_type="application/json")
        assert response.status_code == 201, response.content[:500]
        created += 1
        total += response.json()["amount_cents"]
    assert (created, total) == (FILES, state["total"]), (created, total)
    return created


def measure_batches(state: dict) -> int:
    """Push every file, :data:`BATCH` a request; return how many the API created."""
    from django.test import Client

    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {state['token']}")
    bodies = state["bodies"]
    created, total = 0, 0
    for start in range(0, len(bodies), BATCH):
        batch = '{"files": [' + ", ".join(bodies[start : start + BATCH]) + "]}"
        response = client.post("/api/v1/files/batch", batch, content_type="application/json")
        assert response.status_code == 200, response.content[:500]
        for result in response.json()["results"]:
            assert result["http_status"] == 201, result
            created += 1
            total += result["file"]["amount_cents"]
    assert (created, total) == (FILES, state["total"]), (created, total)
    return created
