"""The review app's defences: escaping, CSP, CSRF and Origin checks, cookies, path traversal,
a role check on every route, the brake on password guessing, and no open redirect.
"""

from __future__ import annotations

import hashlib
import html
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urlsplit

import anyio
import pytest
from markupsafe import escape
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from pipeline.review.auth import SESSION_COOKIE, LoginLimiter
from pipeline.storage.db import open_database
from pipeline.storage.models import (
    REVIEW_KINDS,
    AnalysisRow,
    FindingRow,
    RecordingRow,
    ReviewActionRow,
    SellerRow,
    StageResultRow,
    UtteranceRow,
    WebSessionRow,
)
from tests.conftest_review import ROLE_USERS, login

pytestmark = pytest.mark.model  # the seed database comes from the real Whisper model

ANNA, SERGEY = "Анна", "Сергей"
EVIL = "https://evil.example"


# --- helpers -------------------------------------------------------------------------


def in_db(url: str, work):
    sessions = open_database(url)
    try:
        with sessions.begin() as s:
            return work(s)
    finally:
        sessions.kw["bind"].dispose()


def n_actions(url: str) -> int:
    return in_db(url, lambda s: s.scalar(select(func.count()).select_from(ReviewActionRow)))


def calls_of(url: str, seller: str) -> list[int]:
    return in_db(url, lambda s: list(s.scalars(
        select(AnalysisRow.id).join(RecordingRow, RecordingRow.id == AnalysisRow.recording_id)
        .join(SellerRow, SellerRow.id == RecordingRow.seller_id).where(SellerRow.name == seller)
        .where(select(FindingRow.id).where(FindingRow.analysis_id == AnalysisRow.id).exists())
        .order_by(AnalysisRow.id))))


def recording_path(url: str, analysis_id: int) -> str:
    return in_db(url, lambda s: s.scalar(select(AnalysisRow.recording_path).where(AnalysisRow.id == analysis_id)))


KIND_FIELDS: dict[str, dict[str, Any]] = {  # a valid action of every kind on a call with findings
    "confirm_finding": {"finding_idx": 0, "comment": "верно"},
    "dismiss_finding": {"finding_idx": 0, "reason": "asr_error"},  # a dismissal needs a reason code
    "appeal_finding": {"finding_idx": 0, "comment": "не согласен"},
    "stage_present": {"stage_id": "greeting"},
    "stage_absent": {"stage_id": "greeting"},
    "override_score": {"score": 55, "comment": "пересчитано"},
    "mark_reviewed": {},
}


def form_action(client, token: str | None, analysis_id: int, kind: str = "mark_reviewed", **headers: str):
    data = {"kind": kind, **{k: str(v) for k, v in KIND_FIELDS[kind].items()}}
    if token is not None:
        data["csrf_token"] = token
    return client.post(f"/call/{analysis_id}/action", data=data, headers=headers, follow_redirects=False)


def api_action(client, token: str | None, analysis_id: int, kind: str = "mark_reviewed", **headers: str):
    if token is not None:
        headers["X-CSRF-Token"] = token
    return client.post(f"/api/calls/{analysis_id}/actions", json={"kind": kind, **KIND_FIELDS[kind]},
                       headers=headers)


def raw_get(app, raw_path: bytes, cookie: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET exactly `raw_path`, as a server hands it to the app (percent-decoded path, dot segments kept).

    HTTP clients (httpx included) remove «..» segments before sending; an attacker's
    raw socket does not, so the app must hold when they arrive.
    """
    headers = [(b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", f"{SESSION_COOKIE}={cookie}".encode()))
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": unquote(raw_path.decode("ascii")), "raw_path": raw_path,
             "root_path": "", "query_string": b"", "headers": headers, "client": ("127.0.0.1", 50000),
             "server": ("testserver", 80), "state": {}}
    sent: list[dict[str, Any]] = []
    requested = []

    async def receive() -> dict[str, Any]:
        if requested:  # the body was read; the client stays until the answer is complete
            await anyio.sleep_forever()
        requested.append(True)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    anyio.run(app, scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, body


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def parsed_tags(text: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every element a browser would build from `text`, with its attributes."""
    parser = _Tags()
    parser.feed(text)
    parser.close()
    return parser.tags


def csp(response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in policy.split(";")) if d}


