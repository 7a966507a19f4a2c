"""The batch's terminal tables name calls the way a QA lead finds them: seller and time."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from rich.console import Console

from pipeline.batch import Outcome
from pipeline.phone.metadata import CallMetadata
from pipeline.records import Finding
from pipeline.summary import parallel_table


def _metadata(seller: str, call_id: str, started_at: datetime | None) -> CallMetadata:
    return CallMetadata(call_id=call_id, started_at=started_at, direction="inbound", client_number="+79035556677",
                        extension="201", seller=seller, seller_status="mapped", queue=None, disposition="ANSWERED",
                        ring_s=3.0, leg=None, channel_roles=None, sources=("filename",))


def _rendered(started_at: datetime | None) -> str:
    finding = Finding("parallel_work", "major", 0.0, 0.0, "seller", "", details={
        "client_number": "+79035556677", "other_seller": "Ирина", "other_call": "1793612402.14",
        "other_started_at": "2026-11-02T11:40:02", "gap_days": 3.14})
    # the table reads only the findings of an analysis
    outcome = Outcome("in-x.wav", "analysed", analysis=SimpleNamespace(findings=(finding,)),  # type: ignore[arg-type]
                      metadata=_metadata("Анна", "1793883944.37", started_at))
    table = parallel_table([outcome])
    assert table is not None
    console = Console(width=200, record=True)
    console.print(table)
    return console.export_text()


def test_parallel_work_names_both_calls_by_seller_and_time():
    text = _rendered(datetime(2026, 11, 5, 15, 5, 44))
    assert "Ирина, 2026-11-02 11:40" in text and "Анна, 2026-11-05 15:05" in text
    assert "1793612402.14" not in text and "1793883944.37" not in text


def test_a_call_without_a_start_time_keeps_its_id():
    assert "Анна, 1793883944.37" in _rendered(None)
