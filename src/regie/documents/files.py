"""Where documents live: one folder per organisation under ``MEDIA_ROOT/documents/``.

``MEDIA_ROOT/documents/<organisation id>/batches/<batch id>/`` holds a batch's result;
``MEDIA_ROOT/documents/<organisation id>/templates/<kind's template>`` (``invoice.typ``,
``reminder.typ``...), when present, is the organisation's restyled template. Typst reads files
under ``MEDIA_ROOT`` only (its root), so the default templates are installed there too, and
logos are found where Django stored them.
Nothing here is served as public media: downloads go through a view that checks the
organisation.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from regie.documents.rendering import DEFAULT_TEMPLATE

TEMPLATE_NAME = "invoice.typ"
PACKAGED = DEFAULT_TEMPLATE.parent  # the templates, and the modules they share (letter.typ)


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


def template_for(
    organisation_id: int, name: str = TEMPLATE_NAME, folder: Path | None = None
) -> Path:
    """Return a template of an organisation (``invoice.typ`` by default): its own, else the
    default, packaged in ``folder`` (the documents app's ``typst`` folder when none).

    The default is (re)installed under ``MEDIA_ROOT/documents/templates`` whenever the
    packaged file differs, so that an upgrade of Regie brings its new default; the modules that
    templates share (the documents app's ``typst`` files) are installed beside it, and beside
    an organisation's own template when it has not its own copy of them.
    """
    own = organisation_folder(organisation_id) / "templates" / name
    if own.is_file():
        for packaged in sorted(PACKAGED.glob("*.typ")):  # the modules it may import
            if not (own.parent / packaged.name).is_file():
                _install(packaged, own.parent / packaged.name)
        return own
    installed = media_root() / "documents" / "templates"
    for packaged in sorted(PACKAGED.glob("*.typ")):
        _install(packaged, installed / packaged.name)
    if folder is not None:
        _install(Path(folder) / name, installed / name)
    return installed / name


def _install(packaged: Path, installed: Path) -> None:
    content = packaged.read_bytes()
    if not installed.is_file() or installed.read_bytes() != content:
        installed.parent.mkdir(parents=True, exist_ok=True)
        temporary = installed.with_suffix(".tmp")
        temporary.write_bytes(content)
        temporary.replace(installed)  # atomic: a worker never reads half a template


def relative(path: Path) -> str:
    """Return ``path`` relative to ``MEDIA_ROOT`` (as stored in the database)."""
    return path.relative_to(media_root()).as_posix()


def absolute(stored: str) -> Path:
    """Return the absolute path of a stored relative path."""
    return media_root() / stored
