"""Analysis: data, number of factors with guidance, rotation (varimax or by hand), flags, results,
bootstrap and downloads. Every choice is a :class:`~qmethod.service.analysis.Plan` stored in the
database for this researcher and data source, so the analysis survives reloads and server restarts."""
from __future__ import annotations

import dataclasses
import hashlib
import json

import numpy as np
import pandas as pd
import streamlit as st

import qmethod
from qmethod import service
from qmethod.analysis.flag import z_critical
from qmethod.errors import QMethodError
from qmethod.service import analysis as an
from qmethod.ui import flow
from qmethod.ui.researcher import plots
from qmethod.ui.researcher.auth import current_study, gate, run

user = gate("Analysis")
db = flow.database()
st.title("Analysis")


# ---------------------------------------------------------------- cached computations (pure)


@st.cache_data(show_spinner=False, max_entries=8, ttl=3600)
def _study_data(sid: str, revision: int, completed: int, participants: int) -> an.AnalysisData:
    return an.study_data(db, sid)


@st.cache_data(show_spinner=False, max_entries=8, ttl=3600)
def _upload_data(blob: bytes, name: str, statements: tuple[str, ...]) -> an.AnalysisData:
    return an.upload_data(blob, name, statements=list(statements) or None)


@st.cache_data(show_spinner="Computing the guidance…", max_entries=16, ttl=3600)
def _guidance(key: str, _data: an.AnalysisData, max_factors: int):
    return an.guidance(_data, max_factors=max_factors)


@st.cache_data(show_spinner="Analysing…", max_entries=64, ttl=3600)
def _run(key: str, _data: an.AnalysisData, plan: an.Plan) -> an.Outcome:
    return an.run(_data, plan)


@st.cache_data(show_spinner=False, max_entries=32, ttl=3600)
def _export(key: str, plan: an.Plan, kind: str, _result, _data: an.AnalysisData) -> tuple[bytes, str, str]:
    return an.export(_result, kind, _data)


@st.cache_data(show_spinner=False, max_entries=32, ttl=3600)
def _start(key: str, _data: an.AnalysisData, plan: an.Plan) -> pd.DataFrame:
    return an.start_loadings(_data, plan)


# ---------------------------------------------------------------- data source

published = [s for s in service.list_studies(db) if s.completed or s.participants]
kind = st.radio("Data", ["A study's completed sorts", "A file (PQMethod, Ken-Q/KADE, HtmlQ, EQ Web Sort, CSV, Excel)"],
                horizontal=True, key="an_kind", label_visibility="collapsed")
blob: bytes | None = None
extra: dict = {}
data: an.AnalysisData | None = None
if kind.startswith("A study"):
    ids = [s.id for s in service.list_studies(db)]
    if not ids:
        st.info("No study is published yet; upload a file instead.")
        st.stop()
    sid = current_study()
    sid = st.selectbox("Study", ids, index=ids.index(sid) if sid in ids else 0, key="an_study")
    if st.query_params.get("study") != sid:
        st.query_params["study"] = sid
    info = service.study_info(db, sid)
    data = run(_study_data, sid, info.revision, info.completed, info.participants)
    if data is None:
        st.stop()
else:
    c1, c2 = st.columns(2)
    up = c1.file_uploader("Q-sort data file", key="an_file")
    stm = c2.file_uploader("Statements (optional: .STA, .txt, .csv)", key="an_statements")
    earlier = [w for w in an.list_workspaces(db, user.id) if w.source.startswith("upload:")]
    if up is not None:
        blob = up.getvalue()
        texts: list[str] = []
        if stm is not None:
            texts = run(qmethod.io.read_statements, stm.getvalue(), name=stm.name) or []
        extra = {"statements": texts}
        data = run(_upload_data, blob, up.name, tuple(texts))
    elif earlier:
        names = {w.source: f"{w.name} (analysed {w.updated_at:%Y-%m-%d %H:%M})" for w in earlier}
        pick = st.selectbox("…or continue an earlier upload", list(names), format_func=names.get, key="an_earlier")
        ws = an.load_workspace(db, user.id, pick)
        if ws is not None and ws.data:
            extra = ws.extra
            data = run(_upload_data, ws.data, ws.name, tuple(ws.extra.get("statements") or ()))
    if data is None:
        st.info("Upload a data file to analyse it. Every format listed by `qmethod formats` is read.")
        st.stop()

for note in data.notes:
    st.caption(f"Note: {note}")
