"""The examples in the README and the docs leave the repository clean.

``corpus/`` holds the repository's real bugs, and pytest replays every file in it:
an example that finds a planted bug (or drives an example external executor) and
saves into ``corpus/`` turns the suite red and leaves ``git status`` dirty. Each such
example must name a ``--corpus`` that git ignores, and each is run, with a tiny
budget, in a copy of the repository, which must stay clean.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from txparity.executors.mutants import MUTANTS

ROOT = Path(__file__).parent.parent
DOCUMENTS = sorted(
    [ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("examples/**/*.md"),
     ROOT / "corpus" / "README.md"]
)  # fmt: skip
SAVING = re.compile(
    r"(?:^|&&\s*)((?:txparity (?:fuzz|shrink)|python3? -m txparity\.harness\.fuzz_atheris)\b.*)$"
)
FENCE = re.compile(r"^```")
INLINE = re.compile(r"`([^`]+)`")


def example_commands(text: str) -> list[str]:
    """The commands that save counterexamples, from fenced blocks and inline code,
    without synopses (a ``[`` marks an optional part, not a runnable command)."""
    found, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        pieces = [line] if fenced else INLINE.findall(line)
        for piece in pieces:
            match = SAVING.search(piece.strip())
            if match and "[" not in match.group(1):
                found.append(match.group(1))
    return found


def finds_foreign_bugs(command: str) -> bool:
    """Whether what ``command`` saves is not a bug of the repository's own executors:
    a planted bug, or an external executor's."""
    words = shlex.split(command)
    specs = [words[i + 1] for i, word in enumerate(words[:-1]) if word == "--executor"]
    return any(spec.startswith("cmd:") or spec.split("@")[0].split("/")[0] in MUTANTS
               for spec in specs)  # fmt: skip


def corpus_of(command: str) -> str | None:
    words = shlex.split(command)
    return next((words[i + 1] for i, word in enumerate(words[:-1]) if word == "--corpus"), None)


def problem(command: str) -> str | None:
    """Why ``command`` would dirty the repository, or None."""
    if not finds_foreign_bugs(command):
        return None
    corpus = corpus_of(command)
    if corpus is None:
        return "saves into corpus/ (no --corpus)"
    if Path(corpus).parts[:1] == ("corpus",):
        return f"saves into {corpus}, inside corpus/"
    return None


ALL = [(document, command) for document in DOCUMENTS
       for command in example_commands(document.read_text(encoding="utf-8"))]  # fmt: skip
FOREIGN = [(document, command) for document, command in ALL if finds_foreign_bugs(command)]


def test_the_checker_flags_an_example_that_saves_into_the_corpus() -> None:
    text = (
        "Watch it: `txparity fuzz --executor batched-lost-fees --seconds 10`.\n"
        "```sh\n"
        "txparity fuzz --executor blockstm-stale-read --corpus corpus/mine\n"
        "txparity fuzz --executor 'cmd:node x.js' --corpus .txparity/corpus\n"
        "pip install . && txparity fuzz --seconds 30\n"
        "txparity fuzz [--executor SPEC]... [--corpus DIR]\n"
        "```\n"
    )
    commands = example_commands(text)
    assert [problem(command) for command in commands] == [
        "saves into corpus/ (no --corpus)", "saves into corpus/mine, inside corpus/", None, None,
    ]  # fmt: skip
    assert commands[3] == "txparity fuzz --seconds 30"


def test_the_documents_have_such_examples() -> None:
    assert any("batched-lost-fees" in command for _, command in FOREIGN)
    assert any("cmd:node" in command for _, command in FOREIGN)


@pytest.mark.parametrize(("document", "command"), ALL, ids=[c for _, c in ALL])
def test_no_example_saves_a_foreign_bug_into_the_corpus(document: Path, command: str) -> None:
    assert problem(command) is None, f"{document.relative_to(ROOT)}: {command}"


def repository_copy(destination: Path) -> Path:
    """The tracked files of the repository, committed in a fresh repository."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    for name in filter(None, listed.stdout.decode().split("\0")):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, target)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=destination, check=True)
    subprocess.run([*git, "add", "-A"], cwd=destination, check=True)
    subprocess.run([*git, "commit", "-qm", "copy"], cwd=destination, check=True)
    return destination


def tiny(command: str) -> str:
    """``command`` with a budget of a few seconds, on one worker."""
    words = shlex.split(command)
    if "--seconds" in words:
        words[words.index("--seconds") + 1] = "4"
    if words[:2] == ["txparity", "fuzz"]:
        words += ["--workers", "1"]
    return shlex.join(words)


@pytest.mark.parametrize(("document", "command"), FOREIGN, ids=[c for _, c in FOREIGN])
def test_running_the_example_leaves_git_status_clean(
    tmp_path: Path, document: Path, command: str
) -> None:
    if "cmd:node" in command and shutil.which("node") is None:
        pytest.skip("this example's external executor needs Node.js")
    copy = repository_copy(tmp_path / "repository")
    environment = os.environ | {"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", tiny(command)], cwd=copy, env=environment,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    status = subprocess.run(["git", "status", "--porcelain", "--ignored=no"], cwd=copy,
                            capture_output=True, text=True, check=True)  # fmt: skip
    assert status.stdout == ""
    if any(name in command for name in MUTANTS):  # the planted bug was found and kept
        corpus = corpus_of(command)
        assert corpus is not None and list((copy / corpus).rglob("*.json"))
