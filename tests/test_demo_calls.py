"""Integration: the real Whisper model on the committed demo calls."""

import pytest

pytestmark = pytest.mark.model


def test_seller_channel_is_found_by_who_greets_first(demo_analyses, demo_truths):
    for name, analysis in demo_analyses.items():
        truth = demo_truths[name]
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
