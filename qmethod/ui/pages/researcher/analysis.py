"""Analysis: data, number of factors with guidance, rotation (varimax or by hand), flags, results,
bootstrap and downloads. Every choice is a :class:`~qmethod.service.analysis.Plan` stored in the
database for this researcher, data source and analysis name, so the analysis survives reloads and server
restarts. Every change is made against the plan version this tab showed (a stale tab changes nothing),
only the open tab is drawn, and downloads are built when clicked (once per plan). Every callback that
changes the plan goes through :func:`qmethod.ui.storage.callback`: one that meets a storage fault is
made again by itself once storage answers (against the same version, so it is made once)."""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json

import numpy as np
import pandas as pd
import streamlit as st

import qmethod
from qmethod import service
from qmethod.analysis.flag import format_p, z_critical
from qmethod.errors import QMethodError, StorageBusyError
from qmethod.service import analysis as an
from qmethod.ui import flow, storage
from qmethod.ui.researcher import plots
from qmethod.ui.researcher.auth import current_study, gate, run
from qmethod.ui.text import plain, table_html

user = gate("Analysis")
db = flow.database()
st.title("Analysis")


# ---------------------------------------------------------------- cached computations (pure)


@st.cache_data(show_spinner="Reading the completed sorts…", max_entries=8, ttl=3600)
def _study_data(sid: str, revision: int, completed: int, participants: int,
                condition: str | None = None) -> an.AnalysisData:
    return an.study_data(db, sid, condition=condition)


@st.cache_data(show_spinner="Reading the file…", max_entries=8, ttl=3600)
def _upload_data(blob: bytes, name: str, statements: tuple[str, ...], statements_name: str | None) -> an.AnalysisData:
    return an.upload_data(blob, name, statements=list(statements) or None, statements_name=statements_name)


@st.cache_data(show_spinner="Computing the guidance…", max_entries=16, ttl=3600)
def _guidance(key: str, _data: an.AnalysisData, max_factors: int):
    return an.guidance(_data, max_factors=max_factors)


@st.cache_data(show_spinner="Analysing…", max_entries=64, ttl=3600)
def _run(key: str, _data: an.AnalysisData, plan: an.Plan) -> an.Outcome:
    return an.run(_data, plan)


@st.cache_data(show_spinner=False, max_entries=32, ttl=3600)
def _export(key: str, plan: an.Plan, kind: str, label: str, _data: an.AnalysisData) -> bytes:
    """One download, built when it is clicked and kept per plan."""
    return an.export(_run(key, _data, plan).result, kind, _data, plan, label=label)[0]


@st.cache_data(show_spinner=False, max_entries=32, ttl=3600)
def _start(key: str, _data: an.AnalysisData, plan: an.Plan) -> pd.DataFrame:
    return an.start_loadings(_data, plan)


def _say(kind: str, text: str) -> None:
    """A message for the next run of this page (set from a callback)."""
    st.session_state.setdefault("an_messages", []).append((kind, text))


def _messages() -> None:
    """Show (once) what the last callbacks said."""
    for kind_, text_ in st.session_state.pop("an_messages", []):
        {"error": st.error, "info": st.info, "success": st.success}[kind_](plain(text_))


_messages()

# ---------------------------------------------------------------- data source

with_sorts = any(s.completed for s in service.list_studies(db))
kind = st.radio("Data", ["A study's completed sorts", "A file (PQMethod, Ken-Q/KADE, HtmlQ, EQ Web Sort, CSV, Excel)"],
                horizontal=True, key="an_kind", label_visibility="collapsed", index=0 if with_sorts else 1)
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
    conditions = service.get_study(db, sid).condition_ids
    condition = None
    if conditions:  # several conditions of instruction: every sort is a Q-sort; all of them or one condition
        condition = st.selectbox("Conditions of instruction", [None, *conditions], key="an_condition",
                                 format_func=lambda c: "All conditions together" if c is None else f"Only “{c}”")
    data = run(_study_data, sid, info.revision, info.completed, info.participants, condition)
    if data is None:
        st.stop()
