"""Translation catalogs, one per feature (core, people, ledger, ...).

    python -m pointsbank.i18n_tool update FEATURE|all   extract strings, merge into the catalog
    python -m pointsbank.i18n_tool missing FEATURE      list message ids without Chinese
    python -m pointsbank.i18n_tool fill FEATURE F.json  set translations from {"msgid": "中文"}
    python -m pointsbank.i18n_tool compile              compile every catalog (the set-up does this)

Message ids are English; each catalog holds the Chinese (zh_Hans) translations.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "pointsbank"
FEATURES = (
    "people",
    "ledger",
    "rules",
    "activities",
    "reports",
    "stations",
    "insights",
    "audit",
    "jobs",
    "notices",
    "offline",
    "privacy",
    "objections",
    "signals",
    "exports",
)
LOCALE = "zh_Hans"


def sources(feature: str) -> list[Path]:
    """The files whose strings belong to a feature's catalog ("core" is everything shared)."""
    if feature == "core":
        shared = [p for p in PKG.glob("*.py")] + [PKG / "web" / "hooks.py", PKG / "web" / "nav.py"]
        shared += [PKG / "web" / "pages" / "home.py", PKG / "web" / "api" / "base.py"]
        return shared + [
            ROOT / "templates" / "base.html",
            ROOT / "templates" / "home",
            ROOT / "templates" / "errors",
            ROOT / "templates" / "admin",
        ]
    paths = [
        PKG / feature,
        PKG / "web" / "pages" / f"{feature}.py",
        *sorted((PKG / "web" / "pages").glob(f"{feature}_*.py")),
        PKG / "web" / "api" / f"{feature}.py",
        ROOT / "templates" / feature,
    ]
    return [p for p in paths if p.exists()]


def catalog_dir(feature: str) -> Path:
    return PKG / "translations" if feature == "core" else PKG / feature / "translations"


def update(feature: str) -> None:
    """Extract the feature's strings and merge them into its zh_Hans catalog."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        files = [str(p.relative_to(ROOT)) for p in sources(feature)]
        subprocess.run(
            [
                "pybabel",
                "-q",
                "extract",
                "-F",
                "babel.cfg",
                "-k",
                "_l",
                "--no-location",
                "--sort-output",
                "-o",
                str(pot),
                *files,
            ],
            check=True,
            cwd=ROOT,
        )
        target = catalog_dir(feature)
        po = target / LOCALE / "LC_MESSAGES" / "messages.po"
        cmd = "update" if po.exists() else "init"
        args = ["pybabel", "-q", cmd, "-i", str(pot), "-d", str(target), "-l", LOCALE]
        if cmd == "update":
            args += ["--no-fuzzy-matching", "--ignore-obsolete"]
        subprocess.run(args, check=True, cwd=ROOT)


def compile_all() -> None:
    """Compile every catalog to .mo (done by the set-up, never by hand)."""
    for po in PKG.glob("**/translations/*/LC_MESSAGES/messages.po"):
        subprocess.run(["pybabel", "-q", "compile", "-d", str(po.parents[2]), "-l", po.parents[1].name], check=True)


def _po_path(feature: str) -> Path:
    return catalog_dir(feature) / LOCALE / "LC_MESSAGES" / "messages.po"


def missing(feature: str) -> list[str]:
    """Message ids of a catalog that have no Chinese yet."""
    from babel.messages.pofile import read_po

    with _po_path(feature).open("rb") as fh:
        catalog = read_po(fh)
    return [m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and not _translated(m)]


def _translated(message) -> bool:
    if isinstance(message.string, (tuple, list)):
        return all(message.string)
    return bool(message.string)


def fill(feature: str, json_file: str) -> None:
    """Set translations from a JSON object {msgid: 中文}."""
    import json

    from babel.messages.pofile import read_po, write_po

    pairs = json.loads(Path(json_file).read_text(encoding="utf-8"))
    path = _po_path(feature)
    with path.open("rb") as fh:
        catalog = read_po(fh)
    for message in catalog:
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in pairs:
            value = pairs[key]
            message.string = (value, value) if isinstance(message.id, tuple) else value
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True)


def main(argv: list[str]) -> None:
    if argv[:1] == ["compile"]:
        compile_all()
    elif argv[:1] == ["missing"] and len(argv) == 2:
        print("\n".join(missing(argv[1])))
    elif argv[:1] == ["fill"] and len(argv) == 3:
        fill(argv[1], argv[2])
    elif argv[:1] == ["update"] and len(argv) == 2:
        for feature in ("core", *FEATURES) if argv[1] == "all" else (argv[1],):
            update(feature)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
