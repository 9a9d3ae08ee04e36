"""The demo commune's saved pivot views, shared in the organisation (issue 18)."""

from __future__ import annotations

from regie.statistics.pivot import FIGURES, Query
from regie.statistics.services import saved_view_save

#: (name, question): what a finance officer of the demo keeps and shares.
VIEWS = [
    ("Facturé et encaissé par mois", Query("receivables", "month", FIGURES)),
    ("Facturé et encaissé par catégorie", Query("receivables", "category", FIGURES)),
    ("Facturé par mois et catégorie", Query("receivables", "month", "category", "amount")),
    ("Ouvert par école", Query("lines", "site", "status", "balance")),
]


def views_for_demo(owner) -> int:
    """Save the demo's views, shared with the organisation; return how many."""
    for name, query in VIEWS:
        saved_view_save(owner=owner, name=name, query=query, shared=True)
    return len(VIEWS)
