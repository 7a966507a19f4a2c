"""The demo calls as the real batch stored them, on SQLite and on PostgreSQL.

`tests/conftest_review.py` stores the demo calls once per session in an SQLite file; a test module
that imports `review_db_url` from here runs each of its tests on a copy of that file and on a fresh
PostgreSQL schema with the same rows (migrated by `open_database`, then filled table by table), so
what it checks of the storage (purge, scans, the access log's triggers) is checked on both dialects.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from pipeline.storage.db import open_database
from pipeline.storage.models import Base


def _utc(value: Any) -> Any:
    # SQLite gives back the naive UTC it stored; PostgreSQL would read a naive time in its own zone
    return value.replace(tzinfo=timezone.utc) if isinstance(value, datetime) and value.tzinfo is None else value


def copy_database(source_url: str, target_url: str) -> None:
    """Every row of the database at `source_url` into the empty one at `target_url` (migrated here)."""
    source = create_engine(source_url)
    target = open_database(target_url).kw["bind"]
    try:
        with source.connect() as src, target.begin() as dst:
            for table in Base.metadata.sorted_tables:
                rows = [{k: _utc(v) for k, v in row._mapping.items()} for row in src.execute(select(table))]
                if rows:
                    dst.execute(insert(table), rows)
                if target.dialect.name == "postgresql" and "id" in table.c and table.c.id.type.python_type is int:
                    # the copied ids were given, not drawn: the next insert must not draw one of them
                    dst.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                     f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"))
    finally:
        source.dispose()
        target.dispose()


@pytest.fixture
def review_db_url(empty_database_url: str, review_seed_db: Path) -> str:
    """The demo calls' database of this test, on each backend (`empty_database_url`'s parameters)."""
    if make_url(empty_database_url).get_backend_name() == "sqlite":
        shutil.copy(review_seed_db, make_url(empty_database_url).database or "")
    else:
        copy_database(f"sqlite:///{review_seed_db}", empty_database_url)
    return empty_database_url
