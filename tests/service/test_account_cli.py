"""``qmethod user``: add with --password-stdin, list, passwd, remove; errors exit with status 2."""
from __future__ import annotations

import io

from qmethod.cli import main
from qmethod.service import accounts as ac
from qmethod.store.db import open_database


def test_user_commands(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert main(["user", "--database", url, "add", "anna", "--password-stdin"]) == 0
    assert "created" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["user", "--database", url, "add", "bob", "--password-stdin"]) == 2
    assert "at least 10" in capsys.readouterr().err
    assert main(["user", "--database", url, "list"]) == 0
    assert "anna" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("another good password\n"))
    assert main(["user", "--database", url, "passwd", "anna", "--password-stdin"]) == 0
    db = open_database(url)
    assert ac.login(db, "anna", "another good password").researcher.username == "anna"
    db.dispose()
    assert main(["user", "--database", url, "remove", "anna"]) == 0


def test_getpass_must_match(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    answers = iter(["correct horse battery", "correct horse batterY"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["user", "--database", url, "add", "anna"]) == 2
    assert "differ" in capsys.readouterr().err
