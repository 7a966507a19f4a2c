"""Mono calls end to end: the committed mono demo call through the nightly batch, and what the
JSON says about a diarized call."""

from __future__ import annotations

import json
import shutil

import pytest

from checks.analyze import analyze_transcript
from pipeline.records import Transcript, Utterance
from pipeline.report import analysis_to_json
from tests.conftest import DEMO_STANDARD, SAMPLES

MONO_DEMO = SAMPLES / "2026/11/07/in-74951234567-89031234455-20261107-101500-1794035700.70.wav"


def _diarized() -> Transcript:
    return Transcript(
        utterances=(
            Utterance("seller", 0.5, 3.0, "Строй Дом, Марина, здравствуйте.", channel=1, speaker_confidence=0.93),
            Utterance("client", 3.6, 6.0, "Сколько стоит доставка в Подольск?", channel=0, speaker_confidence=0.88),
            Utterance("unknown", 6.4, 6.8, "угу", channel=2, speaker_confidence=0.1),
        ),
        duration_s=8.0, channels=3, speech_regions=(((3.6, 6.0),), ((0.5, 3.0),), ((6.4, 6.8),)),
        channel_roles=("client", "seller", "unknown"), speaker_source="diarization",
        speaker_note="two voices found (similarity 0.77)",
    )


def test_the_json_says_how_the_speakers_were_found(demo_standard):
    analysis = analyze_transcript(_diarized(), demo_standard, "call.wav")
    data = analysis_to_json(analysis)
    assert data["speaker_source"] == "diarization" and data["speaker_note"].startswith("two voices")
    assert [u["speaker_confidence"] for u in data["transcript"]] == [0.93, 0.88, 0.1]
    speakers = data["attributes"]["speakers"]
    assert speakers["voices"] == 2 and speakers["turns"][2] == {
        "start": 6.4, "end": 6.8, "speaker": "unknown", "confidence": 0.1}
    # the roles are known, so the checks that need them run; talk-over cannot be seen in one stream
    assert "interruption@1: mono: overlap not visible" in data["checks_skipped"]
    assert any(c.startswith("talk_metrics@") for c in data["checks_run"])
    assert data["metrics"]["seller_talk_share"] is not None


def test_a_stereo_call_keeps_channels_as_its_source(demo_standard):
    stereo = Transcript(utterances=(Utterance("seller", 0.5, 3.0, "Добрый день.", channel=0),), duration_s=4.0,
                        channels=2, speech_regions=(((0.5, 3.0),), ()), channel_roles=("seller", "client"))
    data = analysis_to_json(analyze_transcript(stereo, demo_standard, "call.flac"))
    assert data["speaker_source"] == "channels" and data["transcript"][0]["speaker_confidence"] is None
    assert "speakers" not in data["attributes"]
    assert not any(s.startswith("interruption@") for s in data["checks_skipped"])


@pytest.mark.model
def test_the_mono_demo_call_goes_through_the_batch_with_roles(prefect_harness, tmp_path):
    from pipeline.flow import nightly_flow, sessions_for
    from pipeline.storage.repository import load_analysis

    inbox = tmp_path / "inbox"
    (inbox / "2026" / "11" / "07").mkdir(parents=True)
    shutil.copy(MONO_DEMO, inbox / "2026" / "11" / "07" / MONO_DEMO.name)
    for name in ("Master.csv", "sellers.yaml"):
        shutil.copy(SAMPLES / name, inbox / name)
    truth = json.loads(MONO_DEMO.with_suffix(".truth.json").read_text(encoding="utf-8"))
    url = f"sqlite:///{tmp_path / 'mono.db'}"

    result = nightly_flow(str(inbox), str(DEMO_STANDARD), url)

    (outcome,) = [o for o in result.outcomes if o.path.endswith(".wav")]
    assert outcome.status == "analysed", outcome.reason
    with sessions_for(url).begin() as session:
        analysis = load_analysis(session, outcome.analysis_id)
    assert outcome.metadata.seller == "Марина"
    assert analysis.attributes["speakers"]["source"] == "diarization"
    assert analysis.attributes["speakers"]["voices"] == 2
    assert {"seller", "client"} <= {u.speaker for u in analysis.transcript.utterances}
    # the seller's first words are the seller's: the one who answered got the role
    first = min((t for t in truth["turns"] if t["speaker"] == "seller"), key=lambda t: t["start"])
    opening = next(u for u in analysis.transcript.utterances if u.end > first["start"])
    assert opening.speaker == "seller"
    assert "interruption@1: mono: overlap not visible" in analysis.checks_skipped
    found = {h.stage_id: h.present for h in analysis.stages}
    assert {s: found[s] for s in ("greeting", "meeting_proposal")} == {
        "greeting": truth["stages"]["greeting"], "meeting_proposal": truth["stages"]["meeting_proposal"]}
