"""Several workers on one inbox: claims with a lease; a changed file links to its earlier version.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("worker", sa.String(200), nullable=False),
        sa.Column("claimed_at", _WHEN, nullable=False),
        sa.Column("expires_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_claims")),
    )
    # no foreign key, like latest_analysis_id: SQLite then adds the column in place
    with op.batch_alter_table("recordings", recreate="never") as batch:
        batch.add_column(sa.Column("previous_id", sa.Integer(), nullable=True))
    op.create_index("ix_recordings_path", "recordings", ["path"])


def downgrade() -> None:
    op.drop_index("ix_recordings_path", table_name="recordings")
    with op.batch_alter_table("recordings", recreate="never") as batch:
        batch.drop_column("previous_id")
    op.drop_table("claims")
