"""Whisper invents text on silence and hold music; none of it may reach a transcript."""

import numpy as np
import pytest

from pipeline.hallucination import rejection_reason
from pipeline.settings import TranscriptionOptions
from pipeline.transcribe import transcribe_channel
from pipeline.vad import speech_regions

RATE = 16000


def hold_music(seconds: int, seed: int = 1) -> np.ndarray:
    """A plain synthesised melody with a little line noise, like a PBX hold loop."""
    rng = np.random.default_rng(seed)
    notes = [262, 294, 330, 349, 392, 440, 494, 523]
    t = np.arange(int(0.4 * RATE)) / RATE
    parts = []
    while sum(len(p) for p in parts) < seconds * RATE:
        f = notes[rng.integers(len(notes))]
        parts.append(0.2 * np.sin(2 * np.pi * f * t) * np.hanning(len(t)) + 0.1 * np.sin(4 * np.pi * f * t))
    x = np.concatenate(parts)[: seconds * RATE]
    return (x + rng.normal(0, 0.003, len(x))).astype(np.float32)


def line_silence(seconds: int, seed: int = 2) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.0005, seconds * RATE).astype(np.float32)


@pytest.mark.parametrize(
    "text",
    ["Продолжение следует...", "Субтитры сделал DimaTorzok", "Редактор субтитров А.Синецкая Корректор А.Егорова",
     "[Музыка]", "ДИНАМИЧНАЯ МУЗЫКА"],
)
def test_known_inventions_are_rejected_even_over_voice(text):
    assert rejection_reason(text, 0.0, 2.0, ((0.0, 2.0),), 0.1, -0.3, 1.2) is not None


def test_real_speech_over_voice_is_kept():
    assert rejection_reason("Добрый день, компания СтройДом.", 0.0, 2.0, ((0.0, 2.0),), 0.1, -0.3, 1.2) is None


def test_text_over_a_silent_stretch_is_rejected():
    assert rejection_reason("Добрый день.", 10.0, 12.0, ((0.0, 5.0),), 0.1, -0.3, 1.2) == "no voice activity under the segment"


@pytest.mark.model
@pytest.mark.parametrize("make", [hold_music, line_silence], ids=["hold-music", "silence"])
def test_model_writes_nothing_on_a_channel_without_speech(make):
    samples = make(30)
    options = TranscriptionOptions()
    assert transcribe_channel(samples, 0, speech_regions(samples), options).utterances == ()
    # even when voice activity is wrongly reported over the whole channel,
    # the remaining guards must drop what Whisper invents there
    forced = transcribe_channel(samples, 0, ((0.0, 30.0),), options)
    assert forced.utterances == (), [u.text for u in forced.utterances]
