"""Which reviewer a call is given to: the `assignments` table (one row per analysis, replaced on reassignment).

Why separate from the review trail: an assignment is work planning, not a
decision about the call, so it is overwritten rather than appended, and it
never changes a score or the calibration set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from pipeline.storage.models import AnalysisRow, AssignmentRow, UserRow
from pipeline.storage.reviews import REVIEWER_ROLES, User


@dataclass(frozen=True)
class Reviewer:
    id: int
    name: str


def reviewers(session: Session) -> list[Reviewer]:
    """Who can be given calls: QA leads and admins who are not disabled."""
    rows = session.execute(select(UserRow.id, UserRow.name)
                           .where(UserRow.role.in_(sorted(REVIEWER_ROLES)), UserRow.disabled_at.is_(None))
                           .order_by(UserRow.name))
    return [Reviewer(i, n) for i, n in rows]


def assign(session: Session, by: User, analysis_ids: Iterable[int], assignee: str | None) -> int:
    """Give the calls to `assignee` (None: take them back); returns how many calls changed hands.

    ValueError names the field: an unknown or non-reviewer assignee, or an unknown call.
    """
    ids = sorted(set(analysis_ids))
    if not ids:
        raise ValueError("analysis_ids: choose at least one call")
    known = set(session.scalars(select(AnalysisRow.id).where(AnalysisRow.id.in_(ids))))
    missing = [i for i in ids if i not in known]
    if missing:
        raise ValueError(f"analysis_ids: no such call {', '.join(map(str, missing))}")
    session.execute(delete(AssignmentRow).where(AssignmentRow.analysis_id.in_(ids)))
    if assignee is None:
        return len(ids)
    target = next((r for r in reviewers(session) if r.name == assignee), None)
    if target is None:
        raise ValueError(f"assignee {assignee!r}: not a QA lead or admin who can review")
    session.add_all(AssignmentRow(analysis_id=i, assignee_id=target.id, assigned_by_id=by.id) for i in ids)
    session.flush()
    return len(ids)


def assignees(session: Session, analysis_ids: Iterable[int]) -> dict[int, str]:
    """analysis id -> the name of the reviewer it is given to, for one page of the queue."""
    ids = list(analysis_ids)
    if not ids:
        return {}
    rows = session.execute(select(AssignmentRow.analysis_id, UserRow.name)
                           .join(UserRow, UserRow.id == AssignmentRow.assignee_id)
                           .where(AssignmentRow.analysis_id.in_(ids)))
    return {aid: name for aid, name in rows}


def assigned_to(user_id: int) -> Select[Any]:
    """The ids of the calls given to a user, as a subquery for the queue's «мои» filter."""
    return select(AssignmentRow.analysis_id).where(AssignmentRow.assignee_id == user_id)


__all__ = ["Reviewer", "assign", "assigned_to", "assignees", "reviewers"]
