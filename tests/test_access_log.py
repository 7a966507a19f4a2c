"""The access log (issue 18): append-only in the database itself, on SQLite and PostgreSQL, and
`callqa access-log` prints it."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.storage.access_log import read_access_log, record_access
from pipeline.storage.db import open_database
from pipeline.storage.models import AccessLogRow


def test_entries_are_added_and_read_back_narrowed(empty_database_url: str) -> None:
    sessions = open_database(empty_database_url)
    with sessions.begin() as session:
        assert record_access(session, "lead", "qa_lead", "view_call", [3], "GET /call/3") == 1
        assert record_access(session, "admin", "admin", "export_queue", [3, 4, 5], "GET /api/queue/export.csv") == 3
    with sessions.begin() as session:
        everything = read_access_log(session)
        assert [(e.user, e.action, e.analysis_id) for e in everything] == [
            ("lead", "view_call", 3), ("admin", "export_queue", 3), ("admin", "export_queue", 4),
            ("admin", "export_queue", 5)]
        assert [e.user for e in read_access_log(session, analysis_id=3)] == ["lead", "admin"]
        assert [e.analysis_id for e in read_access_log(session, user="admin", limit=2)] == [4, 5]
        with pytest.raises(ValueError, match="unknown action 'peek'"):
            record_access(session, "lead", "qa_lead", "peek", [1])
    sessions.kw["bind"].dispose()


@pytest.mark.parametrize("change", [
    lambda: update(AccessLogRow).values(user_name="nobody"),
    lambda: delete(AccessLogRow),
])
def test_the_database_refuses_to_change_or_remove_an_entry(empty_database_url: str, change) -> None:
    sessions = open_database(empty_database_url)
    with sessions.begin() as session:
        record_access(session, "lead", "qa_lead", "view_call", [1])
    with pytest.raises(DBAPIError, match="append-only"), sessions.begin() as session:
        session.execute(change())
    with sessions.begin() as session:
        assert [e.user for e in read_access_log(session)] == ["lead"]
    sessions.kw["bind"].dispose()


def test_postgresql_refuses_truncate_too(empty_database_url: str) -> None:
    if not empty_database_url.startswith("postgresql"):
        pytest.skip("SQLite has no TRUNCATE")
    sessions = open_database(empty_database_url)
    with pytest.raises(DBAPIError, match="append-only"), sessions.begin() as session:
        session.execute(text("TRUNCATE access_log"))
    sessions.kw["bind"].dispose()


def test_cli_access_log_prints_who_when_which_call(empty_database_url: str) -> None:
    runner = CliRunner()
    assert "the access log is empty" in runner.invoke(app, ["access-log", "--db", empty_database_url]).output
    sessions = open_database(empty_database_url)
    with sessions.begin() as session:
        record_access(session, "lead", "qa_lead", "view_call", [7], "GET /call/7")
        record_access(session, "admin", "admin", "stream_audio", [8], "GET /call/8/audio")
    sessions.kw["bind"].dispose()
    result = runner.invoke(app, ["access-log", "--db", empty_database_url])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 2 and "lead (qa_lead)  view_call  call 7  GET /call/7" in lines[0]
    assert " UTC " in lines[0] and "stream_audio  call 8" in lines[1]
    only = runner.invoke(app, ["access-log", "--db", empty_database_url, "--call", "8"]).output
    assert "admin" in only and "lead" not in only
