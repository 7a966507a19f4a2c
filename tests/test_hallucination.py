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


# what the model wrote on line silence once voice activity was forced over it (CI, 2026-12-05)
_INVENTED_WORDS = ((1.40, 0.25), (0.0, 0.02), (0.0, 0.005), (0.0, 0.115))


def test_words_the_model_cannot_place_or_trust_are_rejected():
    assert rejection_reason("Товарищи, это у вас?", 26.38, 27.78, ((0.0, 30.0),), 0.1, -0.3, 1.2,
                            words=_INVENTED_WORDS) is not None


@pytest.mark.parametrize("words, reason", [
    (((0.3, 0.1), (0.4, 0.15), (0.2, 0.12)), "words almost surely wrong"),
    (((1.0, 0.45), (0.0, 0.4), (0.0, 0.45)), "words the recogniser could not place in time"),
])
def test_each_word_guard_alone(words, reason):
    assert rejection_reason("Какой-то текст здесь.", 0.0, 2.0, ((0.0, 2.0),), 0.1, -0.3, 1.2, words=words) == reason


def test_unsure_but_timed_speech_and_a_sure_timing_slip_are_kept():
    # the least sure real segment of the demo calls: words timed, mean probability 0.54
    garbled = ((0.3, 0.5), (0.25, 0.55), (0.4, 0.6), (0.3, 0.5))
    assert rejection_reason("Что вы с тройцей?", 0.0, 2.0, ((0.0, 2.0),), 0.18, -0.48, 1.2, words=garbled) is None
    slip = ((0.4, 0.9), (0.0, 0.85), (0.0, 0.9))
    assert rejection_reason("Спасибо, до свидания.", 0.0, 2.0, ((0.0, 2.0),), 0.1, -0.3, 1.2, words=slip) is None
