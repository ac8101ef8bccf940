"""The review page's HTTP side with real HTTP clients: guards, headers, errors, conflicts, downloads.

Two clients stand for two browsers; two apps on one state file for two
servers. Every refusal is checked for its status and its message, and no
response ever carries a traceback.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from review_helpers import bundled_copy

pytest.importorskip("fastapi", reason="the review page needs the server extra (pip install 'termlock[server]')")
pytest.importorskip("httpx", reason="starlette's TestClient needs httpx (the test extra)")

from starlette.testclient import TestClient  # noqa: E402

from termlock.evaluate.accepted import parse_accepted  # noqa: E402
from termlock.jobs import CheckJob  # noqa: E402
from termlock.review.app import create_app  # noqa: E402
from termlock.review.opening import open_session  # noqa: E402
from termlock.review.setup import open_state, review_paths  # noqa: E402

BASE = "http://127.0.0.1:8765"
STATIC = Path(__file__).resolve().parents[1] / "termlock" / "review" / "static"


@pytest.fixture
def corpus(tmp_path):
    return bundled_copy(tmp_path)


def new_session(corpus):
    job = CheckJob(source=str(corpus["source"]), target=str(corpus["target"]))
    paths = review_paths(job, None, None)
    state, _ = open_state(job, paths)
    return open_session(state, paths)


@pytest.fixture
def session(corpus):
    made = new_session(corpus)
    yield made
    made.state.close()


def client_for(app, **kwargs) -> TestClient:
    return TestClient(app, base_url=BASE, raise_server_exceptions=False, **kwargs)


@pytest.fixture
def client(session):
    with client_for(create_app(session, reviewer="Li Wei")) as made:
        yield made


def csrf(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.get("/api/session").json()["csrf"]}


def no_traceback(response) -> None:
    assert "Traceback" not in response.text and 'File "' not in response.text


# ------------------------------------------------------------------ headers


def test_every_response_carries_the_security_headers(client):
    for path in ("/", "/static/app.js", "/static/app.css", "/api/overview", "/api/nothing-here"):
        response = client.get(path)
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
    assert client.get("/").headers["content-type"].startswith("text/html")
    assert client.get("/static/app.js").headers["content-type"].startswith("text/javascript")


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        if "style" in names:
            self.problems.append(f"style attribute on <{tag}>")
        self.problems += [f"{name} handler on <{tag}>" for name in names if name.startswith("on")]


def test_the_page_has_no_inline_script_style_or_handler_and_the_script_no_inner_html():
    parser = _Markup()
    parser.feed((STATIC / "index.html").read_text(encoding="utf-8"))
    assert parser.problems == []
    script = (STATIC / "app.js").read_text(encoding="utf-8")
    assert not re.search(r"\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write|\beval\(|new Function", script)


def test_no_external_resource_is_referenced():
    for name in ("index.html", "app.js", "app.css"):
        text = (STATIC / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://(?!www\.w3\.org)", text), name


# ------------------------------------------------------------------ guards


def test_state_changing_requests_need_the_csrf_token_json_and_this_origin(client, session):
    body = {"by": "Li Wei"}
    refused = client.post("/api/undo", json=body)
    assert refused.status_code == 403 and refused.json()["error"] == "missing or outdated CSRF token"
    token = csrf(client)
    wrong = client.post("/api/undo", json=body, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    form = client.post("/api/undo", content="by=Li+Wei", headers={**token, "Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 403 and form.json()["error"] == "state-changing requests must be JSON"
    other = client.post("/api/undo", json=body, headers={**token, "Origin": "http://evil.example"})
    assert other.status_code == 403 and "another origin" in other.json()["error"]
    site = client.post("/api/undo", json=body, headers={**token, "Sec-Fetch-Site": "cross-site"})
    assert site.status_code == 403 and "cross-site" in site.json()["error"]
    allowed = client.post("/api/undo", json=body, headers={**token, "Origin": BASE, "Sec-Fetch-Site": "same-origin"})
    assert allowed.status_code == 400 and allowed.json()["error"] == "nothing to undo"


def test_a_loopback_server_refuses_other_host_names(client):
    rebound = client.get("/api/overview", headers={"Host": "attacker.example:8765"})
    assert rebound.status_code == 400 and rebound.json()["error"].startswith("unexpected Host header")
    assert client.get("/api/overview", headers={"Host": "localhost:8765"}).status_code == 200


def test_off_loopback_every_request_needs_the_token(session):
    app = create_app(session, token="s3cret-token", allowed_hosts=None)
    with client_for(app) as browser:
        assert browser.get("/api/overview").status_code == 401
        page = browser.get("/")
        assert page.status_code == 401 and "needs its token" in page.text and "s3cret" not in page.text
        assert browser.get("/?token=wrong").status_code == 401
        signed = browser.get("/?token=s3cret-token", follow_redirects=False)
        assert signed.status_code == 303 and signed.headers["location"] == "/"
        cookie = signed.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert browser.get("/api/overview").status_code == 200  # the cookie now
    with client_for(app) as script:
        assert script.get("/api/overview", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
        assert script.get("/api/overview", headers={"Authorization": "Bearer s3cret-tokem"}).status_code == 401


def test_a_huge_body_is_refused_before_it_is_read(client):
    response = client.post("/api/undo", content=b"x" * (9 * 1024 * 1024), headers={**csrf(client), "Content-Type": "application/json"})
    assert response.status_code == 413 and "over the limit of 8,388,608 bytes" in response.json()["error"]


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("body, status, message", [
    (b"{not json", 400, "JSON"),
    (b'{"text": 5, "version": "x", "by": "a"}', 400, "version"),
    (b'{"text": "\\ud800", "version": 0, "by": "a"}', 400, "lone surrogate"),
    (b'{"text": "a\\u0000b", "version": 0, "by": "a"}', 400, "NUL"),
    (b'{"text": "fine", "version": 0, "by": "   "}', 400, "no reviewer name"),
])
def test_bad_requests_get_one_json_line_and_the_next_request_is_served(client, body, status, message):
    response = client.post("/api/segments/1", content=body, headers={**csrf(client), "Content-Type": "application/json"})
    assert response.status_code == status
    assert message in response.json()["error"]
    no_traceback(response)
    assert client.get("/api/overview").status_code == 200


def test_unknown_routes_segments_and_exports_are_json_errors(client):
    assert client.get("/api/nope").json() == {"error": "no such route: GET /api/nope"}
    missing = client.get("/api/segments/100000")
    assert missing.status_code == 400 and missing.json()["error"] == "no segment 100000"
    assert client.get("/api/export/passwords").status_code == 404
    assert client.put("/api/overview", json={}, headers=csrf(client)).status_code == 405


def test_an_unexpected_failure_is_a_json_500_and_one_log_line(client, session, monkeypatch, caplog):
    def broken():
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(session, "overview", broken)
    monkeypatch.delenv("TERMLOCK_DEBUG", raising=False)
    with caplog.at_level("ERROR", logger="termlock.web"):
        response = client.get("/api/overview")
    assert response.status_code == 500 and response.json()["error"].startswith("internal error")
    no_traceback(response)
    assert "disk on fire" not in response.text
    assert [(r.getMessage(), r.exc_info) for r in caplog.records] == [
        ("termlock review: internal error: GET /api/overview: RuntimeError: disk on fire "
         "(TERMLOCK_DEBUG=1 shows the traceback)", None)]
    assert client.get("/api/session").status_code == 200  # and the next request is served


# ------------------------------------------------------------------ conflicts


def test_two_browsers_editing_one_segment_cannot_overwrite_each_other(session):
    app = create_app(session)
    with client_for(app) as ann, client_for(app) as bob:
        index = ann.get("/api/findings").json()["rows"][0]["index"]
        opened_by_ann = ann.get(f"/api/segments/{index}").json()
        opened_by_bob = bob.get(f"/api/segments/{index}").json()
        saved = ann.post(f"/api/segments/{index}", json={"text": "Ann's fix.", "version": opened_by_ann["version"], "by": "Ann"},
                         headers=csrf(ann))
        assert saved.status_code == 200 and saved.json()["version"] == 1
        stale = bob.post(f"/api/segments/{index}", json={"text": "Bob's fix.", "version": opened_by_bob["version"], "by": "Bob"},
                         headers=csrf(bob))
        assert stale.status_code == 409
        answer = stale.json()
        assert answer["stale"] is True and "was changed by Ann" in answer["error"] and "not saved" in answer["error"]
        assert answer["current"] == {**answer["current"], "target": "Ann's fix.", "version": 1, "edited_by": "Ann"}
        assert bob.get(f"/api/segments/{index}").json()["target"] == "Ann's fix."
        # Bob read the current text: his edit on top of it is accepted, knowingly
        again = bob.post(f"/api/segments/{index}", json={"text": "Bob's fix.", "version": 1, "by": "Bob"}, headers=csrf(bob))
        assert again.status_code == 200 and ann.get(f"/api/segments/{index}").json()["target"] == "Bob's fix."


def test_two_servers_on_one_state_file_cannot_overwrite_each_other(corpus):
    first, second = new_session(corpus), new_session(corpus)
    with client_for(create_app(first)) as ann, client_for(create_app(second)) as bob:
        index = ann.get("/api/findings").json()["rows"][0]["index"]
        assert ann.post(f"/api/segments/{index}", json={"text": "Ann's fix.", "version": 0, "by": "Ann"},
                        headers=csrf(ann)).status_code == 200
        stale = bob.post(f"/api/segments/{index}", json={"text": "Bob's fix.", "version": 0, "by": "Bob"}, headers=csrf(bob))
        assert stale.status_code == 409 and stale.json()["current"]["target"] == "Ann's fix."
        assert bob.get("/api/overview").json()["summary"] == ann.get("/api/overview").json()["summary"]
    first.state.close()
    second.state.close()


# ------------------------------------------------------------------ the API


def test_accept_filter_and_download(client, session):
    token = csrf(client)
    row = client.get("/api/findings", params={"status": ["forbidden"]}).json()["rows"][0]
    reason = "<script>alert('reason')</script>\u202eevil"
    accepted = client.post("/api/accept", json={"index": row["index"], "n": row["n"], "reason": reason, "by": "Li Wei"}, headers=token)
    assert accepted.status_code == 200
    assert [r["accepted"]["reason"] for r in accepted.json()["rows"] if r["key"] == row["key"]] == [reason]
    listed = client.get("/api/findings", params={"status": ["accepted"]}).json()
    assert listed["total"] == 1 and listed["rows"][0]["key"] == row["key"]
    assert client.get("/api/overview").json()["summary"]["accepted"] == 1
    download = client.get("/api/export/accepted")
    assert download.headers["content-disposition"].startswith('attachment; filename="accepted.yaml"')
    (entry,) = parse_accepted(download.text)
    assert entry.reason == reason and entry.term == row["term"]
    target = client.get("/api/export/target")
    assert target.headers["content-disposition"].startswith('attachment; filename="corpus.flawed.reviewed.en"')
    assert target.content == Path(session.record["target"]).read_bytes()
    report = client.get("/api/export/json").json()
    assert report["summary"]["accepted"] == 1 and report["accepted"]["file"] == "accepted.yaml"
    for view in ("terms", "inconsistent", "accepted", "numbers", "proposals"):
        assert client.get(f"/api/{view}").status_code == 200
    assert client.get("/api/paragraphs").status_code == 400


def test_spelling_findings_are_a_filter_of_their_own_as_check_reports_them(tmp_path):
    """Ok for the rate, not in the glossary's spelling: listed under "spelling", with check's term, found and expected."""
    import json

    from termlock.cli import main

    source, target = tmp_path / "src.zh", tmp_path / "tgt.en"
    source.write_text("深化国有企业改革。\n推动高质量发展。\n保障粮食安全。\n保障粮食安全。\n", encoding="utf-8")
    target.write_text("Deepen the reform of State owned enterprises.\nPromote HIGH QUALITY development.\n"
                      "Ensure food security.\nEnsure the harvest.\n", encoding="utf-8")  # fmt: skip
    report = tmp_path / "check.json"
    assert main(["check", "--source", str(source), "--target", str(target), "--json", str(report)]) == 0
    checked = json.loads(report.read_text(encoding="utf-8"))["spelling"]
    assert checked["count"] == 2
    expected = [{"line": f["index"] + 1, "term": f["term"], "found": f["found"], "expected": f["expected"]} for f in checked["findings"]]

    made = new_session({"source": source, "target": target})
    try:
        with client_for(create_app(made, reviewer="Li Wei")) as client:
            overview = client.get("/api/overview").json()
            assert overview["counts"]["spelling"] == overview["summary"]["spelling"] == 2
            assert overview["counts"]["ok"] == overview["summary"]["ok"] - 2  # each occurrence in one box
            page = client.get("/api/findings", params={"status": ["spelling"]}).json()
            assert page["total"] == 2
            rows = [{"line": r["line"], "term": r["term"], **r["spelling"]} for r in page["rows"]]
            assert rows == expected
            assert {r["term"] for r in page["rows"]} == {"state-owned-enterprise", "high-quality-development"}
            assert all(r["status"] == "ok" for r in page["rows"])  # the judge's status stays ok
            assert [r["spelling"]["expected"] for r in page["rows"]] == ["State-owned enterprises", "High-Quality development"]
            # the default filters (problems) leave them out, "ok" lists only the glossary's spelling
            problems = client.get("/api/findings").json()["rows"]
            assert [(r["line"], r["status"]) for r in problems] == [(4, "missing")]
            ok_rows = client.get("/api/findings", params={"status": ["ok"]}).json()["rows"]
            assert [r["line"] for r in ok_rows] == [3] and ok_rows[0]["spelling"] is None
            # a spelling finding is no problem to accept
            refused = client.post("/api/accept", json={"index": 0, "n": 0, "reason": "fine", "by": "Li Wei"}, headers=csrf(client))
            assert refused.status_code == 400 and client.get("/api/overview").json()["counts"]["spelling"] == 2
    finally:
        made.state.close()
