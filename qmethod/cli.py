"""Command line: ``qmethod analyze FILE --factors 3 ...`` and friends.

Every error a user can cause ends with a one-line message on stderr and exit status 2. What is printed
passes through :func:`qmethod.chars.strip_ansi`: text from data files cannot drive the terminal.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from .chars import strip_ansi
from .errors import QMethodError

EPILOG = """examples:
  qmethod analyze study.csv --factors 3
  qmethod analyze LIPSET.DAT --factors 3 --extraction centroid --rotation varimax --out results.json
  qmethod analyze sorts.csv --factors 2 --rotate F1,F2,15 --flags myflags.csv
  qmethod guidance study.csv --max-factors 7
  qmethod bootstrap study.csv --factors 3 --resamples 1000 --seed 1
  qmethod analyze export.json --statements statements.txt -k 3 --excel results.xlsx --report results.lis
  qmethod convert sorts.csv STUDY.DAT
  qmethod demo seed -n 12
"""


def _parse_steps(values) -> list[tuple[str, str, float]]:
    from .analysis.params import check_option

    steps = []
    for v in values or ():
        parts = [p.strip() for p in v.split(",")]
        if len(parts) != 3:
            raise QMethodError(f"--rotate takes FIRST,SECOND,DEGREES (e.g. F1,F2,12); got {v!r}.")
        try:
            degrees = float(parts[2])
        except ValueError:
            degrees = parts[2]  # refused below, with the allowed range
        check_option("degrees", degrees, label=f"--rotate {v}: the angle")
        steps.append((parts[0], parts[1], degrees))
    return steps


def _megabytes(text: str) -> float:
    """--max-mb: a number of megabytes above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of megabytes (e.g. 20); got {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"the largest input file must be more than 0 MB (e.g. 20); got {text!r}")
    return value


#: what ``qmethod convert`` writes, by the output's extension
CONVERT_OUTPUTS = {".dat": "PQMethod .DAT, with the .STA beside it", ".csv": "generic CSV, statements x Q-sorts"}


def _parse_distribution(text: str | None):
    if text is None:
        return None
    try:
        vals = [int(float(v)) for v in text.replace(" ", "").split(",") if v]
    except ValueError:
        raise QMethodError(
            f"--distribution takes the grid value of every slot, comma-separated (e.g. -2,-1,-1,0,0,0,1,1,2); got {text!r}."
        ) from None
    return vals


def _load(args):
    """Read the data file with qmethod.io; returns (sorts, statements, distribution, forced, notes)."""
    from . import io

    path = Path(args.file)
    if not path.exists():
        raise QMethodError(f"{args.file}: no such file.")
    imported = io.read(
        path, format=args.format, statements=args.statements, id_field=args.id_field,
        distribution=_parse_distribution(args.distribution), max_bytes=int(args.max_mb * 1024 * 1024),
        strict=True if args.strict else None,
    )
    return imported


def _forced(args, imported) -> bool:
    """Whether the analysis is forced: yes unless --unforced, as ``qmethod.analyze`` (forced=True).

    A sort that breaks the grid is refused with the analysis's own message (the sort, the value),
    which then names --unforced instead of forced=False.
    """
    from .analysis import check_distribution
    from .errors import DataError

    if args.unforced:
        return False
    if not imported.forced:
        try:
            check_distribution(imported.sorts, imported.distribution, forced=True)
        except DataError as exc:
            raise DataError(str(exc).replace("analyse with forced=False", "give --unforced to analyse it as "
                                             "an unforced (free) sort")) from None
    return True


def _analysis_kwargs(args, imported) -> dict:
    import pandas as pd

    kw = dict(
        extraction=args.extraction, rotation=args.rotation, correlation=args.correlation,
        significance=args.significance, majority=not args.no_majority, negative=args.negative,
        rotation_steps=_parse_steps(args.rotate), convention=args.convention, ties=args.ties,
        varimax_tolerance=args.varimax_tolerance, centroid_start=args.centroid_start,
        statements=imported.statements,
    )
    kw["forced"] = _forced(args, imported)
    if imported.distribution is not None:
        kw["distribution"] = list(imported.distribution)
    if args.flags and args.flags != "auto":
        fpath = Path(args.flags)
        if not fpath.exists():
            raise QMethodError(f"--flags {args.flags}: no such file (give 'auto' or a CSV of 0/1 with sorts as rows).")
        try:
            kw["flags"] = pd.read_csv(fpath, index_col=0).astype(str)
        except Exception as exc:  # noqa: BLE001 - any unreadable CSV becomes a clear message
            raise QMethodError(f"--flags {args.flags}: cannot read it as CSV ({exc}).") from None
        kw["flags"] = kw["flags"].apply(lambda c: c.str.strip().str.lower().map(
            {"1": True, "0": False, "true": True, "false": False, "x": True, "": False}))
        if kw["flags"].isna().any().any():
            raise QMethodError(f"--flags {args.flags}: every cell must be 1/0, true/false or x.")
        kw["flags"].index = kw["flags"].index.astype(str)
    return kw


