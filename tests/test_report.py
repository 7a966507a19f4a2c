"""The JSON report (README «JSON output»): its version and the `attributes` object."""

from __future__ import annotations

import json

from checks.analyze import analyze_transcript
from pipeline.report import FORMAT_VERSION, analysis_to_json
from tests.helpers import call
from tests.test_lead import GREETING

CALL = (GREETING, ("client", 5.0, "Нужен газобетон в Подольск, я от организации."),
        ("seller", 9.0, "Когда вам нужен товар?"), ("client", 11.0, "Срочно, завтра."))


def test_attributes_hold_the_lead_and_the_segment(demo_standard):
    data = json.loads(json.dumps(analysis_to_json(analyze_transcript(call(*CALL), demo_standard, "a.flac")),
                                 ensure_ascii=False))
    assert data["format_version"] == FORMAT_VERSION == 2
    lead, segment = data["attributes"]["lead"], data["attributes"]["segment"]
    assert set(data["attributes"]) == {"lead", "segment"}
    assert set(lead) == {"priority", "rule", "reasons", "asked", "not_asked", "answers"}
    assert lead["priority"] in {"hot", "warm", "cold"}
    assert lead["answers"] == [{"field": "term", "category": "urgency", "value": 1, "label": "urgent",
                                "evidence": {"start": 11.0, "end": 11.315, "speaker": "client", "quote": "Срочно,",
                                             "reference": "срочно", "match_score": 100.0}}]
    assert set(segment) == {"size", "geography", "ownership", "industry", "products", "relationship"}
    assert segment["geography"]["value"] == "moscow_region" and segment["ownership"]["value"] == "company"
    assert set(segment["products"]) == {"value", "evidence", "others"}


def test_attributes_are_empty_when_their_checks_did_not_run(demo_standard):
    data = analysis_to_json(analyze_transcript(call(*CALL, stereo=False), demo_standard))
    assert data["attributes"] == {}


def test_batch_json_lists_calls_with_metadata_and_missed_calls():
    from datetime import datetime
    from pathlib import Path

    from pipeline.batch import Outcome
    from pipeline.phone.metadata import CallMetadata
    from pipeline.phone.missed import MissedCall
    from pipeline.report import batch_to_json

    meta = CallMetadata(call_id="1.1", started_at=datetime(2026, 11, 2, 9, 30), direction="inbound",
                        client_number="+79161112233", extension="101", seller="Ольга", seller_status="mapped",
                        queue=None, disposition="ANSWERED", ring_s=7.0, leg=None, channel_roles=None,
                        sources=("cdr:line 1", "filename"))
    missed = MissedCall("2.2", datetime(2026, 11, 3, 12, 40), None, "queue 600", "NO ANSWER", 25.0, None)
    out = batch_to_json([Outcome("a.flac", "skipped", "already analysed", analysis_id=3, metadata=meta),
                         Outcome("b.wav", "failed", "empty file (0 bytes)")], [missed], [Path("reports/x/team.html")])
    text = json.dumps(out, ensure_ascii=False)  # plain JSON: dates as ISO strings
    assert out["calls"][0]["metadata"]["seller"] == "Ольга"
    assert out["calls"][0]["metadata"]["started_at"] == "2026-11-02T09:30:00"
    assert out["calls"][1]["metadata"] is None and out["calls"][1]["reason"].startswith("empty")
    assert out["missed_calls"] == [{"uniqueid": "2.2", "started_at": "2026-11-03T12:40:00", "client_number": None,
                                    "responsible": "queue 600", "reason": "NO ANSWER", "ring_s": 25.0,
                                    "called_back_at": None, "is_finding": True}]
    assert out["reports"] == ["reports/x/team.html"] and '"format_version": 2' in text
