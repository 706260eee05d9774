"""axe-core, the accessibility checker, run inside a Playwright page.

The script comes from `node_modules/axe-core` (installed by `make install` from
package-lock.json), is read from disk and evaluated through the DevTools protocol, so it
needs no network and no inline <script> that our Content-Security-Policy would refuse.
Without it the checks skip, except in CI (the CI environment variable set), where they fail."""

import os
from functools import cache
from pathlib import Path

import pytest

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# What must never reach a traveller; "moderate" and "minor" are advice.
BLOCKING = ("serious", "critical")

# WCAG 2.x A and AA, plus axe's best practices (landmarks, one main heading, ...).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@cache
def axe_source() -> str:
    if not AXE_JS.exists():
        message = "axe-core is not installed (run `make install`, which needs npm)."
        if os.environ.get("CI"):
            pytest.fail(message + " Accessibility checks must run in CI.", pytrace=False)
        pytest.skip(message)
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page, *, impacts=BLOCKING) -> list[dict]:
    """Run axe on the page as it stands; return the violations of the given impacts."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    results = page.evaluate(
        """async (tags) => {
            const results = await window.axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return results.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({
                    target: n.target.join(" "),
                    html: n.html,
                    summary: n.failureSummary,
                })),
            }));
        }""",
        TAGS,
    )
    return [v for v in results if v["impact"] in impacts]


def describe(violations: list[dict], where: str = "") -> str:
    """The violations as a reader wants them in a failed test's output."""
    lines = [f"{len(violations)} accessibility violation(s) {where}".rstrip()]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            lines.append(f"    at {node['target']}")
            lines.append(f"       {node['html'][:160]}")
            for detail in (node["summary"] or "").splitlines()[1:4]:
                lines.append(f"       {detail.strip()}")
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more")
    return "\n".join(lines)
