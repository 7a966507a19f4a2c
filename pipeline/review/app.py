"""`callqa review`: the FastAPI application of the review app.

Every route but the login form and the static files needs a signed-in user;
pages answer a stranger with the login form, the API with 401. Errors are a
page for people and JSON for the API, and a malformed form names its field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from pipeline.review import api, pages
from pipeline.review.web import LoginRequired, ReviewSettings, signed

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


def create_app(review: ReviewSettings) -> FastAPI:
    app = FastAPI(title="callqa review", version="1", docs_url=None, redoc_url=None, openapi_url=None,
                  description="The QA review queue, calls, findings and review actions of callqa.")
    app.state.review = review
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)

    @app.get("/api/openapi.json", include_in_schema=False, dependencies=[Depends(signed)])
    def openapi() -> dict[str, Any]:
        return app.openapi()

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


__all__ = ["create_app"]
