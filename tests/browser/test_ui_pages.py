"""Walk every page a role reaches from its home and 我的 at 390x844, measure it, and let axe-core check it.

On the demo data, in zh, en and the elder mode (长辈版): no page scrolls sideways (a wide table scrolls inside its
own box), every control is readable against its background and at least 44x44 px; axe (npm `axe-core`, vendored
by `make vendor`) finds no serious or critical violation. In the elder mode every resident page measures main
text >= 24 px, headings >= 30 px, line height >= 1.3, paragraphs spaced >= 1.3x their line height and every tap
target (links included) >= 60x60 px — measured on whatever the page shows, not on a list of selectors.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pointsbank.db import run_in_unit
from pointsbank.seed import DEMO_PASSWORD, seed_all
from tests.browser.conftest import REQUIRE_BROWSER

PHONE_SIZE = {"width": 390, "height": 844}
ROLES = {"resident": "13900000001", "clerk": "13800000003", "coordinator": "13800000002", "officer": "13800000005"}
# Pages a role reaches from a page the walk does not open links of (a dashboard's buttons), walked as well.
EXTRA = {
    "coordinator": ("/insights/communities/{community}/liability",),
    "officer": ("/insights/streets/{street}/liability", "/insights/communities/{community}/liability"),
}
AXE = Path(__file__).resolve().parents[2] / "pointsbank" / "static" / "vendor" / "axe.min.js"
# Pages a walk does not open: downloads, and pages that change something on GET are none; printing is fine.
SKIP = (".csv", "/logout", "/api/")

# One pass over the page: what sticks out sideways, small or low-contrast controls, text sizes and spacing.
AUDIT = """
(elder) => {
  const minTap = elder ? 60 : 44;
  const shown = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'; };
  const name = e => e.tagName.toLowerCase() + '.' + (e.className.baseVal ?? e.className ?? '')
    + ' "' + (e.innerText || e.value || '').trim().slice(0, 20) + '"';
  const rgb = c => (c.match(/[\\d.]+/g) || [0, 0, 0, 0]).map(Number);
  const lum = ([r, g, b]) => [r, g, b]
    .map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length < 4 || c[3] > 0.5) return c; } return [255, 255, 255]; };
  const lineOf = s => s.lineHeight === 'normal' ? 1.2 * parseFloat(s.fontSize) : parseFloat(s.lineHeight);
  const out = {sideways: document.scrollingElement.scrollWidth - innerWidth, small: [], faint: [], text: [], gaps: []};
  let controls = 'main button, main a.button, main a.tile, main a.chip, main select, main input:not([type=hidden])'
    + ':not([type=checkbox]):not([type=radio]), main label.pick, main .check label, .tabbar a, .topbar button';
  if (elder) controls += ', main a, .topbar a';
  for (const e of document.querySelectorAll(controls)) {
    if (!shown(e) || e.closest('.sr-only')) continue;
    const r = e.getBoundingClientRect();
    if (r.height < minTap - 0.5 || r.width < minTap - 0.5) out.small.push(name(e) + ` ${r.width}x${r.height}`);
    const s = getComputedStyle(e);
    const [a, b] = [lum(rgb(s.color)), lum(background(e))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 3) out.faint.push(name(e) + ` ${ratio.toFixed(2)}`);
  }
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n; (n = walker.nextNode());) {
    const e = n.parentElement;
    if (!n.textContent.trim() || seen.has(e) || !shown(e) || e.closest('.sr-only, svg')) continue;
    seen.add(e);
    const s = getComputedStyle(e);
    const heading = e.closest('h1, h2');
    out.text.push([name(e), parseFloat(s.fontSize), lineOf(s), heading ? heading.tagName : '']);
  }
  // Paragraph spacing: the gap between two paragraphs that follow each other.
  for (const p of document.querySelectorAll('main p')) {
    const next = p.nextElementSibling;
    if (!next || next.tagName !== 'P' || !shown(p) || !shown(next)) continue;
    const gap = next.getBoundingClientRect().top - p.getBoundingClientRect().bottom;
    const line = lineOf(getComputedStyle(p));
    if (gap < 1.3 * line - 0.5) out.gaps.push(name(p) + ` gap ${gap.toFixed(1)} < 1.3 x ${line}`);
  }
  return out;
}
"""


def _login(page, base: str, phone: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=phone]", phone)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit].primary")
    page.wait_for_load_state("load")


def _links(page) -> list[str]:
    return page.eval_on_selector_all(
        "main a.tile, main a.action, main .counters a, .tabbar a", "els => els.map(e => e.getAttribute('href'))"
    )


def _measure(page, elder: bool) -> list[str]:
    found = page.evaluate(AUDIT, elder)
    problems = []
    if found["sideways"] > 0:
        problems.append(f"scrolls sideways by {found['sideways']}px")
    problems += [f"small tap target {s}" for s in found["small"]]
    problems += [f"low contrast {s}" for s in found["faint"]]
    for what, size, line, heading in found["text"]:
        if elder and heading and size < 30:
            problems.append(f"heading below 30px in the elder mode: {what} {size}px")
        elif elder and size < 24:
            problems.append(f"text below 24px in the elder mode: {what} {size}px")
        if line < 1.3 * size - 0.5:
            problems.append(f"line height below 1.3: {what} {size}/{line}px")
    if elder:
        problems += [f"paragraphs too close: {g}" for g in found["gaps"]]
    return problems


def _axe(page) -> list[str]:
    page.add_script_tag(url="/static/vendor/axe.min.js")
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))"
    )
    return [f"axe {v}" for v in violations]


def _require_axe() -> None:
    if AXE.exists():
        return
    message = f"{AXE.name} not vendored (make vendor)"
    if REQUIRE_BROWSER:
        pytest.fail(message)
    pytest.skip(message)


def _walk(browser, base: str, phone: str, lang: str, elder: bool, extra=()) -> tuple[int, list[str]]:
    context = browser.new_context(viewport=PHONE_SIZE)
    context.add_cookies(
        [
            {"name": "pb_lang", "value": lang, "url": base},
            {"name": "pb_elder", "value": "1" if elder else "0", "url": base},
        ]
    )
    page = context.new_page()
    _login(page, base, phone)
    assert page.evaluate("document.documentElement.classList.contains('elder')") is elder
    todo, seen, problems = ["/", "/me"], set(), []
    for path in ("/", "/me"):
        page.goto(base + path)
        todo += _links(page)
    todo += list(extra)
    for href in todo:
        path = href.split("#")[0]
        if not path or path in seen or any(s in path for s in SKIP):
            continue
        seen.add(path)
        response = page.goto(base + path)
        assert response.status == 200, f"{path}: {response.status}"
        found = _measure(page, elder) + _axe(page)
        problems += [f"{lang}{' elder' if elder else ''} {path}: {p}" for p in found]
    context.close()
    return len(seen), problems


def _demo_ids() -> dict[str, int]:
    """The demo community (梨园社区) and its street."""
    import sqlalchemy as sa

    from pointsbank.extensions import db
    from pointsbank.people.models import Community

    community = db.session.scalar(sa.select(Community).where(Community.name == "梨园社区"))
    return {"community": community.id, "street": community.street_id}


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_a_role_fits_a_phone_and_passes_axe(live_server, chromium, role):
    _require_axe()
    with live_server.app.app_context():
        run_in_unit(seed_all)
        extra = [path.format(**_demo_ids()) for path in EXTRA.get(role, ())]
    browser = chromium()
    problems: list[str] = []
    visited = 0
    for lang, elder in (("zh_Hans", False), ("en", False), ("zh_Hans", True)):
        count, found = _walk(browser, live_server.url, ROLES[role], lang, elder, extra)
        visited += count
        problems += found
    assert visited >= 12
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
