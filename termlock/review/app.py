"""The review page's web app: static files, a JSON API over a :class:`ReviewSession`, and its guards.

Routes (all JSON but ``/``, ``/static/*`` and the exports):

* ``GET /`` the page; ``GET /static/app.js|app.css`` its only script and style;
* ``GET /api/session`` the CSRF token and the default reviewer name;
* ``GET /api/overview`` figures, gate, worst terms, filter counts;
* ``GET /api/findings?status=&term=&q=&segment=&offset=&limit=`` one page of the table;
* ``GET /api/segments/{i}``, ``POST /api/segments/{i}`` ``{text, version, by}`` (409 when stale);
* ``POST /api/accept`` ``{index, n, reason, by}`` (document mode: ``{term, reason, by}``),
  ``POST /api/withdraw`` ``{id, by}``, ``POST /api/undo`` ``{by}``,
  ``POST /api/propose`` ``{term, rendering, reason, by, index}``, ``POST /api/cursor``;
* ``GET /api/terms|inconsistent|accepted|numbers|proposals|paragraphs``;
* ``GET /api/export/{target|accepted|json|html|csv|additions}`` downloads.

Guards: bound off the loopback, every request needs the token printed at
start (``?token=`` once, then an HttpOnly SameSite=Strict cookie, or
``Authorization: Bearer``), compared in constant time; on the loopback only
loopback ``Host`` headers are served (DNS rebinding). Every state-changing
request needs JSON, the page's CSRF token in ``X-CSRF-Token`` and, when the
browser says where it comes from, this origin. A strict Content-Security-
Policy allows only the page's own script and style; the page inserts every
string as text.
"""

# no "from __future__ import annotations": FastAPI reads the route signatures at run time

import hashlib
import urllib.parse
from importlib import resources
from typing import Annotated, Any

from termlock import __version__
from termlock.errors import TermlockError
from termlock.review.state import StaleEdit
from termlock.web.errors import HttpError, render_plain
from termlock.web.keys import new_token, presented_key, tokens_match
from termlock.web.security import LOOPBACK_NAMES, PAGE_POLICY
from termlock.web.stack import front_door

#: request bodies above this are refused (a 100 KB segment of CJK as JSON escapes is ~600 KB)
BODY_LIMIT = 8 * 1024 * 1024
CSRF_HEADER = "x-csrf-token"
STATIC = ("app.js", "app.css")


def _static(name: str) -> bytes:
    return resources.files("termlock.review").joinpath("static", name).read_bytes()


