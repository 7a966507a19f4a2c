"""The review app: the queue's sort key on scores, the indexes its filters use, login sessions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_WHEN = sa.DateTime(timezone=True)
# spelled out, not imported from pipeline.records: a migration must not change when the code does
_RANK = ("CASE severity WHEN 'critical' THEN 3 WHEN 'major' THEN 2 WHEN 'minor' THEN 1 ELSE 0 END")


def upgrade() -> None:
    # the most severe finding of the call, kept beside its score: the queue sorts on both,
    # and a max() over all findings of 100,000 calls on every page would not stay quick
    with op.batch_alter_table("scores", recreate="never") as batch:  # SQLite 3.35+ alters in place
        batch.add_column(sa.Column("severity_rank", sa.Integer(), nullable=False, server_default="0"))
    op.execute(f"UPDATE scores SET severity_rank = COALESCE((SELECT MAX({_RANK}) FROM findings "
               "WHERE findings.analysis_id = scores.analysis_id), 0)")
    op.create_index("ix_scores_queue", "scores", ["flagged", "severity_rank", "score"])
    # each recording's newest analysis, so the queue need not search for a newer one per call
    with op.batch_alter_table("recordings", recreate="never") as batch:
        batch.add_column(sa.Column("latest_analysis_id", sa.Integer(), nullable=True))
    op.execute("UPDATE recordings SET latest_analysis_id = "
               "(SELECT MAX(id) FROM analyses WHERE analyses.recording_id = recordings.id)")
    op.create_index("ix_recordings_latest_analysis_id", "recordings", ["latest_analysis_id"])
    op.create_index("ix_findings_type_analysis", "findings", ["type", "analysis_id"])
    op.create_index("ix_stage_results_absent", "stage_results", ["stage_id", "present", "analysis_id"])
    op.create_index("ix_recordings_seller_started", "recordings", ["seller_id", "started_at"])
    op.create_index("ix_recordings_started_at", "recordings", ["started_at"])
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("expires_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_web_sessions_token_sha256")),
    )


def downgrade() -> None:
    op.drop_table("web_sessions")
    for name, table in (("ix_recordings_latest_analysis_id", "recordings"), ("ix_recordings_started_at", "recordings"),
                        ("ix_recordings_seller_started", "recordings"), ("ix_stage_results_absent", "stage_results"),
                        ("ix_findings_type_analysis", "findings"), ("ix_scores_queue", "scores")):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("scores", recreate="never") as batch:  # SQLite 3.35+ alters in place
        batch.drop_column("severity_rank")
    with op.batch_alter_table("recordings", recreate="never") as batch:
        batch.drop_column("latest_analysis_id")
