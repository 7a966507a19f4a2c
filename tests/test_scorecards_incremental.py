"""The nightly scorecards redraw only what changed (issue 20), and stay right."""

from __future__ import annotations

import pickle
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from pipeline.reports import current
from pipeline.reports.current import MANIFEST, content_key, write_current_reports
from pipeline.storage.db import open_database
from tests.scorecard_seed import plan_calls, seed, store_call

WEEK = date(2026, 11, 18)  # 2026-W47


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    made = open_database(f"sqlite:///{tmp_path / 'sc.db'}")
    with made.begin() as session:
        seed(session)
    return made


def drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The file names the next writes actually draw (the real renderer still runs)."""
    names: list[str] = []
    real = current.write_report

    def spy(report, fmt, out, *args, **kwargs):  # type: ignore[no-untyped-def]
        names.append(out.name)
        return real(report, fmt, out, *args, **kwargs)

    monkeypatch.setattr(current, "write_report", spy)
    return names


def test_a_rerun_draws_only_the_reports_whose_figures_changed(sessions, tmp_path, monkeypatch):
    out = tmp_path / "reports"
    first = write_current_reports(sessions, out, WEEK)
    names = drawn(monkeypatch)
    assert write_current_reports(sessions, out, WEEK) == first and names == []

    # a late call of Анна's from the week before: the team report compares this week with that
    # one, so it changes; the sellers' cards show this week only (each beside the team's)
    plan = next(p for p in plan_calls() if p.seller == "Анна")
    with sessions.begin() as session:
        store_call(session, replace(plan, sha="f" * 64, local=datetime(2026, 11, 10, 10, 0),
                                    analysed_utc=datetime(2026, 11, 18, tzinfo=timezone.utc), score=31.0))
    (out / "2026-W47" / "Борис.pdf").unlink()  # a file gone from the folder is drawn again too
    assert sorted(p.name for p in write_current_reports(sessions, out, WEEK)) == sorted(p.name for p in first)
    assert sorted(names) == sorted(["team.html", "team.pdf", "Борис.pdf"])

    # what is on disk is what a fresh night would draw: the HTML, byte for byte
    fresh = tmp_path / "fresh"
    write_current_reports(sessions, fresh, WEEK)
    for html in (out / "2026-W47").glob("*.html"):
        assert html.read_bytes() == (fresh / "2026-W47" / html.name).read_bytes(), html.name
    assert (out / "2026-W47" / "Борис.pdf").read_bytes().startswith(b"%PDF")


def test_a_changed_link_address_or_a_broken_manifest_redraws(sessions, tmp_path, monkeypatch):
    out = tmp_path / "reports"
    write_current_reports(sessions, out, WEEK)
    names = drawn(monkeypatch)
    write_current_reports(sessions, out, WEEK, review_url="https://qa.example/review")
    assert sorted(set(names)) == sorted(f"{s}.{f}" for s in ("Анна", "Борис", "Вера", "Глеб", "Дина")
                                        for f in ("html", "pdf"))  # the team report has no call links
    names.clear()
    (out / "2026-W47" / MANIFEST).write_text("{not json", encoding="utf-8")
    write_current_reports(sessions, out, WEEK, review_url="https://qa.example/review")
    assert len(names) == 12


def test_the_key_is_the_same_in_another_process(sessions):
    """A set inside a report (the lead's asked categories) must not make each night's key new."""
    from pipeline.reports.period import current_week
    from pipeline.reports.queries import load_period, seller_scorecard
    from pipeline.storage.reviews import DATABASE_REVIEWS

    with sessions.begin() as session:
        data = load_period(session, current_week(WEEK), "Europe/Moscow", DATABASE_REVIEWS)
        card = seller_scorecard(session, data, "Анна", reviews=DATABASE_REVIEWS)
    here = content_key(card, "html", {}, None)
    code = ("import pickle,sys; from pipeline.reports.current import content_key; "
            "print(content_key(pickle.loads(sys.stdin.buffer.read()), 'html', {}, None))")
    for seed_value in ("1", "2"):
        there = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(card), capture_output=True,
                               check=True, env={"PYTHONHASHSEED": seed_value, "PATH": ""},
                               cwd=Path(__file__).resolve().parent.parent).stdout.decode().strip()
        assert there == here


def test_two_writers_of_one_folders_manifest_do_not_take_each_others_file(tmp_path):
    """Two workers on one inbox write the week's manifest at once: each through its own
    temporary file, so one's rename never finds the other's gone (a FileNotFoundError before)."""
    import threading

    from pipeline.reports.current import MANIFEST, _read_manifest, _write_manifest

    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(200):
                _write_manifest(tmp_path, {"writer": str(n), "i": str(i)})
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _read_manifest(tmp_path)["i"] == "199" and (tmp_path / MANIFEST).exists()
    assert not list(tmp_path.glob("*.tmp"))
