"""Users of the review app and the append-only audit trail of their review actions.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_WHEN = sa.DateTime(timezone=True)
# spelled out, not imported from the models: a migration must not change when the models do
_ROLES = "'qa_lead', 'admin', 'coach', 'seller'"
_KINDS = ("'confirm_finding', 'dismiss_finding', 'appeal_finding', 'stage_present', 'stage_absent', "
          "'override_score', 'mark_reviewed'")


def upgrade() -> None:
    # new tables only: nothing existing is altered
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.CheckConstraint(f"role IN ({_ROLES})", name=op.f("ck_users_role")),
        sa.CheckConstraint("role <> 'seller' OR seller_id IS NOT NULL", name=op.f("ck_users_seller")),
        sa.ForeignKeyConstraint(["seller_id"], ["sellers.id"], name=op.f("fk_users_seller_id_sellers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "review_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("finding_idx", sa.Integer(), nullable=True),
        sa.Column("stage_id", sa.String(200), nullable=True),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name=op.f("ck_review_actions_kind")),
        sa.CheckConstraint("kind <> 'override_score' OR (score IS NOT NULL AND comment IS NOT NULL)",
                           name=op.f("ck_review_actions_override_reason")),
        sa.ForeignKeyConstraint(["analysis_id"], ["analyses.id"],
                                name=op.f("fk_review_actions_analysis_id_analyses"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_review_actions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_actions")),
    )
    op.create_index(op.f("ix_review_actions_analysis_id"), "review_actions", ["analysis_id"])


def downgrade() -> None:
    op.drop_table("review_actions")  # its index goes with it
    op.drop_table("users")
