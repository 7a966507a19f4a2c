"""The review queue is a list, not a view of each call: it shows a QA lead clients' numbers cut to
their last digits, and the call page, whose opening is logged, shows the number in full."""

from __future__ import annotations

import re

import pytest

from pipeline.review.privacy import number_tail
from pipeline.storage.access_log import read_access_log
from pipeline.storage.db import open_database
from tests.conftest_review import Planted, login

FULL_NUMBER = re.compile(r"(?<!\d)\+?[78]\d{10}(?!\d)")


def test_number_tail_keeps_the_last_four_digits_of_each_number() -> None:
    assert number_tail("+79161112233") == "…2233"
    assert number_tail("in-74951234567-89035556677-20261102-114002.flac") == "in-…4567-…6677-20261102-114002.flac"
    assert number_tail("20261102-114002-1793612402.14") == "20261102-114002-1793612402.14"  # no phone in it


@pytest.mark.usefixtures("planted")
def test_a_qa_lead_reads_number_tails_in_the_queue_and_the_full_number_on_the_logged_call_page(
        review_client, review_db_url: str, planted: Planted) -> None:
    login(review_client, "lead")
    calls = review_client.get("/api/queue?all=true").json()["calls"]
    numbers = [c["client_number"] for c in calls if c["client_number"]]
    assert numbers and all(n.startswith("…") and len(n) == 5 for n in numbers)
    assert not any(FULL_NUMBER.search(c["recording"]) for c in calls)
    page = review_client.get("/queue?all=1").text
    assert not FULL_NUMBER.search(page) and "…" in page
    sessions = open_database(review_db_url)
    with sessions.begin() as session:
        assert not list(read_access_log(session, None))  # the list logged nothing
    call = review_client.get(f"/api/calls/{planted.analysis_id}").json()
    assert FULL_NUMBER.fullmatch(call["client_number"])
    with sessions.begin() as session:
        assert [(e.user, e.action, e.analysis_id) for e in read_access_log(session, None)] == [
            ("lead", "view_call", planted.analysis_id)]
    sessions.kw["bind"].dispose()


def test_the_scorecards_page_shows_a_qa_lead_number_tails_too(review_client) -> None:
    """Its calls to hear are a list like the queue: file names with the numbers cut to their tails."""
    login(review_client, "lead")
    page = review_client.get("/scorecards").text
    assert "in-…" in page and not FULL_NUMBER.search(page)
