"""Opening the database: URL, engine, migrations, sessions.

The schema is owned by Alembic; `open_database` always upgrades to head
first, so a fresh file or an older database is brought up to date before any
query runs and nobody has to remember a separate migrate step.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, delete, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from pipeline.storage.models import ClaimRow
from pipeline.storage.plain import dumps, plain_parameters

DEFAULT_DATABASE_URL = "sqlite:///callqa.db"
DATABASE_URL_ENV = "CALLQA_DATABASE_URL"
SQLITE_BUSY_TIMEOUT_S = 60.0
MIGRATION_LOCK_ID = 0x63616C6C7161  # "callqa": a PostgreSQL advisory lock no other app is likely to take
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def database_url() -> str:
    """The URL from $CALLQA_DATABASE_URL, else a SQLite file in the current directory."""
    return os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic Config built in code, so no alembic.ini has to ship or be found."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        rendered = url.render_as_string(hide_password=False) if isinstance(url, URL) else url
        # ConfigParser interpolation: a literal % (e.g. in a password) must be doubled.
        cfg.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return cfg


def _sqlite_setup(engine: Engine) -> None:
    """Turn on foreign keys and make transactions behave as SQLAlchemy expects.

    pysqlite opens transactions lazily and mishandles SAVEPOINT; the
    documented fix is to let SQLAlchemy emit BEGIN itself. That also makes
    migrations transactional and test rollbacks complete.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock up front: two workers whose transactions read and
        # then write would otherwise deadlock, and SQLite fails one of them at once
        # instead of letting it wait (SQLITE_BUSY). Waiting is what a busy timeout is for.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _send_plain_values(engine: Engine) -> None:
    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _plain(_conn: Connection, _cursor: Any, statement: str, parameters: Any, _context: Any,
               _executemany: bool) -> tuple[str, Any]:
        return statement, plain_parameters(parameters)


def create_db_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An Engine with callqa's per-backend settings applied; every value it sends is plain Python."""
    if make_url(url).get_backend_name() == "sqlite":
        # several workers share one file: wait for a writer to finish rather than fail at once
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S, **kwargs.get("connect_args", {})}
    engine = create_engine(url, json_serializer=dumps, **kwargs)
    _send_plain_values(engine)
    if engine.dialect.name == "sqlite":
        _sqlite_setup(engine)
    return engine


def _set_sqlite_foreign_keys(conn: Connection, on: bool) -> None:
    # Must run outside a transaction (the pragma is a no-op inside one),
    # hence straight on the DBAPI connection, which is in autocommit mode.
    conn.connection.driver_connection.execute(  # type: ignore[union-attr]
        f"PRAGMA foreign_keys={'ON' if on else 'OFF'}"
    )


def migrate(engine: Engine) -> None:
    """Upgrade the schema to head, in one transaction.

    On SQLite, foreign keys are off while migrating: batch mode recreates
    tables, and dropping a parent table with keys on would cascade-delete
    child rows. Integrity is checked before they are turned back on.
    """
    cfg = alembic_config(engine.url)
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            _set_sqlite_foreign_keys(conn, False)
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    # workers starting together must not both create the schema: one waits
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                _set_sqlite_foreign_keys(conn, True)


def open_database(url: str | URL | None = None, **engine_kwargs: Any) -> sessionmaker[Session]:
    """Migrate the database at `url` (default: `database_url()`) and return a sessionmaker.

    Use it as `with Session.begin() as session: ...`; repository functions
    never commit on their own.
    """
    engine = create_db_engine(make_url(url or database_url()), **engine_kwargs)
    migrate(engine)
    return sessionmaker(engine, expire_on_commit=False)


class DatabaseNotWritable(RuntimeError):
    """The database takes no writes (read-only, full, no permission): the run must not start."""


def check_writable(sessions: sessionmaker[Session]) -> None:
    """Write and remove a probe row, each committed; raises SQLAlchemy's error if either fails."""
    key = f"writable-probe:{os.getpid()}:{secrets.token_hex(4)}"
    now = datetime.now(timezone.utc)
    with sessions.begin() as session:
        session.add(ClaimRow(key=key, worker="writable-probe", claimed_at=now, expires_at=now))
    with sessions.begin() as session:
        session.execute(delete(ClaimRow).where(ClaimRow.key == key))
