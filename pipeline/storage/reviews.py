"""Users, roles and the review trail: the storage side of the review app.

Why it is built this way:

- Append-only: a review never changes the automatic result (findings, stage
  results, score rows stay as the checks wrote them) nor an earlier action.
  Every confirm, dismiss, appeal, stage correction, score override and
  «reviewed» mark is a new `review_actions` row with its user and time.
- Latest wins, by id (ids only grow; two actions in the same second still
  have an order). A second reviewer's conflicting override is shown, the
  first stays in the trail.
- The role rules are pure functions (`can_see`, `can_review`, `can_act`), so
  the web app checks every route with the same code the tests pin down, and
  `record_action` checks them once more.
- `DatabaseReviews` feeds the scorecards (`pipeline.reports.queries.ReviewSource`):
  a finding whose latest action is a dismissal is counted out; a call counts
  as reviewed while its latest «reviewed» mark is newer than any appeal; a
  call's latest score override is its score.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from pipeline.storage.models import (
    REVIEW_KINDS,
    USER_ROLES,
    AnalysisRow,
    FindingRow,
    RecordingRow,
    ReviewActionRow,
    SellerRow,
    StageResultRow,
    UserRow,
)
from pipeline.storage.repository import get_or_create_seller
from pipeline.storage.sanitize import clean_text, has_hidden_characters

FINDING_KINDS: tuple[str, ...] = ("confirm_finding", "dismiss_finding", "appeal_finding")
STAGE_KINDS: tuple[str, ...] = ("stage_present", "stage_absent")
REVIEWER_ROLES: frozenset[str] = frozenset({"qa_lead", "admin"})
READ_ALL_ROLES: frozenset[str] = frozenset({"qa_lead", "admin", "coach"})

MAX_COMMENT = 4000  # characters of a comment or reason

_hasher = PasswordHasher()  # argon2id with the library's current defaults


# --- records (ORM rows never leave the package) ------------------------------------


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    seller: str | None  # the seller whose calls a `seller` user sees


@dataclass(frozen=True)
class ReviewAction:
    id: int
    analysis_id: int
    user: str
    kind: str
    finding_idx: int | None
    stage_id: str | None
    score: float | None
    comment: str | None  # the reason, for an override or an appeal
    created_at: datetime
    reason: str | None = None  # a dismissal's reason code (the standard's list)


@dataclass(frozen=True)
class ReviewState:
    """What a reviewer sees on the call page: the latest decisions, and how they came about."""

    analysis_id: int
    findings: dict[int, ReviewAction]  # finding idx -> latest confirm/dismiss/appeal
    stages: dict[str, ReviewAction]  # stage id -> latest present/absent
    score_override: ReviewAction | None  # latest override: .score, .comment is the reason
    reviewed: bool  # marked reviewed, and no appeal since
    trail: tuple[ReviewAction, ...]  # every action, oldest first

    @property
    def dismissed(self) -> frozenset[int]:
        return frozenset(i for i, a in self.findings.items() if a.kind == "dismiss_finding")

    @property
    def appealed(self) -> frozenset[int]:
        """Findings whose latest action is an appeal: back in the QA lead's queue."""
        return frozenset(i for i, a in self.findings.items() if a.kind == "appeal_finding")


# --- role rules (pure) -------------------------------------------------------------


def can_see(user: User, seller_of_call: str | None) -> bool:
    """qa_lead, admin and coach see every call; a seller only calls attributed to them."""
    if user.role in READ_ALL_ROLES:
        return True
    return user.role == "seller" and user.seller is not None and user.seller == seller_of_call


def can_review(user: User) -> bool:
    """Confirm, dismiss, correct stages, override, mark reviewed: qa_lead and admin only."""
    return user.role in REVIEWER_ROLES


def can_act(user: User, kind: str, seller_of_call: str | None) -> bool:
    """May `user` record an action of `kind` on a call of `seller_of_call`? A seller may only appeal their own."""
    if kind == "appeal_finding":
        return user.role == "seller" and can_see(user, seller_of_call)
    return kind in REVIEW_KINDS and can_review(user)


# --- users -------------------------------------------------------------------------


def user_from_row(row: UserRow) -> User:
    return User(row.id, row.name, row.role, row.seller.name if row.seller else None)