def _add_data_args(p):
    p.add_argument("file", help="data file (CSV, xlsx, PQMethod .DAT, KADE/Ken-Q, HtmlQ, EQ Web Sort ...)")
    p.add_argument("--format", help="file format (default: detected); see 'qmethod formats'")
    p.add_argument("--statements", help="statement texts, one per line (when the data file has none)")
    p.add_argument("--id-field", help="online-sorting exports: the field that names the participant")
    p.add_argument("--distribution", help="grid value of every slot, comma-separated (default: from the file)")
    p.add_argument("--unforced", action="store_true", help="do not require every sort to follow the grid")
    p.add_argument("--max-mb", type=_megabytes, default=20, help="largest input file in MB (default 20)")
    _add_strict(p)


def _add_strict(p):
    p.add_argument("--strict", action="store_true",
                   help="online-sorting exports: refuse a file with an incomplete record instead of skipping it")


def _add_analysis_args(p):
    from .analysis.params import CORRELATIONS, EXTRACTIONS, ROTATIONS

    p.add_argument("--factors", "-k", type=int, required=True,
                   help="number of factors (at most one fewer than the Q-sorts, and than the statements)")
    p.add_argument("--extraction", choices=EXTRACTIONS, default="pca")
    p.add_argument("--rotation", choices=ROTATIONS, default="varimax")
    p.add_argument("--correlation", choices=CORRELATIONS, default="pearson")
    p.add_argument("--rotate", action="append", metavar="F1,F2,DEG",
                   help="judgmental rotation of a factor pair by DEG degrees clockwise, -360..360 (repeatable)")
    p.add_argument("--flags", default="auto", help="'auto' (default) or a CSV of 0/1: sorts as rows, factors as columns")
    p.add_argument("--significance", type=float, default=0.05, help="flagging level (default 0.05)")
    p.add_argument("--no-majority", action="store_true", help="do not require a majority of common variance")
    p.add_argument("--negative", choices=["include", "exclude"], default="include",
                   help="flag negative loadings (include, as PQMethod/KADE/qmethod) or not")
    p.add_argument("--convention", choices=["qmethod", "pqmethod"], default="qmethod",
                   help="distinguishing/consensus convention")
    p.add_argument("--ties", choices=["position", "qmethod"], default="position", help="factor-array tie rule")
    p.add_argument("--varimax-tolerance", type=float, default=1e-5,
                   help="1e-5 = R's stats::varimax (default); 1e-12 = fully converged")
    p.add_argument("--centroid-start", choices=["pqmethod", "qmethod"], default="pqmethod")


