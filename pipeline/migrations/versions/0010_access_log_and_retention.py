"""Personal data wired in: which analyses were scanned, the append-only access log, purged analyses.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: Union[str, Sequence[str], None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_WHEN = sa.DateTime(timezone=True)
REFUSAL = "access_log is append-only"

# The log must survive whoever it records: rows can be added, never changed or removed,
# by any client of the database, not only by callqa's own code.
_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER access_log_no_{verb.lower()} BEFORE {verb} ON access_log "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
    for verb in ("UPDATE", "DELETE")
]
_POSTGRES_TRIGGERS = [
    "CREATE FUNCTION access_log_refuse() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$",
    "CREATE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON access_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION access_log_refuse()",
]


def upgrade() -> None:
    op.create_table(
        "personal_data_scans",
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("detectors", sa.String(400), nullable=False),
        sa.Column("spans", sa.Integer(), nullable=False),
        sa.Column("scanned_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["analysis_id"], ["analyses.id"], ondelete="CASCADE",
                                name=op.f("fk_personal_data_scans_analysis_id_analyses")),
        sa.PrimaryKeyConstraint("analysis_id", name=op.f("pk_personal_data_scans")),
    )
    # no foreign keys: the log outlives users, purged calls and deleted analyses
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _WHEN, nullable=False),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
    )
    op.create_index("ix_access_log_at", "access_log", ["at"])
    op.create_index("ix_access_log_analysis_id", "access_log", ["analysis_id"])
    with op.batch_alter_table("analyses", recreate="never") as batch:
        batch.add_column(sa.Column("purged_at", _WHEN, nullable=True))
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_TRIGGERS if dialect == "sqlite" else _POSTGRES_TRIGGERS if dialect == "postgresql" else []:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS access_log_no_change ON access_log")
        op.execute("DROP FUNCTION IF EXISTS access_log_refuse()")
    with op.batch_alter_table("analyses", recreate="never") as batch:
        batch.drop_column("purged_at")
    op.drop_index("ix_access_log_analysis_id", table_name="access_log")
    op.drop_index("ix_access_log_at", table_name="access_log")
    op.drop_table("access_log")  # SQLite drops a table's triggers with it
    op.drop_table("personal_data_scans")
