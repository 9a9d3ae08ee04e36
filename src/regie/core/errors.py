"""The one error type of Regie's business rules, carrying a stable code.

Pure modules raise or return :class:`DomainError` values. The message template is English and
marked for translation with :func:`gettext_noop` (a plain identity function, so pure modules
stay importable without Django); :meth:`DomainError.translated` renders it in the active
language once Django is configured.
"""

from __future__ import annotations

from typing import Any


def gettext_noop(message: str) -> str:
    """Mark a message for translation without translating it (picked up by makemessages)."""
    return message


def json_safe(value: Any) -> Any:
    """Return ``value`` as JSON data: numbers, text, booleans and None as they are, lists and
    tuples item by item, mappings key by key, anything else (Decimal, date…) as its text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    return str(value)


class DomainError(Exception):
    """A broken business rule: a stable ``code``, an English template and its parameters."""

    def __init__(self, code: str, template: str, **params: Any) -> None:
        self.code = code
        self.template = template
        self.params = params
        super().__init__(self.english())

    def english(self) -> str:
        """Return the message in English (for logs and developers)."""
        return self.template % self.params if self.params else self.template

    def translated(self) -> str:
        """Return the message in the active language."""
        from django.utils.translation import gettext

        template = gettext(self.template)
        return template % self.params if self.params else template

    def to_dict(self) -> dict[str, Any]:
        """Return the error as JSON-ready data: tuples become lists, any other value its text.

        >>> from decimal import Decimal
        >>> DomainError("x", "%(a)s %(b)s", a=Decimal("1.50"), b=(1, 2)).to_dict()["params"]
        {'a': '1.50', 'b': [1, 2]}
        """
        params = {key: json_safe(value) for key, value in self.params.items()}
        return {"code": self.code, "template": self.template, "params": params}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DomainError:
        """Return the error stored by :meth:`to_dict`."""
        return cls(data["code"], data["template"], **data.get("params", {}))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DomainError) and (self.code, self.template, self.params) == (
            other.code,
            other.template,
            other.params,
        )

    def __hash__(self) -> int:
        return hash((self.code, self.english()))

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.english()!r})"
