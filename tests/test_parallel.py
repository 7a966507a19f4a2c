"""parallel_work on a call, from its metadata and the client's earlier calls."""

from datetime import datetime
from pathlib import Path

import pytest

from checks.analyze import analyze_transcript
from checks.standard import load_standard
from pipeline.phone.metadata import CallMetadata
from pipeline.phone.threads import ThreadCall
from tests.helpers import call

DEMO = Path(__file__).resolve().parent.parent / "scripts_ref" / "stroydom.yaml"
CLIENT = "+79161234567"
LINES = (("seller", 0.0, "Добрый день, компания СтройДом, меня зовут Павел."), ("client", 4.0, "Здравствуйте."))


@pytest.fixture(scope="module")
def standard():
    return load_standard(DEMO)


def meta(seller: str = "Павел", number: str | None = CLIENT, when: datetime | None = datetime(2026, 11, 9, 10)):
    return CallMetadata(call_id="1762682400.7", started_at=when, direction="inbound", client_number=number,
                        extension="102", seller=seller, seller_status="mapped", queue=None, disposition="ANSWERED",
                        ring_s=3.0, leg=None, channel_roles=None, sources=("cdr:line 7",))


def earlier(seller: str, day: int) -> ThreadCall:
    return ThreadCall("1762070400.1", CLIENT, seller, datetime(2026, 11, day, 10))


def findings(standard, metadata, history):
    result = analyze_transcript(call(*LINES), standard, metadata=metadata, history=history)
    return result, [f for f in result.findings if f.type == "parallel_work"]


def test_another_seller_a_week_before_is_parallel_work(standard):
    _, got = findings(standard, meta(), (earlier("Ирина", 2),))
    assert len(got) == 1
    f = got[0]
    assert f.details["other_seller"] == "Ирина" and f.details["gap_days"] == 7.0
    assert "Ирина" in f.evidence and "Павел" in f.evidence and "14 days" in f.reference


@pytest.mark.parametrize("history", [
    (),
    (earlier("Павел", 2),),  # the same seller: his own thread
    (ThreadCall("x", CLIENT, "Ирина", datetime(2026, 10, 20, 10)),),  # 20 days before: handed over
])
def test_no_other_seller_in_the_window_is_fine(standard, history):
    _, got = findings(standard, meta(), history)
    assert got == []


@pytest.mark.parametrize("metadata", [None, meta(number=None), meta(when=None), meta(seller="unknown")])
def test_without_number_time_or_seller_the_check_is_skipped_and_says_why(standard, metadata):
    result, got = findings(standard, metadata, (earlier("Ирина", 2),))
    assert got == []
    assert any(s.startswith("parallel_work@1: the phone system gave no") for s in result.checks_skipped)
