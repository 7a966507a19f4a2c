"""Batched decoding on the CPU (`CALLQA_CPU_BATCH`) and `bench-engines --cpu-isa` (issue 20)."""

from __future__ import annotations

from pathlib import Path

import jiwer
import pytest

from pipeline.bench_engines import CONFIGS, Row, isa_env, row_line
from pipeline.engines.faster import CPU_BATCH_ENV, FasterWhisper, batch_size_for, cpu_batch_size
from pipeline.settings import TranscriptionOptions

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("raw", ["eight", "2.5", "-1"])
def test_a_bad_cpu_batch_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv(CPU_BATCH_ENV, raw)
    with pytest.raises(ValueError, match=f"^{CPU_BATCH_ENV}: .*expected 0 \\(off\\) or a batch size"):
        cpu_batch_size()


def test_the_cpu_decodes_in_turn_unless_asked_and_a_gpu_always_batches(monkeypatch):
    monkeypatch.delenv(CPU_BATCH_ENV, raising=False)
    assert batch_size_for(TranscriptionOptions()) == 0
    assert batch_size_for(TranscriptionOptions(device="cuda", compute_type="float16")) == 8
    monkeypatch.setenv(CPU_BATCH_ENV, "4")
    assert batch_size_for(TranscriptionOptions()) == 4


def test_cpu_isa_limits_every_library_under_ctranslate2_and_rejects_others():
    env = isa_env("AVX2")
    assert env["CT2_FORCE_CPU_ISA"] == "AVX2" and env["MKL_ENABLE_INSTRUCTIONS"] == "AVX2"
    assert env["ONEDNN_MAX_CPU_ISA"] == "AVX2"
    with pytest.raises(ValueError, match="--cpu-isa 'AVX3': expected one of AVX2, AVX512"):
        isa_env("AVX3")


def test_the_batched_rows_say_so_in_the_table():
    batched = next(c for c in CONFIGS if c.cpu_batch)
    line = row_line(Row(batched, 6, 400.0, 20.0, 900.0, 0.2, 0.25))
    assert f"speech regions, batched ×{batched.cpu_batch}" in line and "| 0.050 |" in line
    default = next(c for c in CONFIGS if "(default)" in c.label)
    assert "batched" not in row_line(Row(default, 6, 400.0, 20.0, 900.0, 0.2, 0.25))


@pytest.mark.model
def test_batched_decoding_hears_what_sequential_decoding_hears(monkeypatch):
    """The same 60 s of a demo call's first channel, in turn and in a batch of 4: mostly the same
    words, each timed inside the audio it was given."""
    from pipeline.audio import SAMPLE_RATE, load_audio

    audio = load_audio(next((ROOT / "recordings" / "samples").rglob("*.flac")))
    samples = audio.channels[0][: 60 * SAMPLE_RATE]
    options = TranscriptionOptions()
    engine = FasterWhisper()
    monkeypatch.setenv(CPU_BATCH_ENV, "0")
    in_turn = engine.decode(samples, options)
    monkeypatch.setenv(CPU_BATCH_ENV, "4")
    batched = engine.decode(samples, options)
    text = [" ".join(s.text for s in segments).lower() for segments in (in_turn, batched)]
    assert text[0].strip() and jiwer.wer(text[0], text[1]) < 0.3
    words = [w for s in batched for w in s.words]
    assert words and all(0 <= w.start <= w.end <= 60.5 for w in words)
