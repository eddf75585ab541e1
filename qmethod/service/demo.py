"""Demo data: synthetic completed responses to the demo study ``brukermedvirkning``, with comments in
Norwegian, so that the analysis, the interpretation workspace, the viewpoint cards and the report can
be tried (``qmethod demo seed``).

Three made-up viewpoints drive the sorts: *tokenism* (participation is often for show), *partnership*
(lived experience belongs in research and service design) and *personal* (what matters is being heard
in one's own care). Each participant expresses one of them with some noise, sorts through the real
participant steps (consent, presort, grid, comments on the extreme columns, survey, submit), so the
audit trail is complete. The data are fictitious and marked as such in every participant's external id.
"""
from __future__ import annotations

import secrets

from dataclasses import dataclass

import numpy as np

from ..errors import QMethodError
from ..store.db import Database
from . import participants as pt
from .studies import get_study

__all__ = ["DEMO_STUDY", "VIEWPOINTS", "SeedReport", "seed_demo"]

DEMO_STUDY = "brukermedvirkning"

#: viewpoint -> {statement: strength from -3 (disagree) to +3 (agree)}; others 0
VIEWPOINTS: dict[str, dict[str, float]] = {
    "tokenism": {"S08": 3, "S16": 3, "S32": 2.5, "S10": 2.5, "S27": 2, "S15": 1.5, "S14": 1.5, "S17": 1,
                 "S13": -3, "S34": -3, "S33": -2.5, "S05": -2, "S20": -1.5, "S01": -1},
    "partnership": {"S24": 3, "S25": 3, "S26": 2.5, "S29": 2.5, "S07": 2, "S17": 1.5, "S19": 1,
                    "S20": -3, "S33": -3, "S05": -2.5, "S27": -2, "S21": -1, "S18": -1},
    "personal": {"S01": 3, "S02": 3, "S04": 2.5, "S11": 2, "S03": 1.5, "S09": 1.5, "S06": 1,
                 "S26": -3, "S25": -2.5, "S24": -2, "S17": -2, "S13": -1, "S12": -1},
}

AGREE = {
    "S01": "Når de faktisk lytter, blir hele behandlingen annerledes. Det er det viktigste for meg.",
    "S02": "Planen min er min. Første gang jeg fikk være med å skrive den, fulgte jeg den også.",
    "S04": "Med støttepersonen min i rommet turte jeg endelig å si hva jeg mente.",
    "S11": "Erfaringskonsulenten var den første som forsto meg uten at jeg måtte forklare alt.",
    "S08": "Vi blir invitert, det blir skrevet i referatet at brukerne var med, og så skjer det ingenting.",
    "S16": "Jeg har sittet i møter der alt var bestemt før vi kom. Vi var der for at det skulle se bra ut.",
    "S32": "Alene i et utvalg med tjue fagfolk blir du fort bare et alibi.",
    "S10": "Vi har gitt de samme tilbakemeldingene i årevis uten at noe har endret seg.",
    "S24": "Spørsmålene blir bedre når noen som har vært der selv er med å stille dem.",
    "S25": "Vi vet hva som betyr noe i hverdagen. Det bør styre hva som forskes på.",
    "S26": "Hvis vi gjør jobben, skal navnet vårt stå på artikkelen. Alt annet er å ta kunnskapen vår.",
    "S29": "Erfaringskunnskap er kunnskap, ikke bare en historie å pynte rapporten med.",
    "S07": "Kommer vi inn når alt er bestemt, er det for sent å påvirke noe.",
}
DISAGREE = {
    "S13": "Organisasjonene blir hørt på papiret, men jeg ser ikke at det endrer tjenestene.",
    "S34": "Jeg ser ikke at tjenestene er blitt bedre for folk som meg.",
    "S33": "Det er urimelig å legge ansvaret på den som er sykest. Systemet må åpne dørene.",
    "S05": "Selv i krise vet jeg noe om hva som hjelper meg. Tvang gjorde alt verre.",
    "S20": "Opplæring gjør oss tryggere, ikke mindre brukere. Vi mister ikke erfaringen vår.",
    "S27": "I prosjektene jeg har vært med i, var vi med fordi forskerne ville det, ikke for pengene.",
    "S26": "Jeg vil bare ha god hjelp. Artikler og forfatterskap er ikke det som betyr noe for meg.",
    "S25": "Forskning er forskernes jobb. Jeg trenger at de som hjelper meg, hører på meg.",
    "S24": "Jeg har ikke sett at forskningen ble bedre av det, bare at møtene ble flere.",
    "S17": "Penger er ikke poenget. Det handler om å bli tatt på alvor.",
}
GENERIC_AGREE = ["Dette kjenner jeg meg godt igjen i.", "Slik har jeg opplevd det mange ganger.",
                 "Helt enig, dette burde være en selvfølge."]