else:
    c1, c2 = st.columns(2)
    up = c1.file_uploader("Q-sort data file", key="an_file")
    # The statement file belongs to one data file: a new data file starts without one.
    stm_key = "an_statements_" + (hashlib.sha1(f"{up.file_id}".encode()).hexdigest()[:10] if up is not None else "none")
    stm = c2.file_uploader("Statements (optional: .STA, .txt, .csv)", key=stm_key, disabled=up is None)
    earlier = [w for w in an.list_workspaces(db, user.id) if w.source.startswith("upload:")]
    if up is not None:
        blob = up.getvalue()
        if stm is not None:
            texts = run(qmethod.io.read_statements, stm.getvalue(), name=stm.name) or []
            extra = {"statements": texts, "statements_file": stm.name}
        else:  # the statement texts kept with this file when it was uploaded before (none for a new file)
            extra = an.kept_statements(db, user.id, an.upload_source(blob))
        data = run(_upload_data, blob, up.name, tuple(extra.get("statements") or ()), extra.get("statements_file"))
        if data is not None and data.problems:  # (statements that do not fit are not kept with the file)
            extra = an.kept_statements(db, user.id, data.source)
    elif earlier:
        names = {w.source: f"{w.name} (analysed {w.updated_at:%Y-%m-%d %H:%M})" for w in earlier}
        pick = st.selectbox("…or continue an earlier upload", list(names), format_func=names.get, key="an_earlier")
        ws = an.load_workspace(db, user.id, pick, label=next(w.label for w in earlier if w.source == pick))
        if ws is not None and ws.data:
            extra = an.kept_statements(db, user.id, pick)
            data = run(_upload_data, ws.data, ws.name, tuple(extra.get("statements") or ()),
                       extra.get("statements_file"))
    if data is None:
        if up is None:  # (a file that cannot be read has said why)
            st.info("Upload a data file to analyse it. Every format listed by `qmethod formats` is read.")
        st.stop()

for problem in data.problems:
    st.warning(plain(problem))
#: notes drawn one by one; the rest in one block (a file of thousands of odd sorts has a note each)
SHOWN_NOTES = 10
for note in data.notes[:SHOWN_NOTES]:
    st.caption(f"Note: {plain(note)}")
if len(data.notes) > SHOWN_NOTES:
    rest = data.notes[SHOWN_NOTES:]
    with st.expander(f"{len(rest):,} more note{'s' if len(rest) != 1 else ''}"):
        st.text("\n".join(rest[:1000]) + (f"\n... and {len(rest) - 1000:,} more" if len(rest) > 1000 else ""))
if data.n_sorts < 3:
    st.warning(f"{data.n_sorts} completed Q-sort(s) so far; an analysis needs at least 3.")
    st.stop()

def data_key(d: an.AnalysisData) -> str:
    """The cache key of ``d``: its source, sorts and statement texts (a statement file changes the results)."""
    h = hashlib.sha256(pd.util.hash_pandas_object(d.sorts, index=True).values.tobytes())
    if d.statements is not None:
        h.update(pd.util.hash_pandas_object(d.statements.astype(str), index=True).values.tobytes())
    return d.source + ":" + h.hexdigest()[:16]


# ---------------------------------------------------------------- which analysis (named, several per source)

stored = an.list_workspaces(db, user.id, data.source)
labels = sorted({w.label for w in stored} | {an.DEFAULT_ANALYSIS}, key=lambda x: (x != an.DEFAULT_ANALYSIS, x))
# the analysis chosen is kept in the address (?analysis=), so a reload or a new login opens it again
chosen_key = f"an_label:{data.source}"
if chosen_key not in st.session_state and st.query_params.get("analysis") in labels:
    st.session_state[chosen_key] = st.query_params["analysis"]
label = st.selectbox("Analysis", labels, key=chosen_key, help="Several named analyses of the same "
                     "data are kept side by side; compare two on the Results tab.")
if label != an.DEFAULT_ANALYSIS:
    st.query_params["analysis"] = label
elif "analysis" in st.query_params:
    del st.query_params["analysis"]
all_data = data
workspace = an.load_workspace(db, user.id, data.source, label=label)
OWN = f"an_own:{data.source}:{label}"  # the version this tab's last change stored
stored_before = workspace.version if workspace is not None else None
if workspace is None:
    g0 = run(_guidance, data_key(all_data), all_data, min(8, all_data.n_sorts - 1))
    k0 = max(1, min((g0.suggested.get("parallel") or 2) if g0 else 2, all_data.n_sorts - 1, 7))
    snap = tuple(map(str, all_data.sorts.columns)) if all_data.source.startswith("study:") else None
    workspace = an.save_workspace(db, user.id, data.source, data.name, an.Plan(n_factors=k0, snapshot=snap),
                                  data=blob, extra=extra, label=label)
elif blob is not None and (workspace.data != blob or workspace.extra != extra):
    workspace = an.save_workspace(db, user.id, data.source, data.name, workspace.plan, data=blob, extra=extra,
                                  label=label)
elif workspace.plan.snapshot is None and data.source.startswith("study:"):  # (stored before snapshots existed)
    workspace = an.save_workspace(db, user.id, data.source, data.name,
                                  dataclasses.replace(workspace.plan, snapshot=tuple(map(str, data.sorts.columns))),
                                  label=label)
if workspace.version != stored_before:  # stored by this run (a new analysis, its file, its snapshot)
    st.session_state[OWN] = workspace.version
plan = workspace.plan
shown_version = workspace.version  # every change below is made against this version (or a newer one a part
SHOWN = f"an_shown:{data.source}:{label}"  # of the page redrawn on its own showed: kept in the session)
ROT = f"rot:{data.source}:{label}"  # the pending turn of this analysis: factors and angle (never a widget's state)


