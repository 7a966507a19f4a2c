"""Database fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL is not optional by default: if it is unreachable the tests fail,
because a storage layer only tested on SQLite hides dialect bugs. Set
CALLQA_SKIP_POSTGRES=1 to skip those runs deliberately.

Each PostgreSQL test session gets its own schema (callqa_test_<random>),
selected with search_path and dropped at the end, so no other data in that
database is touched. Each test runs in a transaction that is rolled back.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from pipeline.storage.db import open_database

DEFAULT_TEST_POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql")

__all__ = ["db_engine", "db_connection", "db_session", "postgres_schema_url", "empty_database_url"]


def _postgres_base_url() -> str:
    return os.environ.get("CALLQA_TEST_POSTGRES_URL") or DEFAULT_TEST_POSTGRES_URL


@contextmanager
def _fresh_postgres_schema() -> Iterator[str]:
    """URL of a new, empty schema in the test PostgreSQL; dropped afterwards."""
    if os.environ.get("CALLQA_SKIP_POSTGRES") == "1":
        pytest.skip("PostgreSQL tests skipped: CALLQA_SKIP_POSTGRES=1")
    base = make_url(_postgres_base_url())
    shown = base.render_as_string(hide_password=True)
    schema = f"callqa_test_{secrets.token_hex(4)}"
    admin = create_engine(base)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except OperationalError as exc:
        admin.dispose()
        pytest.fail(
            f"PostgreSQL at {shown} is unreachable ({exc.orig}). Start it, point "
            "CALLQA_TEST_POSTGRES_URL at one, or set CALLQA_SKIP_POSTGRES=1 to skip.",
            pytrace=False,
        )
    try:
        url = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str]:
    """One schema for the session's rolled-back storage tests."""
    with _fresh_postgres_schema() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own, for a test that commits (several sessions, processes)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'callqa.db'}"
        return
    with _fresh_postgres_schema() as url:
        yield url


@pytest.fixture(scope="session", params=BACKENDS)
def db_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated engine per backend, built through the real `open_database`."""
    if request.param == "sqlite":
        url = f"sqlite:///{Path(tmp_path_factory.mktemp('db')) / 'callqa.db'}"
    else:
        url = request.getfixturevalue("postgres_schema_url")
    engine = open_database(url).kw["bind"]
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def db_connection(db_engine: Engine) -> Iterator[Connection]:
    """A connection inside an outer transaction that is always rolled back."""
    with db_engine.connect() as conn:
        outer = conn.begin()
        try:
            yield conn
        finally:
            outer.rollback()


@pytest.fixture
def db_session(db_connection: Connection) -> Iterator[Session]:
    """A Session whose commits become savepoints in the rolled-back transaction."""
    session = Session(bind=db_connection, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
