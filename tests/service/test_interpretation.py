"""Co-interpretation at the service level (SQLite and PostgreSQL): who sees what, texts with history
and proposals, notes, the comments and survey answers of defining participants, viewpoint cards."""
from __future__ import annotations

import warnings

import pytest

from qmethod import service as sv
from qmethod.errors import NotFoundError, QMethodError
from qmethod.service import accounts, interpretation as it
from qmethod.service import analysis as an
from qmethod.service.demo import seed_demo

from tests.service.service_helpers import complete

PW = "password-1234"


@pytest.fixture
def team(db, demo, mini):
    """The demo study with 6 seeded responses, a researcher's 2-factor analysis of it, a co-researcher
    invited to it, and a 2-factor analysis of the mini study the co-researcher is not invited to."""
    seed_demo(db, n=6, seed=3)
    for order in (None, list(reversed(mini.statement_ids)), None):
        complete(db, mini, order=order)
    anna = accounts.create_account(db, "anna", PW)
    ws = {}
    for sid in ("brukermedvirkning", "mini"):
        data = an.study_data(db, sid)
        ws[sid] = an.save_workspace(db, anna.id, data.source, data.name, an.Plan(n_factors=2)).id
    it.invite(db, anna, "brukermedvirkning", "kari", password=PW)
    kari = accounts.login(db, "kari", PW).researcher
    return anna, kari, ws


def test_co_researcher_sees_only_invited_studies_and_only_anonymised_results(db, team):
    anna, kari, ws = team
    assert kari.role == accounts.CO_RESEARCHER and anna.role == accounts.RESEARCHER
    assert it.visible_studies(db, kari) == ("brukermedvirkning",)
    assert it.visible_studies(db, anna) == ("brukermedvirkning", "mini")
    assert [a.id for a in it.analyses(db, kari)] == [ws["brukermedvirkning"]]
    with pytest.raises(it.AccessDenied, match="not been invited"):
        it.analyses(db, kari, "mini")
    with pytest.raises(it.AccessDenied):
        it.interpretation(db, kari, ws["mini"])
    with pytest.raises(it.AccessDenied):
        it.add_note(db, kari, ws["mini"], "F1", "sneaking in")
    with pytest.raises(it.AccessDenied):
        it.members(db, kari, "mini")
    assert not it.can_see_study(db, kari, "mini") and it.can_see_study(db, kari, "brukermedvirkning")
    assert not it.can_see_study(db, kari, "no-such-study")
    # researcher-only steps, refused in the service whatever page calls them
    for call in (lambda: it.invite(db, kari, "brukermedvirkning", "ola", password=PW),
                 lambda: it.remove_member(db, kari, "brukermedvirkning", "kari"),
                 lambda: it.report(db, kari, ws["brukermedvirkning"], "docx")):
        with pytest.raises(it.AccessDenied, match="Only researchers"):
            call()

    mine, theirs = (it.interpretation(db, who, ws["brukermedvirkning"]) for who in (anna, kari))
    assert theirs.result is None and not theirs.full and mine.result is not None
    for f in theirs.factors:
        fv_them, fv_me = theirs.factor_views[f], mine.factor_views[f]
        assert fv_them.defining == () and len(fv_me.defining) == fv_them.n_defining > 0
        assert [q.text for q in fv_them.quotes] == [q.text for q in fv_me.quotes]
        assert all(q.participant is None for q in fv_them.quotes)
        assert all(q.participant in fv_me.defining for q in fv_me.quotes)
    assert sum(len(v.quotes) for v in theirs.factor_views.values()) > 0
    for f in theirs.factors:  # survey answers: the same summaries, unless too few people define the factor
        small = mine.factor_views[f].n_sharing < it.MIN_GROUP  # (those who share the view: the answers shown)
        assert theirs.factor_views[f].survey == (() if small else mine.factor_views[f].survey)
        assert theirs.factor_views[f].survey_hidden == small and not mine.factor_views[f].survey_hidden

    # removal: recorded with who and when, and the study is gone for the co-researcher
    it.remove_member(db, anna, "brukermedvirkning", "kari")
    (m,) = it.members(db, anna, "brukermedvirkning")
    assert (m.username, m.added_by, m.removed_by, m.active) == ("kari", "anna", "anna", False)
    assert it.visible_studies(db, kari) == ()
    with pytest.raises(it.AccessDenied):
        it.interpretation(db, kari, ws["brukermedvirkning"])
    it.invite(db, anna, "brukermedvirkning", "kari")  # the account exists: no password needed
    assert it.visible_studies(db, kari) == ("brukermedvirkning",)
    assert [x.active for x in it.members(db, anna, "brukermedvirkning")] == [False, True]
    with pytest.raises(QMethodError, match="researcher account"):
        it.invite(db, anna, "brukermedvirkning", "anna")
    with pytest.raises(QMethodError, match="first password"):
        it.invite(db, anna, "brukermedvirkning", "ola")
    with pytest.raises(NotFoundError):
        it.remove_member(db, anna, "mini", "kari")


