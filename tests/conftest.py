"""Shared pytest fixtures; each concern keeps its own in a conftest_<name>.py."""

from tests.conftest_storage import *  # noqa: F401,F403  (db_engine, db_connection, db_session)
