"""Diarization of mono calls: the real speaker encoder on mixes of the committed demo calls.

The truth of a mono mix comes from the stereo call it was mixed from: its turns say who
spoke when. No Whisper here (tests/test_mono.py runs the whole flow)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.audio import load_audio
from pipeline.diarization.clustering import two_speakers
from pipeline.diarization.diarize import diarize
from pipeline.diarization.encoder import weights_path
from pipeline.diarization.fake_stereo import correlation, silent_channel
from pipeline.diarization.segments import SegmentOptions, segments_of
from pipeline.diarization.turns import turns_of
from tests.conftest import SAMPLES, sample

STEP = 0.1


def _grid(turns: list[tuple[float, float, int]], length: float) -> np.ndarray:
    out = np.full(int(length / STEP) + 2, -1)
    for start, end, who in turns:
        out[int(round(start / STEP)):int(round(end / STEP))] = who
    return out


@pytest.fixture(scope="module")
def demo_call(demo_truths):
    name = sample(demo_truths, "demo_01_perfect")
    audio = load_audio(SAMPLES / name)
    return audio, demo_truths[name]


def test_two_voices_get_their_known_turns(demo_call):
    audio, truth = demo_call
    mix = (audio.channels[0] + audio.channels[1]) / 2
    found = diarize(mix)
    assert found.voices == 2
    said = _grid([(t["start"], t["end"], t["speaker"] == "client") for t in truth["turns"]], audio.duration_s)
    heard = _grid([(t.start, t.end, t.speaker) for t in found.turns], audio.duration_s)
    speech = said >= 0
    # the clusters are in no order: the better mapping of 0/1 to seller/client
    right = max(np.mean(heard[speech] == said[speech]), np.mean(heard[speech] == 1 - said[speech]))
    assert right >= 0.9
    assert all(0.0 <= t.confidence <= 1.0 for t in found.turns)
    assert all(a.end <= b.start + 1e-6 for a, b in zip(found.turns, found.turns[1:]))


def test_one_voice_is_one_speaker(demo_call):
    audio, truth = demo_call
    seller_only = audio.channels[truth["channels"]["seller"]]
    found = diarize(seller_only)
    assert found.voices == 1
    assert {t.speaker for t in found.turns} == {0}
    assert found.note.startswith("one voice found")


def test_a_call_with_no_speech_has_no_voice():
    silence = np.random.default_rng(0).normal(0, 1e-4, 16000 * 5).astype(np.float32)
    found = diarize(silence)
    assert found.voices == 0 and found.turns == ()


def test_stereo_with_the_same_mix_is_seen_as_mono(demo_call):
    audio, _ = demo_call
    mix = (audio.channels[0] + audio.channels[1]) / 2
    assert correlation(mix, mix) > 0.99
    assert abs(correlation(audio.channels[0], audio.channels[1])) < 0.3  # a real stereo call


def test_a_silent_channel_is_found():
    speech = ((0.5, 3.0), (4.0, 6.5))
    assert silent_channel(((), speech)) == 0
    assert silent_channel((speech, ((1.0, 1.1),))) == 1
    assert silent_channel((speech, speech)) is None
    assert silent_channel(((), ())) is None


def test_clusters_on_prints_far_apart_and_a_third_voice():
    rng = np.random.default_rng(1)
    a, b, c = (np.abs(rng.normal(size=256)) for _ in range(3))
    prints = np.stack([a + rng.normal(0, 0.1, 256) for _ in range(20)]
                      + [b + rng.normal(0, 0.1, 256) for _ in range(15)])
    found = two_speakers(prints)
    assert found.voices == 2
    assert len(set(found.labels[:20])) == 1 and len(set(found.labels[20:])) == 1
    assert found.labels[0] != found.labels[20]
    one = two_speakers(np.stack([a + rng.normal(0, 0.05, 256) for _ in range(30)]))
    assert one.voices == 1 and set(one.labels) == {0}


def test_windows_cover_each_region_and_short_ones_are_left_out():
    options = SegmentOptions(length_s=1.2, hop_s=0.4, min_s=0.3)
    segs = segments_of(((0.0, 0.2), (1.0, 1.8), (3.0, 6.0)), options)
    assert [s.region for s in segs].count(0) == 0
    assert [(s.start, s.end) for s in segs if s.region == 1] == [(1.0, 1.8)]
    long = [s for s in segs if s.region == 2]
    assert long[0].start == 3.0 and long[-1].end == 6.0
    assert all(round(s.end - s.start, 3) == 1.2 for s in long)


def test_a_change_of_speaker_inside_a_region_is_placed_and_weak_leans_stay_unknown():
    from pipeline.diarization.clustering import Clusters
    from pipeline.diarization.segments import Segment

    segs = [Segment(round(s, 1), round(s + 1.2, 1), 0) for s in np.arange(0.0, 8.9, 0.4)]
    lean = np.array([0.3 if s.end <= 5.0 else (-0.3 if s.start >= 4.0 else 0.0) for s in segs])
    clusters = Clusters(np.where(lean >= 0, 0, 1), lean, 0.7, 2)
    turns = turns_of(((0.0, 10.0),), segs, clusters, lean, 10.0)
    assert [t.speaker for t in turns] == [0, 1]
    assert turns[0].end == pytest.approx(4.5, abs=0.5)
    weak = turns_of(((0.0, 10.0),), segs, clusters, lean * 0.05, 10.0)
    assert {t.speaker for t in weak} == {-1}


def test_the_encoder_weights_come_from_the_installed_wheel():
    path = weights_path()
    assert path.name == "pretrained.pt" and path.stat().st_size > 10_000_000


def test_bench_reports_diarization_per_minute_of_audio(demo_call):
    from pipeline.bench import BenchResult, CallTiming, render_markdown
    from pipeline.diarization.diarize import COST
    from pipeline.settings import TranscriptionOptions

    audio, _ = demo_call
    before = (COST.seconds, COST.audio_s)
    diarize(audio.channels[0][: 16000 * 10])
    assert COST.audio_s - before[1] == pytest.approx(10.0) and COST.seconds > before[0]
    timing = CallTiming("m.wav", 60.0, {"decode": 0.1, "transcribe": 5.0, "analyse": 0.1, "store": 0.0}, 400.0)
    text = render_markdown(BenchResult([timing], [], diarization_s=1.5, diarized_audio_s=60.0), TranscriptionOptions())
    assert "Diarization of the mono calls, inside the transcribe column: 1.50 s per minute of audio (60 s" in text
    assert "Diarization" not in render_markdown(BenchResult([timing], []), TranscriptionOptions())


def test_an_unsure_hello_on_the_wrong_voice_does_not_swap_the_roles():
    from pipeline.diarization.roles import diarized_roles
    from pipeline.records import Utterance
    from pipeline.transcribe import ChannelText

    seller = ChannelText(0, (Utterance("unknown", 1.5, 4.0, "Приветствую, с вами говорит Светлана.", channel=0,
                                       speaker_confidence=0.9),), 0)
    client = ChannelText(1, (Utterance("unknown", 0.8, 1.3, "Алло", channel=1, speaker_confidence=0.38),
                             Utterance("unknown", 5.1, 9.0, "Добрый, ищу пиломатериалы.", channel=1,
                                       speaker_confidence=0.95)), 0)
    assert diarized_roles([seller, client], lambda _t: 0.0) == ("seller", "client")
    # a voice with no sure line still counts from its first one
    unsure = ChannelText(1, (Utterance("unknown", 0.8, 1.3, "Алло", channel=1, speaker_confidence=0.38),), 0)
    assert diarized_roles([seller, unsure], lambda _t: 0.0) == ("client", "seller")


def test_the_evaluation_keeps_stereo_transcripts_in_its_cache(tmp_path, monkeypatch):
    """A rerun after a diarization change transcribes only the mono mixes: the stereo transcript
    (and what it cost) is read back from --cache, the same as it was made."""
    from pipeline.diarization import evaluation
    from pipeline.records import Transcript, Utterance

    made = Transcript(utterances=(Utterance("seller", 0.5, 2.0, "Добрый день", channel=0),), duration_s=3.0,
                      channels=2, speech_regions=(((0.5, 2.0),), ()), channel_roles=("seller", "client"))
    calls: list[str] = []
    monkeypatch.setattr(evaluation, "transcribe_file", lambda path, options, standard: calls.append(path.name) or made)
    first, _ = evaluation._transcribe(tmp_path / "call.flac", None, tmp_path / "cache")
    again, seconds = evaluation._transcribe(tmp_path / "call.flac", None, tmp_path / "cache")
    assert calls == ["call.flac"] and (tmp_path / "cache" / "call.stereo.json").exists()
    assert again.utterances[0].text == "Добрый день" and again.speech_regions == made.speech_regions
    assert again.channel_roles == made.channel_roles and seconds >= 0
    evaluation._transcribe(tmp_path / "call.flac", None, None)  # no cache: transcribed every time
    assert calls == ["call.flac", "call.flac"]
