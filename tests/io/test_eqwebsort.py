"""EQ Web Sort / Firebase exports with incomplete records: the complete responses are read."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import io_builders as build
import qmethod.io as qio
from qmethod.errors import FormatError

BUG = Path(__file__).resolve().parent.parent / "data" / "bug-cases"


def test_record_without_sort_is_skipped_and_named():
    path = BUG / "firebase_partial_record.json"
    data = qio.read(path)
    records = json.loads(path.read_text(encoding="utf-8"))
    complete = {r["randomId"]: [int(v) for v in r["sort"].split("|")] for r in records.values() if "sort" in r}
    assert list(data.sorts.columns) == list(complete) and len(complete) == 5
    for rid, values in complete.items():
        assert data.sorts[rid].tolist() == values
    assert data.forced
    assert len(data.warnings) == 1
    assert "record '-Ob9zzz000'" in data.warnings[0] and "'deltaker6'" in data.warnings[0]
    assert "skipped" in data.warnings[0]


def test_strict_refuses_the_file():
    with pytest.raises(FormatError, match=r"record '-Ob9zzz000' \(participant 'deltaker6'\).*'sort'"):
        qio.read(BUG / "firebase_partial_record.json", strict=True)


def test_every_incomplete_record_is_named(lipset_sorts):
    recs = json.loads(build.firebase_json(lipset_sorts))
    keys = list(recs)
    recs["-left-at-consent"] = {"randomId": "rx", "timeLanding": "00:00:03"}
    recs[keys[2]]["sort"] = ""                                          # an empty sort
    recs[keys[4]]["sort"] = "|".join(recs[keys[4]]["sort"].split("|")[:20])  # stopped half way
    recs["-not-a-record"] = "garbage"
    data = qio.read(json.dumps(recs).encode(), name="export.json")
    assert data.n_sorts == 7
    assert "r2" not in data.sorts.columns and "r4" not in data.sorts.columns
    named = [w.split(":")[0] for w in data.warnings if "skipped" in w]
    assert named == ["export.json, record '-left-at-consent' (participant 'rx')",
                     "export.json, record '-not-a-record'",
                     "export.json, record '-KYW0002abcdef' (participant 'US3')",
                     "export.json, record '-KYW0004abcdef' (participant 'JP5')"]
    assert any("20 values, the other responses 33" in w for w in data.warnings)
    with pytest.raises(FormatError, match="-left-at-consent"):
        qio.read(json.dumps(recs).encode(), name="export.json", strict=True)


def test_sheets_row_without_sort_is_skipped(lipset_sorts):
    lines = build.sheets_csv(lipset_sorts).decode().splitlines()
    lines.insert(3, '"projectName: Lipset","partId: gone","randomId: rg","urlUsercode: ug"')
    raw = ("\r\n".join(lines) + "\r\n").encode()
    data = qio.read(raw, name="sheets.csv")
    assert data.n_sorts == 9
    assert any(w.startswith("sheets.csv, line 4") and "skipped" in w for w in data.warnings)
    with pytest.raises(FormatError, match="line 4"):
        qio.read(raw, name="sheets.csv", strict=True)


def test_strict_does_not_apply_to_other_formats(data_dir):
    with pytest.raises(FormatError, match="strict="):
        qio.read(data_dir / "lipset.csv", strict=True)