def test_texts_keep_their_history_proposals_need_a_researcher_and_notes_are_attributed(db, team):
    anna, kari, ws = team
    w = ws["brukermedvirkning"]
    it.write_text(db, anna, w, "F1", "name", "Skepsis")
    it.write_text(db, anna, w, "F1", "name", "  Mer pynt enn medvirkning  ")
    it.write_text(db, anna, w, "F1", "name", "Mer pynt enn medvirkning")  # unchanged: no new version
    proposal = it.write_text(db, kari, w, "F1", "summary", "De som deler dette synet, har sett at de blir brukt.")
    it.add_note(db, kari, w, "F1", "Kommentarene om S16 sier mest.")
    it.add_note(db, anna, w, "F2", "Se på S02.")
    t = it.factor_texts(db, kari, w)
    f1 = t["F1"]
    assert f1.name == "Mer pynt enn medvirkning" and f1.summary == ""  # a proposal is not current
    assert [(v.field, v.text, v.author, v.status) for v in f1.history] == [
        ("name", "Skepsis", "anna", "accepted"), ("name", "Mer pynt enn medvirkning", "anna", "accepted"),
        ("summary", proposal.text, "kari", "proposed")]
    assert [p.id for p in f1.proposals] == [proposal.id]
    assert [(n.author, n.text) for n in f1.notes] == [("kari", "Kommentarene om S16 sier mest.")]
    assert [(n.author, n.factor) for n in t["F2"].notes] == [("anna", "F2")]
    assert all(v.created_at is not None for v in f1.history)
    with pytest.raises(it.AccessDenied, match="Only researchers"):
        it.accept(db, kari, proposal.id)
    done = it.accept(db, anna, proposal.id)
    assert (done.author, done.accepted_by, done.status) == ("kari", "anna", "accepted")
    f1 = it.factor_texts(db, anna, w)["F1"]
    assert f1.summary == proposal.text and f1.proposals == ()
    with pytest.raises(QMethodError, match="not an open proposal"):
        it.accept(db, anna, proposal.id)
    for bad in (lambda: it.write_text(db, anna, w, "F1", "title", "x"),
                lambda: it.write_text(db, anna, w, "X1", "name", "x"),
                lambda: it.write_text(db, anna, w, "F1", "name", "x" * 201),
                lambda: it.write_text(db, kari, w, "F1", "name", "  "),
                lambda: it.add_note(db, kari, w, "F1", "")):
        with pytest.raises(QMethodError):
            bad()
    # the analysis changes (a third factor): earlier texts are marked as written for other choices
    data = an.study_data(db, "brukermedvirkning")
    an.save_workspace(db, anna.id, data.source, data.name, an.Plan(n_factors=3))
    f1 = it.factor_texts(db, anna, w)["F1"]
    assert f1.name == "Mer pynt enn medvirkning" and not f1.current["name"].same_analysis
    # the card carries the team's name and summary, no participant code
    view = it.interpretation(db, kari, w, language="en")
    card = it.viewpoint_card(view, "F1", "en")
    assert card.name == "Mer pynt enn medvirkning" and card.summary == proposal.text
    assert len(card.agree) == len(card.disagree) == 3
    assert set(card.agree) <= set(view.texts["en"]) and all(q.participant is None for q in card.words)


