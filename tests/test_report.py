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
