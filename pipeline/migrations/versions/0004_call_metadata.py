"""What the phone system says about each call, and the calls nobody answered.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    # plain ALTERs, no copy-and-move: SQLite cannot rebuild a table others point at
    with op.batch_alter_table("recordings", recreate="never") as batch:
        batch.add_column(sa.Column("call_id", sa.String(128), nullable=True))
        batch.add_column(sa.Column("started_at", _WHEN, nullable=True))
        batch.add_column(sa.Column("direction", sa.String(16), nullable=True))
        batch.add_column(sa.Column("client_number", sa.String(32), nullable=True))
        batch.add_column(sa.Column("extension", sa.String(32), nullable=True))
        batch.add_column(sa.Column("queue", sa.String(64), nullable=True))
        batch.add_column(sa.Column("disposition", sa.String(16), nullable=True))
        batch.add_column(sa.Column("ring_s", sa.Double(), nullable=True))
        # recordings stored before the phone system was read have no sources
        batch.add_column(sa.Column("metadata_sources", json_type, nullable=False, server_default=sa.text("'[]'")))
        batch.create_index("ix_recordings_call_id", ["call_id"])
        batch.create_index("ix_recordings_client_number", ["client_number"])
    op.create_table(
        "missed_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uniqueid", sa.String(128), nullable=False),
        sa.Column("started_at", _WHEN, nullable=False),
        sa.Column("client_number", sa.String(32), nullable=True),
        sa.Column("responsible", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("ring_s", sa.Double(), nullable=False),
        sa.Column("called_back_at", _WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_missed_calls"),
        sa.UniqueConstraint("uniqueid", name="uq_missed_calls_uniqueid"),
    )
    for column in ("started_at", "client_number", "responsible"):
        op.create_index(f"ix_missed_calls_{column}", "missed_calls", [column])


def downgrade() -> None:
    op.drop_table("missed_calls")
    with op.batch_alter_table("recordings", recreate="never") as batch:  # SQLite 3.35+ drops columns itself
        batch.drop_index("ix_recordings_client_number")
        batch.drop_index("ix_recordings_call_id")
        for column in ("metadata_sources", "ring_s", "disposition", "queue", "extension", "client_number",
                       "direction", "started_at", "call_id"):
            batch.drop_column(column)