def _seen(version: int) -> None:
    """This tab now shows ``version``. If another tab or window stored it (not this tab's own change),
    say so, and drop the turn by hand this tab had not applied: it was chosen on the choices shown
    before, and Apply would make it on others."""
    prev = st.session_state.get(SHOWN)
    if prev is not None and version != prev and version != st.session_state.get(OWN):
        _say("info", "This analysis was changed in another tab or window: the page now shows the choices as "
                     "stored. A turn not yet applied here was dropped; check the choices before you go on.")
        pend = st.session_state.get(ROT)
        if pend and pend.get("angle"):
            pend.update(angle=0, n=pend["n"] + 1)
    st.session_state[SHOWN] = version


_seen(shown_version)


def set_plan(new: an.Plan, base: an.Plan | None = None, version: int | None = None) -> bool:
    """Store a changed plan made against the version this tab showed; a stale tab changes nothing."""
    try:
        saved = an.save_workspace(db, user.id, all_data.source, all_data.name, new, label=label,
                                  expected_version=st.session_state.get(SHOWN, shown_version) if version is None
                                  else version)
        st.session_state[OWN] = saved.version
    except an.StaleAnalysis as exc:
        _say("error", str(exc))
        return False
    notice = new.notice(base or plan)
    if notice:
        _say("info", notice)
    return True


def _undo_to(version: int) -> None:
    try:
        st.session_state[OWN] = an.undo_change(db, user.id, all_data.source, label=label,
                                               expected_version=version).version
    except StorageBusyError:
        raise  # (made again by itself: storage.callback)
    except QMethodError as exc:
        _say("error", str(exc))


def _undo_change() -> None:
    # what is read from the page's state is read here, once: a call made again after a storage fault
    # (storage.callback) makes the same change
    storage.callback("an_undo_change", _undo_to)(st.session_state.get(SHOWN, shown_version))


data = an.restrict(all_data, plan.snapshot)
new = an.new_sorts(all_data, plan.snapshot)
if new:
    n1, n2 = st.columns([4, 1], vertical_alignment="center")
    n1.info(f"{len(new)} new sort{'s' if len(new) != 1 else ''} since this analysis: include them? (Until you do, nothing here changes.)")

    def _include() -> None:
        # onto the choices as stored now (a tab redrawn on its own may have changed them since this run)
        now = an.load_workspace(db, user.id, all_data.source, label=label) or workspace
        set_plan(now.plan.change(snapshot=tuple(map(str, all_data.sorts.columns))), base=now.plan)

    n2.button("Include them", key="an_include", on_click=storage.callback("an_include", _include))
key = data_key(data)
st.caption(f"**{plain(data.name)}** · {data.n_sorts} Q-sorts · {data.n_statements} statements · "
           f"{'forced' if data.forced else 'free'} distribution"
           # (kept with the data file: after a reload too; another statements file replaces them)
           + (f" · statement texts from {plain(extra['statements_file'])}"
              if extra.get("statements_file") and extra.get("statements") and not data.problems else "")
           + (" · frozen on these sorts" if plan.snapshot is not None else ""))
h1, h2, h3 = st.columns([1, 1, 2])
h1.button("Undo last change", key="an_undo_change", on_click=_undo_change, disabled=not workspace.history,
          help="Back to the choices before the last change (a change of k, extraction or correlation brings its "
               "rotation history back).")
with h3.popover("Save as a new analysis"):
    # (no max_chars: a longer name pasted stays in the box and Save says how long it may be; the browser
    # dropped such a paste without a word)
    new_label = st.text_input("Name of the new analysis", key="an_new_label",
                              placeholder=f"At most {an.LABEL_LENGTH} characters")

    def _store_copy(name_: str) -> None:
        # the choices as stored now: a tab redrawn on its own may have changed them since this page's last
        # whole run (a turn by hand, a new k), and the copy is of what the researcher sees
        now = an.load_workspace(db, user.id, all_data.source, label=label) or workspace
        an.save_workspace(db, user.id, all_data.source, all_data.name, now.plan, label=name_,
                          bootstrap=an.current_bootstrap(now))
        st.session_state[f"an_label:{all_data.source}"] = name_

    def _save_as() -> None:
        name_ = (st.session_state.get("an_new_label") or "").strip()
        if not name_ or name_ in labels:
            _say("error", "Give the new analysis a name not used yet.")
            return
        if len(name_) > an.LABEL_LENGTH:
            _say("error", f"The name may have at most {an.LABEL_LENGTH} characters; this one has {len(name_)}.")
            return
        storage.callback("an_save_as", _store_copy)(name_)

    st.button("Save a copy of these choices", key="an_save_as", on_click=_save_as)

outcome = run(_run, key, data, plan)
if outcome is None:
    st.button("Reset the analysis choices", key="an_reset", on_click=storage.callback("an_reset", set_plan),
              args=(an.Plan(n_factors=min(2, data.n_sorts - 1), snapshot=plan.snapshot),))
    st.stop()
result = outcome.result
factors = result.factors

