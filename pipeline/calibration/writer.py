"""The proposal as a new version of the standard's YAML, for a person to read and accept.

The input file is edited as a person would edit it: ruamel.yaml says on which line each list
and key is, and only the lines the proposal adds or changes differ, so the input's comments,
order and wrapping stay as they were. The version is bumped, each added line carries a comment
naming the call it comes from, and a header says what was proposed from which reviews. The new file is
validated as any standard is before it is written; the input is never written to.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from checks.standard import StandardError, parse_standard
from pipeline.calibration.proposals import Proposal

_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)$")
_VERSIONED_STEM = re.compile(r"\.v[\w.-]+$")
HEADER_WIDTH = 110
_FIELDS = {"example": "phrases", "counter_example": "counter_examples"}


class CalibrationOutputError(ValueError):
    """The new version cannot be written where asked; the message names the file."""


def next_version(version: str) -> str:
    """«7» → «8», «1.9» → «1.10», «v7» → «v8»; a version without a trailing number gets «.1»."""
    found = _TRAILING_NUMBER.match(version)
    return f"{found.group(1)}{int(found.group(2)) + 1}" if found else f"{version}.1"


def default_output(standard_file: Path, version: str) -> Path:
    """`stroydom.yaml` (or `stroydom.v7.yaml`) → `stroydom.v8.yaml`, beside the input."""
    stem = _VERSIONED_STEM.sub("", standard_file.stem)
    return standard_file.with_name(f"{stem}.v{version}{standard_file.suffix or '.yaml'}")


def _by_id(items: Any, item_id: str, where: str) -> CommentedMap:
    for item in items or ():
        if isinstance(item, CommentedMap) and item.get("id") == item_id:
            return item
    raise CalibrationOutputError(f"{where}: no entry with id {item_id!r} to add to")


def _scalar(value: str | float) -> str:
    """A plain scalar where YAML reads it back as the same text, else a double-quoted one."""
    if isinstance(value, float):
        return f"{value}"
    plain = not any(c in value for c in ",[]{}#:&*!|>'\"%@`") and yaml.safe_load(value) == value
    return value if plain else json.dumps(value, ensure_ascii=False)


class _Edits:
    """Lines to insert or replace in the input text, by 0-based line; applied bottom-up so that
    the line numbers ruamel.yaml gave stay true."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.after: dict[int, list[str]] = {}

    def insert_after(self, line: int, new: list[str]) -> None:
        self.after.setdefault(line, []).extend(new)

    def text(self) -> str:
        out: list[str] = []
        for n, line in enumerate(self.lines):
            out.append(line)
            out.extend(self.after.get(n, []))
        return "\n".join(out) + "\n"


def _append(edits: _Edits, mapping: CommentedMap, key: str, values: list[str], comments: list[str]) -> None:
    """Add `values` to the list under `key`: a line per item in a block list, inside the brackets
    of a [flow] list, a new block list after the entry's `id` when it has none."""
    seq = mapping.get(key)
    if isinstance(seq, CommentedSeq) and len(seq) and not seq.fa.flow_style():
        line, col = seq.lc.item(len(seq) - 1)
        edits.insert_after(line, [f"{' ' * (col - 2)}- {_scalar(v)}  # {c}" for v, c in zip(values, comments)])
    elif isinstance(seq, CommentedSeq) and len(seq):
        line, col = seq.lc.item(len(seq) - 1)
        text = edits.lines[line]
        close = text.index("]", col)
        edits.lines[line] = text[:close] + "".join(f", {_scalar(v)}" for v in values) + text[close:]
        edits.lines[line] += f"  # calibrate: {len(values)} added" if "#" not in text[close:] else ""
    elif seq is None:
        line, col = mapping.lc.key("id")
        edits.insert_after(line, [f"{' ' * col}{key}:"]
                           + [f"{' ' * (col + 2)}- {_scalar(v)}  # {c}" for v, c in zip(values, comments)])
    else:
        raise CalibrationOutputError(f"{key}: expected a list to add to, found {type(seq).__name__}")


def _set(edits: _Edits, mapping: CommentedMap, key: str, value: float, comment: str) -> None:
    if key in mapping:
        line, col = mapping.lc.value(key)
        edits.lines[line] = f"{edits.lines[line][:col]}{_scalar(value)}  # {comment}"
    else:
        line, col = mapping.lc.key("id")
        edits.insert_after(line, [f"{' ' * col}{key}: {_scalar(value)}  # {comment}"])


def _comment(proposal: Proposal) -> str:
    return f"calibrate: {proposal.sources[0].where}" if proposal.sources else "calibrate"


def _apply(edits: _Edits, data: CommentedMap, proposals: Sequence[Proposal]) -> None:
    grouped: dict[tuple[str, str], list[Proposal]] = {}
    for p in proposals:
        grouped.setdefault((p.kind, p.target), []).append(p)
    for (kind, target), group in grouped.items():
        if kind == "threshold":
            stage = _by_id(data.get("stages"), target, "stages")
            _set(edits, stage, "threshold", float(group[-1].value), f"calibrate: {group[-1].why}")
            continue
        section, key = ("knowledge_base", "example_questions") if kind == "example_question" else ("stages", _FIELDS[kind])
        _append(edits, _by_id(data.get(section), target, section), key, [str(p.value) for p in group],
                [_comment(p) for p in group])


def render_header(lines: Sequence[str]) -> str:
    """Comment lines of at most HEADER_WIDTH characters; a wrapped line goes on indented."""
    out = []
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip()) + 2)
        out.extend(textwrap.wrap(line, HEADER_WIDTH - 2, subsequent_indent=indent, break_long_words=False,
                                 break_on_hyphens=False, drop_whitespace=True) or [""])
    return "".join(f"# {line}".rstrip() + "\n" for line in out) + "\n"


def new_version_text(source_text: str, source: str, version: str, proposals: Sequence[Proposal],
                     header: Sequence[str]) -> str:
    """The input YAML with the proposals in it, the version set to `version` and `header` on top;
    StandardError when the result is not a valid standard. Only the lines it adds or changes
    differ from the input: ruamel.yaml finds where each one goes, the text is edited there."""
    data = YAML().load(source_text)
    edits = _Edits(source_text)
    line, col = data["standard"].lc.value("version")
    rest = edits.lines[line][col:]
    comment = rest[rest.index(" #"):] if " #" in rest else ""
    edits.lines[line] = f"{edits.lines[line][:col]}{json.dumps(version)}{comment}"
    _apply(edits, data, proposals)
    text = render_header(header) + edits.text()
    parse_standard(yaml.safe_load(text), source)  # what callqa will load, checked before anyone does
    return text


def write_new_version(standard_file: Path, out: Path, text: str) -> None:
    if out.resolve() == standard_file.resolve():
        raise CalibrationOutputError(f"{out}: that is the input standard; the new version goes to another file")
    if out.exists():
        raise CalibrationOutputError(f"{out}: exists; remove it or name another file with --out")
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CalibrationOutputError(f"{out}: cannot write the new version: {exc.strerror}") from None


__all__ = ["CalibrationOutputError", "StandardError", "default_output", "new_version_text", "next_version",
           "render_header", "write_new_version"]