# --- XSS -----------------------------------------------------------------------------


SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = "<svg onload=alert(2)>"
QUOTE_BREAK = '"><script>alert(3)</script>'
SELLER_XSS = "<b onmouseover=alert(4)>Марина</b>"
FILE_XSS = "<img src=x onerror=alert(5)>.flac"


def test_untrusted_text_is_only_ever_shown_escaped(review_client, review_db_url, tmp_path) -> None:
    target = calls_of(review_db_url, ANNA)[0]
    marina = calls_of(review_db_url, "Марина")[0]  # a call with findings, flagged: in the queue

    def plant(s) -> None:
        first = s.scalars(select(UtteranceRow).where(UtteranceRow.analysis_id == target)
                          .order_by(UtteranceRow.idx)).first()
        first.text = SCRIPT
        finding = s.scalars(select(FindingRow).where(FindingRow.analysis_id == target, FindingRow.idx == 0)).one()
        finding.evidence, finding.reference, finding.details = IMG, SVG, {"note": QUOTE_BREAK, SVG: "key"}
        stage = s.scalars(select(StageResultRow).where(StageResultRow.analysis_id == target,
                                                       StageResultRow.quote.is_not(None))).first()
        stage.quote = QUOTE_BREAK
        s.execute(update(SellerRow).where(SellerRow.name == "Марина").values(name=SELLER_XSS))
        moved = str(tmp_path / FILE_XSS)
        s.execute(update(AnalysisRow).where(AnalysisRow.id == marina).values(recording_path=moved))
        s.execute(update(RecordingRow).where(RecordingRow.id == select(AnalysisRow.recording_id)
                                             .where(AnalysisRow.id == marina).scalar_subquery()).values(path=moved))

    in_db(review_db_url, plant)
    token = login(review_client, "lead")
    assert api_action(review_client, token, target, "confirm_finding").status_code == 201
    response = review_client.post(f"/api/calls/{target}/actions", headers={"X-CSRF-Token": token},
                                  json={"kind": "override_score", "score": 50, "comment": IMG})
    assert response.status_code == 201

    pages = {"call": review_client.get(f"/call/{target}"), "marina": review_client.get(f"/call/{marina}"),
             "queue": review_client.get("/queue?all=1")}
    planted = {"call": (SCRIPT, IMG, SVG, QUOTE_BREAK), "marina": (SELLER_XSS, FILE_XSS), "queue": (SELLER_XSS, FILE_XSS)}
    for name, page in pages.items():
        assert page.status_code == 200, name
        for payload in planted[name]:
            assert payload not in page.text, (name, payload)
            assert str(escape(payload)) in page.text, (name, payload)
        tags = parsed_tags(page.text)
        # no planted element made it into the page, every script is an external file, no tag has a handler
        assert not {"img", "svg"} & {tag for tag, _ in tags}, name
        scripts = [dict(attrs) for tag, attrs in tags if tag == "script"]
        assert scripts == [] or all((a.get("src") or "").startswith("/static/") for a in scripts), name
        assert not [(tag, attr) for tag, attrs in tags for attr, _ in attrs if attr.startswith("on")], name
        assert "script-src 'self'" in page.headers["content-security-policy"]

    # the JSON API returns the text as data, never as HTML a browser would sniff
    api = review_client.get(f"/api/calls/{target}")
    assert api.headers["content-type"] == "application/json"
    assert api.headers["x-content-type-options"] == "nosniff"
    assert api.json()["analysis"]["transcript"][0]["text"] == SCRIPT


def test_reflected_input_is_escaped(review_client) -> None:
    page = review_client.get("/login", params={"next": "/queue" + QUOTE_BREAK})
    assert page.status_code == 200
    assert QUOTE_BREAK not in page.text and "&#34;&gt;&lt;script&gt;" in page.text
    login(review_client, "lead")
    error = review_client.get("/queue", params={"score_min": SCRIPT})
    assert error.status_code == 422
    assert SCRIPT not in error.text and html.escape(SCRIPT, quote=False) in error.text
    missing = review_client.get("/call/1%3Cscript%3E")
    assert missing.status_code == 422 and "<script>" not in missing.text.replace('<script src="', "")


