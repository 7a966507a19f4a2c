"""`callqa review`: the FastAPI application of the review app.

Every route but the login form and the static files needs a signed-in user;
pages answer a stranger with the login form, the API with 401. Errors are a
page for people and JSON for the API, and a malformed form names its field.

Before any route: a request body over `MAX_BODY` bytes is refused with 413
(JSON and forms here are a few kB; nothing is uploaded), a query string with
a NUL character with 400 (PostgreSQL refuses NUL in text, which would be a
500), and every GET route answers HEAD too, without a body.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote_to_bytes, urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.review import api, pages
from pipeline.review.web import LoginRequired, ReviewSettings, signed
from pipeline.storage.reviews import prepare_logins

if TYPE_CHECKING:
    import uvicorn

STATIC_DIR = Path(__file__).parent / "static"
# wavesurfer draws into a shadow root with a <style> of its own, hence 'unsafe-inline' for styles only
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; media-src 'self' blob:; object-src 'none'; "
                           "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_BODY = 64 * 1024  # bytes of a request body: the longest comment is 4000 characters


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header"))
        parts.append(f"{field or 'request'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "malformed request"


def _error(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    return pages.page(request, "error.html", None, status_code=status, status=status, message=message)


class SecurityHeaders(BaseHTTPMiddleware):
    """Security headers on every answer; a state-changing request from another site's page is refused.

    The Origin check comes on top of SameSite cookies and CSRF tokens, and covers
    the login form, which has no session (and so no token) yet.
    """

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        origin = request.headers.get("origin")
        # «null» (a sandboxed or privacy-stripped origin) is never this app's own page
        if request.method in UNSAFE_METHODS and origin:
            if origin == "null" or urlsplit(origin).netloc != request.headers.get("host"):
                return JSONResponse({"detail": f"cross-site request from {origin} refused"}, status_code=403)
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith(("/call/", "/api/", "/queue")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


async def _plain(send: Send, status: int, detail: str) -> None:
    body = JSONResponse({"detail": detail}).body
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class RequestLimits:
    """413 for a body over `max_body` bytes (declared or streamed), 400 for a NUL in the query string.

    The body is read here, at most `max_body` + one chunk, and handed on whole:
    a chunked upload without Content-Length is stopped just the same.
    """

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if b"\x00" in unquote_to_bytes(scope.get("query_string", b"")):
            return await _plain(send, 400, "a NUL character in the query string")
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_body:
            return await _plain(send, 413, f"request body over {self.max_body} bytes")
        chunks: list[bytes] = []
        seen, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            more = message.get("more_body", False)
            if seen > self.max_body:
                return await _plain(send, 413, f"request body over {self.max_body} bytes")
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # only a disconnect is left to come
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)


class AnswerHead:
    """HEAD wherever GET is: FastAPI routes list GET alone, so a HEAD runs as a GET and its body is dropped."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)
        ended = False

        async def headers_only(message: Message) -> None:
            nonlocal ended
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] == "http.response.body" and not ended:
                ended = not message.get("more_body", False)
                if ended:
                    await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def create_app(review: ReviewSettings) -> FastAPI:
    app = FastAPI(title="callqa review", version="1", docs_url=None, redoc_url=None, openapi_url=None,
                  description="The QA review queue, calls, findings and review actions of callqa.")
    app.state.review = review
    prepare_logins()  # every login then costs one argon2 verification, the first one included
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)

    @app.get("/api/openapi.json", include_in_schema=False, dependencies=[Depends(signed)])
    def openapi() -> dict[str, Any]:
        return app.openapi()

    app.add_middleware(RequestLimits)
    app.add_middleware(AnswerHead)  # outermost: the limits and the routes see a GET

    @app.exception_handler(LoginRequired)
    def login_required(request: Request, _exc: LoginRequired) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "sign in first: POST /api/login"}, status_code=401)
        if request.method != "GET":  # a form posted after the session ended: back to its page, not the POST URL
            return RedirectResponse("/login", status_code=303)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(HTTPException)
    def http_error(request: Request, exc: HTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, exc: RequestValidationError) -> Response:
        return _error(request, 422, _validation_message(exc))

    return app




def server_config(app: FastAPI, host: str, port: int, forwarded_allow_ips: str | None = None) -> uvicorn.Config:
    """uvicorn's settings for `callqa review`.

    Proxy headers (X-Forwarded-For, -Proto) are believed only from the
    addresses in `forwarded_allow_ips` (comma-separated IPs or networks, as
    uvicorn takes them). None, the default, believes no one: uvicorn itself
    would trust 127.0.0.1, and then anything on the machine could pick the
    address the login limiter counts.
    """
    import uvicorn  # only `callqa review` needs the server

    trusted = [ip.strip() for ip in (forwarded_allow_ips or "").split(",") if ip.strip()]
    return uvicorn.Config(app, host=host, port=port, log_level="info", proxy_headers=bool(trusted),
                          forwarded_allow_ips=trusted or [], server_header=False)


__all__ = ["MAX_BODY", "AnswerHead", "RequestLimits", "create_app", "server_config"]
