"""Render documents in worker processes and assemble them into one checked file.

The main process hands chunks of plain data to the workers as soon as it has read them, and
adds each rendered PDF to the result as soon as its chunk comes back: reading, rendering and
writing overlap. A document counts only once its PDF is whole and in the file; the file is
read back and compared with what was put in before anyone can download it.
"""

from __future__ import annotations

import multiprocessing
import os
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter

from regie.core.errors import DomainError, gettext_noop
from regie.documents.rendering import render_many

Advance = Callable[[int], None]


class Inline:
    """An executor that runs each task at once in this process (one worker, small batches)."""

    def submit(self, function, *args) -> Future:
        future: Future = Future()
        try:
            future.set_result(function(*args))
        except BaseException as error:  # noqa: BLE001 - handed over like a pool would
            future.set_exception(error)
        return future

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


def _one_thread_each() -> None:
    # Typst lays out with a thread per core; the processes already share the cores, and more
    # threads than cores only make them wait for each other.
    os.environ["RAYON_NUM_THREADS"] = "1"


def pool(workers: int):
    """Return an executor of ``workers`` processes, started fresh (never forked from a process
    that holds database connections), or :class:`Inline` for one worker."""
    if workers <= 1:
        return Inline()
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_one_thread_each,
    )


def is_pdf(path: Path) -> bool:
    """Return whether a file looks like a whole PDF: its header and its end-of-file mark."""
    if not path.is_file() or path.stat().st_size < 64:
        return False
    with path.open("rb") as handle:
        head = handle.read(5)
        handle.seek(-32, 2)
        tail = handle.read()
    return head == b"%PDF-" and b"%%EOF" in tail


class ZipSink:
    """A ZIP of one PDF per document, written as the documents arrive (stored: PDFs are
    compressed already, so this is as small and much faster)."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.archive = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED)
        self.sizes: dict[str, int] = {}

    def add(self, position: int, document: dict[str, Any], part: Path) -> None:
        self.sizes[part.name] = part.stat().st_size
        self.archive.write(part, part.name)
        part.unlink()

    def close(self) -> None:
        """Close the ZIP, then check that it holds exactly the documents added, whole."""
        self.archive.close()
        with zipfile.ZipFile(self.target) as archive:
            found = {info.filename: info.file_size for info in archive.infolist()}
        if found != self.sizes:
            raise DomainError(
                "documents.zip_check",
                gettext_noop("The ZIP file holds %(found)s documents instead of %(wanted)s."),
                found=len(found),
                wanted=len(self.sizes),
            )


class PdfSink:
    """One PDF of every document in the order given, a bookmark per document."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.parts: dict[int, tuple[str, Path]] = {}

    def add(self, position: int, document: dict[str, Any], part: Path) -> None:
        self.parts[position] = (document["number"], part)

    def close(self) -> None:
        """Write the combined PDF, then check its pages and bookmarks."""
        writer, pages = PdfWriter(), 0
        for position in sorted(self.parts):
            title, part = self.parts[position]
            reader = PdfReader(part)
            pages += len(reader.pages)
            writer.append(reader, outline_item=title)
        with self.target.open("wb") as handle:
            writer.write(handle)
        check = PdfReader(self.target)
        if len(check.pages) != pages or len(check.outline) != len(self.parts):
            raise DomainError(
                "documents.pdf_check",
                gettext_noop("The combined PDF holds %(found)s documents instead of %(wanted)s."),
                found=len(check.outline),
                wanted=len(self.parts),
            )
        for _title, part in self.parts.values():
            part.unlink()


def assemble(
    chunks: Iterable[list[dict[str, Any]]],
    *,
    template: Path,
    root: Path,
    folder: Path,
    sink,
    workers: int,
    advance: Advance | None = None,
) -> tuple[list[dict], list[dict]]:
    """Render the chunks of documents and add each good one to ``sink``.

    Return the documents added, in the order given, and the failures
    (``{"number": number, "error": why}``).
    """
    added: dict[int, dict] = {}
    failures: list[dict] = []
    with pool(workers) as executor:
        pending: dict[Future, list[tuple[int, dict]]] = {}
        position = 0
        for chunk in chunks:
            numbered = list(enumerate(chunk, start=position))
            position += len(chunk)
            future = executor.submit(render_many, str(template), str(root), chunk, str(folder))
            pending[future] = numbered
        for future in as_completed(pending):
            documents = {document["key"]: (n, document) for n, document in pending.pop(future)}
            for key, name, error in future.result():
                n, document = documents[key]
                part = folder / name
                if not error and not is_pdf(part):
                    error = "not a complete PDF"
                if error:
                    failures.append({"key": key, "number": document["number"], "error": error})
                else:
                    sink.add(n, document, part)
                    added[n] = document
            if advance:
                advance(len(documents))
    sink.close()
    return [added[n] for n in sorted(added)], failures
