"""Every code block of README.md and docs/*.md runs as written (or is checked as far as it can be here).

Each fenced block is one test, named ``FILE:LINE`` (the line of its opening fence); a failure names the
file, the line of the block or of the failing command, and the error. What happens to a block depends on
its language tag:

``python``
    Run as written by this venv's Python, in a fresh interpreter (so ``import qmethod`` alone must be
    enough), in a temporary folder holding the data files the documentation names (see :data:`DOC_FILES`:
    ``LIPSET.DAT``/``.STA``, ``sorts.csv``, ``export.json``, ``statements.txt``, ``myflags.csv``, the
    ``studies`` folder; a new example that names another file adds it there) and with
    ``QMETHOD_DATABASE_URL`` pointing at a new SQLite file in that folder.
``sh`` / ``bash`` / ``shell`` / ``console``
    Every line that calls the command line (``qmethod ...`` or ``.venv/bin/qmethod ...``, after an optional
    ``cd``-free prefix such as ``echo "$PW" |``) is run in that folder, in order, and must exit with 0.
    ``.venv/bin/`` means this venv. A plain ``qmethod ARGS`` line runs in this process
    (``qmethod.cli.main``); a password prompt is answered with :data:`PASSWORD`; ``echo TEXT | qmethod ...``
    runs in this process with TEXT on standard input; a line with other shell syntax runs under bash.
    ``$PW`` is :data:`PASSWORD`. The other lines cannot run here
    (``make run``, ``sudo``, ``systemctl``, ``curl``...) and are checked as far as possible: ``make T``
    needs a target ``T`` in the Makefile, ``.venv/bin/python path/x.py`` and ``python -m pytest PATHS``
    need those paths in the repository.
``toml``
    Must parse; a block with a ``[study]`` table is a whole study definition and must validate
    (:func:`qmethod.study.loads_study`).
``ini``
    Must parse (:mod:`configparser`, as systemd unit files are written).
``nginx``
    Its braces must balance.
any other tag, or none (program output, crontab lines)
    Shown only; nothing to run.

Marker convention: a block that cannot be run or checked here, although its tag says it could, is excluded
by an HTML comment, invisible on GitHub but visible in the source, on the line directly above its opening
fence::

    <!-- docs-test: skip REASON -->

The reason is required; such blocks are reported as skipped with it (``pytest -rs``).
"""
from __future__ import annotations

import configparser
import getpass
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
VENV_BIN = Path(sys.executable).parent
PASSWORD = "a documented example password"

#: file name used in the documentation -> the file copied under that name into the folder the blocks run in
DOC_FILES = {
    "LIPSET.DAT": DATA / "LIPSET.DAT",
    "LIPSET.STA": DATA / "LIPSET.STA",
    "sorts.csv": ROOT / "qmethod" / "data" / "lipset.csv",
    "statements.txt": ROOT / "qmethod" / "data" / "lipset_statements.txt",
    "export.json": DATA / "docs" / "export.json",  # Lipset as an EQ Web Sort Firebase export
    "myflags.csv": DATA / "docs" / "myflags.csv",  # manual flags for Lipset, F1 and F2
    "studies": ROOT / "studies",
}

SKIP_MARK = re.compile(r"<!--\s*docs-test:\s*skip\b\s*(.*?)\s*-->")
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")
SHELL_TAGS = {"sh", "bash", "shell", "console"}
SHELL_SYNTAX = re.compile(r"[|&;<>`$()]")