tab_f, tab_r, tab_fl, tab_res, tab_b, tab_d = st.tabs(
    ["Factors", "Rotation", "Flags", "Results", "Bootstrap", "Downloads"], key="an_tab", on_change="rerun")

# ---------------------------------------------------------------- parts redrawn on their own


def _fresh() -> tuple[an.Plan, an.Outcome, int]:
    """The plan, its result and version as stored now, for a part of the page that is redrawn on its own
    (``st.fragment``: Apply on the Factors tab, a click in the flag table or the rotation controls reruns
    only that tab, which then reads the stored plan again). The whole page is redrawn instead when its other parts would show
    something else (the first change that can be undone, another data snapshot)."""
    ws = an.load_workspace(db, user.id, all_data.source, label=label)
    if ws is None or ws.plan.snapshot != plan.snapshot or bool(ws.history) != bool(workspace.history):
        st.rerun(scope="app")
    _seen(ws.version)
    if ws.version == shown_version:
        return plan, outcome, shown_version
    out = run(_run, key, data, ws.plan)
    if out is None:
        st.rerun(scope="app")
    return ws.plan, out, ws.version


# ---------------------------------------------------------------- factors
KMAX = max(1, min(data.n_sorts - 1, 30))
K_REFUSED = "an_k_refused"  # the message of an Apply refused for its number of factors


@st.fragment
def _factors_panel() -> None:
    storage.whole_page()
    plan, outcome, V = _fresh()  # widgets showing the plan are keyed by its version (they follow an undo)
    _messages()  # (after _fresh: a whole-page rerun it starts shows them instead)
    result = outcome.result
    change = functools.partial(set_plan, base=plan, version=V)
    left, right = st.columns([2, 3])
    with left:
        def _apply_settings() -> None:
            ss = st.session_state
            k = ss.get(f"set_k_{V}")
            if k is None or not 1 <= int(k) <= KMAX:  # said, never ignored (the box kept the typed number)
                ss[K_REFUSED] = (f"The number of factors must be a whole number from 1 to {KMAX} (with "
                                 f"{data.n_sorts} Q-sorts{'; at most 30 here' if KMAX == 30 else ''}); "
                                 f"{'nothing' if k is None else k} was typed. Nothing was changed.")
                return
            storage.callback("an_apply", change)(plan.change(correlation=ss[f"set_corr_{V}"], extraction=ss[f"set_ext_{V}"], n_factors=int(ss[f"set_k_{V}"]),
                               significance=float(ss[f"set_sig_{V}"]), majority=bool(ss[f"set_majority_{V}"]),
                               negative=ss[f"set_neg_{V}"], convention=ss[f"set_conv_{V}"],
                               varimax_tolerance=float(ss[f"set_tol_{V}"])))

        with st.form("an_settings"):
            st.selectbox("Correlation", ["pearson", "spearman", "kendall"], key=f"set_corr_{V}",
                         index=["pearson", "spearman", "kendall"].index(plan.correlation))
            st.selectbox("Extraction", ["pca", "centroid", "horst"], key=f"set_ext_{V}",
                         index=["pca", "centroid", "horst"].index(plan.extraction),
                         format_func={"pca": "Principal components", "centroid": "Centroid (Brown, PQMethod)",
                                      "horst": "Centroid (Horst 5.5)"}.get)
            if K_REFUSED in st.session_state:
                st.error(st.session_state.pop(K_REFUSED), icon=":material/info:")
            # (no min or max on the box: a number out of range is refused with a message by Apply,
            # where the browser would only colour the box and Apply would keep the old number silently)
            st.number_input("Number of factors", key=f"set_k_{V}", value=min(plan.n_factors, KMAX), step=1)
            levels = list(an.SIGNIFICANCE_LEVELS)
            st.selectbox("Flagging significance", levels, key=f"set_sig_{V}",
                         index=levels.index(plan.significance) if plan.significance in levels else levels.index(0.05),
                         format_func=lambda p: f"p < {format_p(p)} (z = {z_critical(p):g})")
            st.checkbox("Require the majority of common variance", value=plan.majority, key=f"set_majority_{V}")
            st.selectbox("Negative loadings", ["include", "exclude"], key=f"set_neg_{V}",
                         index=["include", "exclude"].index(plan.negative),
                         format_func={"include": "may define a factor (reversed)", "exclude": "never flagged"}.get)
            tols = list(an.VARIMAX_TOLERANCES)
            st.selectbox("Varimax stopping rule", tols, key=f"set_tol_{V}", format_func=an.VARIMAX_TOLERANCES.get,
                         index=tols.index(plan.varimax_tolerance) if plan.varimax_tolerance in tols else 0)
            st.selectbox("Distinguishing/consensus convention", ["qmethod", "pqmethod"], key=f"set_conv_{V}",
                         index=["qmethod", "pqmethod"].index(plan.convention))
            st.form_submit_button("Apply", type="primary", key="an_apply", on_click=_apply_settings)
    with right:
        g = run(_guidance, key, data, min(8, data.n_sorts - 1))
        if g is not None:
            sug = g.suggested
            st.markdown(f"**Suggested number of factors** — parallel analysis: **{sug['parallel']}** · Kaiser "
                        f"(eigenvalue > 1): **{sug['kaiser']}** · Humphrey: **{sug['humphrey']}** · "
                        f"two or more defining sorts: **{sug['two_or_more_defining_sorts']}**")
            scree = plots.scree_chart(g.table, plan.n_factors)
            st.vega_lite_chart(dict(scree), width="stretch")  # (a copy: Streamlit takes the datasets out)
            d1, d2 = st.columns(2)
            d1.download_button("Scree plot (PNG)", functools.partial(plots.chart_png, scree), "scree.png",
                               "image/png", key="scree_png", on_click="ignore")
            d2.download_button("Scree plot (SVG)", functools.partial(plots.chart_svg, scree), "scree.svg",
                               "image/svg+xml", key="scree_svg", on_click="ignore")
            st.caption("Guidance uses principal components of the Pearson correlations (as PQMethod's and "
                       "Ken-Q's eigenvalues); parallel analysis compares with random sorts of the same grid.")
    if g is not None:
        t = g.table[["eigenvalue", "explained_variance", "parallel_p95", "kaiser", "parallel", "humphrey",
                     "significant_loaders", "significant_loaders_varimax"]].copy()
        t.columns = ["eigenvalue", "% variance", "random p95", "Kaiser", "parallel", "Humphrey",
                     "significant loaders", "defining sorts (varimax)"]
        for c in ("Kaiser", "parallel", "Humphrey"):
            t[c] = t[c].map({True: "yes", False: "no"})
        # across the page's width, every header whole (in the scree plot's column st.dataframe cut the
        # last ones off)
        st.markdown("**Guidance per factor** (how many factors to keep)")
        st.markdown(table_html(t, label="Guidance per factor"), unsafe_allow_html=True)
    with st.expander("Correlation matrix between the Q-sorts"):
        if result.correlations is not None:
            st.dataframe(result.correlations.round(3), use_container_width=True)
    with st.expander("Unrotated factor matrix"):
        un = result.unrotated_loadings
        eig = (un ** 2).sum()
        st.dataframe(pd.concat([un, pd.DataFrame([eig, 100 * eig / len(un)],
                                                 index=["eigenvalue", "% explained variance"])]).round(4),
                     use_container_width=True)