def cmd_analyze(args) -> int:
    from .analysis import analyze

    imported = _load(args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = analyze(imported.sorts, args.factors, **_analysis_kwargs(args, imported))
    print(imported.summary())
    print()
    print(res.summary())
    from . import io

    written = []
    if args.out:
        res.to_json(args.out)
        written.append(f"{args.out} (JSON, schema {res.to_dict()['schema']})")
    if args.excel:
        io.write_excel(res, args.excel, imported=imported)
        written.append(f"{args.excel} (Excel workbook)")
    if args.csv_zip:
        io.write_csv_zip(res, args.csv_zip, imported=imported)
        written.append(f"{args.csv_zip} (CSV files in a ZIP)")
    if args.report:
        io.write_text_report(res, args.report, imported=imported)
        written.append(f"{args.report} (text report, PQMethod .LIS section order)")
    if written:
        print("\nWritten: " + "; ".join(written))
    return 0


def cmd_convert(args) -> int:
    from . import io

    suffix = Path(args.out).suffix.lower()
    if suffix not in CONVERT_OUTPUTS:
        raise QMethodError(f"{args.out}: cannot write {suffix or 'a file without an extension'}; qmethod convert "
                           "writes " + "; ".join(f"{ext.upper() if ext == '.dat' else ext} ({what})"
                                                for ext, what in CONVERT_OUTPUTS.items()) + ".")
    imported = io.read(args.file, format=args.format, statements=args.statements, id_field=args.id_field,
                       max_bytes=int(args.max_mb * 1024 * 1024), strict=True if args.strict else None)
    if suffix == ".dat":
        for w in io.write_pqmethod(imported, args.out) or ():
            print(f"qmethod: warning: {w}", file=sys.stderr)
    else:
        io.write_sorts_csv(imported, args.out)
    print(imported.summary())
    print(f"\nWritten: {args.out}")
    return 0


def cmd_guidance(args) -> int:
    from .analysis import factor_guidance

    imported = _load(args)
    g = factor_guidance(
        imported.sorts, max_factors=args.max_factors,
        distribution=list(imported.distribution) if imported.distribution else None,
        forced=_forced(args, imported), n_iter=args.iterations, seed=args.seed,
    )
    print(imported.summary())
    print()
    print(g.table.round(3).to_string())
    print()
    print("Suggested number of factors: " + ", ".join(f"{k} {v}" for k, v in g.suggested.items()))
    return 0


def cmd_bootstrap(args) -> int:
    from .analysis import bootstrap

    imported = _load(args)
    kw = _analysis_kwargs(args, imported)
    kw.pop("statements", None)

    def progress(done, total):
        if sys.stderr.isatty():
            print(f"\rresample {done}/{total}", end="", file=sys.stderr, flush=True)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = bootstrap(imported.sorts, args.factors, n_resamples=args.resamples, seed=args.seed,
                      progress=progress, **kw)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"Bootstrap: {b.n_resamples} resamples ({b.skipped} skipped), seed {b.seed}; {b.method}.\n")
    print("Loadings: estimate, bootstrap mean, SE, flag frequency")
    print(b.loadings.round(3).to_string())
    print("\nZ-scores: estimate, bootstrap mean, SE, interval")
    print(b.zscores.round(3).to_string())
    if args.out:
        import json

        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump({"loadings": b.loadings.round(12).to_dict(orient="split"),
                       "zscores": b.zscores.round(12).to_dict(orient="split"),
                       "n_resamples": b.n_resamples, "skipped": b.skipped, "seed": b.seed,
                       "method": b.method}, fh, default=str)
    return 0


def cmd_study_validate(args) -> int:
    from .study import load_study

    s = load_study(args.path)  # StudyError lists the line and field of every problem
    print(f"{args.path}: OK: study {s.id!r}, {len(s.statements)} statements, "
          f"grid {s.grid.scores[0]}..+{s.grid.scores[-1]}, languages {', '.join(s.languages)}")
    return 0


def cmd_study_publish(args) -> int:
    from . import service as sv

    info = sv.publish_study_file(sv.open_database(), args.path)
    print(f"study {info.id!r} revision {info.revision}: {'published' if info.changed else 'unchanged'}")
    return 0


def cmd_study_print(args) -> int:
    from .io.paper import PARTS, print_pack
    from .study import load_study

    from .study.images import read_image

    s = load_study(args.path)
    parts = args.parts.split(",") if args.parts else PARTS
    folder = Path(args.path) if Path(args.path).is_dir() else Path(args.path).parent
    pictures = {st.id: read_image(folder, st.image.file)[0] for st in s.statements if st.image is not None}
    print_pack(s, language=args.lang, url=args.url, parts=parts, pictures=pictures, path=args.out)
    print(f"{args.out}: {', '.join(parts)} of study {s.id!r} ({len(s.statements)} cards)")
    return 0


