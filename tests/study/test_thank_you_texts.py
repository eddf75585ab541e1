"""The optional thank-you texts of a study: what happens next and whom to contact."""
from __future__ import annotations

from pathlib import Path

import pytest

from qmethod.errors import StudyError
from qmethod.study import load_study, loads_study, parse_study, study_to_dict

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "studies" / "brukermedvirkning"
MINI = ROOT / "tests" / "data" / "studies" / "mini"


def test_demo_study_says_what_happens_next_and_whom_to_contact_in_both_languages():
    s = load_study(DEMO)
    assert set(s.next_steps) == set(s.contact) == {"nb", "en"}
    assert "@" in s.contact["nb"] and "@" in s.contact["en"]
    assert parse_study(study_to_dict(s)) == s  # stored and read back unchanged


def test_they_are_optional_and_checked_like_every_text():
    text = (MINI / "study.toml").read_text(encoding="utf-8")
    s = loads_study(text, source="mini.toml")
    assert s.next_steps == {} and s.contact == {}
    assert "contact" not in study_to_dict(s)["texts"]
    languages = s.languages
    extra = "\n".join(f'contact.{lang} = "Ring oss."' for lang in languages[:-1]) if len(languages) > 1 else ""
    bad = text.replace("[texts]", "[texts]\n" + extra + '\ncontact.xx = "?"', 1)
    with pytest.raises(StudyError) as exc:
        loads_study(bad, source="bad.toml")
    assert any("texts.contact" in p for p in exc.value.problems)