@dataclass(frozen=True)
class Block:
    file: str      # path relative to the repository
    line: int      # 1-based line of the opening fence
    lang: str
    code: str
    skip: str | None  # the reason given by a skip marker

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def find_blocks(path: Path, root: Path = ROOT) -> list[Block]:
    """The fenced code blocks of a Markdown file (indented fences inside list items too), named by the
    file's path relative to ``root``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    rel = str(path.relative_to(root))
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m.group(1), m.group(2), m.group(3).lower()
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence[:3]):
            j += 1
        if j == len(lines):
            raise AssertionError(f"{rel}:{i + 1}: code block is never closed")
        body = [ln[len(indent):] if ln.startswith(indent) else ln.lstrip() for ln in lines[i + 1:j]]
        prev = lines[i - 1] if i else ""
        mark = SKIP_MARK.search(prev)
        if mark and not mark.group(1):
            raise AssertionError(f"{rel}:{i}: a docs-test skip marker needs a reason")
        blocks.append(Block(rel, i + 1, lang, "\n".join(body) + "\n", mark.group(1) if mark else None))
        i = j + 1
    return blocks


ALL_BLOCKS = [b for p in doc_files() for b in find_blocks(p)]


@pytest.fixture
def doc_dir(tmp_path, monkeypatch, cheap_password_hasher):
    """A folder with the files the documentation names; the documented commands run in it."""
    for name, src in DOC_FILES.items():
        if src.is_dir():
            shutil.copytree(src, tmp_path / name)
        else:
            shutil.copyfile(src, tmp_path / name)
    (tmp_path / "var").mkdir()
    monkeypatch.setenv("QMETHOD_DATABASE_URL", f"sqlite:///{tmp_path / 'var' / 'qmethod.sqlite'}")
    monkeypatch.setenv("PW", PASSWORD)
    monkeypatch.setenv("PATH", f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("QMETHOD_ADMIN_PASSWORD", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _fail(where: str, what: str) -> None:
    pytest.fail(f"{where}: {what}", pytrace=False)


def _run_python(block: Block, folder: Path) -> None:
    script = folder / "doc_block.py"
    script.write_text(block.code, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    res = subprocess.run([sys.executable, str(script)], cwd=folder, env=env, capture_output=True, text=True,
                         timeout=300)
    if res.returncode != 0:
        tb = res.stderr.strip().splitlines()
        # the block's own line numbers map to lines of the Markdown file
        lines = [int(n) for n in re.findall(r'doc_block\.py", line (\d+)', res.stderr)]
        at = f"{block.file}:{block.line + lines[-1]}" if lines else block.where
        _fail(at, f"the python block fails: {tb[-1] if tb else 'exit ' + str(res.returncode)}\n{res.stderr}")


def _run_cli_line(where: str, line: str, folder: Path, capsys) -> None:
    from qmethod.cli import main

    command = re.sub(r"(^|\s)\.venv/bin/", r"\1", line)
    stdin = None
    piped = re.fullmatch(r"""echo\s+("[^"`]*"|'[^']*'|[^\s|;&`]+)\s*\|\s*(qmethod\s.*)""", command)
    if piped:  # `echo TEXT | qmethod ...`: the command in this process, TEXT (variables expanded) on stdin
        text = shlex.split(piped.group(1))[0]
        stdin = (text if piped.group(1).startswith("'") else os.path.expandvars(text)) + "\n"
        command = piped.group(2)
    if SHELL_SYNTAX.search(command):
        res = subprocess.run(["bash", "-c", command], cwd=folder, capture_output=True, text=True, timeout=300,
                             env=dict(os.environ, PYTHONPATH=str(ROOT)), stdin=subprocess.DEVNULL)
        if res.returncode != 0:
            _fail(where, f"`{line}` exits with {res.returncode}: {res.stderr.strip() or res.stdout.strip()}")
        return
    argv = shlex.split(command)
    assert argv[0] == "qmethod", f"{where}: not a qmethod command: {line}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(getpass, "getpass", lambda prompt="": PASSWORD)
        if stdin is not None:
            mp.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            code = main(argv[1:])
        except SystemExit as exc:  # argparse errors
            code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    if code != 0:
        _fail(where, f"`{line}` exits with {code}: {err.strip() or out.strip()}")


def _check_other_line(where: str, line: str) -> None:
    """Lines that cannot run here: the things they name must exist."""
    try:
        words = shlex.split(line)
    except ValueError:  # unbalanced quotes in a shown-only line
        return
    if not words:
        return
    if words[0] == "make":
        makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
        for target in (w for w in words[1:] if "=" not in w and not w.startswith("-")):
            if not re.search(rf"^{re.escape(target)}\s*:", makefile, re.MULTILINE):
                _fail(where, f"`{line}`: the Makefile has no target {target!r}")
    elif words[0].endswith("python") and words[0].startswith(".venv/"):
        if len(words) > 2 and words[1:3] == ["-m", "pytest"]:
            paths = [w for w in words[3:] if w.startswith("tests")]
        else:
            paths = [w for w in words[1:2] if w.endswith(".py")]
        for p in paths:
            if not (ROOT / p.split("::")[0]).exists():
                _fail(where, f"`{line}`: {p} does not exist in the repository")


def _strip_comment(line: str) -> str:
    """The line without a trailing shell comment (a '#' after a blank, outside quotes)."""
    quote = None
    for k, c in enumerate(line):
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == "#" and (k == 0 or line[k - 1].isspace()):
            return line[:k].rstrip()
    return line.rstrip()


def _logical_lines(block: Block) -> list[tuple[int, str]]:
    """(Markdown line, command) for each command of a shell block (comments removed, continuations joined)."""
    out, pending, start = [], "", 0
    for k, raw in enumerate(block.code.splitlines(), start=1):
        if not pending:
            start = block.line + k
        text = _strip_comment(raw)
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        command = (pending + text).strip()
        pending = ""
        if command.startswith("$ "):
            command = command[2:]
        if command:
            out.append((start, command))
    return out


def _calls_cli(command: str) -> bool:
    """True when a command (or a part of a pipeline or list) starts with qmethod or .venv/bin/qmethod."""
    return any(re.match(r"(\.venv/bin/)?qmethod(\s|$)", part.strip())
               for part in re.split(r"\|\|?|&&|;", command))


def check_block(block: Block, folder: Path, capsys) -> None:
    """Run or check one block (see the module docstring); a failure names file, line and error."""
    if block.skip:
        pytest.skip(f"{block.where}: {block.skip}")
    if block.lang == "python":
        _run_python(block, folder)
    elif block.lang in SHELL_TAGS:
        for line_no, command in _logical_lines(block):
            where = f"{block.file}:{line_no}"
            if _calls_cli(command):
                _run_cli_line(where, command, folder, capsys)
            else:
                _check_other_line(where, command)
    elif block.lang == "toml":
        try:
            data = tomllib.loads(block.code)
        except tomllib.TOMLDecodeError as exc:
            _fail(block.where, f"the toml block does not parse: {exc}")
        if "study" in data:
            from qmethod.errors import StudyError
            from qmethod.study import loads_study

            try:
                loads_study(block.code, source=block.where)
            except StudyError as exc:
                _fail(block.where, f"the study definition does not validate: {exc}")
    elif block.lang == "ini":
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        try:
            parser.read_string(block.code, source=block.where)
        except configparser.Error as exc:
            _fail(block.where, f"the ini block does not parse: {exc}")
    elif block.lang == "nginx":
        depth = 0
        for k, text in enumerate(block.code.splitlines(), start=1):
            depth += text.split("#")[0].count("{") - text.split("#")[0].count("}")
            if depth < 0:
                _fail(f"{block.file}:{block.line + k}", "the nginx block closes a '}' it never opened")
        if depth:
            _fail(block.where, f"the nginx block leaves {depth} '{{' unclosed")
    else:
        pytest.skip(f"{block.where}: a ```{block.lang or 'plain'} block is shown only")


@pytest.mark.parametrize("block", ALL_BLOCKS, ids=[b.where for b in ALL_BLOCKS])
def test_documented_code_block(block: Block, doc_dir: Path, capsys) -> None:
    check_block(block, doc_dir, capsys)


BROKEN = """# Example

