"""Write an export's UBL files and check each against both rule sets, in worker processes.

Checking is what costs: the official rules take a few milliseconds a document in Saxon, and
three months of a large commune are 40,000 documents. Python runs one Saxon call at a time
per process, so the documents go in chunks to worker processes (``REGIE_EXPORT_WORKERS``,
default 2: one per core), each compiling the rules once; the chunks come back in order, so
the ZIP is the same whatever the number of workers. Small exports are checked in the calling
process: starting a worker and compiling the rules cost about a second. The workers are
started fresh ("spawn", never forked from a process holding database connections), get plain
values and import no model. :func:`started` starts them before the export reads its documents,
so that they compile and warm up the rules meanwhile.

Every file is checked: a chunk stops at its first failing document and the export is refused
naming it and its rule.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import date

from regie.exports import ubl, validation
from regie.exports.documents import Document, Line, Party

#: Documents per chunk sent to a worker, and the export size from which workers start.
CHUNK = 200
INLINE_BELOW = 600

Checked = tuple[list[tuple[str, bytes]], tuple[str, list[validation.Finding]] | None]


def check_chunk(documents: Sequence[Document], seller: ubl.Seller) -> Checked:
    """Write and check documents; return their files and the first failure, if any."""
    texts = [ubl.text(document, seller) for document in documents]
    found = validation.validate_many(texts)  # Saxon reads the text: no bytes to decode
    files = [(ubl.file_name(d), text.encode()) for d, text in zip(documents, texts, strict=True)]
    for index, (document, findings) in enumerate(zip(documents, found, strict=True)):
        fatal = [finding for finding in findings if finding.fatal]
        if fatal:
            return files[:index], (document.number, fatal)
    return files, None


def _warm(seller: ubl.Seller) -> None:
    """Compile the rules and check a document once, so that a worker's first chunk costs what
    the others do."""
    sample = Document("WARM/0", "invoice", "original", False, date(2000, 1, 3), date(2000, 2, 2),
                      Party("P0", "Warm"), (Line("Warm", 150, "000/000-00", date(2000, 1, 3), 2,
                                                 75),))  # fmt: skip
    check_chunk([sample], seller)


@contextmanager
def started(workers: int, count: int, seller: ubl.Seller) -> Iterator[ProcessPoolExecutor | None]:
    """Start the worker processes that will check ``count`` documents (None when they are few
    enough to be checked here); shut them down on leaving."""
    if workers <= 1 or count < INLINE_BELOW:
        yield None
        return
    size = min(workers, -(-count // CHUNK))
    pool = ProcessPoolExecutor(max_workers=size, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_warm, initargs=(seller,))  # fmt: skip
    try:
        for _worker in range(size):  # a task each starts them now, not at the first chunk
            pool.submit(int)
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _chunks(documents: Sequence[Document], grouped=False) -> list[Sequence[Document]]:
    """Return the documents in chunks, their lines grouped as the UBL shows them (unless
    ``grouped`` already): the worker gets 3 or 4 lines a document instead of 23 (a sixth of
    the pickling, there and back), and :func:`ubl.text` finds them grouped already (grouping
    again changes nothing)."""
    if not grouped:
        documents = [ubl.with_grouped_lines(document) for document in documents]
    return [documents[start : start + CHUNK] for start in range(0, len(documents), CHUNK)]


def checked_files(
    documents: Sequence[Document],
    seller: ubl.Seller,
    *,
    workers: int,
    advance: Callable[[int], None],
    pool: ProcessPoolExecutor | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Yield ``(file name, UBL)`` of each document in order, each checked; raise the
    refusal of the first failing document. ``pool``: workers :func:`started` already."""
    chunks = _chunks(documents)
    if pool is not None:
        yield from _unpacked(pool.map(check_chunk, chunks, [seller] * len(chunks)), chunks, advance)
        return
    with started(workers, len(documents), seller) as own:
        if own is None:
            results: Iterator[Checked] = (check_chunk(chunk, seller) for chunk in chunks)
        else:
            results = own.map(check_chunk, chunks, [seller] * len(chunks))
        yield from _unpacked(results, chunks, advance)


class Checking:
    """Documents handed to the workers as they are read, their files given back in order."""

    def __init__(self, pool: ProcessPoolExecutor, seller: ubl.Seller) -> None:
        self.pool, self.seller = pool, seller
        self.chunks: list[Sequence[Document]] = []
        self.futures: list = []

    def submit(self, documents: Sequence[Document], grouped=False) -> None:
        """Hand documents to the workers (``grouped``: their lines grouped already)."""
        for chunk in _chunks(documents, grouped):
            self.chunks.append(chunk)
            self.futures.append(self.pool.submit(check_chunk, chunk, self.seller))

    def files(self, advance: Callable[[int], None]) -> Iterator[tuple[str, bytes]]:
        """Yield ``(file name, UBL)`` of each document submitted, as :func:`checked_files`."""
        results = (future.result() for future in self.futures)
        yield from _unpacked(results, self.chunks, advance)


def _unpacked(results, chunks, advance) -> Iterator[tuple[str, bytes]]:
    for chunk, (files, failure) in zip(chunks, results, strict=True):
        if failure is not None:
            number, fatal = failure
            raise validation.refusal(number, fatal)
        yield from files
        advance(len(chunk))
