"""Personal data spans per analysis: where a call's names, numbers and addresses are.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: Union[str, Sequence[str], None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "personal_data_spans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("utterance_idx", sa.Integer(), nullable=False),
        sa.Column("char_start", sa.Integer(), nullable=False),
        sa.Column("char_end", sa.Integer(), nullable=False),
        sa.Column("start", sa.Double(), nullable=False),
        sa.Column("end", sa.Double(), nullable=False),
        sa.Column("detector", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(["analysis_id"], ["analyses.id"], ondelete="CASCADE",
                                name=op.f("fk_personal_data_spans_analysis_id_analyses")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_spans")),
        sa.UniqueConstraint("analysis_id", "idx", name=op.f("uq_personal_data_spans_analysis_id_idx")),
    )


def downgrade() -> None:
    op.drop_table("personal_data_spans")
