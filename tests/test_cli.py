"""The command line as a terminal user meets it."""
import json
import shutil
from pathlib import Path

import pytest

from qmethod import AnalysisResult
from qmethod.cli import main

DATA = Path(__file__).parent / "data"


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_analyze_prints_summary_and_writes_json(capsys, tmp_path):
    out_json = tmp_path / "results.json"
    code, out, err = run(capsys, "analyze", DATA / "lipset.csv", "--factors", 3, "--extraction", "centroid",
                         "--rotation", "varimax", "--out", out_json)
    assert code == 0, err
    assert "9 Q-sorts x 33 statements" in out
    assert "Loadings (* = defining sort)" in out and "Factor arrays" in out
    assert "Distinguishing statements for F1" in out and "Consensus statements" in out
    res = AnalysisResult.from_json(str(out_json))
    assert res.settings.extraction == "centroid" and res.flags.to_numpy().sum() == 8
    assert json.loads(out_json.read_text())["schema"] == "qmethod.result/1"


def test_analyze_with_rotation_and_manual_flags(capsys, tmp_path):
    flags = tmp_path / "flags.csv"
    flags.write_text("sort,F1,F2\nUS1,0,1\nUS2,0,1\nUS3,1,0\nUS4,1,0\nJP5,0,0\nCA6,0,0\nUK7,0,0\nUS8,0,1\nFR9,0,0\n")
    out_json = tmp_path / "r.json"
    code, out, err = run(capsys, "analyze", DATA / "lipset.csv", "-k", 2, "--rotate", "F1,F2,15",
                         "--flags", flags, "--out", out_json)
    assert code == 0, err
    res = AnalysisResult.from_json(str(out_json))
    assert res.settings.flags == "manual"
    assert res.flags["F1"].sum() == 2 and res.settings.rotation_steps[0].degrees == 15