def test_content_security_policy_forbids_inline_scripts(review_client, review_db_url) -> None:
    target = calls_of(review_db_url, ANNA)[0]
    answers = [review_client.get("/login"), review_client.get("/static/call.js")]
    login(review_client, "lead")
    answers += [review_client.get("/queue"), review_client.get(f"/call/{target}"), review_client.get("/call/9999"),
                review_client.get("/api/me")]
    for response in answers:
        policy = csp(response)
        assert policy["script-src"] == ["'self'"], policy
        assert policy["default-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"]
        assert not any("unsafe-eval" in v or v in ("*", "data:", "http:", "https:")
                       for v in policy["script-src"] + policy["default-src"])
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
    assert answers[1].status_code == 200 and "javascript" in answers[1].headers["content-type"]


# --- CSRF, Origin, cookies -----------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "wrong-token", "other-session"])
@pytest.mark.parametrize("route", ["form", "api", "logout"])
def test_state_changing_posts_need_the_csrf_token(review_app, review_db_url, route: str, token: str | None) -> None:
    target = calls_of(review_db_url, ANNA)[0]
    with TestClient(review_app) as client, TestClient(review_app) as other:
        right = login(client, "lead")
        if token == "other-session":
            token = login(other, "lead")  # a valid token, but of another session
            assert token != right
        if route == "form":
            response = form_action(client, token, target)
        elif route == "api":
            response = api_action(client, token, target)
        else:
            data = {} if token is None else {"csrf_token": token}
            response = client.post("/logout", data=data, follow_redirects=False)
        assert response.status_code == 403, response.text
        assert "CSRF" in response.text
        assert n_actions(review_db_url) == 0
        assert client.get("/api/me").status_code == 200  # still signed in
        assert "set-cookie" not in response.headers
        # the same request with the right token goes through: the 403 was the token's doing
        if route == "form":
            assert form_action(client, right, target).status_code == 303
        elif route == "api":
            assert api_action(client, right, target).status_code == 201
        else:
            assert client.post("/logout", data={"csrf_token": right}, follow_redirects=False).status_code == 303
            assert client.get("/api/me").status_code == 401


def test_a_get_request_changes_nothing(review_client, review_db_url) -> None:
    target = calls_of(review_db_url, ANNA)[0]
    token = login(review_client, "lead")
    for url in (f"/call/{target}/action?kind=mark_reviewed&csrf_token={token}", f"/logout?csrf_token={token}"):
        assert review_client.get(url).status_code == 405
    assert n_actions(review_db_url) == 0 and review_client.get("/api/me").status_code == 200


@pytest.mark.parametrize("origin", [EVIL, "http://evil.example", "http://testserver.evil.example",
                                    "http://evil.example/testserver", "null"])
def test_posts_from_another_origin_are_refused(review_client, review_db_url, origin: str) -> None:
    target = calls_of(review_db_url, ANNA)[0]
    token = login(review_client, "lead")
    assert form_action(review_client, token, target, Origin=origin).status_code == 403
    assert api_action(review_client, token, target, Origin=origin).status_code == 403
    assert review_client.post("/logout", data={"csrf_token": token}, headers={"Origin": origin},
                              follow_redirects=False).status_code == 403
    assert n_actions(review_db_url) == 0
    assert review_client.get("/api/me").status_code == 200

    review_client.cookies.clear()
    for response in (review_client.post("/login", data={"name": "lead", "password": ROLE_USERS["lead"][2]},
                                        headers={"Origin": origin}, follow_redirects=False),
                     review_client.post("/api/login", json={"name": "lead", "password": ROLE_USERS["lead"][2]},
                                        headers={"Origin": origin})):
        assert response.status_code == 403
        assert "set-cookie" not in response.headers
    assert review_client.get("/api/me").status_code == 401

    # the app's own pages send their own origin, and are let through
    token = login(review_client, "lead")
    assert form_action(review_client, token, target, Origin="http://testserver").status_code == 303
    assert api_action(review_client, token, target, Origin="http://testserver").status_code == 201


