"""Translation catalogue upkeep: extract, update, compile and check (msgids are English).

python scripts/i18n.py extract   # scan web/ for strings, write messages.pot
python scripts/i18n.py update    # merge new strings into web/translations/zh/.../messages.po
python scripts/i18n.py compile   # .po -> .mo (run at install; .mo files are not committed)
python scripts/i18n.py check     # fail if any string lacks a Chinese translation
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
TRANSLATIONS = WEB / "translations"
POT = TRANSLATIONS / "messages.pot"
LOCALES = ("zh",)


def pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


def extract() -> None:
    pybabel(
        "extract",
        "-F",
        str(WEB / "babel.cfg"),
        "-k",
        "_l",
        "-k",
        "lazy_gettext",
        "-k",
        "_lp:1c,2",  # lazy_pgettext: a label that needs a context (the match stage "Meeting")
        "--no-location",
        "--sort-output",
        "--omit-header",
        "-o",
        str(POT),
        str(WEB),
    )


def update() -> None:
    extract()
    for locale in LOCALES:
        po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        command = "update" if po.exists() else "init"
        pybabel(command, "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale, "--no-wrap")


def compile_catalogues() -> None:
    pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")


def untranslated(locale: str) -> list[str]:
    po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle)
    return [str(m.id) for m in catalog if m.id and (not m.string or m.fuzzy)]


def check() -> int:
    missing = {locale: untranslated(locale) for locale in LOCALES}
    for locale, ids in missing.items():
        for msgid in ids:
            print(f"[{locale}] untranslated: {msgid}")
    return 1 if any(missing.values()) else 0


if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else "compile"
    if action == "extract":
        extract()
    elif action == "update":
        update()
    elif action == "compile":
        compile_catalogues()
    elif action == "check":
        sys.exit(check())
    else:
        sys.exit(__doc__)
