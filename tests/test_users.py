"""`callqa user`: the password policy, an existing seller, list, disable, enable, reset-password, delete.

Issue 17, «Security» 7. The commands run through typer's runner on a real
database; sign-ins go through the real app.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from pipeline.cli import app as cli
from pipeline.storage.db import open_database
from pipeline.storage.models import SellerRow, UserRow
from pipeline.storage.repository import get_or_create_seller
from pipeline.storage.reviews import record_action
from pipeline.storage.users import password_problem
from tests.review_small import PASSWORDS, SmallReview, sign_in
from tests.review_small import small_review  # noqa: F401  (fixture)

GOOD = "tea-kettle-on-the-stove"


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'users.db'}"
    sessions = open_database(url)
    with sessions.begin() as session:
        get_or_create_seller(session, "Ольга")
    sessions.kw["bind"].dispose()
    return url


def user(db: str, *args: str, password: str | None = None):
    result = CliRunner().invoke(cli, ["user", *args, "--db", db],
                                input=None if password is None else password + "\n")
    return result


def add(db: str, name: str, *args: str, password: str = GOOD):
    return user(db, "add", name, *args, "--password-stdin", password=password)


@pytest.mark.parametrize("password, problem", [
    ("x", "at least 12 characters, got 1"), ("short-pass1", "at least 12 characters, got 11"),
    ("Qwerty123456", "commonly used"), ("ЙЦУКЕНГШЩЗХЪ", "commonly used"), ("olga-the-seller", "user name"),
    ("abababababab", "too few different characters")])
def test_the_password_policy_refuses(password: str, problem: str) -> None:
    found = password_problem(password, "olga")
    assert found is not None and problem in found


def test_the_password_policy_accepts_a_long_uncommon_password() -> None:
    assert password_problem(GOOD, "olga") is None
    assert password_problem("пароль-на-кухне-2026", "olga") is None


def test_add_refuses_a_weak_password_and_stores_nothing(db: str) -> None:
    result = add(db, "lead", "--role", "qa_lead", password="x")
    assert result.exit_code == 2
    assert "password: at least 12 characters, got 1" in result.output
    assert "lead" not in user(db, "list").output


def test_a_seller_must_exist_and_a_near_miss_is_named(db: str) -> None:
    latin_a = "Ольгa"  # the last letter is Latin
    result = add(db, "olga", "--role", "seller", "--seller", latin_a)
    assert result.exit_code == 2
    assert "did you mean «Ольга»?" in result.output and "--create-seller" in result.output
    typo = add(db, "olga", "--role", "seller", "--seller", "Ольгв")
    assert typo.exit_code == 2 and "did you mean «Ольга»?" in typo.output
    unknown = add(db, "olga", "--role", "seller", "--seller", "Пётр")
    assert unknown.exit_code == 2 and "no such seller" in unknown.output and "did you mean" not in unknown.output
    sessions = open_database(db)
    with sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(SellerRow)) == 1  # nothing was created
        assert session.scalar(select(func.count()).select_from(UserRow)) == 0
    assert add(db, "olga", "--role", "seller", "--seller", "Ольга").exit_code == 0
    created = add(db, "petr", "--role", "seller", "--seller", "Пётр", "--create-seller")
    assert created.exit_code == 0, created.output
    with sessions.begin() as session:
        assert set(session.scalars(select(SellerRow.name))) == {"Ольга", "Пётр"}
    sessions.kw["bind"].dispose()


def test_list_disable_enable_reset_and_delete(db: str) -> None:
    assert add(db, "lead", "--role", "qa_lead").exit_code == 0
    assert add(db, "olga", "--role", "seller", "--seller", "Ольга").exit_code == 0
    listed = user(db, "list").output.splitlines()
    assert [line.split("\t")[:4] for line in listed] == [["lead", "qa_lead", "-", "active"],
                                                         ["olga", "seller", "Ольга", "active"]]
    assert user(db, "disable", "olga").exit_code == 0
    assert "disabled" in user(db, "list").output.splitlines()[1]
    assert user(db, "enable", "olga").exit_code == 0
    assert "active" in user(db, "list").output.splitlines()[1]
    weak = user(db, "reset-password", "olga", "--password-stdin", password="olga")
    assert weak.exit_code == 2 and "password:" in weak.output
    assert user(db, "reset-password", "olga", "--password-stdin", password="another-long-one").exit_code == 0
    missing = user(db, "disable", "nobody")
    assert missing.exit_code == 2 and "user 'nobody': no such user (users: lead, olga)" in missing.output
    assert user(db, "delete", "olga").exit_code == 0
    assert [line.split("\t")[0] for line in user(db, "list").output.splitlines()] == ["lead"]


def test_delete_keeps_the_audit_trail(small_review: SmallReview) -> None:
    """A user with review actions is refused (disable instead); their actions keep their author."""
    with small_review.sessions.begin() as session:
        from pipeline.storage.reviews import get_user

        lead = get_user(session, "lead")
        assert lead is not None
        record_action(session, lead, small_review.calls["Анна"], "mark_reviewed")
    refused = user(small_review.url, "delete", "lead")
    assert refused.exit_code == 2
    assert "1 review action(s)" in refused.output and "callqa user disable" in refused.output
    assert "lead\tqa_lead" in user(small_review.url, "list").output
    assert user(small_review.url, "delete", "boris").exit_code == 0  # never acted


def test_a_disabled_user_cannot_sign_in_and_their_sessions_end(small_review: SmallReview) -> None:
    with TestClient(small_review.app) as anna, TestClient(small_review.app) as other:
        sign_in(anna, "anna")
        assert anna.get("/api/me").status_code == 200
        result = user(small_review.url, "disable", "anna")
        assert result.exit_code == 0 and "1 session(s) ended" in result.output
        assert anna.get("/api/me").status_code == 401
        refused = other.post("/api/login", json={"name": "anna", "password": PASSWORDS["anna"]})
        assert refused.status_code == 401
        assert user(small_review.url, "enable", "anna").exit_code == 0
        sign_in(other, "anna")
        assert other.get("/api/me").json()["user"] == "anna"


def test_a_reset_password_ends_the_old_sessions(small_review: SmallReview) -> None:
    with TestClient(small_review.app) as anna:
        sign_in(anna, "anna")
        result = user(small_review.url, "reset-password", "anna", "--password-stdin", password=GOOD)
        assert result.exit_code == 0, result.output
        assert anna.get("/api/me").status_code == 401
        assert anna.post("/api/login", json={"name": "anna", "password": PASSWORDS["anna"]}).status_code == 401
        assert anna.post("/api/login", json={"name": "anna", "password": GOOD}).status_code == 200


def test_invisible_format_characters_are_removed_from_typed_text() -> None:
    """A zero-width space, word joiner, BOM or soft hyphen would make «lead\u200b» look like «lead»."""
    from pipeline.storage.sanitize import clean_text, has_hidden_characters

    assert clean_text("lead\u200b\u2060\ufeff\u00ad") == "lead"
    assert has_hidden_characters("le\u200bad")
    assert clean_text("Ольга, строка\nвторая\tтаб") == "Ольга, строка\nвторая\tтаб"  # ordinary text untouched
