"""Read the command blocks of a Markdown page the way a user would type them.

Every ```bash and ```python block of a page is a walkthrough step unless an HTML comment
`<!-- not a walkthrough: why -->` stands on the line before it (a synopsis, a server that runs
until stopped, a remote database). Within a step a line ending in `\\` continues on the next.

What the test cannot do on a developer's machine is skipped, and only that: getting the code and
installing it (`git clone ...`, `cd emotrain`, `pip install ...`: the test runs the checkout it is
part of, already installed) and running the test suite itself (`python -m pytest`). Such a command
is dropped from an `&&` chain and the rest of the chain still runs.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

SKIP_MARK = "<!-- not a walkthrough"
_SKIPPED = (
    re.compile(r"^git clone\b"),
    re.compile(r"^cd emotrain$"),
    re.compile(r"^pip install\b"),
    re.compile(r"^python -m pytest\b"),
)


@dataclass(frozen=True)
class Command:
    page: str
    line: int  # 1-based line of the page where the command starts
    text: str
    language: str = "bash"  # or "python": the whole block, run by the interpreter

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: {self.text}"


def _skipped(part: str) -> bool:
    return any(p.search(part.strip()) for p in _SKIPPED)


def _runnable(text: str) -> str:
    """The command without the install steps of an `&&` chain ('' when nothing is left)."""
    parts = [p for p in text.split(" && ") if not _skipped(p)]
    return " && ".join(p.strip() for p in parts)


LANGUAGES = ("bash", "python")


def blocks(page: Path) -> list[tuple[int, list[tuple[int, str]], bool]]:
    """(first line, [(line number, text)], marked illustrative) for each ```bash or ```python
    block; `language(page, first line)` says which."""
    lines = page.read_text(encoding="utf-8").splitlines()
    out = []
    i = 0
    while i < len(lines):
        if lines[i].strip() in {f"```{lang}" for lang in LANGUAGES}:
            marked = i > 0 and lines[i - 1].strip().startswith(SKIP_MARK)
            body = []
            j = i + 1
            while j < len(lines) and lines[j].strip() != "```":
                body.append((j + 1, lines[j]))
                j += 1
            out.append((i + 1, body, marked))
            i = j
        i += 1
    return out


def commands(page: Path, root: Path) -> list[Command]:
    """The commands a user types, in order, from every walkthrough block of `page`."""
    name = page.relative_to(root).as_posix()
    out = []
    lines = page.read_text(encoding="utf-8").splitlines()
    for first, body, marked in blocks(page):
        if marked:
            continue
        if lines[first - 1].strip() == "```python":
            code = "\n".join(text for _, text in body)
            out.append(Command(name, first + 1, code, "python"))
            continue
        start, pending = 0, ""
        for number, raw in body:
            text = raw.rstrip()
            if not pending:
                start = number
            if text.endswith("\\"):
                pending += text[:-1] + " "
                continue
            full = (pending + text).strip()
            pending = ""
            if not full or full.startswith("#"):
                continue
            command = _runnable(full)
            if command:
                out.append(Command(name, start, command))
    return out


def pages(root: Path) -> list[Path]:
    """README.md and every page of docs/ that has a command block."""
    found = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    return [p for p in found if blocks(p)]


_SHELL = set("|&;<>$`*?()[]{}!")


def simple_argv(text: str) -> list[str] | None:
    """The arguments of a plain `emotrain ...` command, as bash would pass them (`~/` expanded,
    the comment dropped), or None for anything that needs the shell (a pipe, `&&`, a loop, a
    redirect, a variable): those run in bash."""
    try:
        words = shlex.split(text, comments=True)
    except ValueError:
        return None
    if not words or words[0] != "emotrain":
        return None
    plain = text.split(" #", 1)[0]
    if any(c in _SHELL for c in plain if c not in "[]") or "[" in plain:
        return None
    return [os.path.expanduser(w) if w.startswith("~/") else w for w in words[1:]]