if tab_f.open:
    with tab_f:
        _factors_panel()

# ---------------------------------------------------------------- rotation
def _rotation_log(plan: an.Plan) -> None:
    """The steps by hand of ``plan``, numbered (the log names factors and angles only)."""
    st.markdown("**Rotation log**")
    log = qmethod.JudgmentalRotation(pd.DataFrame(), tuple(qmethod.analysis.RotationStep(*x) for x in plan.steps)).log()
    if log:
        st.markdown("\n".join(f"{i}. {line}" for i, line in enumerate(log, 1)))
    else:
        st.caption("No rotation by hand yet.")


@st.fragment
def _rotation_panel() -> None:
    storage.whole_page()
    plan, outcome, version = _fresh()
    _messages()
    factors = outcome.result.factors
    change = functools.partial(set_plan, base=plan, version=version)

    def _rotation_kind() -> None:
        storage.callback(f"rot_kind_{version}", change)(plan.change(rotation=st.session_state[f"rot_kind_{version}"]))

    st.radio("Rotation", ["varimax", "none"], index=["varimax", "none"].index(plan.rotation), horizontal=True,
             format_func={"varimax": "Varimax", "none": "None (then by hand)"}.get, key=f"rot_kind_{version}",
             on_change=_rotation_kind)
    if len(factors) < 2 or plan.split:
        st.info("Rotation by hand needs two or more factors"
                + (" and no split factor: undo the split (Flags tab) to turn factors by hand." if plan.split else "."))
        if plan.steps:  # the steps already made still hold: the record of them stays in view
            _rotation_log(plan)
        if len(factors) >= 2:  # the result's loadings (split factors included) can still be plotted and saved
            _result_plot(outcome.result, plan, data.n_statements)
    else:
        unrotated_plan = dataclasses.replace(plan, steps=(), flags=None, inverted=(), split=())
        start = _start(key, data, unrotated_plan)
        base_factors = list(start.columns)
        pend = st.session_state.setdefault(ROT, {"x": base_factors[0], "y": base_factors[1], "angle": 0, "n": 0})
        if pend["x"] not in base_factors or pend["y"] not in base_factors or pend["x"] == pend["y"]:
            pend.update(x=base_factors[0], y=base_factors[1], angle=0, n=pend["n"] + 1)
        n = pend["n"]  # widgets are re-created from the pending turn whenever it changes elsewhere

        def _set(**kw) -> None:
            st.session_state[ROT].update(kw)

        def _from_widget(field: str, wkey: str) -> None:
            value = st.session_state[wkey]
            _set(**{field: int(value) if field == "angle" else value})
            if field == "x" and st.session_state[ROT]["y"] == value:
                _set(y=next(f for f in base_factors if f != value), n=st.session_state[ROT]["n"] + 1)

        def _nudge(delta: int) -> None:
            p_ = st.session_state[ROT]
            p_.update(angle=int(max(-90, min(90, p_["angle"] + delta))), n=p_["n"] + 1)

        c1, c2, c3 = st.columns([1, 1, 3])
        c1.selectbox("Factor on x", base_factors, index=base_factors.index(pend["x"]), key=f"rot_x_{n}",
                     on_change=_from_widget, args=("x", f"rot_x_{n}"))
        ys = [f for f in base_factors if f != pend["x"]]
        c2.selectbox("Factor on y", ys, index=ys.index(pend["y"]), key=f"rot_y_{n}",
                     on_change=_from_widget, args=("y", f"rot_y_{n}"))
        with c3:
            st.slider("Angle to turn (degrees; positive turns the axes clockwise, as KADE and PQMethod)", -90, 90,
                      value=int(pend["angle"]), key=f"rot_angle_{n}", on_change=_from_widget,
                      args=("angle", f"rot_angle_{n}"))
            b = st.columns(6)
            for col, delta in zip(b, (-10, -5, -1, 1, 5, 10)):
                col.button(f"{delta:+d}°", on_click=_nudge, args=(delta,), key=f"rot_nudge_{delta}",
                           use_container_width=True)
        fx, fy, angle = pend["x"], pend["y"], int(pend["angle"])
        pending = tuple(plan.steps) + (((fx, fy, float(angle)),) if angle else ())
        current = qmethod.JudgmentalRotation.replay(start, pending)
        pflags = an.preview_flags(current, data.n_statements, plan)
        thr = z_critical(plan.significance) / np.sqrt(data.n_statements)
        title = f"{fx} × {fy}" + (f", turning {angle:+d}° (not applied yet)" if angle else "")
        loadings_plot = plots.loadings_chart(current, pflags, fx, fy, thr, title=title)
        left, right = st.columns([3, 2])
        # the title above the chart, so that a turn changes only the chart's data and the browser
        # updates the points instead of building the chart again (the saved files keep it as their title)
        left.markdown(f"**{plain(title)}**")
        left.vega_lite_chart({k: v for k, v in loadings_plot.items() if k != "title"}, width="content")
        with right:
            a1, a2 = st.columns(2)

            def _apply(step: tuple[str, str, float]) -> None:
                if change(plan.change(steps=tuple(plan.steps) + (step,))):
                    _set(angle=0, n=st.session_state[ROT]["n"] + 1)

            def _undo() -> None:
                if change(plan.change(steps=tuple(plan.steps)[:-1])):
                    _set(angle=0, n=st.session_state[ROT]["n"] + 1)

            a1.button("Apply rotation", type="primary", on_click=storage.callback("rot_apply", _apply),
                      args=((fx, fy, float(angle)),), disabled=not angle, key="rot_apply")
            a2.button("Undo last step", on_click=storage.callback("rot_undo", _undo), disabled=not plan.steps,
                      key="rot_undo")
            _rotation_log(plan)
            if plan.steps:
                st.button("Remove all steps", key="rot_clear", on_click=storage.callback("rot_clear", change),
                          args=(plan.change(steps=()),))
            show = pd.DataFrame({fx: current[fx].round(3), fy: current[fy].round(3),
                                 "flag": np.where(pflags[fx], fx, np.where(pflags[fy], fy, ""))},
                                index=current.index.astype(str))
            st.dataframe(show, use_container_width=True, height=260)
        _plot_downloads(loadings_plot, fx, fy)