def add_user(session: Session, name: str, role: str, password: str, seller_name: str | None = None) -> User:
    """Create a user with an argon2id password hash; a `seller` user must name their seller."""
    name = name.strip()
    if not name:
        raise ValueError("name: must not be empty")
    if has_hidden_characters(name):
        raise ValueError(f"name {name!r}: control or bidi characters are not allowed")
    if role not in USER_ROLES:
        raise ValueError(f"role {role!r}: expected one of {', '.join(USER_ROLES)}")
    if role == "seller" and not seller_name:
        raise ValueError("seller: a user with role seller must name their seller (--seller)")
    if role != "seller" and seller_name:
        raise ValueError(f"seller: only a user with role seller is tied to a seller, not {role}")
    if not password:
        raise ValueError("password: must not be empty")
    if session.scalars(select(UserRow.id).where(UserRow.name == name)).first() is not None:
        raise ValueError(f"name {name!r}: a user with this name exists")
    seller = get_or_create_seller(session, seller_name) if seller_name else None
    row = UserRow(name=name, role=role, password_hash=hash_password(password), seller=seller)
    session.add(row)
    session.flush()
    return user_from_row(row)


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(UserRow)) or 0


def get_user(session: Session, name: str) -> User | None:
    row = session.scalars(select(UserRow).where(UserRow.name == name)).one_or_none()
    return user_from_row(row) if row else None


def hash_password(password: str) -> str:
    """An argon2id PHC string with the library's current parameters."""
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    """A hash nobody knows the password of, made once per process (`prepare_logins` makes it at start)."""
    return _hasher.hash(secrets.token_urlsafe(32))


def prepare_logins() -> None:
    """Make the dummy hash now, so that the first unknown name does not take one hashing longer."""
    _dummy_hash()


def verify_password(session: Session, name: str, password: str) -> User | None:
    """The user when `password` is theirs and they are not disabled, else None (unknown name included).

    An unknown, disabled or unstorable name (a NUL, which PostgreSQL refuses in
    text) is still checked against a dummy hash: one argon2 verification on
    every path, so the answer's time does not tell which names exist. A stored
    hash made with older parameters is re-hashed with the current ones.
    """
    row = None if "\x00" in name else session.scalars(select(UserRow).where(UserRow.name == name)).one_or_none()
    if row is None or row.disabled_at is not None:
        try:
            _hasher.verify(_dummy_hash() if row is None else row.password_hash, password)
        except (VerificationError, InvalidHashError):
            pass
        return None
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
    return user_from_row(row)


# --- actions -----------------------------------------------------------------------


def _action(row: ReviewActionRow) -> ReviewAction:
    # stored in UTC; SQLite hands it back without its zone
    when = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=timezone.utc)
    return ReviewAction(row.id, row.analysis_id, row.user.name, row.kind, row.finding_idx, row.stage_id,
                        row.score, row.comment, when, row.reason)


def seller_of_analysis(session: Session, analysis_id: int) -> str | None:
    """The seller a call is attributed to (None: unknown). Raises LookupError for an unknown analysis."""
    found = session.execute(
        select(AnalysisRow.id, SellerRow.name)
        .join(RecordingRow, RecordingRow.id == AnalysisRow.recording_id)
        .outerjoin(SellerRow, SellerRow.id == RecordingRow.seller_id)
        .where(AnalysisRow.id == analysis_id)
    ).first()
    if found is None:
        raise LookupError(f"analysis_id {analysis_id}: no such analysis")
    return found[1]


def record_action(session: Session, user: User, analysis_id: int, kind: str, *, finding_idx: int | None = None,
                  stage_id: str | None = None, score: float | None = None, comment: str | None = None,
                  reason: str | None = None) -> ReviewAction:
    """Append one review action after checking the kind, its fields and the user's role.

    `reason` is a dismissal's reason code; which codes are valid is the caller's
    (the app checks them against the standard's list).

    ValueError names the offending field; PermissionError when the role forbids it;
    LookupError for an unknown analysis.
    """
    if kind not in REVIEW_KINDS:
        raise ValueError(f"kind {kind!r}: expected one of {', '.join(REVIEW_KINDS)}")
    comment = clean_text(comment or "").strip() or None  # no bidi overrides or control characters shown
    if not can_act(user, kind, seller_of_analysis(session, analysis_id)):
        raise PermissionError(f"user {user.name!r} ({user.role}) may not {kind} on analysis {analysis_id}")
    wants_finding, wants_stage = kind in FINDING_KINDS, kind in STAGE_KINDS
    if (finding_idx is not None) != wants_finding:
        raise ValueError(f"finding_idx: {'required' if wants_finding else 'not allowed'} for {kind}")
    if (stage_id is not None) != wants_stage:
        raise ValueError(f"stage_id: {'required' if wants_stage else 'not allowed'} for {kind}")
    if (score is not None) != (kind == "override_score"):
        raise ValueError(f"score: {'required' if kind == 'override_score' else 'not allowed'} for {kind}")
    if finding_idx is not None:
        known = session.scalars(select(FindingRow.idx).where(FindingRow.analysis_id == analysis_id)).all()
        if finding_idx not in known:
            raise ValueError(f"finding_idx {finding_idx}: analysis {analysis_id} has "
                             f"{'findings ' + ', '.join(map(str, sorted(known))) if known else 'no findings'}")
    if stage_id is not None:
        known_stages = session.scalars(
            select(StageResultRow.stage_id).where(StageResultRow.analysis_id == analysis_id)).all()
        if stage_id not in known_stages:
            raise ValueError(f"stage_id {stage_id!r}: analysis {analysis_id} has stages "
                             f"{', '.join(sorted(known_stages)) or 'none'}")
    if score is not None and not (math.isfinite(score) and 0 <= score <= 100):
        raise ValueError(f"score {score}: expected 0 to 100")
    if comment is not None and len(comment) > MAX_COMMENT:
        raise ValueError(f"comment: at most {MAX_COMMENT} characters, got {len(comment)}")
    if kind in ("override_score", "appeal_finding") and comment is None:
        raise ValueError(f"comment: a reason is required for {kind}")
    reason = (reason or "").strip() or None
    if reason is not None and has_hidden_characters(reason):  # a code: refused rather than quietly changed
        raise ValueError(f"reason {reason!r}: control or bidi characters are not allowed")
    if reason is not None and (kind != "dismiss_finding" or len(reason) > 100):
        raise ValueError(f"reason: a reason code (at most 100 characters) goes with dismiss_finding only, not {kind}")
    row = ReviewActionRow(analysis_id=analysis_id, user_id=user.id, kind=kind, finding_idx=finding_idx,
                          stage_id=stage_id, score=score, comment=comment, reason=reason)
    session.add(row)
    session.flush()
    return _action(row)


