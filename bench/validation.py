"""Prints the agreement with the reference tools (the figures in docs/validation.md and README).

Run: ``.venv/bin/python bench/validation.py``. The same comparisons are asserted in tests/analysis.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import qmethod
from qmethod.analysis import centroid, correlate

warnings.simplefilter("ignore")
DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def frame(d, key, dtype=float):
    return np.array([[np.nan if v is None else v for v in row] for row in d[key]["values"]], dtype=dtype)


def main() -> None:
    sorts = pd.read_csv(DATA / "lipset.csv")
    sorts.index = [f"sta_{i}" for i in range(1, 34)]
    runs = {
        "PCA + varimax": ("pca_varimax", {}),
        "PCA unrotated": ("pca_none", {"rotation": "none"}),
        "centroid + varimax": ("centroid_varimax", {"extraction": "centroid", "centroid_start": "qmethod"}),
    }
    print("Lipset, 3 factors, against R qmethod 1.8.4 (max |difference|; sets: identical?)")
    print(f"{'run':22s} {'correlations':>12s} {'loadings':>10s} {'z-scores':>10s} {'flags':>6s} {'arrays':>7s} {'labels':>7s}")
    for name, (ref_name, kw) in runs.items():
        ref = json.loads((DATA / f"lipset_3f_{ref_name}.json").read_text())
        res = qmethod.analyze(sorts, 3, ties="qmethod", **kw)
        dc = np.abs(res.correlations.to_numpy() - frame(ref, "correlation_matrix")).max()
        dl = np.abs(res.loadings.to_numpy() - frame(ref, "rotated_loadings")).max()
        dz = np.abs(res.zscores.to_numpy() - frame(ref, "zscores")).max()
        fl = (res.flags.to_numpy() == frame(ref, "flags", bool)).all()
        ar = (res.factor_arrays.to_numpy(dtype=int) == frame(ref, "factor_arrays", int)).all()
        lab = list(res.labels) == [r["dist.and.cons"] for r in ref["qdc"]["records"]]
        print(f"{name:22s} {dc:12.1e} {dl:10.1e} {dz:10.1e} {str(fl):>6s} {str(ar):>7s} {str(lab):>7s}")
    kade = pd.read_csv(DATA / "lipset_kade_brown_centroid7_unrotated.csv", index_col=0)
    ours = centroid(correlate(sorts), 7).loadings
    same = int((ours.round(8).to_numpy() == kade.to_numpy()).sum())
    print()
    print(f"Brown centroid, 7 factors, unrotated, against KADE: {same}/{kade.size} values identical at 8 decimals "
          f"(max |difference| {np.abs(ours.to_numpy() - kade.to_numpy()).max():.1e})")
    conv = qmethod.analyze(sorts, 3, varimax_tolerance=1e-14)
    ref = json.loads((DATA / "lipset_3f_pca_varimax.json").read_text())
    gap = np.abs(conv.loadings.to_numpy() - frame(ref, "rotated_loadings")).max()
    print(f"Converged varimax (1e-14) vs R's stopping rule on Lipset: max |difference| in loadings {gap:.1e}")
    bootstrap_vs_qmboots(sorts)


def bootstrap_vs_qmboots(sorts: pd.DataFrame) -> None:
    """Mean standard errors of the Lipset bootstrap (3 factors, PCA + varimax) against qmboots."""
    ref = json.loads((DATA / "lipset_3f_boot50.json").read_text())["bootstrap"]

    def ref_se(table):
        t = ref[table]
        return float(np.mean([[row[t["columns"].index(f"f{i}.SE")] for i in (1, 2, 3)] for row in t["values"]]))

    print()
    print("Bootstrap, Lipset, 3 factors, PCA + varimax: mean SE of loadings / of z-scores")
    print(f"  R qmethod qmboots, 50 steps, seed 1 ({ref['steps_with_order_swap_error']} of 50 steps discarded): "
          f"{ref_se('qsorts_summary'):.3f} / {ref_se('statements_summary'):.3f}")
    for n in (50, 1000):
        vals = []
        for seed in range(1, 6):
            b = qmethod.bootstrap(sorts, 3, n_resamples=n, seed=seed)
            vals.append((b.loadings.xs("se", axis=1, level=1).to_numpy().mean(),
                         b.zscores.xs("se", axis=1, level=1).to_numpy().mean(), b.skipped))
        v = np.array(vals)
        print(f"  qmethod (this package), {n} resamples, seeds 1-5: {v[:, 0].min():.3f}-{v[:, 0].max():.3f} / "
              f"{v[:, 1].min():.3f}-{v[:, 1].max():.3f} (resamples skipped: {int(v[:, 2].sum())} of {5 * n})")


if __name__ == "__main__":
    main()
