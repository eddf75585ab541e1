"""Child process for the SIGKILL test: saves random grid moves forever and acknowledges each one.

Usage: python crash_child.py DATABASE_URL STUDY_ID SEED TOKEN...
After every save that returned (i.e. committed), one JSON line is written to stdout and flushed:
{"p": participant code, "v": version, "cols": {score: [statement ids]}}.
"""
from __future__ import annotations

import json
import random
import sys

from qmethod import service as sv
from qmethod.errors import StudyError


def main() -> None:
    url, study_id, seed, *tokens = sys.argv[1:]
    rng = random.Random(int(seed))
    db = sv.open_database(url, migrate=False)
    study = sv.get_study(db, study_id)
    states = {t: sv.resume(db, t) for t in tokens}
    out = sys.stdout
    while True:
        token = rng.choice(tokens)
        st = states[token]
        sid = rng.choice(study.statement_ids)
        score = rng.choice(study.grid.scores)
        try:
            if st.score_of(sid) is None:
                st = sv.place_statement(db, token, sid, score, rng.choice([None, 0]), expected_version=st.version)
            elif rng.random() < 0.2:
                st = sv.remove_statement(db, token, sid, expected_version=st.version)
            elif rng.random() < 0.5:
                st = sv.swap_statements(db, token, sid, rng.choice(study.statement_ids), expected_version=st.version)
            else:
                st = sv.move_statement(db, token, sid, score, rng.choice([None, 0, 1]), expected_version=st.version)
        except StudyError:
            continue  # a full column, a swap with an unplaced statement...: nothing saved, nothing acknowledged
        states[token] = st
        out.write(json.dumps({"p": st.participant, "v": st.version,
                              "cols": {str(k): list(v) for k, v in st.columns.items()}}) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
