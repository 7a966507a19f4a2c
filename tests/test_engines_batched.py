"""Batched decoding on the CPU (`CALLQA_CPU_BATCH`) and `bench-engines --cpu-isa` (issue 20)."""

from __future__ import annotations

import re
from pathlib import Path

import jiwer
import pytest

from pipeline.bench_engines import CONFIGS, NATIVE, Row, _isa_limited_env, isa_env, isa_in_force, row_line
from pipeline.engines.faster import CPU_BATCH_ENV, FasterWhisper, batch_size_for, cpu_batch_size
from pipeline.settings import TranscriptionOptions, options_from_env

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("raw", ["eight", "2.5", "-1"])
def test_a_bad_cpu_batch_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv(CPU_BATCH_ENV, raw)
    with pytest.raises(ValueError, match=f"^{CPU_BATCH_ENV}: .*expected 0 \\(off\\) or a batch size"):
        cpu_batch_size()


def test_the_cpu_decodes_in_turn_unless_asked_and_a_gpu_always_batches(monkeypatch):
    monkeypatch.delenv(CPU_BATCH_ENV, raising=False)
    assert batch_size_for(options_from_env()) == 0
    assert batch_size_for(TranscriptionOptions(device="cuda", compute_type="float16")) == 8
    monkeypatch.setenv(CPU_BATCH_ENV, "4")
    assert batch_size_for(options_from_env()) == 4
    with pytest.raises(ValueError, match=f"^{CPU_BATCH_ENV}: -2 is negative"):
        TranscriptionOptions(cpu_batch=-2)


def test_batching_and_timestamp_tokens_are_in_the_cache_key_only_when_set(monkeypatch):
    """They change the words, so a transcript cached without them must not be served with
    them; options that joined the key later count only when they differ from their old default."""
    default = TranscriptionOptions()
    keys = {default.cache_key(), TranscriptionOptions(cpu_batch=8).cache_key(),
            TranscriptionOptions(cpu_batch=4).cache_key(), TranscriptionOptions(without_timestamps=True).cache_key(),
            TranscriptionOptions(lead_silence_s=0.0).cache_key()}
    assert len(keys) == 5
    # without the lead silence, the key of the defaults as it was before these options existed
    # (commit 4d0f242); the lead silence changes the words, so today's defaults have a key of their own
    assert TranscriptionOptions(lead_silence_s=0.0).cache_key() == "b3d0bcb87c3ec27c"
    assert default.cache_key() != "b3d0bcb87c3ec27c"
    monkeypatch.setenv(CPU_BATCH_ENV, "8")
    monkeypatch.setenv("CALLQA_WITHOUT_TIMESTAMPS", "1")
    assert options_from_env().cache_key() == TranscriptionOptions(cpu_batch=8, without_timestamps=True).cache_key()


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
def test_batched_decoding_hears_what_sequential_decoding_hears():
    """The same 60 s of a demo call's first channel, in turn and in a batch of 4: mostly the same
    words, each timed inside the audio it was given."""
    from pipeline.audio import SAMPLE_RATE, load_audio

    audio = load_audio(next((ROOT / "recordings" / "samples").rglob("*.flac")))
    samples = audio.channels[0][: 60 * SAMPLE_RATE]
    engine = FasterWhisper()
    in_turn = engine.decode(samples, TranscriptionOptions())
    batched = engine.decode(samples, TranscriptionOptions(cpu_batch=4))
    # words, not punctuation: the batched pipeline cuts segments at its windows, so a comma
    # becomes a full stop here and there
    text = [" ".join(re.findall(r"\w+", " ".join(s.text for s in segments).lower())) for segments in (in_turn, batched)]
    assert text[0].strip() and jiwer.wer(text[0], text[1]) < 0.3
    words = [w for s in batched for w in s.words]
    assert words and all(0 <= w.start <= w.end <= 60.5 for w in words)


def test_a_native_row_runs_unlimited_whatever_the_invocation_or_the_shell_says(monkeypatch):
    monkeypatch.setenv("CT2_FORCE_CPU_ISA", "AVX2")
    native = next(c for c in CONFIGS if c.isa == NATIVE)
    assert "CT2_FORCE_CPU_ISA" not in _isa_limited_env(native.isa)
    assert _isa_limited_env("AVX2")["ONEDNN_MAX_CPU_ISA"] == "AVX2"
    line = row_line(Row(native, 6, 400.0, 20.0, 900.0, 0.2, 0.25, "CTranslate2 AVX512, int8 GEMM MKL", cpu_s=36.0))
    # the RTF, then the CPU seconds per second of audio (all threads): 36 / 400
    assert "| CTranslate2 AVX512, int8 GEMM MKL | 0.050 | 0.090 |" in line


@pytest.mark.model
def test_the_isa_in_force_is_what_the_libraries_report():
    """CTranslate2 and (where it runs the int8 GEMMs) oneDNN say which instructions they use;
    under --cpu-isa AVX2 neither may use AVX-512."""
    limited = isa_in_force("AVX2")
    assert limited.startswith("CTranslate2 AVX2, int8 GEMM ")
    assert "AVX-512" not in limited and "AVX512" not in limited
    assert isa_in_force(NATIVE).startswith("CTranslate2 ")
