"""SQLAlchemy models: the tables callqa keeps its results in.

Why the shape is what it is:

- A recording is identified by the sha256 of its audio, not by its path, so a
  file that is copied or renamed in the inbox is analysed once.
- An analysis is keyed by (recording, engine, model, standard id, standard
  version). Re-scoring with a changed standard or model adds a new row and
  keeps the old one, so scores stay reproducible and comparable over time.
- Stage results and findings are rows, not one JSON blob, so reviewers can
  query "all calls with finding X" cheaply; small variable parts (words,
  elements, details) are JSON.
- Types are portable (JSON becomes JSONB on PostgreSQL), so the same models
  run on SQLite for a single user and on PostgreSQL for a team.
- Column names follow the record fields (`start`, `end`, `check`);
  SQLAlchemy quotes them where they are SQL keywords, but raw SQL must too.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

RECORDING_STATUSES: tuple[str, ...] = ("pending", "analysed", "failed")
USER_ROLES: tuple[str, ...] = ("qa_lead", "admin", "coach", "seller")
REVIEW_KINDS: tuple[str, ...] = (
    "confirm_finding", "dismiss_finding", "appeal_finding",
    "stage_present", "stage_absent", "override_score", "mark_reviewed",
)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"

# Named constraints let Alembic alter or drop them later, which SQLite's
# batch mode (copy-and-move) needs to do reliably.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON on SQLite, JSONB on PostgreSQL (comparable and indexable there).
JsonType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """Timestamps are set in Python, in UTC, so both backends store the same value."""
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dict[str, Any]: JsonType,
        list[Any]: JsonType,
        float: Double(),
        datetime: DateTime(timezone=True),
    }


class SellerRow(Base):
    __tablename__ = "sellers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    extension: Mapped[str | None] = mapped_column(String(32))


class RecordingRow(Base):
    """One distinct audio file, whatever path it was last seen at."""

    __tablename__ = "recordings"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'analysed', 'failed')", name="status"
        ),
        Index("ix_recordings_seller_started", "seller_id", "started_at"),
        Index("ix_recordings_started_at", "started_at"),
        Index("ix_recordings_path", "path"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)  # files may pass 2 GiB
    duration_s: Mapped[float | None]
    channels: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(
        String(16), default="pending", server_default="pending", index=True
    )
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    seller_id: Mapped[int | None] = mapped_column(
        ForeignKey("sellers.id", ondelete="SET NULL")
    )
    # what the phone system says about the call (pipeline.phone.metadata); NULL when unknown
    call_id: Mapped[str | None] = mapped_column(String(128), index=True)
    started_at: Mapped[datetime | None]
    direction: Mapped[str | None] = mapped_column(String(16))
    client_number: Mapped[str | None] = mapped_column(String(32), index=True)
    extension: Mapped[str | None] = mapped_column(String(32))
    queue: Mapped[str | None] = mapped_column(String(64))
    disposition: Mapped[str | None] = mapped_column(String(16))
    ring_s: Mapped[float | None]
    metadata_sources: Mapped[list[Any]] = mapped_column(default=list)
    # the newest analysis's id, kept by save_analysis: the review queue joins on it instead of
    # looking for a newer analysis of every call (no foreign key: analyses already point here)
    latest_analysis_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # the row this file replaced: other audio seen earlier under the same path
    previous_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    seller: Mapped[SellerRow | None] = relationship()
    analyses: Mapped[list[AnalysisRow]] = relationship(back_populates="recording")


class MissedCallRow(Base):
    """An inbound call from the CDR that nobody answered, or answered too late.

    Kept apart from recordings: a missed call usually has no audio at all.
    """

    __tablename__ = "missed_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    uniqueid: Mapped[str] = mapped_column(String(128), unique=True)
    started_at: Mapped[datetime] = mapped_column(index=True)
    client_number: Mapped[str | None] = mapped_column(String(32), index=True)
    responsible: Mapped[str] = mapped_column(String(200), index=True)
    reason: Mapped[str] = mapped_column(Text)
    ring_s: Mapped[float]
    called_back_at: Mapped[datetime | None]


class AnalysisRow(Base):
    """One run of the checks over one recording; never overwritten.

    The transcript-level fields (duration, channels, language, speech regions,
    channel roles) live here so `load_analysis` can rebuild the Transcript
    exactly; `recording_path` is the path the analysis was made from, which
    may differ from the recording's current path.
    """

    __tablename__ = "analyses"
    __table_args__ = (
        # Explicit name: the generated one is longer than PostgreSQL's 63 chars.
        UniqueConstraint(
            "recording_id",
            "engine",
            "model",
            "standard_id",
            "standard_version",
            name="uq_analyses_key",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(
        ForeignKey("recordings.id"), index=True
    )
    recording_path: Mapped[str] = mapped_column(Text)
    engine: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(200))
    standard_id: Mapped[str] = mapped_column(String(200))
    standard_version: Mapped[str] = mapped_column(String(64))
    checks_run: Mapped[list[Any]]
    checks_skipped: Mapped[list[Any]]
    # talk share, speech rate, holds; NULL values where not measurable (mono)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # structured conclusions by name: {"lead": {...}, "segment": {...}}
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    language: Mapped[str] = mapped_column(String(16))
    duration_s: Mapped[float]
    channels: Mapped[int] = mapped_column(Integer)
    speech_regions: Mapped[list[Any]]
    channel_roles: Mapped[list[Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # set by `callqa purge`: the transcript, quotes, audio path and personal data spans are gone
    purged_at: Mapped[datetime | None]

    recording: Mapped[RecordingRow] = relationship(back_populates="analyses")
    utterances: Mapped[list[UtteranceRow]] = relationship(
        order_by="UtteranceRow.idx", cascade="all, delete-orphan", passive_deletes=True
    )
    stage_results: Mapped[list[StageResultRow]] = relationship(
        order_by="StageResultRow.idx", cascade="all, delete-orphan", passive_deletes=True
    )
    findings: Mapped[list[FindingRow]] = relationship(
        order_by="FindingRow.idx", cascade="all, delete-orphan", passive_deletes=True
    )
    score: Mapped[ScoreRow | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class UtteranceRow(Base):
    __tablename__ = "utterances"
    __table_args__ = (UniqueConstraint("analysis_id", "idx"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    analysis_id: Mapped[int] = mapped_column(
        ForeignKey("analyses.id", ondelete="CASCADE")
    )
    idx: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(16))
    channel: Mapped[int] = mapped_column(Integer)
    start: Mapped[float]
    end: Mapped[float]
    text: Mapped[str] = mapped_column(Text)
    words: Mapped[list[Any]]


class StageResultRow(Base):
    """A StageHit; the evidence columns are all NULL when the hit had none."""

    __tablename__ = "stage_results"
    __table_args__ = (UniqueConstraint("analysis_id", "idx"),
                      Index("ix_stage_results_absent", "stage_id", "present", "analysis_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    analysis_id: Mapped[int] = mapped_column(
        ForeignKey("analyses.id", ondelete="CASCADE")
    )
    idx: Mapped[int] = mapped_column(Integer)
    stage_id: Mapped[str] = mapped_column(String(200))
    present: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float]
    start: Mapped[float | None]
    end: Mapped[float | None]
    speaker: Mapped[str | None] = mapped_column(String(16))
    quote: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(Text)
    match_score: Mapped[float | None]
    elements: Mapped[dict[str, Any]]
    check: Mapped[str] = mapped_column(String(200))


class FindingRow(Base):
    __tablename__ = "findings"
    __table_args__ = (UniqueConstraint("analysis_id", "idx"), Index("ix_findings_type_analysis", "type", "analysis_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    analysis_id: Mapped[int] = mapped_column(
        ForeignKey("analyses.id", ondelete="CASCADE")
    )
    idx: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(200), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    start: Mapped[float]
    end: Mapped[float]
    speaker: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(Text)
    check: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]]


class ScoreRow(Base):
    __tablename__ = "scores"
    __table_args__ = (Index("ix_scores_queue", "flagged", "severity_rank", "score"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    analysis_id: Mapped[int] = mapped_column(
        ForeignKey("analyses.id", ondelete="CASCADE"), unique=True
    )
    score: Mapped[float]
    flagged: Mapped[bool] = mapped_column(Boolean, index=True)
    reasons: Mapped[list[Any]]
    penalty: Mapped[float]
    stages: Mapped[list[Any]]  # [{"stage_id", "weight", "earned"}, ...]
    # the most severe finding's rank (pipeline.records.SEVERITY_RANK; 0 with none): the review queue's sort key
    severity_rank: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class TranscriptCacheRow(Base):
    """Transcripts are the slow step; cache them by audio hash, model and options."""

    __tablename__ = "transcript_cache"
    __table_args__ = (
        UniqueConstraint("sha256", "engine", "model", "options_key", name="uq_transcript_cache_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    engine: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(200))
    options_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FailureRow(Base):
    """Every failed attempt, kept as history (the recording row keeps only the last)."""

    __tablename__ = "failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(Text, index=True)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClaimRow(Base):
    """A worker's claim on one call's analysis, so that several workers on one inbox never
    transcribe a call twice. A claim past `expires_at` belongs to a worker that died: any
    other worker may take it over."""

    __tablename__ = "claims"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    worker: Mapped[str] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class UserRow(Base):
    """A person of the review app; a seller user is tied to the seller whose calls they see."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_one_of("role", USER_ROLES), name="role"),
        CheckConstraint("role <> 'seller' OR seller_id IS NOT NULL", name="seller"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id, PHC string
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("sellers.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None]  # a disabled user cannot sign in; their actions stay in the trail

    seller: Mapped[SellerRow | None] = relationship()


class ReviewActionRow(Base):
    """One reviewer's action on one analysis: append-only, the automatic result is never touched.

    The latest action (highest id) per finding, per stage, per score wins;
    earlier ones stay as the audit trail. `comment` is the optional comment,
    or the mandatory reason of a score override or an appeal.
    """

    __tablename__ = "review_actions"
    __table_args__ = (
        CheckConstraint(_one_of("kind", REVIEW_KINDS), name="kind"),
        CheckConstraint("kind <> 'override_score' OR (score IS NOT NULL AND comment IS NOT NULL)",
                        name="override_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    analysis_id: Mapped[int] = mapped_column(
        ForeignKey("analyses.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    finding_idx: Mapped[int | None] = mapped_column(Integer)
    stage_id: Mapped[str | None] = mapped_column(String(200))
    score: Mapped[float | None]
    comment: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(100))  # a dismissal's reason code from the standard's list
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[UserRow] = relationship()


class AssignmentRow(Base):
    """The reviewer a QA lead gave a call to; one per analysis, replaced on reassignment."""

    __tablename__ = "assignments"

    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"), primary_key=True)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    assignee: Mapped[UserRow] = relationship(foreign_keys=[assignee_id])


class WebSessionRow(Base):
    """A signed-in browser of the review app. Only the token's sha256 is kept, so a copy of
    the database does not let anyone in; the CSRF token is per session."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    user: Mapped[UserRow] = relationship()


class PersonalSpanRow(Base):
    """One piece of personal data found in an analysed call (pipeline.privacy.PersonalSpan): where it
    is, never what it says, so masking can be redone for any role without a second copy of the data."""

    __tablename__ = "personal_data_spans"
    __table_args__ = (UniqueConstraint("analysis_id", "idx"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"))
    idx: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    utterance_idx: Mapped[int] = mapped_column(Integer)
    char_start: Mapped[int] = mapped_column(Integer)
    char_end: Mapped[int] = mapped_column(Integer)
    start: Mapped[float]
    end: Mapped[float]
    detector: Mapped[str] = mapped_column(String(100))


class PersonalScanRow(Base):
    """That personal data detection ran over an analysis, and with which detectors: a call with no
    spans and no scan was never looked at, which is not the same as a call with nothing in it."""

    __tablename__ = "personal_data_scans"

    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"), primary_key=True)
    detectors: Mapped[str] = mapped_column(String(400))
    spans: Mapped[int] = mapped_column(Integer)
    scanned_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccessLogRow(Base):
    """Who saw personal data in clear, when, of which call: append-only (triggers of migration 0010
    refuse UPDATE and DELETE), with no foreign keys, so it outlives users, purges and analyses."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    analysis_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[str] = mapped_column(Text, default="")


__all__ = [
    "AccessLogRow",
    "AnalysisRow",
    "AssignmentRow",
    "Base",
    "FailureRow",
    "FindingRow",
    "PersonalScanRow",
    "PersonalSpanRow",
    "RECORDING_STATUSES",
    "RecordingRow",
    "REVIEW_KINDS",
    "ReviewActionRow",
    "ScoreRow",
    "SellerRow",
    "StageResultRow",
    "TranscriptCacheRow",
    "USER_ROLES",
    "UserRow",
    "UtteranceRow",
    "WebSessionRow",
]
