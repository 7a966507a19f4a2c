"""Integration: the real Whisper model on the committed demo calls."""

import pytest

from tests.conftest import sample

pytestmark = pytest.mark.model


def test_seller_channel_is_the_one_that_answers(demo_analyses, demo_truths):
    for name, analysis in demo_analyses.items():
        truth = demo_truths[name]
        if truth.get("mono"):  # diarized: the seller is the voice that says the first seller turn
            first = min((t for t in truth["turns"] if t["speaker"] == "seller"), key=lambda t: t["start"])
            assert next(u for u in analysis.transcript.utterances if u.end > first["start"]).speaker == "seller", name
            continue
        seller_channel = truth["channels"]["seller"]
        assert analysis.transcript.channel_roles[seller_channel] == "seller", name


def test_words_have_timestamps_inside_their_utterance(demo_analyses):
    for analysis in demo_analyses.values():
        assert analysis.transcript.utterances
        for u in analysis.transcript.utterances:
            assert u.words, u.text
            assert all(u.start - 0.5 <= w.start <= w.end <= u.end + 0.5 for w in u.words)


def test_stages_agree_with_ground_truth(demo_analyses, demo_truths):
    agree = total = 0
    for name, analysis in demo_analyses.items():
        for hit in analysis.stages:
            expected = demo_truths[name]["stages"].get(hit.stage_id)
            if expected is None:
                continue
            total += 1
            agree += hit.present == expected
    assert agree / total >= 0.9, f"{agree}/{total} stage decisions agree with the truth"


def test_present_stages_point_at_the_right_speaker_and_second(demo_analyses, demo_truths):
    for name, analysis in demo_analyses.items():
        seller_turns = [t for t in demo_truths[name]["turns"] if t["speaker"] == "seller"]
        for hit in analysis.stages:
            if not hit.present:
                continue
            ev = hit.evidence
            assert ev.speaker == "seller", (name, hit.stage_id)
            # the quoted words lie inside one of the seller's real turns
            assert any(t["start"] - 1.0 <= ev.start and ev.end <= t["end"] + 1.0 for t in seller_turns), (
                name, hit.stage_id, ev)


def test_planted_wrong_answer_and_dead_air_are_found_at_their_seconds(demo_analyses, demo_truths):
    name = sample(demo_truths, "demo_04_wrong_answer_dead_air")
    truth = {f["type"]: f for f in demo_truths[name]["findings"]}
    found = {f.type: f for f in demo_analyses[name].findings}
    wrong = found["wrong_answer"]
    assert wrong.details["expected"] == "2500 руб." and wrong.details["stated"] == "4000 руб."
    assert truth["wrong_answer"]["start"] - 1 <= wrong.start <= truth["wrong_answer"]["end"]
    pause = found["multitasking_pause"]
    assert pause.details["kind"] == "dead_air"
    assert pause.start == pytest.approx(truth["multitasking_pause"]["start"], abs=0.5)
    assert pause.end == pytest.approx(truth["multitasking_pause"]["end"], abs=0.5)
    assert demo_analyses[name].score.flagged


def test_announced_hold_is_not_a_finding_on_a_real_call(demo_analyses, demo_truths):
    analysis = demo_analyses[sample(demo_truths, "demo_06_hold_correct")]
    assert not [f for f in analysis.findings if f.type == "multitasking_pause"]
    assert analysis.metrics["holds"] == 1


def test_voice_activity_keeps_every_spoken_turn(demo_truths):
    """Only speech regions are transcribed, so they must cover every word said on 8 kHz audio."""
    from pipeline.audio import load_audio
    from pipeline.vad import overlap_s, speech_regions
    from tests.conftest import SAMPLES

    for name, truth in demo_truths.items():
        audio = load_audio(SAMPLES / name)
        regions = {role: speech_regions(audio.channels[ch]) for role, ch in truth["channels"].items()}
        for turn in truth["turns"]:
            missed = turn["end"] - turn["start"] - overlap_s(turn["start"], turn["end"], regions[turn["speaker"]])
            # the synthesiser's own edge silence may fall outside; a word (>= 0.25 s) may not
            assert missed < 0.25, (name, turn, missed)


def test_mono_recording_is_diarized_into_seller_and_client(tmp_path, demo_standard, demo_truths):
    """A mono mix of a demo call: diarization gives the two voices their roles, the checks that
    need roles run, and talk-over, which one stream cannot show, is skipped with the reason."""
    import numpy as np
    import soundfile as sf

    from checks.analyze import analyze_transcript
    from pipeline.batch import transcribe_file
    from pipeline.settings import TranscriptionOptions
    from tests.conftest import SAMPLES

    name = sample(demo_truths, "demo_01_perfect")
    stereo, rate = sf.read(SAMPLES / name)
    sf.write(tmp_path / "mono.wav", stereo.mean(axis=1).astype(np.float32), rate)
    transcript = transcribe_file(tmp_path / "mono.wav", TranscriptionOptions(), demo_standard)
    assert transcript.speaker_source == "diarization" and transcript.channel_roles[:2] in (
        ("seller", "client"), ("client", "seller"))
    analysis = analyze_transcript(transcript, demo_standard, "mono.wav")
    present = {h.stage_id for h in analysis.stages if h.present}
    assert {"greeting", "meeting_proposal"} <= present
    assert all(h.evidence.speaker == "seller" for h in analysis.stages if h.present)
    assert analysis.metrics["seller_talk_share"] is not None
    assert "interruption@1: mono: overlap not visible" in analysis.checks_skipped
    assert analysis.attributes["speakers"]["source"] == "diarization"
