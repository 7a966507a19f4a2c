"""Mono mixes against the same calls in stereo: does diarization cost the checks anything?

    .venv/bin/python -m pipeline.diarization.evaluation STEREO_DIR MONO_DIR --out results.jsonl
    .venv/bin/python -m pipeline.diarization.evaluation --table results.jsonl

`--cache DIR` keeps each stereo transcript (and what it cost) as JSON, so a rerun after a change
to diarization transcribes only the mono mixes; `--stereo-only` fills that cache and stops.

`recordings/generate_calls.py --mono DIR --client-shift ...` writes both folders. Each call
is analysed twice, from its stereo file and from its mono mix, and scored against the
same truth; one JSON line per call is appended as it is done, so a long run can be
stopped, resumed, and read in part. The table is by the client's pitch distance from
the seller («client_shift_cents» in the truth).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from checks.analyze import analyze_transcript
from checks.standard import Standard, load_standard
from pipeline.batch import load_call_audio, transcribe_file
from pipeline.evaluate import Counts, EvalReport, score_call
from pipeline.records import Transcript
from pipeline.rehearing import WhisperHearing
from pipeline.serialize import to_jsonable, transcript_from_dict
from pipeline.settings import DEFAULT_STANDARD, options_from_env

FINDINGS = ("wrong_answer", "ignored_question", "multitasking_pause")
_STEP_S = 0.1


def role_time(truth: dict[str, Any], transcript: Transcript) -> tuple[float, float]:
    """(seconds of the truth's speech given to its own role, seconds of speech), on a 0.1 s grid."""
    n = int(np.ceil(max([transcript.duration_s] + [t["end"] for t in truth["turns"]]) / _STEP_S)) + 1
    said = {role: np.zeros(n, dtype=bool) for role in ("seller", "client")}
    for t in truth["turns"]:
        said[t["speaker"]][int(t["start"] / _STEP_S):int(t["end"] / _STEP_S)] = True
    heard = {role: np.zeros(n, dtype=bool) for role in ("seller", "client")}
    for regions, role in zip(transcript.speech_regions, transcript.channel_roles):
        if role in heard:
            for start, end in regions:
                heard[role][int(start / _STEP_S):int(end / _STEP_S)] = True
    speech = said["seller"] | said["client"]
    right = (said["seller"] & heard["seller"]) | (said["client"] & heard["client"])
    return float(right.sum() * _STEP_S), float(speech.sum() * _STEP_S)


def _counts(report: EvalReport) -> dict[str, Any]:
    stages = Counts(*(sum(getattr(c, f) for c in report.stages.values()) for f in ("tp", "fp", "fn")))
    out = {"stages": [stages.tp, stages.fp, stages.fn]}
    out.update({kind: [report.findings[kind].tp, report.findings[kind].fp, report.findings[kind].fn] for kind in FINDINGS})
    return out


def _transcribe(path: Path, standard: Standard, cache: Path | None) -> tuple[Transcript, float]:
    """The transcript and the seconds it took; a stereo file's from `cache` when it is there."""
    kept = cache / f"{path.stem}.stereo.json" if cache else None
    if kept and kept.exists():
        data = json.loads(kept.read_text(encoding="utf-8"))
        return transcript_from_dict(data["transcript"]), data["seconds"]
    began = time.perf_counter()
    transcript = transcribe_file(path, options_from_env(), standard)
    seconds = round(time.perf_counter() - began, 2)
    if kept:
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(json.dumps({"seconds": seconds, "transcript": to_jsonable(transcript)}, ensure_ascii=False),
                        encoding="utf-8")
    return transcript, seconds


def score_pair(stereo: Path, mono: Path, standard: Standard, cache: Path | None = None) -> dict[str, Any]:
    truth_path = mono.with_suffix(".truth.json")
    try:
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"{truth_path}: cannot read the call's truth: {exc}") from None
    row: dict[str, Any] = {"call": mono.stem, "shift": truth.get("client_shift_cents"), "duration_s": None}
    for label, path in (("stereo", stereo), ("mono", mono)):
        transcript, row[f"{label}_s"] = _transcribe(path, standard, cache if label == "stereo" else None)
        row["duration_s"] = round(transcript.duration_s, 2)
        report = EvalReport()
        hearing = WhisperHearing(lambda p=path: load_call_audio(p), options_from_env())
        score_call(report, truth, analyze_transcript(transcript, standard, str(path), hearing=hearing), standard)
        row[label] = _counts(report)
        if label == "mono":
            right, speech = role_time(truth, transcript)
            row.update(right_s=round(right, 2), speech_s=round(speech, 2), voices=transcript.channels,
                       note=transcript.speaker_note)
    return row