key = data.source + ":" + hashlib.sha256(pd.util.hash_pandas_object(data.sorts, index=True).values.tobytes()
                                         ).hexdigest()[:16]
st.caption(f"**{data.name}** · {data.n_sorts} Q-sorts · {data.n_statements} statements · "
           f"{'forced' if data.forced else 'free'} distribution")
if data.n_sorts < 3:
    st.warning(f"{data.n_sorts} completed Q-sort(s) so far; an analysis needs at least 3.")
    st.stop()

workspace = an.load_workspace(db, user.id, data.source)
if workspace is None:
    g0 = run(_guidance, key, data, min(8, data.n_sorts - 1))
    k0 = max(1, min((g0.suggested.get("parallel") or 2) if g0 else 2, data.n_sorts - 1, 7))
    workspace = an.save_workspace(db, user.id, data.source, data.name, an.Plan(n_factors=k0), data=blob, extra=extra)
elif blob is not None and workspace.data != blob:
    workspace = an.save_workspace(db, user.id, data.source, data.name, workspace.plan, data=blob, extra=extra)
plan = workspace.plan


def set_plan(new: an.Plan) -> None:
    """Store a changed plan (the next run shows it)."""
    an.save_workspace(db, user.id, data.source, data.name, new)


outcome = run(_run, key, data, plan)
if outcome is None:
    if st.button("Reset the analysis choices", key="an_reset"):
        set_plan(an.Plan(n_factors=min(2, data.n_sorts - 1)))
        st.rerun()
    st.stop()
result = outcome.result
factors = result.factors

tab_f, tab_r, tab_fl, tab_res, tab_b, tab_d = st.tabs(
    ["Factors", "Rotation", "Flags", "Results", "Bootstrap", "Downloads"])

# ---------------------------------------------------------------- factors
with tab_f:
    left, right = st.columns([2, 3])
    with left:
        with st.form("an_settings"):
            corr = st.selectbox("Correlation", ["pearson", "spearman", "kendall"],
                                index=["pearson", "spearman", "kendall"].index(plan.correlation))
            ext = st.selectbox("Extraction", ["pca", "centroid", "horst"], index=["pca", "centroid", "horst"].index(plan.extraction),
                               format_func={"pca": "Principal components", "centroid": "Centroid (Brown, PQMethod)",
                                            "horst": "Centroid (Horst 5.5)"}.get)
            k = st.number_input("Number of factors", min_value=1, max_value=max(1, min(8, data.n_sorts - 1)),
                                value=min(plan.n_factors, max(1, min(8, data.n_sorts - 1))), step=1)
            sig = st.selectbox("Flagging significance", [0.01, 0.05, 0.1], index=[0.01, 0.05, 0.1].index(plan.significance)
                               if plan.significance in (0.01, 0.05, 0.1) else 1, format_func=lambda p: f"p < {p}")
            majority = st.checkbox("Require the majority of common variance", value=plan.majority)
            neg = st.selectbox("Negative loadings", ["include", "exclude"], index=["include", "exclude"].index(plan.negative),
                               format_func={"include": "may define a factor (reversed)", "exclude": "never flagged"}.get)
            conv = st.selectbox("Distinguishing/consensus convention", ["qmethod", "pqmethod"],
                                index=["qmethod", "pqmethod"].index(plan.convention))
            if st.form_submit_button("Apply", type="primary"):
                set_plan(plan.change(correlation=corr, extraction=ext, n_factors=int(k), significance=float(sig),
                                     majority=bool(majority), negative=neg, convention=conv))
                st.rerun()
    with right:
        g = run(_guidance, key, data, min(8, data.n_sorts - 1))
        if g is not None:
            s = g.suggested
            st.markdown(f"**Suggested number of factors** — parallel analysis: **{s['parallel']}** · Kaiser "
                        f"(eigenvalue > 1): **{s['kaiser']}** · Humphrey: **{s['humphrey']}** · "
                        f"two or more defining sorts: **{s['two_or_more_defining_sorts']}**")
            chart = plots.scree_chart(g.table, plan.n_factors)
            st.altair_chart(chart, use_container_width=True)
            t = g.table[["eigenvalue", "explained_variance", "parallel_p95", "kaiser", "parallel", "humphrey",
                         "significant_loaders", "significant_loaders_varimax"]].copy()
            t.columns = ["eigenvalue", "% variance", "random p95", "Kaiser", "parallel", "Humphrey",
                         "significant loaders", "defining sorts (varimax)"]
            st.dataframe(t.round(3), use_container_width=True)
            d1, d2 = st.columns(2)
            d1.download_button("Scree plot (PNG)", lambda: plots.chart_png(chart), "scree.png", "image/png", key="scree_png")
            d2.download_button("Scree plot (SVG)", lambda: plots.chart_svg(chart), "scree.svg", "image/svg+xml", key="scree_svg")
            st.caption("Guidance uses principal components of the Pearson correlations (as PQMethod's and "
                       "Ken-Q's eigenvalues); parallel analysis compares with random sorts of the same grid.")