@pytest.mark.parametrize("args, message", [
    (["analyze", "missing.csv", "-k", "3"], "missing.csv: no such file"),
    (["analyze", str(DATA / "lipset.csv"), "-k", "12"], "n_factors=12 is more than these data allow"),
    (["analyze", str(DATA / "lipset.csv"), "-k", "9"], "at most 8 factors from 9 Q-sorts"),
    (["analyze", str(DATA / "lipset.csv"), "-k", "9", "--extraction", "centroid"], "at most 8 factors from 9 Q-sorts"),
    (["bootstrap", str(DATA / "lipset.csv"), "-k", "2", "--resamples", "20", "--varimax-tolerance", "-1"],
     "varimax_tolerance must be a number between 0 and 1"),
    (["analyze", str(DATA / "lipset.csv"), "-k", "2", "--significance", "5"], "significance must be a number between 0 and 1"),
    (["analyze", str(DATA / "lipset.csv"), "-k", "2", "--rotate", "F1,F2"], "--rotate takes FIRST,SECOND,DEGREES"),
    (["analyze", str(DATA / "lipset.csv"), "-k", "2", "--flags", "nope.csv"], "no such file"),
    # absurd angles: 1e300 was accepted; nan, inf and text were refused without the allowed range
    *[(["analyze", str(DATA / "lipset.csv"), "-k", "2", "--rotate", f"F1,F2,{deg}"],
       f"--rotate F1,F2,{deg}: the angle must be a number of degrees between -360 and 360; got ")
      for deg in ("1e300", "-1e300", "720", "nan", "inf", "1e309", "twelve")],
])
def test_errors_are_one_line_messages(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2
    assert err.startswith("qmethod: error: ") and message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_broken_file_is_a_clear_error(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("A,B,C\n1,2,x\n0,0,1\n")
    code, out, err = run(capsys, "analyze", bad, "-k", "1")
    assert code == 2 and "Traceback" not in err and "qmethod: error:" in err


def test_guidance_and_bootstrap(capsys, tmp_path):
    code, out, err = run(capsys, "guidance", DATA / "lipset.csv", "--iterations", 50)
    assert code == 0, err
    assert "parallel_p95" in out and "Suggested number of factors: kaiser 4" in out
    boot = tmp_path / "boot.json"
    code, out, err = run(capsys, "bootstrap", DATA / "lipset.csv", "-k", 3, "--resamples", 30, "--seed", 1, "--out", boot)
    assert code == 0, err
    assert "flag_frequency" in out and json.loads(boot.read_text())["n_resamples"] == 30


def test_bootstrap_reports_nonzero_standard_errors(capsys, tmp_path):
    """``qmethod bootstrap LIPSET.DAT -k 3``: SEs of the size R qmethod's qmboots gives, not 0.000."""
    import pandas as pd

    boot = tmp_path / "boot.json"
    code, out, err = run(capsys, "bootstrap", DATA / "LIPSET.DAT", "-k", 3, "--resamples", 100, "--seed", 1,
                         "--out", boot)
    assert code == 0, err
    d = json.loads(boot.read_text())
    z = pd.DataFrame(d["zscores"]["data"], columns=pd.MultiIndex.from_tuples(d["zscores"]["columns"]))
    loads = pd.DataFrame(d["loadings"]["data"], columns=pd.MultiIndex.from_tuples(d["loadings"]["columns"]))
    assert 0.35 < z.xs("se", axis=1, level=1).to_numpy().mean() < 0.75
    assert 0.10 < loads.xs("se", axis=1, level=1).to_numpy().mean() < 0.25
    assert "with replacement" in out


def test_help_and_version(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "analyze" in out and "examples:" in out
    assert main([]) == 0


def test_console_script_installed():
    assert shutil.which("qmethod") or Path(".venv/bin/qmethod").exists()


def test_analyze_writes_every_export(capsys, tmp_path):
    import openpyxl

    x, z, r = tmp_path / "r.xlsx", tmp_path / "r.zip", tmp_path / "r.lis"
    code, out, err = run(capsys, "analyze", DATA / "lipset.csv", "-k", 3, "--excel", x, "--csv-zip", z, "--report", r)
    assert code == 0, err
    assert "Written:" in out
    wb = openpyxl.load_workbook(x)
    assert len(wb.sheetnames) > 10
    assert r.read_text().count("\n") > 100 and z.stat().st_size > 1000


def test_convert_to_pqmethod(capsys, tmp_path):
    dat = tmp_path / "STUDY.DAT"
    code, out, err = run(capsys, "convert", DATA / "lipset.csv", dat)
    assert code == 0, err
    lines = dat.read_bytes().split(b"\r\n")
    assert lines[0].startswith(b"  0  9 33") and lines[2].startswith(b"US1       -1 0-2 0")
    code, out, err = run(capsys, "analyze", dat, "-k", 2)
    assert code == 0, err


def test_study_validate(capsys, tmp_path):
    root = Path(__file__).resolve().parents[1]
    code, out, err = run(capsys, "study", "validate", root / "studies" / "brukermedvirkning")
    assert code == 0, err
    assert "OK: study 'brukermedvirkning', 34 statements" in out
    bad = tmp_path / "study.toml"
    bad.write_text('id = "x"\n[grid]\nscores = "oops"\n')
    code, out, err = run(capsys, "study", "validate", bad)
    assert code == 2 and "line" in err and "Traceback" not in err


def test_study_publish(capsys, tmp_path, monkeypatch):
    root = Path(__file__).resolve().parents[1]
    monkeypatch.setenv("QMETHOD_DATABASE_URL", f"sqlite:///{tmp_path / 'q.sqlite'}")
    code, out, err = run(capsys, "study", "publish", root / "studies" / "brukermedvirkning")
    assert code == 0, err
    assert "published" in out
    code, out, err = run(capsys, "study", "publish", root / "studies" / "brukermedvirkning")
    assert "unchanged" in out


def test_demo_seed_fills_the_demo_study_with_completed_sorts_and_comments(capsys, tmp_path):
    from qmethod import service as sv

    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    assert main(["demo", "seed", "--database", url, "-n", "8"]) == 0
    out = capsys.readouterr().out
    assert "study 'brukermedvirkning' revision 1: published" in out and "8 demo participants completed" in out
    db = sv.open_database(url)
    try:
        done = sv.completed_sorts(db, "brukermedvirkning")
        assert done.sorts.shape == (34, 8)
        comments = done.long.dropna(subset=["comment"])
        assert len(comments) >= 8 and set(comments.score) <= {-4, 4}
        assert comments.comment.str.contains("[æøå]").any()  # Norwegian
        assert done.participants.role.notna().all()
    finally:
        db.dispose()
    assert main(["demo", "seed", "--database", url, "--study", "nope", "--study-dir", str(tmp_path / "none")]) == 2
    assert "not published" in capsys.readouterr().err


def _lipset_with_a_nine(tmp_path):
    """LIPSET.DAT with US1's statement 2 typed as 9 instead of 0 (outside the -4..+4 grid)."""
    lines = (DATA / "LIPSET.DAT").read_bytes().split(b"\r\n")
    assert lines[2].startswith(b"US1") and lines[2][12:14] == b" 0"
    lines[2] = lines[2][:12] + b" 9" + lines[2][14:]
    path = tmp_path / "IMP.DAT"
    path.write_bytes(b"\r\n".join(lines))
    return path


@pytest.mark.parametrize("command, extra", [("analyze", ["-k", "3"]), ("bootstrap", ["-k", "2", "--resamples", "5"]),
                                             ("guidance", ["--iterations", "5"])])
def test_a_sort_off_the_grid_is_refused_as_the_api_refuses_it(capsys, tmp_path, command, extra):
    path = _lipset_with_a_nine(tmp_path)
    import qmethod
    with pytest.raises(qmethod.DataError, match="breaks the forced distribution"):
        qmethod.analyze(qmethod.io.read(path).sorts, 3)
    code, out, err = run(capsys, command, path, *extra)
    assert code == 2, out
    assert "Q-sort 'US1' breaks the forced distribution" in err and "+9, which is outside the grid -4..+4" in err
    assert "--unforced" in err and len(err.strip().splitlines()) == 1
    code, out, err = run(capsys, command, path, *extra, "--unforced")
    assert code == 0, err


@pytest.mark.parametrize("command, extra", [("analyze", ["-k", "2"]), ("guidance", ["--iterations", "5"]),
                                             ("bootstrap", ["-k", "2", "--resamples", "5"]),
                                             ("convert", ["OUT"])])
def test_strict_refuses_an_online_export_with_an_incomplete_record(capsys, tmp_path, command, extra):
    path = DATA / "bug-cases" / "firebase_partial_record.json"
    extra = [str(tmp_path / "out.csv") if e == "OUT" else e for e in extra]
    code, out, err = run(capsys, command, path, *extra)
    assert code == 0, err
    if command != "bootstrap":
        assert "the record was skipped" in out and "--strict" in out and "strict=True" in out
    code, out, err = run(capsys, command, path, *extra, "--strict")
    assert code == 2 and "record '-Ob9zzz000' (participant 'deltaker6')" in err and "did not reach the sort" in err


def test_convert_without_statements_writes_placeholder_sta_and_says_so(capsys, tmp_path):
    out = tmp_path / "STUDY.DAT"
    code, stdout, err = run(capsys, "convert", DATA / "lipset.csv", out)
    assert code == 0, err
    sta = (tmp_path / "STUDY.STA").read_text(encoding="ascii").splitlines()
    assert len(sta) == 33 and sta[0].strip() == "Statement 1" and sta[32].strip() == "Statement 33"
    assert "warning: No statement texts were given: STUDY.STA holds placeholders" in err and "--statements" in err
    import qmethod
    back = qmethod.io.read(out)
    assert list(back.statements)[:2] == ["Statement 1", "Statement 2"] and back.sorts.shape == (33, 9)


@pytest.mark.parametrize("command", ["analyze", "convert"])
@pytest.mark.parametrize("mb", ["0", "-1", "nan"])
def test_max_mb_must_be_above_zero(capsys, tmp_path, command, mb):
    args = [command, DATA / "lipset.csv"] + (["-k", "2"] if command == "analyze" else [tmp_path / "o.csv"])
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args] + ["--max-mb", mb])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert f"argument --max-mb: the largest input file must be more than 0 MB (e.g. 20); got '{mb}'" in err
    assert "max_bytes" not in err and not (tmp_path / "o.csv").exists()


def test_convert_refuses_an_unknown_output_extension(capsys, tmp_path):
    out = tmp_path / "out.xyz"
    code, stdout, err = run(capsys, "convert", DATA / "lipset.csv", out)
    assert code == 2 and not out.exists()
    assert "cannot write .xyz; qmethod convert writes .DAT (PQMethod .DAT, with the .STA beside it); .csv" in err