```python
rows = 2
data = open("missing.csv").read()
```

<!-- docs-test: skip shows a server we do not run -->
```sh
curl http://localhost:8501
```

```sh
.venv/bin/qmethod formats
.venv/bin/qmethod analyze sorts.csv --factors 99
make nosuchtarget
```

```toml
[study]
id = "x"
```

```toml
title = "unclosed
```
"""


def test_a_broken_example_fails_naming_file_line_and_error(tmp_path, doc_dir, capsys):
    """The checker itself: each broken block of a made-up page fails with its file, line and error."""
    page = tmp_path / "site" / "docs" / "_docs_test_example.md"
    page.parent.mkdir(parents=True)
    page.write_text(BROKEN, encoding="utf-8")
    blocks = find_blocks(page, root=tmp_path / "site")
    assert [(b.line, b.lang, bool(b.skip)) for b in blocks] == [
        (3, "python", False), (9, "sh", True), (13, "sh", False), (19, "toml", False), (24, "toml", False)]
    expected = [r"docs/_docs_test_example\.md:5: the python block fails: FileNotFoundError.*missing\.csv",
                r"docs/_docs_test_example\.md:9: shows a server",
                r"docs/_docs_test_example\.md:15: `\.venv/bin/qmethod analyze sorts\.csv --factors 99` exits with 2",
                r"docs/_docs_test_example\.md:19: the study definition does not validate",
                r"docs/_docs_test_example\.md:24: the toml block does not parse"]
    for block, pattern in zip(blocks, expected):
        outcome = pytest.skip.Exception if block.skip else pytest.fail.Exception
        with pytest.raises(outcome, match=pattern):
            check_block(block, doc_dir, capsys)
    other = Block("docs/x.md", 1, "sh", "make nosuchtarget\n", None)
    with pytest.raises(pytest.fail.Exception, match=r"docs/x\.md:2: .*no target 'nosuchtarget'"):
        check_block(other, doc_dir, capsys)


def test_blocks_are_found():
    """The parser sees the blocks it must check (a broken fence would silently skip them)."""
    langs = {(b.file, b.lang) for b in ALL_BLOCKS}
    assert ("README.md", "python") in langs and ("README.md", "sh") in langs
    assert all(not b.code.lstrip().startswith("```") for b in ALL_BLOCKS)


def test_import_qmethod_gives_the_public_api(tmp_path):
    """``import qmethod`` alone is enough for qmethod.io, qmethod.study and the app layers (fresh interpreter)."""
    shutil.copyfile(DATA / "LIPSET.DAT", tmp_path / "LIPSET.DAT")
    shutil.copyfile(DATA / "LIPSET.STA", tmp_path / "LIPSET.STA")
    code = ("import sys, qmethod\n"
            "data = qmethod.io.read('LIPSET.DAT')\n"
            "texts = qmethod.io.read_statements('LIPSET.STA')\n"
            "assert data.n_sorts == 9 and len(texts) == 33\n"
            "assert 'qmethod.store' not in sys.modules  # the app layers load on first use\n"
            "assert callable(qmethod.study.load_study) and callable(qmethod.service.open_database)\n"
            "assert {'io', 'study', 'service', 'analysis'} <= set(dir(qmethod))\n"
            "print('ok')\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr


def test_storage_examples_run_from_an_empty_folder(tmp_path, monkeypatch):
    """docs/storage.md is read by people using the installed package, not the repository: its Python
    examples must not need the repository's ``studies/`` folder (the operations example published
    ``studies/brukermedvirkning`` and failed anywhere else)."""
    blocks = [b for b in find_blocks(ROOT / "docs" / "storage.md") if b.lang == "python" and not b.skip]
    assert len(blocks) >= 2
    monkeypatch.setenv("QMETHOD_DATABASE_URL", f"sqlite:///{tmp_path / 'qmethod.sqlite'}")
    for block in blocks:
        _run_python(block, tmp_path)