# ---------------------------------------------------------------- rotation
with tab_r:
    rot = st.radio("Rotation", ["varimax", "none"], index=["varimax", "none"].index(plan.rotation), horizontal=True,
                   format_func={"varimax": "Varimax", "none": "None (then by hand)"}.get, key=f"rot_kind_{plan.rotation}")
    if rot != plan.rotation:
        set_plan(plan.change(rotation=rot))
        st.rerun()
    if len(factors) < 2 or plan.split:
        st.info("Rotation by hand needs two or more factors (and no split factor).")
    else:
        unrotated_plan = dataclasses.replace(plan, steps=(), flags=None, inverted=(), split=())
        base_factors = list(_start(key, data, unrotated_plan).columns)
        c1, c2, c3 = st.columns([1, 1, 3])
        fx = c1.selectbox("Factor on x", base_factors, index=0, key="rot_x")
        fy = c2.selectbox("Factor on y", [f for f in base_factors if f != fx], index=0, key="rot_y")
        st.session_state.setdefault("rot_angle", 0)

        def _nudge(delta: int) -> None:
            st.session_state["rot_angle"] = int(max(-90, min(90, st.session_state.get("rot_angle", 0) + delta)))

        with c3:
            angle = st.slider("Angle to turn (degrees; positive = clockwise)", -90, 90, key="rot_angle")
            b = st.columns(6)
            for col, delta in zip(b, (-10, -5, -1, 1, 5, 10)):
                col.button(f"{delta:+d}°", on_click=_nudge, args=(delta,), key=f"rot_nudge_{delta}",
                           use_container_width=True)
        start = _start(key, data, unrotated_plan)
        pending = tuple(plan.steps) + (((fx, fy, float(angle)),) if angle else ())
        current = qmethod.JudgmentalRotation.replay(start, pending)
        pflags = an.preview_flags(current, data.n_statements, plan)
        thr = z_critical(plan.significance) / np.sqrt(data.n_statements)
        chart = plots.loadings_chart(current, pflags, fx, fy, thr,
                                     title=f"{fx} × {fy}" + (f", turning {angle:+d}° (not applied yet)" if angle else ""))
        left, right = st.columns([3, 2])
        left.altair_chart(chart, use_container_width=False)
        with right:
            a1, a2 = st.columns(2)

            def _apply() -> None:
                a = st.session_state.get("rot_angle", 0)
                if a:
                    set_plan(plan.change(steps=tuple(plan.steps) + ((fx, fy, float(a)),)))
                st.session_state["rot_angle"] = 0

            def _undo() -> None:
                set_plan(plan.change(steps=tuple(plan.steps)[:-1]))
                st.session_state["rot_angle"] = 0

            a1.button("Apply rotation", type="primary", on_click=_apply, disabled=not angle, key="rot_apply")
            a2.button("Undo last step", on_click=_undo, disabled=not plan.steps, key="rot_undo")
            st.markdown("**Rotation log**")
            log = qmethod.JudgmentalRotation(start, tuple(qmethod.analysis.RotationStep(*s) for s in plan.steps)).log()
            if log:
                st.markdown("\n".join(f"{i}. {line}" for i, line in enumerate(log, 1)))
            else:
                st.caption("No rotation by hand yet.")
            if plan.steps and st.button("Remove all steps", key="rot_clear"):
                set_plan(plan.change(steps=()))
                st.session_state.pop("rot_angle", None)
                st.rerun()
            show = pd.DataFrame({fx: current[fx].round(3), fy: current[fy].round(3),
                                 "flag": np.where(pflags[fx], fx, np.where(pflags[fy], fy, ""))},
                                index=current.index.astype(str))
            st.dataframe(show, use_container_width=True, height=260)
        d1, d2 = st.columns(2)
        d1.download_button("Loadings plot (PNG)", lambda: plots.chart_png(chart), f"loadings-{fx}-{fy}.png",
                           "image/png", key="load_png")
        d2.download_button("Loadings plot (SVG)", lambda: plots.chart_svg(chart), f"loadings-{fx}-{fy}.svg",
                           "image/svg+xml", key="load_svg")

