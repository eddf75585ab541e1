"""Every interface string exists in every language with the same placeholders."""
from __future__ import annotations

import re
from pathlib import Path

from qmethod.ui.i18n import GRID_KEYS, LANGUAGES, PRESORT_KEYS, STRINGS, t

PLACEHOLDER = re.compile(r"\{(\w+)\}")
UI = Path(__file__).resolve().parents[2] / "qmethod" / "ui"


def test_all_languages_have_the_same_keys_and_placeholders():
    base = STRINGS["en"]
    for lang in LANGUAGES:
        assert set(STRINGS[lang]) == set(base), lang
        for key, text in STRINGS[lang].items():
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(base[key])), (lang, key)


def test_component_keys_exist():
    for key in GRID_KEYS + PRESORT_KEYS:
        assert key in STRINGS["en"]


def test_every_key_used_in_pages_exists():
    used = set()
    for path in UI.rglob("*.py"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+)["']\s*[,)]""", path.read_text()))
        used |= set(re.findall(r"""flash\(\s*["']([a-z_]+)["']""", path.read_text()))
    missing = sorted(k for k in used if k not in STRINGS["en"])
    assert not missing, missing


def test_fallbacks():
    assert t("continue", "nb") == "Gå videre"
    assert t("continue", "xx") == "Continue"
    assert t("counter", "en", placed=3, total=34) == "3 of 34 placed"
