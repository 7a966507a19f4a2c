"""Managing the review app's users: the password policy, disabling, resetting, deleting.

Why it is built this way:

- `add_user` in `pipeline.storage.reviews` is the plain insert (tests and
  seeding use it); `create_user` is what `callqa user add` calls, with the
  password policy and the check that a seller user names a seller that exists.
- A disabled user keeps their row, so their review actions keep their author;
  disabling and resetting a password end every session of that user at once.
- Deleting a user who has acted in the review trail is refused: the trail is
  the audit record of who decided what. Disable them instead. A user without
  actions is removed with their sessions and the calls assigned to them.
- A seller name typed with a Latin letter in a Cyrillic name («Ольгa») would
  create a second seller whose calls nobody sees; the near-miss is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from rapidfuzz import fuzz, process
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from pipeline.storage.common_passwords import COMMON_PASSWORDS
from pipeline.storage.models import AssignmentRow, ReviewActionRow, SellerRow, UserRow, WebSessionRow
from pipeline.storage.repository import get_or_create_seller
from pipeline.storage.reviews import User, add_user, hash_password

MIN_PASSWORD = 12
SELLER_NEAR_MISS = 80  # rapidfuzz ratio (0-100) after look-alike letters are unified: one typo in 5 letters
# Latin letters that look like Cyrillic ones, as typed on the wrong keyboard layout
LOOKALIKES = str.maketrans("aAeEoOpPcCxXyBHKMTkё", "аАеЕоОрРсСхХуВНКМТке")


@dataclass(frozen=True)
class UserInfo:
    name: str
    role: str
    seller: str | None
    created_at: datetime
    disabled_at: datetime | None
    actions: int  # review actions in the trail


def password_problem(password: str, name: str = "") -> str | None:
    """Why `password` is refused, or None when the policy accepts it."""
    if len(password) < MIN_PASSWORD:
        return f"at least {MIN_PASSWORD} characters, got {len(password)}"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS:
        return "a commonly used password (pipeline/storage/common_passwords.py): choose another"
    if name and name.strip().lower() in lowered:
        return "must not contain the user name"
    if len(set(password)) < 4:
        return "too few different characters"
    return None


def check_password(password: str, name: str = "") -> None:
    problem = password_problem(password, name)
    if problem:
        raise ValueError(f"password: {problem}")


def _skeleton(name: str) -> str:
    return " ".join(name.translate(LOOKALIKES).lower().split())


def similar_seller(session: Session, name: str) -> str | None:
    """A stored seller whose name differs from `name` only by look-alike letters, case or a typo."""
    names = list(session.scalars(select(SellerRow.name)))
    found = process.extractOne(name, names, scorer=fuzz.ratio, processor=_skeleton, score_cutoff=SELLER_NEAR_MISS)
    return found[0] if found else None


def existing_seller(session: Session, name: str, create: bool = False) -> str:
    """`name` when such a seller is stored (or `create` adds it); ValueError with the near-miss otherwise."""
    name = name.strip()
    if session.scalars(select(SellerRow.id).where(SellerRow.name == name)).first() is not None:
        return name
    if create:
        get_or_create_seller(session, name)
        return name
    near = similar_seller(session, name)
    hint = f"did you mean «{near}»? " if near else ""
    raise ValueError(f"seller {name!r}: no such seller; {hint}(--create-seller adds a new one)")


def create_user(session: Session, name: str, role: str, password: str, seller: str | None = None,
                create_seller: bool = False) -> User:
    """`add_user` under the password policy, with a seller that exists (or `create_seller`)."""
    if role == "seller" and not seller:
        raise ValueError("seller: a user with role seller must name their seller (--seller)")
    check_password(password, name)
    if seller and role == "seller":
        seller = existing_seller(session, seller, create_seller)
    return add_user(session, name, role, password, seller)


def _row(session: Session, name: str) -> UserRow:
    row = session.scalars(select(UserRow).where(UserRow.name == name)).one_or_none()
    if row is None:
        known = ", ".join(session.scalars(select(UserRow.name).order_by(UserRow.name))) or "none"
        raise LookupError(f"user {name!r}: no such user (users: {known})")
    return row


def _end_sessions(session: Session, user_id: int) -> int:
    return session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user_id)).rowcount or 0


def list_users(session: Session) -> list[UserInfo]:
    actions = (select(ReviewActionRow.user_id, func.count().label("n"))
               .group_by(ReviewActionRow.user_id).subquery())
    rows = session.execute(select(UserRow, func.coalesce(actions.c.n, 0))
                           .outerjoin(actions, actions.c.user_id == UserRow.id).order_by(UserRow.name)).all()
    return [UserInfo(u.name, u.role, u.seller.name if u.seller else None, u.created_at, u.disabled_at, n)
            for u, n in rows]


def disable_user(session: Session, name: str) -> int:
    """Refuse the user's sign-ins from now on and end their sessions; returns how many ended."""
    row = _row(session, name)
    if row.disabled_at is None:
        row.disabled_at = datetime.now(timezone.utc)
    return _end_sessions(session, row.id)


def enable_user(session: Session, name: str) -> None:
    _row(session, name).disabled_at = None


def reset_password(session: Session, name: str, password: str) -> int:
    """A new password under the policy; every session of the user ends. Returns how many ended."""
    row = _row(session, name)
    check_password(password, name)
    row.password_hash = hash_password(password)
    return _end_sessions(session, row.id)


def delete_user(session: Session, name: str) -> None:
    """Remove a user who never acted; ValueError when the review trail or an assignment names them as author."""
    row = _row(session, name)
    authored = session.scalar(select(func.count()).select_from(ReviewActionRow)
                              .where(ReviewActionRow.user_id == row.id)) or 0
    assigned = session.scalar(select(func.count()).select_from(AssignmentRow)
                              .where(AssignmentRow.assigned_by_id == row.id, AssignmentRow.assignee_id != row.id)) or 0
    if authored or assigned:
        raise ValueError(f"user {name!r}: has {authored} review action(s) and {assigned} assignment(s) made in the "
                         "audit trail; disable the user instead (callqa user disable), the trail keeps its authors")
    _end_sessions(session, row.id)
    session.execute(delete(AssignmentRow).where(or_(AssignmentRow.assignee_id == row.id,
                                                    AssignmentRow.assigned_by_id == row.id)))
    session.delete(row)
    session.flush()


__all__ = ["MIN_PASSWORD", "UserInfo", "check_password", "create_user", "delete_user", "disable_user",
           "enable_user", "existing_seller", "list_users", "password_problem", "reset_password", "similar_seller"]
