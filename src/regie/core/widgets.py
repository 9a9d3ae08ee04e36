"""Form widgets shared by every screen."""

from __future__ import annotations

from django import forms


class DateInput(forms.DateInput):
    """A browser date picker: its value is always ISO (2026-01-01), whatever the language.

    ``<input type="date">`` only accepts yyyy-mm-dd; a localised "01/01/2026" leaves it blank.
    The browser shows the date in the reader's own format.
    """

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)
