"""WCAG 2.1 A/AA checks of a page with axe-core (vendored from the npm registry, tests only)."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[dict]:
    """Run axe-core in ``page`` (evaluated by the driver: no inline script for the page's CSP)
    and return the violations of WCAG 2.1 A and AA, each with its rule and elements."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.map((v) => ({
                rule: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(" ")),
            }));
        }""",
        WCAG21_AA,
    )