def test_a_text_saved_by_someone_else_in_between_is_not_replaced_without_a_second_deliberate_save(db, team):
    """Each save names the version the writer's page showed (``based_on``); when another person (or the
    researcher's other tab) saved the same text in between, nothing is stored and the writer learns who
    wrote what, and only a save based on that newer version replaces it (trial of issue 18, finding 1)."""
    anna, kari, ws = team
    w = ws["brukermedvirkning"]
    # both pages show F1 without a summary; the researcher saves first
    first = it.write_text(db, anna, w, "F1", "summary", "Researcher's summary", based_on=0)
    with pytest.raises(it.TextChanged, match="anna changed the summary at") as hit:
        it.write_text(db, kari, w, "F1", "summary", "KARI: Dette skrev jeg selv.", based_on=0)
    assert (hit.value.current.id, hit.value.current.text, hit.value.current.author) == (
        first.id, "Researcher's summary", "anna")
    assert it.factor_texts(db, anna, w)["F1"].proposals == ()  # nothing stored
    # seen the other text, she proposes hers over it
    prop = it.write_text(db, kari, w, "F1", "summary", "KARI: Dette skrev jeg selv.", based_on=first.id)
    assert [(p.author, p.text) for p in it.factor_texts(db, anna, w)["F1"].proposals] == [
        ("kari", "KARI: Dette skrev jeg selv.")]
    # two researcher tabs: tab B still shows the old (empty) name when tab A saved one
    a = it.write_text(db, anna, w, "F1", "name", "Tab A name", based_on=0)
    with pytest.raises(it.TextChanged, match="anna changed the name"):
        it.write_text(db, anna, w, "F1", "name", "Tab B name", based_on=0)
    assert it.factor_texts(db, anna, w)["F1"].name == "Tab A name"
    assert it.write_text(db, anna, w, "F1", "name", "Tab B name", based_on=a.id).text == "Tab B name"
    assert it.factor_texts(db, anna, w)["F1"].name == "Tab B name"
    # the same words as the newer version are no conflict; an accepted proposal names who accepted it
    assert it.write_text(db, anna, w, "F1", "name", "Tab B name", based_on=a.id).text == "Tab B name"
    it.accept(db, anna, prop.id)
    with pytest.raises(it.TextChanged, match="anna \\(accepting kari's proposal\\) changed the summary"):
        it.write_text(db, anna, w, "F1", "summary", "Tab B summary", based_on=first.id)


def test_a_removed_co_researcher_is_told_so_and_an_empty_invitation_asks_for_a_name(db, team):
    anna, kari, ws = team
    w = ws["brukermedvirkning"]
    with pytest.raises(QMethodError, match="Give the user name of the co-researcher to invite"):
        it.invite(db, anna, "brukermedvirkning", "  ", password=PW)
    assert it.removals(db, kari) == {}
    it.remove_member(db, anna, "brukermedvirkning", "kari")
    with pytest.raises(it.AccessDenied, match="You were removed from the team of study 'brukermedvirkning' by anna"):
        it.add_note(db, kari, w, "F1", "Skrevet mens jeg ble fjernet.")
    assert list(it.removals(db, kari)) == ["brukermedvirkning"]
    assert "by anna" in it.removals(db, kari)["brukermedvirkning"]
    with pytest.raises(it.AccessDenied, match="not been invited"):  # never on the team of mini
        it.interpretation(db, kari, ws["mini"])
    it.invite(db, anna, "brukermedvirkning", "kari")
    assert it.removals(db, kari) == {}
    assert it.add_note(db, kari, w, "F1", "Tilbake.").author == "kari"


