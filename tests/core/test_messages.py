"""No message names an amount in cents or an item by its internal id.

A person reads amounts as the screen shows them (71,20 €) and documents by their number
(FACT/2026/00094): every business error template (``gettext_noop``, a ``DomainError``'s
template) is read from the source and checked.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "src" / "regie"
#: "cents", "#%(item)s", "id" as a word, or a placeholder named after an id.
FORBIDDEN = re.compile(r"\bcents?\b|#%\(|\bids?\b|%\((?:\w*_)?(?:id|pk)\)", re.IGNORECASE)


def message_templates():
    """Yield (file:line, text) of every gettext_noop message and DomainError template."""
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "gettext_noop":
                texts = node.args[:1]
            elif name == "DomainError":
                texts = node.args[1:2]
            else:
                continue
            for text in texts:
                for part in ast.walk(text):
                    if isinstance(part, ast.Constant) and isinstance(part.value, str):
                        yield f"{path.relative_to(SOURCE)}:{node.lineno}", part.value


def test_the_templates_are_found():
    found = dict(message_templates())
    assert len(found) > 100
    assert any("is not an amount" in text for text in found.values())


def test_no_message_shows_cents_or_internal_ids():
    wrong = [(where, text) for where, text in message_templates() if FORBIDDEN.search(text)]
    assert not wrong, "name amounts in euros and items by their number:\n" + "\n".join(
        f"{where}: {text}" for where, text in wrong
    )