@pytest.mark.parametrize("via", ["form", "api"])
def test_session_cookie_is_httponly_and_samesite_strict(review_client, review_db_url, via: str) -> None:
    password = ROLE_USERS["coach"][2]
    if via == "form":
        response = review_client.post("/login", data={"name": "coach", "password": password}, follow_redirects=False)
        assert response.status_code == 303
    else:
        response = review_client.post("/api/login", json={"name": "coach", "password": password})
        assert response.status_code == 200
    cookies = response.headers.get_list("set-cookie")
    assert len(cookies) == 1
    attributes = [part.strip().lower() for part in cookies[0].split(";")]
    name, value = cookies[0].split(";")[0].split("=", 1)
    assert name == SESSION_COOKIE and len(value) >= 40
    assert "httponly" in attributes
    assert "samesite=strict" in attributes
    assert "path=/" in attributes
    assert not any(a.startswith("domain=") for a in attributes)
    # only the token's sha256 is stored: a copy of the database lets nobody in
    stored = in_db(review_db_url, lambda s: [(r.token_sha256, r.csrf_token) for r in s.scalars(select(WebSessionRow))])
    assert stored == [(hashlib.sha256(value.encode()).hexdigest(), stored[0][1])]
    assert value not in {col for row in stored for col in row}


def test_secure_cookies_behind_https(review_db_url, tmp_path) -> None:
    from pipeline.review.app import create_app
    from pipeline.review.web import ReviewSettings

    app = create_app(ReviewSettings(open_database(review_db_url), tmp_path / "cache", secure_cookies=True))
    with TestClient(app) as client:
        response = client.post("/api/login", json={"name": "lead", "password": ROLE_USERS["lead"][2]})
    attributes = [part.strip().lower() for part in response.headers["set-cookie"].split(";")]
    assert "secure" in attributes and "httponly" in attributes and "samesite=strict" in attributes


def test_signing_out_ends_the_session_on_the_server(review_client) -> None:
    token = login(review_client, "lead")
    cookie = review_client.cookies.get(SESSION_COOKIE)
    response = review_client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert 'max-age=0' in response.headers["set-cookie"].lower()
    review_client.cookies.clear()
    stolen = {"Cookie": f"{SESSION_COOKIE}={cookie}"}  # a copy of the old cookie
    assert review_client.get("/api/me", headers=stolen).status_code == 401
    assert review_client.get("/queue", headers=stolen, follow_redirects=False).status_code == 303
    assert review_client.get("/api/me", headers={"Cookie": f"{SESSION_COOKIE}=made-up"}).status_code == 401
    login(review_client, "lead")  # the probe itself works: a live cookie in the same header is accepted
    live = {"Cookie": f"{SESSION_COOKIE}={review_client.cookies.get(SESSION_COOKIE)}"}
    review_client.cookies.clear()
    assert review_client.get("/api/me", headers=live).status_code == 200


# --- path traversal ------------------------------------------------------------------


TRAVERSALS = [
    b"/call/..%2F..%2Fetc%2Fpasswd/audio",
    b"/call/..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd/audio",
    b"/call/1/audio/../../etc/passwd",
    b"/call/1/audio/..%2F..%2Fetc%2Fpasswd",
    b"/call/%2e%2e/audio",
    b"/call/1/../../../../etc/passwd",
    b"/api/calls/..%2F1/peaks",
    b"/static/../pipeline/cli.py",
    b"/static/../web.py",
    b"/static/../../cli.py",
    b"/static/vendor/../../web.py",
    b"/static/%2e%2e/%2e%2e/etc/passwd",
    b"/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    b"/static/..%2F..%2Fpipeline%2Fcli.py",
    b"/static/%2e%2e%2fweb.py",
    b"/static/..%5cweb.py",
    b"/static//etc/passwd",
    b"/static/%2Fetc%2Fpasswd",
    b"/static/....//....//etc/passwd",
]
SECRETS = (b"root:", b"import ", b"def ", b"__future__")


def test_path_traversal_never_serves_a_file(review_app, review_client, review_db_url) -> None:
    login(review_client, "lead")
    cookie = review_client.cookies.get(SESSION_COOKIE)
    # the probe itself works: real files come back through it
    status, headers, body = raw_get(review_app, b"/static/app.css", cookie)
    assert status == 200 and body
    target = calls_of(review_db_url, ANNA)[0]
    status, headers, body = raw_get(review_app, f"/call/{target}/audio".encode(), cookie)
    assert status == 200 and headers["content-type"].startswith("audio/")

    for raw in TRAVERSALS:
        for who in (cookie, None):
            status, _headers, body = raw_get(review_app, raw, who)
            assert status != 200, raw
            assert not any(secret in body for secret in SECRETS), raw
        via_client = review_client.get(raw.decode(), follow_redirects=False)
        assert via_client.status_code != 200, raw
        assert not any(secret.decode() in via_client.text for secret in SECRETS), raw


