"""Where documents live: one folder per organisation under ``MEDIA_ROOT/documents/``.

``MEDIA_ROOT/documents/<organisation id>/batches/<batch id>/`` holds a batch's result;
``MEDIA_ROOT/documents/<organisation id>/templates/invoice.typ``, when present, is the
organisation's restyled template. Typst reads files under ``MEDIA_ROOT`` only (its root), so
the default template is installed there too, and logos are found where Django stored them.
Nothing here is served as public media: downloads go through a view that checks the
organisation.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from regie.documents.rendering import DEFAULT_TEMPLATE

TEMPLATE_NAME = "invoice.typ"


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def organisation_folder(organisation_id: int) -> Path:
    """Return the documents folder of an organisation."""
    return media_root() / "documents" / str(organisation_id)


def batch_folder(organisation_id: int, batch_id: int) -> Path:
    """Return (and create) the folder of a batch's result."""
    folder = organisation_folder(organisation_id) / "batches" / str(batch_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def template_for(organisation_id: int) -> Path:
    """Return the invoice template of an organisation: its own, else the default.

    The default is (re)installed under ``MEDIA_ROOT/documents/templates`` whenever the
    packaged file differs, so that an upgrade of Regie brings its new default.
    """
    own = organisation_folder(organisation_id) / "templates" / TEMPLATE_NAME
    if own.is_file():
        return own
    installed = media_root() / "documents" / "templates" / TEMPLATE_NAME
    packaged = DEFAULT_TEMPLATE.read_bytes()
    if not installed.is_file() or installed.read_bytes() != packaged:
        installed.parent.mkdir(parents=True, exist_ok=True)
        temporary = installed.with_suffix(".tmp")
        temporary.write_bytes(packaged)
        temporary.replace(installed)  # atomic: a worker never reads half a template
    return installed


def relative(path: Path) -> str:
    """Return ``path`` relative to ``MEDIA_ROOT`` (as stored in the database)."""
    return path.relative_to(media_root()).as_posix()


def absolute(stored: str) -> Path:
    """Return the absolute path of a stored relative path."""
    return media_root() / stored