def _plot_downloads(chart: dict, fx: str, fy: str) -> None:
    """The PNG and SVG downloads of a loadings plot of factors ``fx`` and ``fy``."""
    d1, d2 = st.columns(2)
    d1.download_button("Loadings plot (PNG)", functools.partial(plots.chart_png, chart),
                       f"loadings-{fx}-{fy}.png", "image/png", key="load_png", on_click="ignore")
    d2.download_button("Loadings plot (SVG)", functools.partial(plots.chart_svg, chart),
                       f"loadings-{fx}-{fy}.svg", "image/svg+xml", key="load_svg", on_click="ignore")


def _result_plot(result: qmethod.AnalysisResult, plan: an.Plan, n_statements: int) -> None:
    """The loadings plot of the result as it stands (split factors as their two poles), with downloads."""
    factors = list(result.factors)
    c1, c2, _ = st.columns([1, 1, 3])
    fx = c1.selectbox("Factor on x", factors, key="res_plot_x")
    fy = c2.selectbox("Factor on y", [f for f in factors if f != fx], key="res_plot_y")
    thr = z_critical(plan.significance) / np.sqrt(n_statements)
    title = f"{fx} × {fy}"
    chart = plots.loadings_chart(result.loadings, result.flags, fx, fy, thr, title=title)
    st.markdown(f"**{plain(title)}**")
    st.vega_lite_chart({k: v for k, v in chart.items() if k != "title"}, width="content")
    _plot_downloads(chart, fx, fy)