def test_audio_serves_only_the_stored_recording(review_client, review_db_url) -> None:
    target = calls_of(review_db_url, ANNA)[0]
    stored = open(recording_path(review_db_url, target), "rb").read()
    login(review_client, "lead")
    for query in ("?path=/etc/passwd", "?file=../../etc/passwd", "?recording=/work/main/pipeline/cli.py"):
        response = review_client.get(f"/call/{target}/audio{query}")
        assert response.status_code == 200 and response.content == stored


# --- a role check on every route -----------------------------------------------------


PUBLIC = {("GET", "/login"), ("POST", "/login"), ("POST", "/api/login")}
ROUTES = {  # every route that needs a signed-in user; True: it changes state
    ("GET", "/"): False,
    ("GET", "/queue"): False,
    ("POST", "/logout"): True,
    ("GET", "/call/{analysis_id}"): False,
    ("POST", "/call/{analysis_id}/action"): True,
    ("GET", "/call/{analysis_id}/audio"): False,
    ("GET", "/call/{analysis_id}/truth.json"): False,
    ("GET", "/api/me"): False,
    ("GET", "/api/queue"): False,
    ("GET", "/api/openapi.json"): False,
    ("GET", "/api/calls/{analysis_id}"): False,
    ("GET", "/api/calls/{analysis_id}/findings"): False,
    ("GET", "/api/calls/{analysis_id}/actions"): False,
    ("POST", "/api/calls/{analysis_id}/actions"): True,
    ("GET", "/api/calls/{analysis_id}/peaks"): False,
    ("POST", "/api/queue/assign"): True,
    ("POST", "/api/queue/reviewed"): True,
    ("GET", "/api/queue/export.{fmt}"): False,
    ("GET", "/scorecards"): False,
}
CALL_ROUTES = sorted(key for key in ROUTES if "{analysis_id}" in key[1])
ACTION_ROUTES = sorted(key for key, changes in ROUTES.items() if changes and key[1] != "/logout")


def app_routes(app) -> tuple[set[tuple[str, str]], set[str]]:
    """(method, path) of every route the app answers, and the paths of its mounts."""
    try:  # FastAPI ≥ 0.13x keeps included routers as one entry; this flattens them
        from fastapi.routing import iter_route_contexts
        routes = list(iter_route_contexts(app.routes))
    except ImportError:
        routes = list(app.routes)
    found, mounts = set(), set()
    for route in routes:
        methods = getattr(route, "methods", None)
        if methods is None:
            mounts.add(route.path)
            continue
        found |= {(method, route.path) for method in methods if method != "HEAD"}
    return found, mounts


def send(client, method: str, path: str, token: str, analysis_id: int, kind: str = "appeal_finding"):
    url = path.replace("{analysis_id}", str(analysis_id)).replace("{fmt}", "csv")
    if method == "GET":
        return client.get(url, follow_redirects=False)
    if path == "/call/{analysis_id}/action":
        return form_action(client, token, analysis_id, kind)
    if path == "/api/calls/{analysis_id}/actions":
        return api_action(client, token, analysis_id, kind)
    if path == "/logout":
        return client.post(url, data={"csrf_token": token}, follow_redirects=False)
    if path in ("/api/queue/assign", "/api/queue/reviewed"):  # bulk: the call goes in the body
        return client.post(url, json={"analysis_ids": [analysis_id], "assignee": "lead2"},
                           headers={"X-CSRF-Token": token} if token else {})
    raise AssertionError(f"the test does not know how to call {method} {path}")


def test_every_route_is_covered_by_the_role_tests(review_app) -> None:
    found, mounts = app_routes(review_app)
    assert mounts == {"/static"}
    assert found == set(ROUTES) | PUBLIC, "a route was added or removed: cover it in ROUTES and the role tests"
    assert set(KIND_FIELDS) == set(REVIEW_KINDS), "a review kind was added: give it fields in KIND_FIELDS"