def test_the_card_in_english_shows_the_english_name_and_summary_or_says_it_shows_the_norwegian(db, team):
    """Trial of issue 18, finding 8: the English card showed the bokmål name and summary, and there was
    no way to give English ones."""
    anna, kari, ws = team
    w = ws["brukermedvirkning"]
    it.write_text(db, anna, w, "F1", "name", "Mer pynt enn medvirkning")
    it.write_text(db, anna, w, "F1", "summary", "De har sett at medvirkning blir brukt som pynt.")
    it.write_text(db, anna, w, "F1", "name_en", "More window-dressing than involvement")
    it.write_text(db, anna, w, "F2", "name", "Tillit")
    prop = it.write_text(db, kari, w, "F2", "summary_en", "Trust comes first.")
    assert prop.status == "proposed"
    it.accept(db, anna, prop.id)
    view = it.interpretation(db, kari, w, language="en")
    assert view.default_language == "nb"
    en1, nb1 = it.viewpoint_card(view, "F1", "en"), it.viewpoint_card(view, "F1", "nb")
    assert (en1.name, en1.name_from) == ("More window-dressing than involvement", "")
    assert (en1.summary, en1.summary_from) == ("De har sett at medvirkning blir brukt som pynt.", "nb")
    assert (nb1.name, nb1.name_from, nb1.summary_from) == ("Mer pynt enn medvirkning", "", "")
    en2 = it.viewpoint_card(view, "F2", "en")
    assert (en2.name, en2.name_from, en2.summary, en2.summary_from) == ("Tillit", "nb", "Trust comes first.", "")
    assert it.viewpoint_card(view, "F2", "nb").summary == ""  # the English summary is not the bokmål one
    with pytest.raises(QMethodError, match="The name in English may have at most 200 characters"):
        it.write_text(db, anna, w, "F1", "name_en", "x" * 201)


def test_comments_and_survey_answers_are_those_of_the_defining_participants(db, team):
    anna, _kari, ws = team
    view = it.interpretation(db, anna, ws["brukermedvirkning"])
    done = sv.completed_sorts(db, "brukermedvirkning")
    long = done.long
    study = sv.get_study(db, "brukermedvirkning")
    for f, fv in view.factor_views.items():
        # the defining sorts that load negatively hold the opposite view: not their words, not their answers
        assert set(fv.opposite) <= set(fv.defining) and fv.n_opposite == len(fv.opposite)
        defining = set(fv.defining) - set(fv.opposite)
        assert fv.n_sharing == len(defining)
        card = it.viewpoint_card(view, f, "en")
        assert (card.n_people, card.n_opposite) == (len(defining), len(fv.opposite))
        expected = long[long.participant.isin(defining) & long.comment.notna()
                        & long.score.isin(list(study.postsort.columns))]
        got = [(q.participant, q.statement, q.text) for q in fv.quotes]
        assert set(got) <= set(zip(expected.participant, expected.statement, expected.comment))
        assert sorted(q.text for q in fv.quotes) == sorted(set(expected.comment))  # the same words once
        for s in fv.statements:
            assert all(q.statement == s.id for q in s.quotes)
        role = next(x for x in fv.survey if x.question == "role")
        answers = done.participants.loc[sorted(defining), "role"]
        labels = {o.value: o.label["nb"] for o in study.question("role").options}
        assert {k: v for k, v in role.counts.items() if v} == {labels[k]: v for k, v in answers.value_counts().items()}
        years = next(x for x in fv.survey if x.question == "years")
        assert years.median == float(done.participants.loc[sorted(defining), "years"].astype(float).median())
        # characterising statements: the top two columns of the factor array, highest z first
        arr = view.arrays[f]
        top = [s.id for s in fv.of_kind("highest")]
        assert set(top) == set(arr.index[arr >= sorted(set(arr))[-2]])
        assert [view.zscores.loc[s, f] for s in top] == sorted((view.zscores.loc[s, f] for s in top), reverse=True)
        assert fv.crib is not None and len(fv.crib)
    # (the demo's analysis has defining sorts on both poles, so the split above was put to the test)
    assert any(fv.n_opposite for fv in view.factor_views.values())