# ---------------------------------------------------------------- flags
with tab_fl:
    before = outcome.before_split
    table = an.flag_table(before)
    issues = an.flag_issues(before)
    for msg in issues:
        st.warning(msg)
    st.markdown("Tick or untick a box to flag a Q-sort by hand; everything is recomputed at once. "
                + ("**Flags are set by hand.**" if plan.flags is not None else "Flags are automatic."))
    editor_key = "flags_" + hashlib.sha1(json.dumps(plan.to_dict(), sort_keys=True).encode()).hexdigest()[:12]

    def _flags_changed() -> None:
        edits = (st.session_state.get(editor_key) or {}).get("edited_rows") or {}
        t = table.copy()
        for row, change in edits.items():
            for col, value in change.items():
                t.iloc[int(row), t.columns.get_loc(col)] = bool(value)
        set_plan(plan.change(flags=an.flags_from_table(t, before.factors)))

    st.data_editor(
        table, key=editor_key, on_change=_flags_changed, use_container_width=True,
        disabled=[c for c in table.columns if not c.startswith("flag ")],
        column_config={**{f: st.column_config.NumberColumn(f, format="%.4f") for f in before.factors},
                       **{f"flag {f}": st.column_config.CheckboxColumn(f"flag {f}") for f in before.factors}},
    )
    with st.form("flag_one", border=False):
        st.caption("Or set one Q-sort's flag here (also works with the keyboard):")
        f1, f2, f3 = st.columns([2, 2, 1], vertical_alignment="bottom")
        one = f1.selectbox("Q-sort", list(table.index), key="flag_one_sort")
        target = f2.selectbox("Flag on", ["(none)", *before.factors], key="flag_one_factor")
        if f3.form_submit_button("Set flag"):
            pairs = [p_ for p_ in an.flags_from_table(table, before.factors) if p_[0] != one]
            if target != "(none)":
                pairs.append((one, target))
            set_plan(plan.change(flags=tuple(pairs)))
            st.rerun()
    if plan.flags is not None and st.button("Back to automatic flags", key="flags_auto"):
        set_plan(plan.change(flags=None))
        st.rerun()
    c1, c2, c3 = st.columns(3)
    with c1:
        inv = st.selectbox("Invert a factor (turn its array upside down)", before.factors, key="inv_pick")
        if st.button("Invert", key="inv_go"):
            set_plan(plan.change(inverted=tuple(plan.inverted) + (inv,)))
            st.rerun()
    with c2:
        bipolar = [f for f in before.factors if (before.flags[f] & (before.loadings[f] < 0)).any() and f not in plan.split]
        if bipolar:
            sp = st.selectbox("Split a bipolar factor into its poles", bipolar, key="split_pick")
            if st.button("Split", key="split_go"):
                set_plan(plan.change(split=tuple(plan.split) + (sp,)))
                st.rerun()
        else:
            st.caption("No factor has a negatively flagged Q-sort, so none can be split.")
    with c3:
        if plan.inverted or plan.split:
            st.caption("Inverted: " + (", ".join(plan.inverted) or "–") + " · split: " + (", ".join(plan.split) or "–"))
            if st.button("Undo inversions and splits", key="inv_undo"):
                set_plan(plan.change(inverted=(), split=()))
                st.rerun()