def test_every_route_refuses_a_stranger(review_client, review_db_url) -> None:
    target = calls_of(review_db_url, ANNA)[0]
    for (method, path) in sorted(ROUTES):
        response = send(review_client, method, path, "forged-token", target)
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path)
            assert response.json() == {"detail": "sign in first: POST /api/login"}
        else:
            assert response.status_code == 303, (method, path)
            # a GET comes back to its page after signing in; a POST's URL is no page to come back to
            expected = "/login?next=/" if method == "GET" else "/login"
            assert response.headers["location"].startswith(expected), (method, path)
            if method != "GET":
                assert response.headers["location"] == "/login", (method, path)
    assert n_actions(review_db_url) == 0


def test_a_seller_gets_403_for_another_sellers_call_on_every_call_route(review_app, review_db_url) -> None:
    foreign = calls_of(review_db_url, SERGEY)[0]
    assert CALL_ROUTES and ("POST", "/call/{analysis_id}/action") in CALL_ROUTES
    with TestClient(review_app) as anna, TestClient(review_app) as sergey:
        anna_token, sergey_token = login(anna, "anna"), login(sergey, "sergey")
        for method, path in CALL_ROUTES:
            for kind in (KIND_FIELDS if method == "POST" else ["appeal_finding"]):
                response = send(anna, method, path, anna_token, foreign, kind)
                assert response.status_code == 403, (method, path, kind)
        assert n_actions(review_db_url) == 0
        # the owner gets the same requests through (the labelled export is for QA only)
        for method, path in CALL_ROUTES:
            response = send(sergey, method, path, sergey_token, foreign)
            expected = 403 if path.endswith("truth.json") else {"GET": 200, "POST": 303 if path.startswith("/call/")
                                                                 else 201}[method]
            assert response.status_code == expected, (method, path)
    assert n_actions(review_db_url) == 2


def test_a_seller_gets_403_on_the_bulk_routes(review_app, review_db_url) -> None:
    foreign, own = calls_of(review_db_url, SERGEY)[0], calls_of(review_db_url, ANNA)[0]
    with TestClient(review_app) as anna:
        token = login(anna, "anna")
        for path in ("/api/queue/assign", "/api/queue/reviewed"):
            for target in (foreign, own):
                assert send(anna, "POST", path, token, target).status_code == 403, (path, target)
    assert n_actions(review_db_url) == 0


def test_the_coach_gets_403_on_every_state_changing_route(review_app, review_db_url) -> None:
    target = calls_of(review_db_url, ANNA)[0]
    assert len(ACTION_ROUTES) == 4
    with TestClient(review_app) as coach, TestClient(review_app) as lead:
        coach_token, lead_token = login(coach, "coach"), login(lead, "lead")
        for method, path in ACTION_ROUTES:
            for kind in KIND_FIELDS:
                response = send(coach, method, path, coach_token, target, kind)
                assert response.status_code == 403, (method, path, kind)
        assert n_actions(review_db_url) == 0
        for method, path in sorted(ROUTES):  # and may read everything
            if not ROUTES[(method, path)]:
                assert send(coach, method, path, coach_token, target).status_code in (200, 303), path
        for method, path in ACTION_ROUTES:  # the same requests from a QA lead go through
            for kind in KIND_FIELDS:
                if kind != "appeal_finding":
                    assert send(lead, method, path, lead_token, target, kind).status_code in (200, 201, 303)
        # signing out is the one state change open to everybody
        assert send(coach, "POST", "/logout", coach_token, target).status_code == 303
        assert coach.get("/api/me").status_code == 401


# --- password guessing ---------------------------------------------------------------


def attempt(client, via: str, name: str, password: str):
    if via == "form":
        return client.post("/login", data={"name": name, "password": password}, follow_redirects=False)
    return client.post("/api/login", json={"name": name, "password": password})


@pytest.mark.parametrize("via", ["form", "api"])
def test_a_burst_of_wrong_passwords_is_stopped(review_client, via: str) -> None:
    for n in range(5):
        assert attempt(review_client, via, "lead", f"guess-{n}").status_code == 401
    response = attempt(review_client, via, "lead", ROLE_USERS["lead"][2])  # even the right password
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= 300
    assert "set-cookie" not in response.headers
    # the limit is per address too: another name from the same place, and the other door, are shut
    other = "api" if via == "form" else "form"
    for door in (via, other):
        response = attempt(review_client, door, "admin", ROLE_USERS["admin"][2])
        assert response.status_code == 429, door
        assert int(response.headers["retry-after"]) > 0
    assert review_client.get("/api/me").status_code == 401