if tab_r.open:
    with tab_r:
        _rotation_panel()

# ---------------------------------------------------------------- flags


@st.fragment
def _flags_panel() -> None:
    storage.whole_page()
    plan, outcome, version = _fresh()
    _messages()
    change = functools.partial(set_plan, base=plan, version=version)
    before = outcome.before_split
    table = an.flag_table(before)
    for msg in an.flag_issues(before):  # (flags are chosen on the solution before any split)
        st.warning(plain(("Before the split of " + ", ".join(plan.split) + ": " if plan.split else "") + msg))
    st.markdown("Tick or untick a box to flag a Q-sort by hand; everything is recomputed at once. "
                + ("**Flags are set by hand.**" if plan.flags is not None else "Flags are automatic."))
    editor_key = "flags_" + hashlib.sha1(json.dumps(plan.to_dict(), sort_keys=True).encode()).hexdigest()[:12]

    def _flags_changed() -> None:
        edits = (st.session_state.get(editor_key) or {}).get("edited_rows") or {}
        t = table.copy()
        for row, edit in edits.items():
            for col, value in edit.items():
                t.iloc[int(row), t.columns.get_loc(col)] = bool(value)
        storage.callback(editor_key, change)(plan.change(flags=an.flags_from_table(t, before.factors)))

    def _target_key(sort_: str) -> str:  # (per sort and plan: the box opens on the sort's flag as it is now)
        return f"flag_one_factor:{editor_key}:{sort_}"

    def _set_one() -> None:
        one_ = st.session_state["flag_one_sort"]
        target_ = st.session_state.get(_target_key(one_), "(none)")
        pairs = [p_ for p_ in an.flags_from_table(table, before.factors) if p_[0] != one_]
        if target_ != "(none)":
            pairs.append((one_, target_))
        storage.callback("flag_one_set", change)(plan.change(flags=tuple(pairs)))

    st.caption("Set one Q-sort's flag here (also works with the keyboard), or tick boxes in the table below:")
    f1, f2, f3 = st.columns([2, 2, 1], vertical_alignment="bottom")
    one = f1.selectbox("Q-sort", list(table.index), key="flag_one_sort")
    now_on = [f_ for f_ in before.factors if one is not None and table.loc[one, f"flag {f_}"]]
    f2.selectbox("Flag on", ["(none)", *before.factors], key=_target_key(one),
                 index=1 + list(before.factors).index(now_on[0]) if now_on else 0)
    f3.button("Set flag", key="flag_one_set", on_click=_set_one)
    if one is not None:
        st.caption(plain(f"{one} is flagged now on {' and '.join(now_on)}"
                         + (" (Set flag keeps only the factor chosen)." if len(now_on) > 1 else ".")
                         if now_on else f"{one} is not flagged now."))

    st.data_editor(
        table, key=editor_key, on_change=_flags_changed, use_container_width=True,
        disabled=[c for c in table.columns if not c.startswith("flag ")],
        column_config={**{f: st.column_config.NumberColumn(f, format="%.4f") for f in before.factors},
                       **{f"flag {f}": st.column_config.CheckboxColumn(f"flag {f}") for f in before.factors}},
    )
    if plan.flags is not None:
        st.button("Back to automatic flags", key="flags_auto", on_click=storage.callback("flags_auto", change),
                  args=(plan.change(flags=None),))
    c1, c2, c3 = st.columns(3)
    with c1:
        inv = st.selectbox("Invert a factor (turn its array upside down)", before.factors, key="inv_pick")
        st.button("Invert", key="inv_go", on_click=storage.callback("inv_go", change),
                  args=(plan.change(inverted=tuple(plan.inverted) + (inv,)),))
    with c2:
        bipolar = [f for f in before.factors if (before.flags[f] & (before.loadings[f] < 0)).any()
                   and f not in plan.split]
        if bipolar:
            sp = st.selectbox("Split a bipolar factor into its poles", bipolar, key="split_pick")
            st.button("Split", key="split_go", on_click=storage.callback("split_go", change),
                      args=(plan.change(split=tuple(plan.split) + (sp,)),))
        else:
            st.caption("No factor has a negatively flagged Q-sort, so none can be split.")
    with c3:
        if plan.inverted or plan.split:
            st.caption("Inverted: " + (", ".join(plan.inverted) or "–") + " · split: " + (", ".join(plan.split) or "–"))
            st.button("Undo inversions and splits", key="inv_undo", on_click=storage.callback("inv_undo", change),
                      args=(plan.change(inverted=(), split=()),))



if tab_fl.open:
    with tab_fl:
        _flags_panel()