GENERIC_DISAGREE = ["Det stemmer ikke med det jeg har opplevd.", "Her er jeg helt uenig.",
                    "Det er ikke slik det bør være."]
ROLES_BY_VIEW = {"tokenism": ["user", "relative", "user"], "partnership": ["researcher", "user", "staff"],
                 "personal": ["user", "user", "relative"]}
AREAS_BY_VIEW = {"tokenism": ["substance-use", "welfare"], "partnership": ["mental-health"],
                 "personal": ["mental-health", "municipal"]}


@dataclass(frozen=True)
class SeedReport:
    """What :func:`seed_demo` stored: participant codes and the viewpoint each one was drawn from."""

    study_id: str
    participants: tuple[tuple[str, str], ...]

    @property
    def n(self) -> int:
        return len(self.participants)


def seed_demo(db: Database, *, n: int = 12, study_id: str = DEMO_STUDY, seed: int = 7, noise: float = 0.45,
              language: str = "nb") -> SeedReport:
    """Add ``n`` synthetic completed responses (with comments and survey answers) to ``study_id``.

    The study must be published and use the demo study's statements (S01..S34). Each call adds ``n``
    more participants; the same ``seed`` gives the same sorts. Raises QMethodError for another study.
    """
    if n < 1 or n > 500:
        raise QMethodError("Seed between 1 and 500 demo participants.")
    study = get_study(db, study_id)
    ids = list(study.statement_ids)
    if any(s not in ids for v in VIEWPOINTS.values() for s in v):
        raise QMethodError(f"Study {study_id!r} does not have the demo study's statements (S01..S34).")
    rng = np.random.default_rng(seed)
    slots = np.array(sorted(c.score for c in study.grid.columns for _ in range(c.count)))
    names = list(VIEWPOINTS)
    extremes = set(study.postsort.columns) if study.postsort.enabled else {int(slots.min()), int(slots.max())}
    out = []
    for k in range(n):
        view = names[k % len(names)]
        profile = np.array([VIEWPOINTS[view].get(s, 0.0) for s in ids])
        latent = profile + noise * 3 * rng.standard_normal(len(ids))
        order = np.argsort(latent, kind="stable")
        score = {ids[i]: int(v) for i, v in zip(order, slots)}
        s = pt.start_participant(db, study_id, language=language, external_id=f"demo-{view}-{secrets.token_hex(4)}")
        st = pt.give_consent(db, s.token, study.consent.version, expected_version=s.state.version)
        if study.presort:
            for sid in ids:
                pile = "agree" if score[sid] > 0 else "disagree" if score[sid] < 0 else "neutral"
                st = pt.set_pile(db, s.token, sid, pile, expected_version=st.version)
        for sid in sorted(ids, key=lambda x: -abs(score[x])):
            st = pt.place_statement(db, s.token, sid, score[sid], expected_version=st.version)
        for sid in ids:
            if score[sid] in extremes and rng.random() < 0.85:
                bank, generic = (AGREE, GENERIC_AGREE) if score[sid] > 0 else (DISAGREE, GENERIC_DISAGREE)
                text = bank.get(sid) or generic[int(rng.integers(len(generic)))]
                st = pt.save_comment(db, s.token, sid, text, expected_version=st.version)
        answers = {"role": ROLES_BY_VIEW[view][k // len(names) % 3], "areas": AREAS_BY_VIEW[view],
                   "years": int(rng.integers(0, 12))}
        for q in study.survey:
            if q.id in answers:
                st = pt.save_answer(db, s.token, q.id, answers[q.id], expected_version=st.version)
        st = pt.submit(db, s.token, expected_version=st.version)
        out.append((st.participant, view))
    return SeedReport(study_id=study_id, participants=tuple(out))