def fill_cache(stereo_dir: Path, mono_dir: Path, standard: Standard, cache: Path) -> None:
    for mono in sorted(mono_dir.glob("*.flac")):
        _transcribe(stereo_dir / mono.name, standard, cache)
        print(f"{mono.stem}: stereo transcript in {cache}", file=sys.stderr, flush=True)


def run(stereo_dir: Path, mono_dir: Path, out: Path, standard: Standard, cache: Path | None = None) -> None:
    done = {json.loads(line)["call"] for line in out.read_text(encoding="utf-8").splitlines() if line.strip()} \
        if out.exists() else set()
    monos = sorted(mono_dir.glob("*.flac"))
    for i, mono in enumerate(monos, 1):
        if mono.stem in done:
            continue
        row = score_pair(stereo_dir / mono.name, mono, standard, cache)
        with out.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"[{i}/{len(monos)}] {mono.stem} shift {row['shift']}: right role "
              f"{row['right_s'] / max(row['speech_s'], 1e-9):.1%}, {row['note']}", file=sys.stderr, flush=True)


def _pr(c: list[int]) -> str:
    tp, fp, fn = c
    p = f"{tp / (tp + fp):.2f}" if tp + fp else "-"
    r = f"{tp / (tp + fn):.2f}" if tp + fn else "-"
    return f"{p} / {r}"


def table(rows: list[dict[str, Any]]) -> str:
    """A markdown table: by shift and all calls, the speech time on the right role and each
    kind's precision / recall in stereo and in mono."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[f"{row['shift']} cents"].append(row)
        groups["all"].append(row)
    kinds = ("stages",) + FINDINGS
    lines = ["| client's shift | calls | speech on the right role | mono RTF (stereo) | "
             + " | ".join(f"{k} P / R stereo → mono" for k in kinds) + " |",
             "|---|---|---|---|" + "---|" * len(kinds)]
    for name in sorted(groups, key=lambda g: (g == "all", float(g.split()[0]) if g != "all" else 0)):
        rs = groups[name]
        audio = sum(r["duration_s"] for r in rs)
        cells = []
        for kind in kinds:
            s = [sum(r["stereo"][kind][i] for r in rs) for i in range(3)]
            m = [sum(r["mono"][kind][i] for r in rs) for i in range(3)]
            cells.append(f"{_pr(s)} → {_pr(m)}")
        lines.append(f"| {name} | {len(rs)} | {sum(r['right_s'] for r in rs) / sum(r['speech_s'] for r in rs):.1%} | "
                     f"{sum(r['mono_s'] for r in rs) / audio:.2f} ({sum(r['stereo_s'] for r in rs) / audio:.2f}) | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("stereo", type=Path, nargs="?")
    ap.add_argument("mono", type=Path, nargs="?")
    ap.add_argument("--out", type=Path, help="JSON lines, one per call, appended (a rerun skips the calls in it)")
    ap.add_argument("--standard", type=Path, default=DEFAULT_STANDARD)
    ap.add_argument("--table", type=Path, help="print the table of a results file and stop")
    ap.add_argument("--cache", type=Path, help="a folder keeping the stereo transcripts (and their cost) between runs")
    ap.add_argument("--stereo-only", action="store_true", help="fill --cache with the stereo transcripts and stop")
    args = ap.parse_args(argv)
    if args.table:
        rows = [json.loads(line) for line in args.table.read_text(encoding="utf-8").splitlines() if line.strip()]
        print(table(rows))
        return 0
    if args.stereo_only and args.stereo and args.mono and args.cache:
        fill_cache(args.stereo, args.mono, load_standard(args.standard), args.cache)
        return 0
    if not (args.stereo and args.mono and args.out):
        ap.error("give STEREO_DIR MONO_DIR --out FILE, or STEREO_DIR MONO_DIR --cache DIR --stereo-only, or --table FILE")
    run(args.stereo, args.mono, args.out, load_standard(args.standard), args.cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