# ---------------------------------------------------------------- results
if tab_res.open:
    with tab_res:
        for w in result.warnings:
            st.caption(f"⚠ {plain(w)}")
        with_array = [f for f in factors if not result.factor_arrays[f].isna().any()]
        if not with_array:
            st.warning("No factor has a defining Q-sort; flag some sorts first.")
        else:
            f = st.segmented_control("Factor", with_array, default=with_array[0], key="res_factor",
                                     format_func=lambda x: an.factor_label(plan, x)) or with_array[0]
            if f not in with_array:
                f = with_array[0]
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
                                      consensus=consensus, title=an.composite_title(data, plan, f),
                                      numbers_only=numbers_only,
                                      pictures=plots.study_picture_uris(db, data.source.split(":")[1])
                                      if data.source.startswith("study:") else None)
            st.image(svg, use_container_width=True)
            d1, d2, _ = st.columns([1, 1, 3])
            d1.download_button("Composite (SVG)", svg.encode("utf-8"), f"composite-{f}.svg", "image/svg+xml",
                               key="comp_svg", on_click="ignore")
            d2.download_button("Composite (PNG)", functools.partial(plots.svg_png, svg), f"composite-{f}.png",
                               "image/png", key="comp_png", on_click="ignore")
            r1, r2, r3, r4, r5, r6 = st.tabs(["Z-scores and arrays", "Distinguishing", "Consensus", "Characteristics",
                                              "Crib sheet", "Compare analyses"])
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
            with r6:
                others_ = [w_.label for w_ in an.list_workspaces(db, user.id, data.source) if w_.label != label]
                if not others_:
                    st.caption("Only one analysis of these data so far: “Save as a new analysis” (above) keeps a "
                               "second set of choices beside this one.")
                else:
                    other = st.selectbox("Compare with", others_, key="cmp_other")
                    ow = an.load_workspace(db, user.id, data.source, label=other)
                    odata = an.restrict(all_data, ow.plan.snapshot)
                    oout = run(_run, data_key(odata), odata, ow.plan)
                    if oout is not None:
                        st.markdown(f"**Correlations between the factor z-scores** of “{plain(label)}” (rows) and "
                                    f"“{plain(other)}” (columns)")
                        corr = an.compare(result, oout.result)
                        # a small matrix: a plain table, whose numbers are text in the page (and for screen readers)
                        st.table(corr.map(lambda v: f"{v:.3f}"))
                        best = an.best_matches(corr)
                        st.markdown("**Closest factor in “" + plain(other) + "”:** " + " · ".join(
                            f"{f} ↔ {m} (r = {r:.3f})" for f, (m, r) in best.iterrows()))

# ---------------------------------------------------------------- bootstrap
if tab_b.open:
    with tab_b:
        st.markdown("Resample the Q-sorts to see how stable loadings, flags and z-scores are.")
        c1, c2 = st.columns(2)
        n_res = c1.number_input("Resamples", min_value=20, max_value=5000, value=200, step=50, key="boot_n")
        seed = c2.number_input("Seed (for a repeatable run)", min_value=0, value=1, step=1, key="boot_seed")
        boot_key = f"boot:{key}:{hash(plan)}:{n_res}:{seed}"
        # a click whose save met a storage fault is made again by itself once storage answers (the
        # resamples already drawn are kept for it, not drawn again)
        if storage.click("boot_go", st.button("Run bootstrap", type="primary", key="boot_go")):
            boot = st.session_state.get(boot_key)
            if boot is None:
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
                    st.error(plain(str(exc)))
                else:
                    st.session_state[boot_key] = boot
                bar.empty()
            if boot is not None:
                # kept with the analysis: the Interpretation page's report states it
                workspace = run(an.save_bootstrap, db, user.id, all_data.source,
                                an.bootstrap_summary(boot, plan, requested=int(n_res)), label=label) or workspace
        kept = an.current_bootstrap(workspace)
        if kept is not None:
            st.success(f"Kept with this analysis (its report states it): {kept['n_resamples']} resamples, seed "
                       f"{kept['seed']}; mean standard error of the z-scores "
                       + ", ".join(f"{f} {v['mean_se']:.2f}" for f, v in kept["factors"].items()) + ".")
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
if tab_d.open:
    with tab_d:
        st.markdown("Everything the analysis produced, in the formats other tools read. Each file is made when "
                    "you click it (and kept while the choices stay the same).")
        stem = an.file_stem(data.name)
        for kind_, (label_, suffix_, mime_) in an.EXPORTS.items():
            st.download_button(label_, functools.partial(_export, key, plan, kind_, label, data), stem + suffix_,
                               mime_, key=f"dl_{kind_}", icon=":material/download:", on_click="ignore")
        st.download_button("Analysis choices (JSON: settings and rotation steps, replayable)",
                           json.dumps({"plan": plan.to_dict(), "settings": result.settings.to_dict()}, indent=1),
                           f"{stem}-choices.json", "application/json", key="dl_plan", on_click="ignore")
