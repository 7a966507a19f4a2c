"""Persistence for callqa: SQLAlchemy models, migrations and a repository.

ORM rows never leave this package; callers get the frozen records from
`pipeline.records` back, so the rest of the pipeline does not depend on the
database.
"""
