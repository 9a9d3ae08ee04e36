"""The API's OpenAPI schema documents every answer it gives (schemathesis checks it).

Every operation answers 422 to a request outside the schema (:func:`regie.api.main.
invalid_request`), before its own code runs: the schema says so for each operation.
"""

from __future__ import annotations

from ninja import NinjaAPI

INVALID_REQUEST_ANSWER = {
    "description": "The request does not match the schema: a code, a message and the details.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


class DocumentedAPI(NinjaAPI):
    """A NinjaAPI whose schema lists the 422 answer of every operation."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                answers = operation["responses"]
                # An operation that declares its own 422 (an int key) keeps it.
                if 422 not in answers and "422" not in answers:
                    answers["422"] = INVALID_REQUEST_ANSWER
        return schema
