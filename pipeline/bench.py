"""`callqa bench`: throughput of the whole pipeline, per call and per stage.

A benchmark, not a test: it prints a Markdown table for the README. Each call
goes through `process_recording` exactly as in the nightly batch, into a fresh
SQLite file, so no transcript cache is reused.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from checks.analyze import analyze_transcript
from checks.meaning.encoder import get_encoder
from checks.standard import Standard
from checks.text.normalise import forget_normalised, nlp
from pipeline.batch import discover, group_calls, process_recording
from pipeline.diarization.diarize import COST as DIARIZATION
from pipeline.rehearing import COST as HEARING
from pipeline.machine import cpu_line
from pipeline.progress import CallProgress
from pipeline.records import Transcript
from pipeline.settings import TranscriptionOptions
from pipeline.storage.db import open_database
from pipeline.engines import engine_for

STAGES = ("decode", "transcribe", "analyse", "store")


@dataclass(frozen=True)
class CallTiming:
    name: str
    duration_s: float
    stages: dict[str, float]
    peak_rss_mb: float

    @property
    def wall_s(self) -> float:
        return sum(self.stages.values())

    @property
    def rtf(self) -> float:
        return self.wall_s / self.duration_s


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class BenchResult:
    calls: list[CallTiming]
    # analysis alone, on transcripts already made: calls per second, one per repetition
    analysis_rates: list[float]
    # the sentence encoder's share of the analyse column: seconds, and sentences it embedded
    # (the others came from the vector cache)
    encoder_s: float = 0.0
    encoder_sentences: int = 0
    # diarization of the mono calls, inside the transcribe column: seconds, and seconds of audio diarized
    diarization_s: float = 0.0
    diarized_audio_s: float = 0.0
    # sums heard again from the audio (`wrong_answer`), inside the analyse column: seconds, stretches
    hearing_s: float = 0.0
    heard_stretches: int = 0


def analysis_rate(transcripts: list[Transcript], standard: Standard) -> float:
    """Calls per second of `analyze_transcript` alone, in this one process (one core). Each pass
    normalises and matches every line afresh; what a word form is (its lemma, the keyword words it
    matches) and the sentence vectors stay known, as they do from one call to the next in a batch."""
    forget_normalised()
    started = time.perf_counter()
    for transcript in transcripts:
        analyze_transcript(transcript, standard)
    return len(transcripts) / (time.perf_counter() - started)


def run_benchmark(folder: Path, standard: Standard, options: TranscriptionOptions, repeats: int = 5) -> BenchResult:
    # load before timing, as the per-call columns leave fixed costs to the start-up section:
    # the model, and the text pipeline the first call's analysis would otherwise build (1 s)
    engine_for(options).warm_up(options)
    nlp()
    timings: list[CallTiming] = []
    transcripts: list[Transcript] = []
    encoder = get_encoder()
    encoder_s, encoder_sentences = encoder.seconds, encoder.embedded
    diarized = (DIARIZATION.seconds, DIARIZATION.audio_s)
    heard = (HEARING.seconds, HEARING.stretches)
    with tempfile.TemporaryDirectory() as tmp:
        sessions = open_database(f"sqlite:///{tmp}/bench.db")
        calls = group_calls(discover(folder))
        with CallProgress(len(calls), "bench") as progress:
            for call in calls:
                progress.start(call.path.name)
                outcome = process_recording(call, standard, options, sessions)
                if outcome.analysis is None:
                    continue
                transcripts.append(outcome.analysis.transcript)
                timings.append(CallTiming(call.path.name, outcome.analysis.transcript.duration_s,
                                          dict(outcome.timings), peak_rss_mb()))
    encoder_s, encoder_sentences = encoder.seconds - encoder_s, encoder.embedded - encoder_sentences
    rates = [analysis_rate(transcripts, standard) for _ in range(repeats)] if transcripts else []
    return BenchResult(timings, rates, encoder_s, encoder_sentences,
                       DIARIZATION.seconds - diarized[0], DIARIZATION.audio_s - diarized[1],
                       HEARING.seconds - heard[0], HEARING.stretches - heard[1])


def render_markdown(result: BenchResult, options: TranscriptionOptions) -> str:
    timings = result.calls
    lines = [
        f"Machine: {cpu_line()}; {options.cpu_threads} threads, "
        f"engine {options.engine}, model {options.model}, {options.compute_type}, beam {options.beam_size}; "
        f"{time.strftime('%Y-%m-%d')}",
        "",
        "| call | audio s | " + " | ".join(f"{s} s" for s in STAGES) + " | wall s | RTF | peak RSS MB |",
        "|---|---:|" + "---:|" * (len(STAGES) + 3),
    ]
    for t in timings:
        lines.append(
            f"| {t.name} | {t.duration_s:.1f} | "
            + " | ".join(f"{t.stages.get(s, 0):.2f}" for s in STAGES)
            + f" | {t.wall_s:.1f} | {t.rtf:.3f} | {t.peak_rss_mb:.0f} |"
        )
    if timings:
        total_audio = sum(t.duration_s for t in timings)
        total_wall = sum(t.wall_s for t in timings)
        lines.append(
            f"| **all {len(timings)}** | {total_audio:.1f} | "
            + " | ".join(f"{sum(t.stages.get(s, 0) for t in timings):.2f}" for s in STAGES)
            + f" | {total_wall:.1f} | {total_wall / total_audio:.3f} | {max(t.peak_rss_mb for t in timings):.0f} |"
        )
        lines.append("")
        lines.append(f"Median per-call RTF {statistics.median(t.rtf for t in timings):.3f}; "
                     f"{3600 / (total_wall / len(timings)):.0f} calls per hour at this call length.")
        lines.append(f"Sentence encoder, inside the analyse column: {1000 * result.encoder_s / len(timings):.0f} ms "
                     f"per call ({result.encoder_sentences} sentences embedded; the rest came from the vector cache).")
        lines.append(f"Sums heard again from the audio (wrong answers Whisper may have misread), inside the analyse "
                     f"column: {result.heard_stretches} in {len(timings)} calls, {result.hearing_s:.2f} s in all "
                     f"({1000 * result.hearing_s / len(timings):.0f} ms per call).")
    if result.diarized_audio_s:
        lines.append(f"Diarization of the mono calls, inside the transcribe column: "
                     f"{60 * result.diarization_s / result.diarized_audio_s:.2f} s per minute of audio "
                     f"({result.diarized_audio_s:.0f} s of mono audio).")
    if result.analysis_rates:
        lines.append(f"Analysis alone (transcripts already made), one process: median "
                     f"{statistics.median(result.analysis_rates):.0f} calls/s over {len(result.analysis_rates)} "
                     f"passes (min {min(result.analysis_rates):.0f}, max {max(result.analysis_rates):.0f}).")
    return "\n".join(lines)
