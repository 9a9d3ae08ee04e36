"""Specification of the API's self-description: the OpenAPI schema and the interactive docs."""

from __future__ import annotations

from django.test import Client


def test_the_openapi_schema_describes_every_operation_and_both_authentications(db):
    """/api/v1/openapi.json is public and documents scans, places, me, the item fields."""
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["info"]["version"] == "1"
    assert {"/api/v1/scans", "/api/v1/places", "/api/v1/me"} <= set(schema["paths"])
    body = schema["paths"]["/api/v1/scans"]["post"]["requestBody"]["content"]["application/json"]
    item = body["schema"]["properties"]["events"]["items"]
    assert set(item["required"]) == {"client_event_id", "token", "place_id", "at", "direction"}
    assert item["properties"]["direction"]["enum"] == ["entry", "exit"]
    assert body["example"]["events"][0]["at"] == "2025-10-01T16:04"
    answers = schema["paths"]["/api/v1/scans"]["post"]["responses"]
    assert {"200", "400", "401", "403", "413", "500"} <= set(answers)
    listing = schema["paths"]["/api/v1/statements"]["get"]["responses"]
    invalid = listing["422"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    assert "detail" in schema["components"]["schemas"][invalid]["properties"]  # fields and why
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}


def test_the_interactive_documentation_is_served(db):
    """/api/v1/docs answers an HTML page that loads the schema."""
    page = Client().get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "openapi.json" in html
    # Scripts and styles come from Regie itself: no third party learns who reads the docs.
    assert "cdn" not in html.lower() and "/static/ninja/swagger-ui-bundle.js" in html