# ---------------------------------------------------------------- results
with tab_res:
    for w in result.warnings:
        st.caption(f"⚠ {w}")
    with_array = [f for f in factors if not result.factor_arrays[f].isna().any()]
    if not with_array:
        st.warning("No factor has a defining Q-sort; flag some sorts first.")
    else:
        f = st.segmented_control("Factor", with_array, default=with_array[0], key="res_factor") or with_array[0]
        others = [o for o in with_array if o != f]
        z = result.zscores
        markers = {}
        for sid_ in result.distinguishing.index:
            m = result.distinguishing.loc[sid_, f]
            if m and others:
                if all(z.loc[sid_, f] > z.loc[sid_, o] for o in others):
                    m += "▲"
                elif all(z.loc[sid_, f] < z.loc[sid_, o] for o in others):
                    m += "▼"
            if m:
                markers[sid_] = " " + m
        consensus = set(result.consensus.index[result.consensus != ""])
        numbers_only = st.toggle("Numbers only", value=False, key="res_numbers")
        svg = plots.composite_svg(an.composite(result, f), statements=result.statements, markers=markers,
                                  consensus=consensus, title=f"{data.name}: composite Q-sort of {f}",
                                  numbers_only=numbers_only,
                                  pictures=plots.study_picture_uris(db, data.source.removeprefix("study:"))
                                  if data.source.startswith("study:") else None)
        st.image(svg, use_container_width=True)
        d1, d2, _ = st.columns([1, 1, 3])
        d1.download_button("Composite (SVG)", svg.encode("utf-8"), f"composite-{f}.svg", "image/svg+xml", key="comp_svg")
        d2.download_button("Composite (PNG)", lambda: plots.svg_png(svg), f"composite-{f}.png", "image/png", key="comp_png")
        r1, r2, r3, r4, r5 = st.tabs(["Z-scores and arrays", "Distinguishing", "Consensus", "Characteristics", "Crib sheet"])
        with r1:
            zt = pd.DataFrame(index=result.zscores.index)
            if result.statements is not None:
                zt["statement"] = result.statements
            for g_ in factors:
                zt[f"{g_} z"] = result.zscores[g_].round(3)
                zt[f"{g_} array"] = result.factor_arrays[g_]
            st.dataframe(zt.sort_values(f"{f} z", ascending=False), use_container_width=True)
        with r2:
            st.caption("* p < .05, ** p < .01")
            st.dataframe(result.distinguishing_statements(f).round(3), use_container_width=True)
        with r3:
            cs = result.consensus_statements()
            if len(cs):
                st.dataframe(cs.round(3), use_container_width=True)
            else:
                st.caption("No consensus statements.")
        with r4:
            st.dataframe(result.characteristics.round(3), use_container_width=True)
            st.markdown("**Correlations between factor z-scores**")
            st.dataframe(result.factor_correlations.round(3), use_container_width=True)
        with r5:
            crib = result.crib_sheets().get(f)
            if crib is not None:
                st.dataframe(crib, use_container_width=True)

# ---------------------------------------------------------------- bootstrap
with tab_b:
    st.markdown("Resample the Q-sorts to see how stable loadings, flags and z-scores are.")
    c1, c2 = st.columns(2)
    n_res = c1.number_input("Resamples", min_value=20, max_value=5000, value=200, step=50, key="boot_n")
    seed = c2.number_input("Seed (for a repeatable run)", min_value=0, value=1, step=1, key="boot_seed")
    boot_key = f"boot:{key}:{hash(plan)}:{n_res}:{seed}"
    if st.button("Run bootstrap", type="primary", key="boot_go"):
        bar = st.progress(0.0, text="Bootstrapping…")
        kw = plan.settings()
        if plan.flags is not None:
            kw["flags"] = outcome.before_split.flags if not plan.split else None
        kw = {k_: v for k_, v in kw.items() if v is not None}
        try:
            with np.errstate(all="ignore"):
                boot = qmethod.bootstrap(
                    data.sorts, plan.n_factors, n_resamples=int(n_res), seed=int(seed),
                    progress=lambda done, total: bar.progress(done / total, text=f"Bootstrapping… {done}/{total}"),
                    distribution=list(data.distribution) if data.distribution else None, forced=data.forced, **kw)
        except QMethodError as exc:
            st.error(str(exc))
        else:
            st.session_state[boot_key] = boot
        bar.empty()
    boot = st.session_state.get(boot_key)
    if boot is not None:
        st.caption(f"{boot.n_resamples} resamples ({boot.skipped} skipped). {boot.method}")
        zs = boot.zscores.copy()
        zs.columns = [" ".join(map(str, c)) for c in zs.columns]
        st.markdown("**Z-scores: estimate, bootstrap mean, SE and interval**")
        st.dataframe(zs.round(3), use_container_width=True)
        ls = boot.loadings.copy()
        ls.columns = [" ".join(map(str, c)) for c in ls.columns]
        st.markdown("**Loadings and how often each Q-sort was flagged**")
        st.dataframe(ls.round(3), use_container_width=True)

# ---------------------------------------------------------------- downloads
with tab_d:
    st.markdown("Everything the analysis produced, in the formats other tools read.")
    for kind_, (label, _suffix, _mime) in an.EXPORTS.items():
        made = run(_export, key, plan, kind_, result, data)
        if made is not None:
            st.download_button(label, made[0], made[1], made[2], key=f"dl_{kind_}", icon=":material/download:")
    st.download_button("Analysis choices (JSON: settings and rotation steps, replayable)",
                       json.dumps({"plan": plan.to_dict(), "settings": result.settings.to_dict()}, indent=1),
                       f"{an.file_stem(data.name)}-choices.json", "application/json", key="dl_plan")