def test_an_uploaded_analysis_is_its_owners_only(db):
    anna = accounts.create_account(db, "anna", PW)
    other = accounts.create_account(db, "bo", PW)
    blob = open("tests/data/lipset.csv", "rb").read()
    data = an.upload_data(blob, "lipset.csv")
    w = an.save_workspace(db, anna.id, data.source, data.name, an.Plan(n_factors=3), data=blob).id
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        view = it.interpretation(db, anna, w)
    assert view.factors == ("F1", "F2", "F3") and view.study_id is None
    with pytest.raises(it.AccessDenied, match="another account"):
        it.interpretation(db, other, w)


def test_a_small_factors_survey_answers_stay_hidden_from_co_researchers(db, team, monkeypatch):
    anna, kari, ws = team
    monkeypatch.setattr(it, "MIN_GROUP", 100)
    mine, theirs = (it.interpretation(db, who, ws["brukermedvirkning"]) for who in (anna, kari))
    for f in theirs.factors:
        assert theirs.factor_views[f].survey == () and theirs.factor_views[f].survey_hidden
        assert mine.factor_views[f].survey and not mine.factor_views[f].survey_hidden


def test_the_report_states_the_bootstrap_kept_with_the_analysis_and_only_for_its_choices(db):
    """A bootstrap kept with a saved analysis is in its report (method, resamples, seed, reference,
    figures) and in a copy saved under a new name; after the choices change it is no longer claimed."""
    import qmethod

    anna = accounts.create_account(db, "anna", PW)
    blob = open("tests/data/lipset.csv", "rb").read()
    data = an.upload_data(blob, "lipset.csv")
    plan = an.Plan(n_factors=3)
    w = an.save_workspace(db, anna.id, data.source, data.name, plan, data=blob)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = qmethod.bootstrap(data.sorts, 3, n_resamples=40, seed=11, distribution=list(data.distribution),
                                 forced=data.forced, **{k: v for k, v in plan.settings().items() if v is not None})
        kept = an.save_bootstrap(db, anna.id, data.source, an.bootstrap_summary(boot, plan, requested=40)).bootstrap
        text = it.report(db, anna, w.id, "md")[0].decode("utf-8")
    assert "checked with 40 bootstrap resamples (seed 11)" in text and "(Zabala & Pascual, 2016)" in text
    se = ", ".join(f"{f} {kept['factors'][f]['mean_se']:.2f}" for f in ("F1", "F2", "F3"))
    assert f"Mean standard error of the z-scores: {se};" in text
    assert kept["factors"]["F1"]["mean_se"] == pytest.approx(boot.zscores[("F1", "se")].mean(), abs=1e-4)
    copy = an.save_workspace(db, anna.id, data.source, data.name, plan, data=blob, label="copy", bootstrap=kept)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert "40 bootstrap resamples" in it.report(db, anna, copy.id, "md")[0].decode("utf-8")
        an.save_workspace(db, anna.id, data.source, data.name, plan.change(n_factors=2))
        assert "bootstrap" not in it.report(db, anna, w.id, "md")[0].decode("utf-8")


def test_accepting_a_proposal_against_an_older_text_than_the_current_one_changes_nothing(db, team):
    anna, kari, ws = team
    w = ws["brukermedvirkning"]
    first = it.write_text(db, anna, w, "F2", "summary", "Anna skrev først.")
    proposal = it.write_text(db, kari, w, "F2", "summary", "Karis forslag.")
    newer = it.write_text(db, anna, w, "F2", "summary", "Anna skrev igjen, etter forslaget.")
    with pytest.raises(it.TextChanged) as caught:
        it.accept(db, anna, proposal.id, based_on=first.id)  # the page showed the first text
    assert caught.value.current.id == newer.id
    t = it.factor_texts(db, anna, w)["F2"]
    assert t.summary == newer.text and [p.id for p in t.proposals] == [proposal.id]
    done = it.accept(db, anna, proposal.id, based_on=newer.id)  # shown the newer text, accepted over it
    assert done.status == "accepted" and it.factor_texts(db, anna, w)["F2"].summary == proposal.text
    assert it.text_problem("narrative", "x" * (it.FIELDS["narrative"] + 1)).startswith("The narrative may have")
    assert it.text_problem("name", "Kort navn") is None
