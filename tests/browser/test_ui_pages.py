"""Every role's home tiles open pages that fit a phone; the resident pages keep the elder-mode numbers.

On the demo data, at 390x844: no page scrolls sideways (a wide table scrolls inside its own box), every
control is readable against its background, and in the elder mode (长辈版) main text is at least 18 px with a
line height of at least 1.3 and tap targets at least 60x60 px (44x44 in the standard view).
"""

from __future__ import annotations

from pointsbank.db import run_in_unit
from pointsbank.seed import DEMO_PASSWORD, seed_all

PHONE_SIZE = {"width": 390, "height": 844}
ROLES = {"resident": "13900000001", "clerk": "13800000003", "coordinator": "13800000002"}

# One pass over the page: what sticks out sideways, small or low-contrast controls, small or cramped text.
AUDIT = """
(minTap) => {
  const shown = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'; };
  const name = e => e.tagName.toLowerCase() + '.' + (e.className || '')
    + ' "' + (e.innerText || e.value || '').trim().slice(0, 20) + '"';
  const rgb = c => (c.match(/[\\d.]+/g) || [0, 0, 0, 0]).map(Number);
  const lum = ([r, g, b]) => [r, g, b]
    .map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length < 4 || c[3] > 0.5) return c; } return [255, 255, 255]; };
  const out = {sideways: document.scrollingElement.scrollWidth - innerWidth, small: [], faint: [], text: []};
  const controls = 'main button, main a.button, main a.tile, main a.chip, main select, main input:not([type=hidden])'
    + ':not([type=checkbox]):not([type=radio]), main label.pick, main .check label, .tabbar a, .topbar button';
  for (const e of document.querySelectorAll(controls)) {
    if (!shown(e)) continue;
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
    if (!n.textContent.trim() || seen.has(e) || !shown(e) || e.closest('.sr-word')) continue;
    seen.add(e);
    const s = getComputedStyle(e); const size = parseFloat(s.fontSize);
    const line = s.lineHeight === 'normal' ? 1.2 * size : parseFloat(s.lineHeight);
    out.text.push([name(e), size, line]);
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


def _tiles(page) -> list[str]:
    return page.eval_on_selector_all("main a.tile", "els => els.map(e => e.getAttribute('href'))")


def _audit(page, url: str, elder: bool) -> list[str]:
    page.goto(url)
    found = page.evaluate(AUDIT, 60 if elder else 44)
    problems = []
    if found["sideways"] > 0:
        problems.append(f"scrolls sideways by {found['sideways']}px")
    problems += [f"small tap target {s}" for s in found["small"]]
    problems += [f"low contrast {s}" for s in found["faint"]]
    for what, size, line in found["text"]:
        if elder and size < 18:
            problems.append(f"text below 18px in the elder mode: {what} {size}px")
        if line < 1.3 * size - 0.5:
            problems.append(f"line height below 1.3: {what} {size}/{line}px")
    return [f"{url}: {p}" for p in problems]


def test_home_tiles_of_each_role_fit_a_phone(live_server, chromium):
    with live_server.app.app_context():
        run_in_unit(seed_all)
    browser = chromium()
    problems: list[str] = []
    visited = 0
    for role, phone in ROLES.items():
        for lang, elder in [("zh_Hans", False), ("en", False)] + ([("zh_Hans", True)] if role == "resident" else []):
            context = browser.new_context(viewport=PHONE_SIZE)
            context.add_cookies(
                [
                    {"name": "pb_lang", "value": lang, "url": live_server.url},
                    {"name": "pb_elder", "value": "1" if elder else "0", "url": live_server.url},
                ]
            )
            page = context.new_page()
            _login(page, live_server.url, phone)
            tiles = _tiles(page)
            assert len(tiles) >= 2, f"{role} has no home tiles"
            for href in ["/"] + tiles:
                problems += _audit(page, live_server.url + href, elder)
                visited += 1
            if elder:
                assert page.evaluate("document.documentElement.classList.contains('elder')")
            context.close()
    assert visited >= 20
    assert not problems, "\n".join(problems)
