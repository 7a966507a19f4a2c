"""Inputs of the mono work: stereo files that are really mono, as the batch reads them, and the
generator's options for mono sets (the client's pitch distance, the mono mix)."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest
import soundfile as sf

from pipeline.batch import load_call_audio
from pipeline.diarization.mono import mono_source
from tests.conftest import ROOT, SAMPLES, sample


@pytest.fixture(scope="module")
def demo_stereo(demo_truths):
    stereo, rate = sf.read(SAMPLES / sample(demo_truths, "demo_01_perfect"), dtype="float32")
    return stereo, rate


def test_the_same_mix_on_both_channels_is_diarized_as_mono(tmp_path, demo_stereo):
    stereo, rate = demo_stereo
    mix = stereo.mean(axis=1)
    sf.write(tmp_path / "fake.wav", np.stack([mix, mix], axis=1), rate, subtype="PCM_16")
    source = mono_source(load_call_audio(tmp_path / "fake.wav"))
    assert source is not None and source.note.startswith("stereo file with the same mix on both channels")
    assert abs(len(source.samples) / 16000 - len(mix) / rate) < 0.1


def test_a_silent_channel_is_diarized_as_mono(tmp_path, demo_stereo):
    stereo, rate = demo_stereo
    mix = stereo.mean(axis=1)
    hiss = np.random.default_rng(0).normal(0, 3e-4, len(mix)).astype(np.float32)
    sf.write(tmp_path / "one-sided.wav", np.stack([hiss, mix], axis=1), rate, subtype="PCM_16")
    source = mono_source(load_call_audio(tmp_path / "one-sided.wav"))
    assert source is not None and source.note.startswith("stereo file with a silent channel 0")


def test_a_real_stereo_call_stays_stereo(demo_truths):
    assert mono_source(load_call_audio(SAMPLES / sample(demo_truths, "demo_01_perfect"))) is None


def test_a_mono_file_is_its_own_source(tmp_path, demo_stereo):
    stereo, rate = demo_stereo
    sf.write(tmp_path / "mono.wav", stereo.mean(axis=1), rate, subtype="PCM_16")
    source = mono_source(load_call_audio(tmp_path / "mono.wav"))
    assert source is not None and source.note == ""


@pytest.fixture(scope="module")
def generator():
    path = ROOT / "recordings" / "generate_calls.py"
    spec = importlib.util.spec_from_file_location("generate_calls_for_test", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_client_shift_sets_the_pitch_distance(generator):
    voices = {"seller": generator.Voice(100.0, 1.0, 0.5), "client": generator.Voice(400.0, 1.0, 0.5)}
    assert generator.with_client_shift(voices, 100)["client"].pitch == 200.0
    # up would leave the voices' range, so down
    high = {**voices, "seller": generator.Voice(420.0, 1.0, 0.5)}
    assert generator.with_client_shift(high, 150)["client"].pitch == 270.0
    assert generator.with_client_shift(voices, 100)["seller"] == voices["seller"]


def test_client_shift_option_is_checked(generator):
    assert generator._cents_list("100,250") == [100.0, 250.0]
    for bad in ("abc", "-5", "2000", ""):
        with pytest.raises(Exception, match="--client-shift"):
            generator._cents_list(bad)


def test_the_mono_mix_sums_the_channels(generator):
    stereo = np.array([[0.1, 0.2], [0.6, 0.6], [-0.7, -0.5]], dtype=np.float32)
    assert np.allclose(generator.mono_mix(stereo), [0.3, 0.98, -0.98])


def test_without_the_speaker_encoder_a_mono_call_is_one_stream_with_the_reason(tmp_path, demo_stereo, monkeypatch):
    """An install without resemblyzer (no `openai` extra) analyses mono calls as before diarization,
    one `unknown` stream, and says why, instead of failing every mono call of the night."""
    from pipeline.diarization import mono
    from pipeline.diarization.encoder import EncoderMissing
    from pipeline.records import Utterance
    from pipeline.settings import TranscriptionOptions
    from pipeline.transcribe import ChannelText

    def missing() -> None:
        raise EncoderMissing("diarization of mono calls needs the package resemblyzer==0.1.4")

    def fake_channel(samples, channel, regions, options) -> ChannelText:
        assert regions, "the call's speech regions go to the recogniser"
        return ChannelText(channel, (Utterance("unknown", regions[0][0], regions[0][1], "алло", channel=channel),), 0)

    monkeypatch.setattr(mono, "weights_path", missing)
    monkeypatch.setattr(mono, "transcribe_channel", fake_channel)
    stereo, rate = demo_stereo
    sf.write(tmp_path / "mono.wav", stereo.mean(axis=1), rate, subtype="PCM_16")
    audio = load_call_audio(tmp_path / "mono.wav")
    transcript = mono.transcribe_mono(mono.mono_source(audio), audio.duration_s, TranscriptionOptions())
    assert transcript.speaker_source == "channels" and transcript.channels == 1
    assert transcript.speaker_note.startswith("not diarized: diarization of mono calls needs the package resemblyzer")
    assert [u.speaker for u in transcript.utterances] == ["unknown"]