def review_state(session: Session, analysis_id: int) -> ReviewState:
    """The latest decision per finding and per stage, the latest override, the reviewed flag and the trail."""
    rows = session.scalars(
        select(ReviewActionRow).where(ReviewActionRow.analysis_id == analysis_id).order_by(ReviewActionRow.id)
    ).all()
    trail = tuple(_action(r) for r in rows)
    findings: dict[int, ReviewAction] = {}
    stages: dict[str, ReviewAction] = {}
    override: ReviewAction | None = None
    reviewed = False
    for a in trail:  # oldest first: later actions replace earlier ones
        if a.kind in FINDING_KINDS and a.finding_idx is not None:
            findings[a.finding_idx] = a
        elif a.kind in STAGE_KINDS and a.stage_id is not None:
            stages[a.stage_id] = a
        elif a.kind == "override_score":
            override = a
        if a.kind == "mark_reviewed":
            reviewed = True
        elif a.kind == "appeal_finding":
            reviewed = False  # an appeal puts the call back in the queue
    return ReviewState(analysis_id, findings, stages, override, reviewed, trail)


# --- the scorecards' review source --------------------------------------------------


class DatabaseReviews:
    """`pipeline.reports.queries.ReviewSource` over `review_actions`: id subqueries, no session needed."""

    def reviewed_analyses(self) -> Select[Any]:
        a = ReviewActionRow
        last_mark = func.max(case((a.kind == "mark_reviewed", a.id), else_=0))
        last_appeal = func.max(case((a.kind == "appeal_finding", a.id), else_=0))
        return (select(a.analysis_id)
                .where(a.kind.in_(("mark_reviewed", "appeal_finding")))
                .group_by(a.analysis_id)
                .having(last_mark > last_appeal))

    def dismissed_findings(self) -> Select[Any]:
        a = ReviewActionRow
        latest = (select(func.max(a.id).label("id"))
                  .where(a.kind.in_(FINDING_KINDS))
                  .group_by(a.analysis_id, a.finding_idx)
                  .subquery())
        return (select(FindingRow.id)
                .join(a, and_(a.analysis_id == FindingRow.analysis_id, a.finding_idx == FindingRow.idx))
                .join(latest, latest.c.id == a.id)
                .where(a.kind == "dismiss_finding"))


    def score_overrides(self) -> Select[Any]:
        a = ReviewActionRow
        latest = (select(func.max(a.id).label("id")).where(a.kind == "override_score")
                  .group_by(a.analysis_id).subquery())
        return select(a.analysis_id, a.score).join(latest, latest.c.id == a.id)


DATABASE_REVIEWS = DatabaseReviews()

__all__ = [
    "DATABASE_REVIEWS",
    "DatabaseReviews",
    "FINDING_KINDS",
    "ReviewAction",
    "ReviewState",
    "STAGE_KINDS",
    "User",
    "add_user",
    "can_act",
    "can_review",
    "can_see",
    "count_users",
    "get_user",
    "hash_password",
    "prepare_logins",
    "record_action",
    "review_state",
    "seller_of_analysis",
    "user_from_row",
    "verify_password",
]
