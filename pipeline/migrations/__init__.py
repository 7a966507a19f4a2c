"""Alembic migration scripts for the callqa schema (run by `pipeline.storage.db`)."""
