"""Benchmark of the numeric core: prints a table of sizes, stage times and ratios.

Run: ``make bench`` (or ``.venv/bin/python bench/bench_core.py [--quick]``). Times are medians of
repeated runs on this machine; nothing here is asserted.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import qmethod
from qmethod.analysis import correlate, varimax
from qmethod.analysis.correlate import standardize
from qmethod.analysis.extract import pca_from_sorts

warnings.simplefilter("ignore")
LIPSET = Path(__file__).resolve().parents[1] / "qmethod" / "data" / "lipset.csv"


def median_time(fn, *, repeat: int, min_time: float = 0.0) -> float:
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < repeat or time.perf_counter() - start < min_time:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        if len(times) > 10 * repeat:
            break
    return float(np.median(times))


def peak_memory(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def textbook(sorts: pd.DataFrame, k: int):
    """A plain pipeline as a textbook writes it: P x P correlations, full eigendecomposition, loops."""
    x = sorts.to_numpy(dtype=float)
    r = np.corrcoef(x.T)
    vals, vecs = np.linalg.eigh(r)
    order = np.argsort(vals)[::-1][:k]
    a = vecs[:, order] * np.sqrt(vals[order])
    a, _ = varimax(pd.DataFrame(a))
    a = a.to_numpy()
    thr = 1.96 / np.sqrt(x.shape[0])
    flags = np.zeros_like(a, dtype=bool)
    for i in range(a.shape[0]):  # loop over sorts
        for f in range(k):
            if abs(a[i, f]) > thr and a[i, f] ** 2 > (a[i] ** 2).sum() - a[i, f] ** 2:
                flags[i, f] = True
    z = np.zeros((x.shape[0], k))
    for f in range(k):  # loop over factors and sorts
        s = np.zeros(x.shape[0])
        for i in range(a.shape[0]):
            if flags[i, f]:
                s += a[i, f] / (1 - a[i, f] ** 2) * x[:, i]
        z[:, f] = (s - s.mean()) / s.std(ddof=1)
    return z


def lipset_spread(lipset: pd.DataFrame, runs: int) -> None:
    """Distribution of the whole Lipset analysis over many runs, wall and CPU time.

    A shared virtual machine runs the same code at different speeds from one moment to the next;
    the best run is the code's own cost (the convention of Python's ``timeit``), the median
    includes the host's slower moments. CPU time equal to wall time means no time was taken
    from this process, only the speed of the CPU changed.
    """
    for _ in range(50):
        qmethod.analyze(lipset, 3)
    wall, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.thread_time()
        qmethod.analyze(lipset, 3)
        cpu.append(time.thread_time() - c)
        wall.append(time.perf_counter() - t)
    wall_ms, cpu_ms = np.array(wall) * 1e3, np.array(cpu) * 1e3
    q = [1, 10, 50, 90]
    print(f"Lipset whole pipeline (3 factors), {runs:,} runs: best {wall_ms.min():.2f} ms, "
          + ", ".join(f"p{p} {v:.2f}" for p, v in zip(q, np.percentile(wall_ms, q))) + " ms (wall); "
          + f"CPU time median {np.median(cpu_ms):.2f} ms")
    blocks = np.array_split(wall_ms, 10)
    print("  medians of ten consecutive blocks (ms): " + " ".join(f"{np.median(b):.2f}" for b in blocks))


def neighbour(runs: int, blocks: int = 10) -> None:
    """Whole analyses idle and beside one busy neighbour process, with the BLAS thread limit for
    small problems (qmethod.analysis.threads) and without it.

    The neighbour is one plain CPU-bound Python process (no numpy, so no BLAS threads of its own),
    started once and paused (SIGSTOP) for the idle runs: idle and busy runs alternate in
    ``blocks`` blocks, and so do the two modes, so that a change of the host's own load (other
    users) falls on all four alike. Reported: the median wall time of all runs of each condition.
    """
    import signal
    import subprocess
    import sys

    from qmethod.analysis import threads

    lipset = pd.read_csv(LIPSET)
    cases = [("Lipset (9 sorts x 33 statements)", lipset, 3),
             ("60 sorts x 47 statements", qmethod.simulate(60, 47, 3, seed=1).sorts, 3),
             ("1,000 sorts x 60 statements", qmethod.simulate(1000, 60, 7, seed=1).sorts, 7)]
    limit = threads.SMALL_PROBLEM
    modes = (("limit", limit), ("no limit", -1))
    times = {}
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        for name, sorts, k in cases:
            per_block = max(2, (runs if sorts.shape[1] < 500 else runs // 10) // blocks)
            for mode, small in modes:
                threads.SMALL_PROBLEM = small
                qmethod.analyze(sorts, k)  # warm-up
            for _ in range(blocks):
                for state in ("idle", "busy"):
                    proc.send_signal(signal.SIGSTOP if state == "idle" else signal.SIGCONT)
                    time.sleep(0.05)
                    for mode, small in modes:
                        threads.SMALL_PROBLEM = small
                        for _ in range(per_block):
                            t = time.perf_counter()
                            qmethod.analyze(sorts, k)
                            times.setdefault((name, mode, state), []).append(time.perf_counter() - t)
    finally:
        threads.SMALL_PROBLEM = limit
        proc.send_signal(signal.SIGCONT)
        proc.terminate()
        proc.wait()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Whole analysis idle and beside one busy neighbour process (median wall time; {blocks} alternating "
          f"blocks; host load average {load:.1f} on {os.cpu_count()} CPUs; one BLAS thread up to {limit:,} "
          f"cells, or the BLAS default of {threadpool_threads()} thread(s)):")
    print(f"  {'study':34s} {'idle':>9s} {'busy':>9s} {'busy/idle':>9s} | {'idle, no limit':>14s} {'busy, no limit':>14s} {'busy/idle':>9s}")
    med = {key: float(np.median(v)) for key, v in times.items()}
    for name, _, _ in cases:
        a, b = med[name, "limit", "idle"], med[name, "limit", "busy"]
        c, d = med[name, "no limit", "idle"], med[name, "no limit", "busy"]
        print(f"  {name:34s} {a * 1e3:7.2f}ms {b * 1e3:7.2f}ms {b / a:9.1f} | {c * 1e3:12.2f}ms {d * 1e3:12.2f}ms {d / c:9.1f}")
    print("  R qmethod: 63 ms per Lipset analysis (its notes, C.5; R is not installed here): "
          f"{0.063 / med[cases[0][0], 'limit', 'busy']:.0f}x the busy-neighbour time above")


def threadpool_threads() -> str:
    import threadpoolctl

    info = threadpoolctl.threadpool_info()
    return ", ".join(str(i.get("num_threads")) for i in info if i.get("user_api") == "blas") or "?"


def stages(sorts: pd.DataFrame, k: int, repeat: int) -> dict:
    p = sorts.shape[1]
    out = {}
    data = qmethod.analysis.check_sorts(sorts)
    # the pipeline forms the P x P correlations only to report them (up to 4,000 sorts);
    # PCA itself runs on the standardised sorts
    out["correlate"] = median_time(lambda: correlate(data), repeat=repeat) if p <= 4000 else float("nan")
    out["extract"] = median_time(lambda: pca_from_sorts(standardize(data.to_numpy()), data.columns, k), repeat=repeat)
    loadings = pca_from_sorts(standardize(data.to_numpy()), data.columns, k).loadings
    out["rotate"] = median_time(lambda: varimax(loadings), repeat=repeat)
    rotated = varimax(loadings)[0]
    out["flag"] = median_time(lambda: qmethod.analysis.flag(rotated, sorts.shape[0]), repeat=repeat)
    fl = qmethod.analysis.flag(rotated, sorts.shape[0]).flags
    w = qmethod.analysis.factor_weights(rotated, fl)
    out["scores"] = median_time(lambda: qmethod.analysis.zscores(data, w), repeat=repeat)
    z = qmethod.analysis.zscores(data, w)
    ch = qmethod.analysis.characteristics(rotated, fl)
    s = qmethod.analysis.sed(ch)
    out["compare"] = median_time(lambda: qmethod.analysis.compare_factors(z, s), repeat=repeat)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repetitions and no 10,000- or 50,000-sort study")
    ap.add_argument("--neighbour-only", action="store_true",
                    help="only the idle / busy-neighbour comparison of whole analyses")
    ap.add_argument("--textbook-max", type=int, default=2000,
                    help="largest number of sorts the reference pipeline is run on (default 2,000)")
    args = ap.parse_args()
    if args.neighbour_only:
        neighbour(runs=200 if args.quick else 1000)
        return
    lipset = pd.read_csv(LIPSET)
    studies = [("Lipset", lipset, 3)]
    sizes = [(100, 40), (1000, 60)] + ([] if args.quick else [(10_000, 60), (50_000, 60)])
    for n_sorts, n_statements in sizes:
        sim = qmethod.simulate(n_sorts, n_statements, 7, seed=1).sorts
        for k in (3, 7):
            studies.append((f"{n_sorts:,} x {n_statements}", sim, k))
    import threadpoolctl

    blas = threadpoolctl.threadpool_info()
    print(f"qmethod {qmethod.__version__}, numpy {np.__version__}, pandas {pd.__version__}, python "
          f"{platform.python_version()}, {platform.machine()}, BLAS "
          f"{blas[0]['internal_api'] if blas else '?'} {blas[0].get('num_threads') if blas else ''} thread(s)")
    print()
    header = (f"{'study (sorts x statements)':28s} {'k':>2s} {'correlate':>10s} {'extract':>9s} {'rotate':>8s} "
              f"{'flag':>7s} {'scores':>7s} {'compare':>8s} {'pipeline':>10s} {'textbook':>10s} {'ratio':>6s} {'peak MiB':>9s}")
    print(header)
    print("-" * len(header))
    for name, sorts, k in studies:
        rep = 200 if sorts.shape[1] < 500 else 10 if sorts.shape[1] < 5000 else 3 if sorts.shape[1] < 20_000 else 1
        if args.quick:
            rep = max(3, rep // 10)
        st = stages(sorts, k, rep)
        whole = median_time(lambda: qmethod.analyze(sorts, k), repeat=rep)
        mem = peak_memory(lambda: qmethod.analyze(sorts, k))
        if sorts.shape[1] <= args.textbook_max:
            tb = median_time(lambda: textbook(sorts, k), repeat=max(3, rep // 2))
            ratio = f"{tb / whole:6.1f}"
            tbs = f"{tb * 1e3:8.2f}ms"
        else:
            tbs, ratio = "       -  ", "     -"
        ms = {k_: (f"{v * 1e3:7.2f}ms" if np.isfinite(v) else "      -  ") for k_, v in st.items()}
        print(f"{name:28s} {k:2d} {ms['correlate']:>10s} {ms['extract']:>9s} {ms['rotate']:>8s} {ms['flag']:>7s} "
              f"{ms['scores']:>7s} {ms['compare']:>8s} {whole * 1e3:8.2f}ms {tbs:>10s} {ratio:>6s} {mem:9.1f}")
    print()
    lipset_spread(lipset, runs=300 if args.quick else 3000)
    print()
    print("Peak memory (tracemalloc) of PCA alone and of the whole pipeline; no sorts x sorts matrix is formed "
          f"above {qmethod.analysis.pipeline.KEEP_CORRELATIONS_UP_TO:,} sorts unless keep_correlations=True:")
    for n_sorts in [1000] + ([] if args.quick else [10_000, 50_000]):
        sim = qmethod.simulate(n_sorts, 60, 7, seed=1).sorts
        x = sim.to_numpy(dtype=float)
        pca_mem = peak_memory(lambda: pca_from_sorts(standardize(x), sim.columns, 7))
        whole_mem = peak_memory(lambda: qmethod.analyze(sim, 7))
        dense = n_sorts * n_sorts * 8 / 2**20
        print(f"  {n_sorts:>6,} x 60, 7 factors: PCA {pca_mem:7.1f} MiB, pipeline {whole_mem:7.1f} MiB "
              f"(one sorts x sorts matrix alone would be {dense:,.0f} MiB)")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"  process peak RSS so far (all of the above, getrusage): {usage.ru_maxrss / 1024:,.0f} MiB")
    n_boot = 200 if args.quick else 1000
    t = time.perf_counter()
    qmethod.bootstrap(lipset, 3, n_resamples=n_boot, seed=1)
    boot = time.perf_counter() - t
    boot_med = median_time(lambda: qmethod.bootstrap(lipset, 3, n_resamples=n_boot, seed=1), repeat=2)
    print()
    print(f"Bootstrap of Lipset, 3 factors, {n_boot} resamples (PCA + varimax, Procrustes): {boot:.2f} s "
          f"({boot / n_boot * 1e3:.2f} ms per resample); median of 3 more runs {boot_med:.2f} s")
    t = time.perf_counter()
    qmethod.factor_guidance(lipset, n_iter=500)
    print(f"Factor guidance for Lipset (parallel analysis, 500 random studies): {time.perf_counter() - t:.3f} s")
    x = qmethod.simulate(300, 60, 3, seed=1).sorts
    kendall = median_time(lambda: correlate(x, method="kendall"), repeat=3)
    print(f"Kendall's tau-b, 300 sorts x 60 statements (all pairs): {kendall * 1e3:.0f} ms")
    print()
    neighbour(runs=200 if args.quick else 1000)


if __name__ == "__main__":
    main()