def cmd_formats(args) -> int:
    from .io import FORMATS

    for name, (_, _, desc, _) in FORMATS.items():
        print(f"{name:20s} {desc}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="qmethod", description="Q methodology: analyse Q-sorts (PCA/centroid, varimax, by-hand rotation, "
        "factor arrays, distinguishing and consensus statements).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"qmethod {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("analyze", help="run a full analysis and print a summary",
                       description="Run a full Q analysis: correlate, extract, rotate, flag, z-scores, "
                       "factor arrays, distinguishing and consensus statements.")
    _add_data_args(p)
    _add_analysis_args(p)
    p.add_argument("--out", "-o", help="write the full result as JSON (schema qmethod.result/1)")
    p.add_argument("--excel", help="write the full results as an Excel workbook (a sheet per table)")
    p.add_argument("--csv-zip", help="write the full results as CSV files in a ZIP")
    p.add_argument("--report", help="write a plain-text report in PQMethod .LIS section order")
    p.set_defaults(func=cmd_analyze)
    g = sub.add_parser("guidance", help="help choosing the number of factors (scree, Kaiser, parallel analysis, Humphrey)")
    _add_data_args(g)
    g.add_argument("--max-factors", type=int, default=8)
    g.add_argument("--iterations", type=int, default=500, help="parallel-analysis iterations (default 500)")
    g.add_argument("--seed", type=int, default=0)
    g.set_defaults(func=cmd_guidance)
    b = sub.add_parser("bootstrap", help="bootstrap the analysis (SE of loadings and z-scores, flag frequencies)")
    _add_data_args(b)
    _add_analysis_args(b)
    b.add_argument("--resamples", type=int, default=1000,
                   help="bootstrap resamples: Q-sorts drawn with replacement (Zabala & Pascual 2016); default 1000")
    b.add_argument("--seed", type=int, default=None)
    b.add_argument("--out", "-o", help="write the summaries as JSON")
    b.set_defaults(func=cmd_bootstrap)
    c = sub.add_parser("convert", help="convert Q-sort data to PQMethod .DAT/.STA or a generic CSV")
    c.add_argument("file", help="data file in any readable format")
    c.add_argument("out", help="STUDY.DAT (PQMethod, with STUDY.STA) or data.csv")
    c.add_argument("--format")
    c.add_argument("--statements")
    c.add_argument("--id-field")
    c.add_argument("--max-mb", type=_megabytes, default=20, help="largest input file in MB (default 20)")
    _add_strict(c)
    c.set_defaults(func=cmd_convert)
    study = sub.add_parser("study", help="study definition files (validate, publish)")
    ssub = study.add_subparsers(dest="study_command", metavar="ACTION", required=True)
    v = ssub.add_parser("validate", help="check a study.toml or a folder holding one")
    v.add_argument("path")
    v.set_defaults(func=cmd_study_validate)
    pub = ssub.add_parser("publish", help="validate and publish a study into the database ($QMETHOD_DATABASE_URL)")
    pub.add_argument("path")
    pub.set_defaults(func=cmd_study_publish)
    pr = ssub.add_parser("print", help="print material for sorting on paper: cards, score sheet, instructions (PDF)")
    pr.add_argument("path")
    pr.add_argument("--out", "-o", required=True, help="the PDF to write")
    pr.add_argument("--lang", help="language (default: the study's default language)")
    pr.add_argument("--url", help="the study's participant link, printed with a QR code")
    pr.add_argument("--parts", help="comma-separated: instructions,score_sheet,cards (default all)")
    pr.set_defaults(func=cmd_study_print)
    f = sub.add_parser("formats", help="list the file formats that can be read")
    f.set_defaults(func=cmd_formats)
    for name, register in _EXTRA_COMMANDS:
        register(sub)
    return parser


# other parts of the package add commands here: (name, register(subparsers) -> None)
def _register_user(sub) -> None:
    from .service.account_cli import register

    register(sub)


def cmd_demo_seed(args) -> int:
    from . import service as sv
    from .service.demo import seed_demo

    db = sv.open_database(args.database)
    try:
        study_dir = Path(args.study_dir)
        if study_dir.exists():
            info = sv.publish_study_file(db, study_dir)
            print(f"study {info.id!r} revision {info.revision}: {'published' if info.changed else 'unchanged'}")
        report = seed_demo(db, n=args.n, study_id=args.study, seed=args.seed)
    finally:
        db.dispose()
    views = ", ".join(f"{code} ({view})" for code, view in report.participants)
    print(f"{report.n} demo participants completed {report.study_id!r}: {views}")
    return 0


def _register_demo(sub) -> None:
    d = sub.add_parser("demo", help="demo data: synthetic completed sorts with comments in the demo study")
    ds = d.add_subparsers(dest="demo_command", metavar="ACTION", required=True)
    seed = ds.add_parser("seed", help="publish the demo study and add synthetic completed responses "
                         "(sorts, Norwegian comments, survey answers)")
    seed.add_argument("--database", help="database URL (default: QMETHOD_DATABASE_URL or var/qmethod.sqlite)")
    seed.add_argument("-n", type=int, default=12, help="number of participants to add (default 12)")
    seed.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    seed.add_argument("--study", default="brukermedvirkning", help="study id (default brukermedvirkning)")
    seed.add_argument("--study-dir", default=str(Path(__file__).resolve().parents[1] / "studies" / "brukermedvirkning"),
                      help="folder of the demo study, published first when it exists")
    seed.set_defaults(func=cmd_demo_seed)


_EXTRA_COMMANDS: list = [("user", _register_user), ("demo", _register_demo)]


class _TerminalSafe:
    """A text stream that drops terminal escape sequences and control characters (from file names,
    sort names, statements...) before they reach the terminal."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(strip_ansi(text))
        return len(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    stdout = sys.stdout
    sys.stdout = _TerminalSafe(stdout)
    try:
        return int(args.func(args) or 0)
    except QMethodError as exc:
        print(f"qmethod: error: {strip_ansi(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("qmethod: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    finally:
        sys.stdout = stdout


if __name__ == "__main__":
    sys.exit(main())
