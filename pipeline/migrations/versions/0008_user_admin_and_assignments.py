"""Users can be disabled; calls can be assigned to a reviewer; a dismissal keeps its reason code.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: Union[str, Sequence[str], None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    # nullable columns without foreign keys: SQLite adds them in place
    with op.batch_alter_table("users", recreate="never") as batch:
        batch.add_column(sa.Column("disabled_at", _WHEN, nullable=True))
    with op.batch_alter_table("review_actions", recreate="never") as batch:
        batch.add_column(sa.Column("reason", sa.String(100), nullable=True))
    op.create_table(
        "assignments",
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["analysis_id"], ["analyses.id"], ondelete="CASCADE",
                                name=op.f("fk_assignments_analysis_id_analyses")),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_assignments_assignee_id_users")),
        sa.ForeignKeyConstraint(["assigned_by_id"], ["users.id"],
                                name=op.f("fk_assignments_assigned_by_id_users")),
        sa.PrimaryKeyConstraint("analysis_id", name=op.f("pk_assignments")),
    )
    op.create_index("ix_assignments_assignee_id", "assignments", ["assignee_id"])


def downgrade() -> None:
    op.drop_index("ix_assignments_assignee_id", table_name="assignments")
    op.drop_table("assignments")
    with op.batch_alter_table("review_actions", recreate="never") as batch:
        batch.drop_column("reason")
    with op.batch_alter_table("users", recreate="never") as batch:
        batch.drop_column("disabled_at")
