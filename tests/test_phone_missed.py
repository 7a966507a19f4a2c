"""Missed calls and parallel work over a day of calls to two sellers, in Asterisk's CDR layout."""

from datetime import datetime, timedelta

import pytest

from pipeline.phone.cdr import load_cdr
from pipeline.phone.missed import missed_calls, summarise
from pipeline.phone.sellers import load_sellers
from pipeline.phone.threads import ThreadCall, client_threads, parallel_work

SELLERS_YAML = """\
sellers:
  - name: Ирина
    extensions: ["101"]
  - name: Павел
    extensions: ["102"]
"""


def row(uid: str, src: str, dst: str, dstchannel: str, start: str, answer: str, disposition: str,
        duration: int = 60, billsec: int = 40) -> str:
    """One line as cdr_csv writes it (text quoted, numbers bare, an empty answer for a missed call)."""
    answer_field = f'"{answer}"' if answer else ""
    return (f'"","{src}","{dst}","from-trunk","{src}","PJSIP/mts-0000001f","{dstchannel}","Dial","",'
            f'"{start}",{answer_field},"{start}",{duration},{billsec},"{disposition}","DOCUMENTATION","{uid}",""')


DAY = [
    # client A rings Ирина at 09:05, nobody answers, nobody calls back: a finding on Ирина
    row("1.1", "89161111111", "74951234567", "PJSIP/101-00000001", "2026-11-02 09:05:00", "", "NO ANSWER", 30, 0),
    # client B: Павел is busy at 10:00, calls back at 10:40 (within 2 h): forgiven
    row("1.2", "+7 (916) 222-22-22", "74951234567", "PJSIP/102-00000002", "2026-11-02 10:00:00", "", "BUSY", 2, 0),
    row("1.3", "102", "89162222222", "PJSIP/mts-00000003", "2026-11-02 10:40:00", "2026-11-02 10:40:05", "ANSWERED"),
    # client C: answered by Ирина, but after 45 s of ringing (limit 30 s): a finding
    row("1.4", "89163333333", "74951234567", "PJSIP/101-00000004", "2026-11-02 10:10:00", "2026-11-02 10:10:45",
        "ANSWERED"),
    # client D: queue 600 rings both; nobody answers; called back the next day (too late): a finding on the queue
    row("1.5", "89164444444", "600", "Local/101@from-queue-00000005;1", "2026-11-02 13:00:00", "", "NO ANSWER", 20, 0),
    row("1.5", "89164444444", "600", "Local/102@from-queue-00000006;1", "2026-11-02 13:00:00", "", "NO ANSWER", 20, 0),
    row("1.6", "101", "89164444444", "PJSIP/mts-00000007", "2026-11-03 09:00:00", "2026-11-03 09:00:03", "ANSWERED"),
    # client E: a queue call answered by Павел after another member's phone rang: not missed
    row("1.7", "89165555555", "600", "Local/101@from-queue-00000008;1", "2026-11-02 13:30:00", "", "NO ANSWER", 10, 0),
    row("1.7", "89165555555", "600", "Local/102@from-queue-00000009;1", "2026-11-02 13:30:00", "2026-11-02 13:30:06",
        "ANSWERED"),
    # a withheld number cannot be called back: a finding on Павел
    row("1.8", "anonymous", "74951234567", "PJSIP/102-00000010", "2026-11-02 13:45:00", "", "NO ANSWER", 25, 0),
]


@pytest.fixture
def day(tmp_path):
    cdr = tmp_path / "Master.csv"
    cdr.write_text("\n".join(DAY) + "\n", encoding="utf-8")
    sellers = tmp_path / "sellers.yaml"
    sellers.write_text(SELLERS_YAML, encoding="utf-8")
    load = load_cdr(cdr)
    assert load.skipped == ()
    return missed_calls(load.records, load_sellers(sellers), ring_limit_s=30, callback_window=timedelta(hours=2))


def test_each_missed_call_has_its_reason_and_responsible(day):
    got = {(m.uniqueid, m.responsible, m.reason, m.is_finding) for m in day}
    assert got == {
        ("1.1", "Ирина", "NO ANSWER", True),
        ("1.2", "Павел", "BUSY", False),
        ("1.4", "Ирина", "answered after 45 s (limit 30 s)", True),
        ("1.5", "queue 600", "NO ANSWER", True),
        ("1.8", "Павел", "NO ANSWER", True),
    }


def test_call_back_is_matched_on_the_normalised_number(day):
    forgiven = next(m for m in day if m.uniqueid == "1.2")
    assert forgiven.client_number == "+79162222222"
    assert forgiven.called_back_at == datetime(2026, 11, 2, 10, 40)


def test_summary_per_seller_and_per_hour(day):
    summary = summarise(day)
    assert summary.by_responsible == {"Ирина": 2, "queue 600": 1, "Павел": 1}
    assert summary.by_hour == {9: 1, 10: 2, 13: 2}
    assert (summary.total, summary.called_back) == (5, 1)


def test_unmapped_extension_is_named_not_dropped(tmp_path):
    cdr = tmp_path / "Master.csv"
    cdr.write_text(row("2.1", "89167777777", "74951234567", "PJSIP/105-00000001", "2026-11-02 09:00:00", "", "NO ANSWER")
                   + "\n", encoding="utf-8")
    (m,) = missed_calls(load_cdr(cdr).records, None)
    assert m.responsible == "extension 105"


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour)


def call(cid: str, number: str, seller: str, when: datetime) -> ThreadCall:
    return ThreadCall(cid, number, seller, when)


def test_two_sellers_on_one_client_within_the_window_is_parallel_work():
    calls = [call("a", "+79161111111", "Ирина", at(2)), call("b", "+79161111111", "Павел", at(9))]
    (found,) = parallel_work(calls, window=timedelta(days=14))
    assert (found.first.call_id, found.second.call_id, found.gap) == ("a", "b", timedelta(days=7))


@pytest.mark.parametrize("calls", [
    # the same seller twice is one thread, not parallel work
    [call("a", "+79161111111", "Ирина", at(2)), call("b", "+79161111111", "Ирина", at(3))],
    # another seller after the window: the client was handed over, not fought over
    [call("a", "+79161111111", "Ирина", at(1)), call("b", "+79161111111", "Павел", at(25))],
    # different clients
    [call("a", "+79161111111", "Ирина", at(2)), call("b", "+79162222222", "Павел", at(2))],
    # a call whose seller is unknown proves nothing
    [call("a", "+79161111111", "unknown", at(2)), call("b", "+79161111111", "Павел", at(3))],
])
def test_not_parallel_work(calls):
    assert parallel_work(calls, window=timedelta(days=14)) == []


def test_thread_keeps_a_clients_calls_in_time_order():
    calls = [call("b", "+79161111111", "Павел", at(9)), call("x", "+79162222222", "Ирина", at(3)),
             call("a", "+79161111111", "Ирина", at(2))]
    threads = client_threads(calls)
    assert [c.call_id for c in threads["+79161111111"]] == ["a", "b"]
    assert set(threads) == {"+79161111111", "+79162222222"}


def test_each_later_call_of_a_contested_client_is_reported_once():
    calls = [call("a", "+79161111111", "Ирина", at(2)), call("b", "+79161111111", "Павел", at(4)),
             call("c", "+79161111111", "Ирина", at(6))]
    assert [(p.first.call_id, p.second.call_id) for p in parallel_work(calls)] == [("a", "b"), ("b", "c")]