def test_guessing_one_name_from_many_addresses_is_stopped(review_app) -> None:
    for n in range(5):
        with TestClient(review_app, client=(f"10.0.0.{n + 1}", 40000)) as client:
            assert attempt(client, "api", "lead", f"guess-{n}").status_code == 401
    with TestClient(review_app, client=("10.0.1.1", 40000)) as fresh:
        assert attempt(fresh, "api", "lead", ROLE_USERS["lead"][2]).status_code == 429
        assert attempt(fresh, "api", "admin", ROLE_USERS["admin"][2]).status_code == 200


def test_the_limiter_lets_a_user_in_again_after_the_window(review_db_url, tmp_path) -> None:
    from pipeline.review.app import create_app
    from pipeline.review.web import ReviewSettings

    now = [1000.0]
    limiter = LoginLimiter(max_failures=5, window_s=300, clock=lambda: now[0])
    app = create_app(ReviewSettings(open_database(review_db_url), tmp_path / "cache", limiter=limiter))
    password = ROLE_USERS["lead"][2]
    with TestClient(app) as client:
        for _ in range(5):
            assert attempt(client, "form", "lead", "wrong").status_code == 401
            now[0] += 1
        refused = attempt(client, "form", "lead", password)
        assert refused.status_code == 429
        wait = int(refused.headers["retry-after"])
        assert wait == 1000 + 300 - now[0] + 1  # until the oldest failure leaves the window
        now[0] += wait - 2
        assert attempt(client, "api", "lead", password).status_code == 429  # not yet
        now[0] += 2
        assert attempt(client, "api", "lead", password).status_code == 200
        assert client.get("/api/me").json()["user"] == "lead"


def test_login_limiter_counts_per_key_in_a_sliding_window() -> None:
    now = [0.0]
    limiter = LoginLimiter(max_failures=3, window_s=60, clock=lambda: now[0])
    assert limiter.retry_after("ip:a", "name:x") == 0
    for _ in range(3):
        limiter.failed("ip:a", "name:x")
        now[0] += 10
    assert limiter.retry_after("ip:a") == 60 - 30 + 1
    assert limiter.retry_after("name:x") == 31
    assert limiter.retry_after("ip:b", "name:y") == 0  # other keys are free
    assert limiter.retry_after("ip:b", "name:x") == 31  # one blocked key is enough
    limiter.succeeded("name:x")  # a success clears the name, not the address
    assert limiter.retry_after("name:x") == 0 and limiter.retry_after("ip:a") > 0
    now[0] = 60.0  # the first failure leaves the window
    assert limiter.retry_after("ip:a") == 0
    limiter.failed("ip:a")
    assert limiter.retry_after("ip:a") == 10 + 60 - 60 + 1


# --- open redirect -------------------------------------------------------------------


@pytest.mark.parametrize("target", ["//evil.example", EVIL, "http://evil.example/queue", "///evil.example",
                                    "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
                                    " //evil.example", "evil.example", ""])
def test_login_never_redirects_off_site(review_client, target: str) -> None:
    response = review_client.post("/login", data={"name": "lead", "password": ROLE_USERS["lead"][2],
                                                  "next": target}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/queue"
    form = review_client.get("/login", params={"next": target})
    assert 'name="next" value="/queue"' in form.text


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "/%2F/evil.example"])
def test_login_redirects_with_odd_characters_stay_on_site(review_client, target: str) -> None:
    response = review_client.post("/login", data={"name": "lead", "password": ROLE_USERS["lead"][2],
                                                  "next": target}, follow_redirects=False)
    location = response.headers["location"]
    browser_sees = re.sub(r"[\t\n\r]", "", location)  # browsers drop these from URLs
    assert browser_sees.startswith("/") and not browser_sees.startswith(("//", "/\\"))
    assert urlsplit(browser_sees).netloc == ""


def test_login_keeps_a_local_next(review_client) -> None:
    response = review_client.post("/login", data={"name": "lead", "password": ROLE_USERS["lead"][2],
                                                  "next": "/queue?seller=Анна&all=1"}, follow_redirects=False)
    assert response.status_code == 303
    assert unquote(response.headers["location"]) == "/queue?seller=Анна&all=1"
