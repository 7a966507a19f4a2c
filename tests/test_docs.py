"""The documentation stays true to the tree and to the command line.

- every relative link in README.md, CHANGELOG.md and docs/*.md points at a file that
  exists, and a `#anchor` at a heading of that file (GitHub's heading slugs);
- every `callqa <command>` shown in code in those files is a command of `callqa --help`
  (a group's subcommand, e.g. `callqa user add`, of the group's --help), and every
  `--option` written after it is one of that command's options;
- the README stays a front door: under 250 lines.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import typer
from typer.testing import CliRunner

from pipeline.cli import app

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").glob("*.md")])

_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.S | re.M)
_INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.S)
# [text](target "title") and ![alt](target); the target has no spaces
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$", re.M)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$", re.M)
_HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"", re.I)


def _prose(text: str) -> str:
    """The text without code: a link inside a code sample is an example, not a link."""
    text = _FENCE.sub("", text)
    return _INLINE_CODE.sub("", text)


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: markup dropped, lower case, punctuation removed
    (letters of any script, digits, `-`, `_` and spaces stay), spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = re.sub(r"<[^>]+>", "", text)
    text = text.replace("`", "").replace("*", "")
    text = text.strip().lower()
    kept = "".join(
        ch for ch in text
        if ch in "-_ " or unicodedata.category(ch)[0] in ("L", "N") or unicodedata.category(ch) == "Mn"
    )
    return kept.replace(" ", "-")


@lru_cache(maxsize=None)
def anchors(path: Path) -> frozenset[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    out = set(_HTML_ANCHOR.findall(text))
    for _level, title in _HEADING.findall(text):
        slug = github_slug(title)
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return frozenset(out)


def links(path: Path) -> list[str]:
    prose = _prose(path.read_text(encoding="utf-8"))
    return _LINK.findall(prose) + _REF_DEF.findall(prose)


def _relative(target: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) and not target.startswith("//")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(doc: Path) -> None:
    broken = []
    for target in links(doc):
        if not _relative(target):
            continue
        file_part, _, anchor = target.partition("#")
        dest = (doc.parent / unquote(file_part)).resolve() if file_part else doc
        if not dest.exists():
            broken.append(f"{target}: no file {dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest}")
            continue
        if anchor and dest.suffix == ".md" and unquote(anchor) not in anchors(dest):
            broken.append(f"{target}: no heading #{anchor} in {dest.relative_to(ROOT)}")
    assert not broken, f"{doc.relative_to(ROOT)}: broken links:\n" + "\n".join(broken)


def test_docs_exist() -> None:
    names = {p.name for p in DOCS}
    for guide in ("deployment.md", "standard.md", "phone-system.md", "review-app.md", "json-contract.md",
                  "accuracy.md", "speed.md", "architecture.md"):
        assert guide in names, f"docs/{guide} is missing"
    assert "CHANGELOG.md" in names


def test_readme_is_a_front_door() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines < 250, f"README.md has {lines} lines; keep it under 250 and move the detail to docs/"


def test_the_slug_rule() -> None:
    assert github_slug("The JSON output (`analyze --json`)") == "the-json-output-analyze---json"
    assert github_slug("Шаг 2: проверка звонка") == "шаг-2-проверка-звонка"
    assert github_slug("v6 — 2026-11-27") == "v6--2026-11-27"


# ---- the commands the documents show -------------------------------------------------

_CODE_SPAN = re.compile(r"```[^\n]*\n(.*?)^```|`([^`\n]+)`", re.S | re.M)
_CALLQA = re.compile(r"(?<![\w.-])callqa\s+([a-z][a-z0-9-]*)((?:[ \t]+[^\s|;&#`]+)*)")


def shown_commands(path: Path) -> list[tuple[str, list[str]]]:
    """(command words, options) for each `callqa …` inside code in the file."""
    out = []
    text = path.read_text(encoding="utf-8")
    for block, span in _CODE_SPAN.findall(text):
        code = block or span
        for line in code.splitlines():
            line = line.split("#", 1)[0] if block else line  # shell comments in blocks
            for m in _CALLQA.finditer(line):
                words = m.group(2).split()
                options = [o for w in words if w.lstrip("[").startswith("--")
                           for o in re.split(r"[=\[\]]", w.lstrip("["))[0].split("/")]
                rest = [w for w in words if re.fullmatch(r"[a-z][a-z0-9-]*", w)]
                out.append(([m.group(1), *rest[:1]], [o for o in options if o]))
    return out


@lru_cache(maxsize=1)
def cli() -> Any:
    """The click group behind the typer app (typer vendors its own click: duck-typed on `.commands`)."""
    command = typer.main.get_command(app)
    assert hasattr(command, "commands")
    return command


def _help(*words: str) -> str:
    result = CliRunner().invoke(app, [*words, "--help"], env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def _resolve(words: list[str]) -> tuple[list[str], Any]:
    """The command path the words name (`user add`, or `run` with a folder argument after it)."""
    group = cli()
    name = words[0]
    assert name in group.commands, f"callqa {name}: no such command (callqa --help lists {sorted(group.commands)})"
    assert re.search(rf"(?m)^\W*{re.escape(name)}\b", _help()), f"callqa {name} is not shown by callqa --help"
    command = group.commands[name]
    if hasattr(command, "commands") and len(words) > 1:
        assert words[1] in command.commands, (
            f"callqa {name} {words[1]}: no such subcommand ({sorted(command.commands)})")
        return [name, words[1]], command.commands[words[1]]
    return [name], command


def _options(command: Any) -> set[str]:
    return {o for p in command.params for o in (*p.opts, *p.secondary_opts)} | {"--help"}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_shown_commands_exist(doc: Path) -> None:
    problems = []
    for words, options in shown_commands(doc):
        try:
            path, command = _resolve(words)
        except AssertionError as exc:
            problems.append(str(exc))
            continue
        unknown = sorted(set(options) - _options(command))
        if unknown:
            problems.append(f"callqa {' '.join(path)}: no option {', '.join(unknown)}")
        elif options:
            shown = _help(*path)
            problems += [f"callqa {' '.join(path)} --help does not show {o}" for o in options if o not in shown]
    assert not problems, f"{doc.relative_to(ROOT)}:\n" + "\n".join(sorted(set(problems)))


def test_readme_shows_commands() -> None:
    assert {w[0] for w, _ in shown_commands(ROOT / "README.md")} >= {"run", "user", "review"}
