"""`callqa eval`: measure callqa against calls whose truth is known.

A recording `NAME.ext` with a sidecar `NAME.truth.json` (format in the README)
is analysed as in the nightly batch; stages are compared per call, findings
per type by time overlap, and the transcript by word error rate. QA leads use
the same command on calls they scored by hand, to calibrate the tool.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jiwer
from rich.table import Table

from checks.analyze import analyze_transcript
from checks.text.numbers import replace_numbers
from checks.standard import Standard
from checks.text.normalise import fold
from pipeline.batch import load_call_audio, transcribe_file
from pipeline.records import CallAnalysis, Speaker, Transcript, Utterance
from pipeline.rehearing import WhisperHearing
from pipeline.settings import TranscriptionOptions

# a predicted finding matches a true one of the same type when their spans,
# widened by this much, overlap
TIME_TOLERANCE_S = 3.0
# finding types whose truth is derived from the stage labels rather than listed
DERIVED_TYPES = ("missing_stage", "stage_order")


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass
class EvalReport:
    calls: int = 0
    stages: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    findings: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    seller_refs: list[str] = field(default_factory=list)
    seller_hyps: list[str] = field(default_factory=list)
    client_refs: list[str] = field(default_factory=list)
    client_hyps: list[str] = field(default_factory=list)
    audio_s: float = 0.0
    transcribe_s: float = 0.0
    checks_run: tuple[str, ...] = ()
    errors: list[str] = field(default_factory=list)
    # finding types the truth files label at all; others have no precision to speak of
    labelled: set[str] = field(default_factory=lambda: set(DERIVED_TYPES))

    @property
    def rtf(self) -> float | None:
        return self.transcribe_s / self.audio_s if self.audio_s else None

    def wer(self, side: str) -> float | None:
        refs, hyps = getattr(self, f"{side}_refs"), getattr(self, f"{side}_hyps")
        return jiwer.wer(refs, hyps) if refs else None

    def to_json(self) -> dict[str, Any]:
        def table(counts: dict[str, Counts]) -> dict[str, Any]:
            return {k: {"tp": c.tp, "fp": c.fp, "fn": c.fn, "precision": c.precision, "recall": c.recall}
                    for k, c in sorted(counts.items())}

        all_stages = Counts(*(sum(getattr(c, f) for c in self.stages.values()) for f in ("tp", "fp", "fn")))
        return {
            "calls": self.calls, "stages": table(self.stages), "findings": table(self.findings),
            "all_stages": {"tp": all_stages.tp, "fp": all_stages.fp, "fn": all_stages.fn,
                           "precision": all_stages.precision, "recall": all_stages.recall},
            "wer": {"seller": self.wer("seller"), "client": self.wer("client")},
            "rtf": self.rtf, "audio_s": self.audio_s, "checks_run": list(self.checks_run),
            "errors": self.errors,
        }


def wer_text(text: str) -> str:
    """Lower-case, fold ё, drop punctuation and write numbers as digits, so that
    «две тысячи пятьсот» and «2500» count as the same words."""
    words = [w.strip(".,!?;:«»\"'()—–-") for w in fold(text).split()]
    return " ".join(tok for tok, _, _ in replace_numbers([w for w in words if w]))


def _overlaps(a_start: float, a_end: float, b_start: float, b_end: float) -> bool:
    return a_start - TIME_TOLERANCE_S <= b_end and b_start - TIME_TOLERANCE_S <= a_end


def expected_findings(truth: dict[str, Any], standard: Standard) -> list[dict[str, Any]]:
    expected = list(truth.get("findings", []))
    stages = truth.get("stages", {})
    for stage in standard.stages:
        if stage.required and stages.get(stage.id) is False:
            expected.append({"type": "missing_stage", "stage": stage.id})
    if truth.get("stage_order_broken"):
        expected.append({"type": "stage_order"})
    return expected


def score_call(report: EvalReport, truth: dict[str, Any], analysis: CallAnalysis, standard: Standard) -> None:
    truth_stages = truth.get("stages", {})
    for hit in analysis.stages:
        if hit.stage_id not in truth_stages:
            continue
        c = report.stages[hit.stage_id]
        actual = bool(truth_stages[hit.stage_id])
        c.tp += hit.present and actual
        c.fp += hit.present and not actual
        c.fn += actual and not hit.present
    expected = expected_findings(truth, standard)
    report.labelled.update(e["type"] for e in expected)
    predicted = list(analysis.findings)
    for kind in {e["type"] for e in expected} | {f.type for f in predicted}:
        exp = [e for e in expected if e["type"] == kind]
        pred = [f for f in predicted if f.type == kind]
        used: set[int] = set()
        for e in exp:
            match = next(
                (i for i, f in enumerate(pred) if i not in used and _finding_matches(e, f)), None
            )
            if match is None:
                report.findings[kind].fn += 1
            else:
                used.add(match)
                report.findings[kind].tp += 1
        report.findings[kind].fp += len(pred) - len(used)


def _finding_matches(expected: dict[str, Any], found: Any) -> bool:
    if expected["type"] == "missing_stage":
        return found.details.get("stage") == expected["stage"]
    if "start" not in expected:
        return True
    return _overlaps(expected["start"], expected["end"], found.start, found.end)


def reference_transcript(truth: dict[str, Any], source: Path) -> Transcript:
    """The call as the truth's own `turns` tell it: what the checks would see from a
    recogniser that made no mistakes. Speech regions are the turns themselves."""
    turns = truth.get("turns")
    if not turns:
        raise ValueError(f"{source}: no 'turns' to build a reference transcript from")
    roles = truth.get("channels", {"seller": 0, "client": 1})
    channel_of = {speaker: int(ch) for speaker, ch in roles.items()}
    utterances = tuple(
        Utterance(speaker=t["speaker"], start=float(t["start"]), end=float(t["end"]), text=t["text"],
                  channel=channel_of.get(t["speaker"], 0))
        for t in sorted(turns, key=lambda t: t["start"])
    )
    regions = tuple(tuple((u.start, u.end) for u in utterances if u.channel == ch) for ch in (0, 1))
    by_channel: list[Speaker] = ["unknown", "unknown"]
    for speaker, ch in channel_of.items():
        by_channel[ch] = speaker  # type: ignore[assignment]
    return Transcript(utterances=utterances, duration_s=max(u.end for u in utterances) + 1.0, channels=2,
                      engine="reference", model="truth", speech_regions=regions, channel_roles=tuple(by_channel))


def evaluate_folder(
    folder: Path,
    standard: Standard,
    options: TranscriptionOptions,
    progress: Callable[[str], None] = lambda _msg: None,
    transcript_for: Callable[[Path], tuple[Transcript, bool]] | None = None,
    reference: bool = False,
) -> EvalReport:
    """Score every call with a truth sidecar under `folder`.

    `transcript_for` returns (transcript, from cache); the default transcribes
    every call. Cached calls count for accuracy but not for the real-time factor.
    `reference=True` analyses the truth's own turns instead (the checks alone).
    """
    transcript_for = transcript_for or (lambda path: (transcribe_file(path, options, standard), False))
    report = EvalReport()
    truths = sorted(folder.rglob("*.truth.json"))
    for i, truth_path in enumerate(truths, 1):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        # a bare name sits beside the sidecar; `callqa review-export` writes the recording's full path
        audio_path = truth_path.parent / (truth.get("recording") or truth_path.name.replace(".truth.json", ".flac"))
        progress(f"[{i}/{len(truths)}] {audio_path.name}")
        started = time.perf_counter()
        try:
            if reference:
                transcript, cached = reference_transcript(truth, truth_path), True
            else:
                transcript, cached = transcript_for(audio_path)
        except Exception as exc:  # noqa: BLE001 - report it and go on with the other calls
            report.errors.append(f"{audio_path}: {exc}")
            continue
        if not cached:
            report.transcribe_s += time.perf_counter() - started
            report.audio_s += transcript.duration_s
        # the truth's words need no second hearing
        hearing = None if reference else WhisperHearing(lambda p=audio_path: load_call_audio(p), options)
        analysis = analyze_transcript(transcript, standard, str(audio_path), hearing=hearing)
        report.checks_run = analysis.checks_run
        report.calls += 1
        score_call(report, truth, analysis, standard)
        for side in ("seller", "client"):
            ref = truth.get("transcript", {}).get(side)
            if ref:
                hyp = " ".join(u.text for u in transcript.utterances if u.speaker == side)
                getattr(report, f"{side}_refs").append(wer_text(ref))
                getattr(report, f"{side}_hyps").append(wer_text(hyp))
    return report


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def render_report(report: EvalReport) -> Table:
    table = Table(title=f"callqa eval: {report.calls} calls, checks {', '.join(report.checks_run)}")
    for col in ("kind", "name", "TP", "FP", "FN", "precision", "recall"):
        table.add_column(col)
    for kind, counts in (("stage", report.stages), ("finding", report.findings)):
        if kind == "stage" and counts:
            total = Counts(*(sum(getattr(c, f) for c in counts.values()) for f in ("tp", "fp", "fn")))
            table.add_row(kind, "[bold]all stages[/bold]", str(total.tp), str(total.fp), str(total.fn),
                          _fmt(total.precision), _fmt(total.recall))
        for name, c in sorted(counts.items()):
            if kind == "finding" and name not in report.labelled:
                table.add_row(kind, f"{name} (not labelled in the truth)", str(c.tp), str(c.fp), "", "", "")
                continue
            table.add_row(kind, name, str(c.tp), str(c.fp), str(c.fn), _fmt(c.precision), _fmt(c.recall))
    table.caption = (
        f"WER seller {_fmt(report.wer('seller'))}, client {_fmt(report.wer('client'))}; "
        f"real-time factor {_fmt(report.rtf)} over {report.audio_s:.0f} s of newly transcribed audio"
        + (f"; {len(report.errors)} error(s): " + "; ".join(report.errors) if report.errors else "")
    )
    return table
