"""A separate serving process for the two-process test: takes commands on stdin, answers on stdout.

Usage: python step_child.py DATABASE_URL STUDY_ID SEED
Commands (one JSON object a line):
  {"op": "resume_code", "code": ...}   -> {"token": ..., "v": version}   (another device: a new token)
  {"op": "resume", "token": ...}       -> {"v": version}                 (reload: the stored state)
  {"op": "step", "token": ..., "v": shown version}
                                       -> {"k": kind, "v": new version} or {"k": kind, "error": "ConflictError",
                                          "stored": version}
  {"op": "pile", "token": ..., "v": shown version, "statement": ..., "pile": ...}   (a given step)
The next step comes from the same plan (seed) as in bench/loadlib.py, decided from the state this
process last saw, so a stale state here is what a stale browser tab would send.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import loadlib  # noqa: E402

from qmethod import service as sv  # noqa: E402
from qmethod.errors import ConflictError  # noqa: E402


def main() -> None:
    url, study_id, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    db = sv.open_database(url, migrate=False)
    study = sv.get_study(db, study_id)
    plan = loadlib.make_plan(study, seed)
    shown = {}  # token -> the state this process last showed
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["op"] == "resume_code":
            s = sv.resume_by_code(db, cmd["code"])
            shown[s.token] = s.state
            out = {"token": s.token, "v": s.state.version}
        elif cmd["op"] == "resume":
            shown[cmd["token"]] = sv.resume(db, cmd["token"])
            out = {"v": shown[cmd["token"]].version}
        else:
            st = shown[cmd["token"]]
            assert st.version == cmd["v"], (st.version, cmd["v"])
            if cmd["op"] == "pile":  # a given pile step instead of the plan's next one
                sid, pile = cmd["statement"], cmd["pile"]
                kind, fn = "pile", (lambda db_, tok, v_: sv.set_pile(db_, tok, sid, pile, expected_version=v_))
            else:
                kind, fn = loadlib.next_step(study, st, plan)
            try:
                shown[cmd["token"]] = fn(db, cmd["token"], st.version)
                out = {"k": kind, "v": shown[cmd["token"]].version}
            except ConflictError as exc:
                shown[cmd["token"]] = exc.state  # the page redraws the stored state
                out = {"k": kind, "error": "ConflictError", "stored": exc.state.version}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()
    db.dispose()


if __name__ == "__main__":
    main()
