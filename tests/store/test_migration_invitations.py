"""Migration 0005 (one participant per invitation id) on a database that already holds the same
invitation id twice: both participants stay, the later one's id gets its participant code appended."""
from __future__ import annotations

from sqlalchemy import text

from qmethod.store import open_database
from qmethod.store.migrate import current_revision, head_revision, upgrade


def test_upgrade_keeps_both_participants_of_a_doubled_invitation(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'old.sqlite'}", migrate=False)
    try:
        upgrade(db.engine, "0003")
        with db.engine.begin() as conn:  # the study as the 0003 schema holds it
            conn.execute(text(
                "INSERT INTO study (slug, revision, next_number, definition, published_at, updated_at) "
                "VALUES ('mini', 1, 3, '{}', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
        with db.engine.begin() as conn:  # what the old code let happen: two starts with inv-1
            # (written as the schema of 0003 holds them: today's models have columns 0003 lacks)
            for number, resume in ((1, "one-hash"), (2, "other-hash")):
                conn.execute(text(
                    "INSERT INTO participant (study_id, number, code, resume_hash, external_id, language, stage, "
                    "version, created_at, updated_at) SELECT id, :n, :code, :h, 'inv-1', 'nb', 'consent', 0, "
                    "'2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM study WHERE slug = 'mini'"),
                    {"n": number, "code": f"P{number:03d}", "h": resume})
        upgrade(db.engine)
        assert current_revision(db.engine) == head_revision()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT code, external_id FROM participant ORDER BY code")).all()
        assert [tuple(r) for r in rows] == [("P001", "inv-1"), ("P002", "inv-1 (P002)")]
    finally:
        db.dispose()