def _utf8(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("holds a lone surrogate, which is not text") from None
    if "\x00" in value:
        raise ValueError("holds a NUL character")
    return value


def create_app(session, *, token: str | None = None, allowed_hosts: tuple[str, ...] | None = LOOPBACK_NAMES,
               reviewer: str = "reviewer"):
    """The ASGI app for ``session``: ``token`` required when given, ``allowed_hosts`` None serves any Host."""
    from fastapi import FastAPI, Query, Request
    from fastapi.responses import RedirectResponse, Response
    from pydantic import AfterValidator, BaseModel, Field

    Text = Annotated[str, AfterValidator(_utf8)]

    class EditBody(BaseModel):
        text: Annotated[Text, Field(max_length=2_000_000)]
        version: int
        by: Annotated[Text, Field(max_length=200)]

    class AcceptBody(BaseModel):
        index: int | None = None
        n: int | None = None
        term: Annotated[Text, Field(max_length=500)] | None = None
        reason: Annotated[Text, Field(max_length=4000)]
        by: Annotated[Text, Field(max_length=200)]

    class WithdrawBody(BaseModel):
        id: int
        by: Annotated[Text, Field(max_length=200)]

    class UndoBody(BaseModel):
        by: Annotated[Text, Field(max_length=200)]

    class ProposeBody(BaseModel):
        term: Annotated[Text, Field(max_length=500)]
        rendering: Annotated[Text, Field(max_length=1000)]
        reason: Annotated[Text, Field(max_length=4000)]
        by: Annotated[Text, Field(max_length=200)]
        index: int | None = None

    class CursorBody(BaseModel):
        index: int
        n: int | None = None
        key: Annotated[Text, Field(max_length=100)] | None = None

    csrf = new_token()
    cookie = "termlock_review_" + hashlib.sha256((token or csrf).encode()).hexdigest()[:10]
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, title="termlock review")

    @app.exception_handler(StaleEdit)
    async def stale(request: Request, exc: StaleEdit):
        row = exc.row
        current = {"index": row.index, "target": row.target, "version": row.version, "edited_by": row.edited_by,
                   "edited_at": row.edited_at}
        return render_plain(request, HttpError(409, exc.message, fix=exc.fix, extra={"stale": True, "current": current}))

    def signed_in(request: Request) -> bool:
        if token is None:
            return True
        return tokens_match(presented_key(request.headers) or request.cookies.get(cookie), token)

    @app.middleware("http")
    async def guard(request: Request, call_next):
        path = request.url.path
        if token is not None and path != "/" and not signed_in(request):
            return render_plain(request, HttpError(401, "this review needs its token", fix="open the URL termlock review printed"))
        if request.method not in ("GET", "HEAD"):
            problem = _refuse_cross_site(request, csrf)
            if problem is not None:
                return render_plain(request, HttpError(403, problem[0], fix=problem[1]))
        return await call_next(request)

    @app.get("/")
    def page(request: Request, token_param: str | None = Query(None, alias="token")):
        if token is not None and not signed_in(request):
            if tokens_match(token_param, token):
                response = RedirectResponse("/", status_code=303)
                response.set_cookie(cookie, token, httponly=True, samesite="strict", path="/")
                return response
            return Response(_SIGN_IN_PAGE, status_code=401, media_type="text/html; charset=utf-8")
        return Response(_static("index.html"), media_type="text/html; charset=utf-8")

    @app.get("/static/{name}")
    def static(name: str):
        if name not in STATIC:
            raise HttpError(404, f"no such file: /static/{name}")
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        return Response(_static(name), media_type=f"{kind}; charset=utf-8")

    @app.get("/api/session")
    def session_info():
        return {"csrf": csrf, "reviewer": reviewer, "version": __version__, "kind": session.record["kind"]}

    @app.get("/api/overview")
    def overview():
        session.sync()
        return session.overview()

    @app.get("/api/findings")
    def findings(
        status: list[str] = Query(default=["missing", "forbidden"]),
        term: str | None = None,
        q: Annotated[str, Query(max_length=1000)] = "",
        segment: int | None = None,
        offset: int = 0,
        limit: int = 100,
        around: Annotated[str | None, Query(max_length=600)] = None,
    ):
        from termlock.review.session import FindingQuery

        session.sync()
        return session.findings(FindingQuery(tuple(status), term or None, _utf8(q), segment, offset, limit,
                                             _utf8(around) if around else None))

    @app.get("/api/segments/{index}")
    def segment(index: int):
        session.sync()
        return session.segment(index)

    @app.post("/api/segments/{index}")
    def edit(index: int, body: EditBody):
        return session.edit(index, body.text, body.version, body.by)

    @app.post("/api/accept")
    def accept(body: AcceptBody):
        if session.record["kind"] == "document":
            return session.accept_term(body.term or "", body.reason, body.by)
        if body.index is None or body.n is None:
            raise TermlockError("accept needs index and n", fix="send the finding's segment index and number")
        return session.accept(body.index, body.n, body.reason, body.by)

    @app.post("/api/withdraw")
    def withdraw(body: WithdrawBody):
        return session.withdraw(body.id, body.by)

    @app.post("/api/undo")
    def undo(body: UndoBody):
        return session.undo(body.by)

    @app.post("/api/propose")
    def propose(body: ProposeBody):
        return session.propose(body.term, body.rendering, body.reason, body.by, body.index)

    @app.post("/api/cursor")
    def cursor(body: CursorBody):
        session.set_cursor({"index": body.index, "n": body.n, "key": body.key})
        return {"saved": True}

    @app.get("/api/terms")
    def terms():
        session.sync()
        return session.terms()

    @app.get("/api/inconsistent")
    def inconsistent():
        session.sync()
        return session.inconsistent()

    @app.get("/api/accepted")
    def accepted():
        session.sync()
        return session.accepted_list()

    @app.get("/api/numbers")
    def numbers():
        session.sync()
        return session.numbers()

    @app.get("/api/proposals")
    def proposals():
        session.sync()
        return session.proposals()

    @app.get("/api/paragraphs")
    def paragraphs(q: Annotated[str, Query(max_length=1000)] = "", offset: int = 0, limit: int = 100):
        session.sync()
        return session.paragraphs(_utf8(q), offset, limit)

    @app.get("/api/export/{what}")
    def download(what: str):
        from termlock.review import export as ex

        session.sync()
        with session.lock:
            if what == "target":
                name, data, kind = ex.exported_name(session), ex.target_bytes(session), "application/octet-stream"
            elif what == "accepted":
                name, data, kind = "accepted.yaml", ex.accepted_bytes(session, ex.exported_name(session)), "application/yaml"
            elif what in ("json", "html", "csv"):
                result = ex.exported_result(session, "accepted.yaml", ex.exported_name(session))
                if what == "json":
                    name, data, kind = "report.json", ex.json_report(result), "application/json"
                elif what == "html":
                    name, data, kind = "report.html", ex.html_report(session, result, ex.exported_name(session)), "text/html"
                else:
                    name, data, kind = "problems.csv", ex.csv_report(result), "text/csv"
            elif what == "additions":
                name, data, kind = "glossary-additions.yaml", ex.additions_bytes(session), "application/yaml"
            else:
                raise HttpError(404, f"nothing to export as {what!r}", fix="export target, accepted, json, html, csv or additions")
        return Response(data, media_type=kind, headers={"content-disposition": _attachment(name)})

    return front_door(app, name="termlock review", policy=PAGE_POLICY, body_limit=BODY_LIMIT, allowed_hosts=allowed_hosts)


def _attachment(name: str) -> str:
    """A Content-Disposition for a download (an ASCII fallback name, and the real one RFC 5987-encoded)."""
    fallback = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in name) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{urllib.parse.quote(name)}"


def _refuse_cross_site(request: Any, csrf: str) -> tuple[str, str] | None:
    """Why a state-changing request is refused (a message and a fix), or None when it may go on."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return "cross-site request refused", "use the review page itself"
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        host = request.headers.get("host", "")
        if urllib.parse.urlsplit(origin).netloc.lower() != host.lower():
            return "request from another origin refused", "use the review page itself"
    elif origin == "null":
        return "request from an opaque origin refused", "use the review page itself"
    if not request.headers.get("content-type", "").lower().startswith("application/json"):
        return "state-changing requests must be JSON", "send Content-Type: application/json"
    if not tokens_match(request.headers.get(CSRF_HEADER), csrf):
        return "missing or outdated CSRF token", "reload the page (the server may have restarted)"
    return None


_SIGN_IN_PAGE = (
    "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>termlock review: token needed</title></head>"
    "<body><h1>This review needs its token</h1><p>termlock review printed a URL with <code>?token=...</code> "
    "when it started; open that URL.</p></body></html>"
)
