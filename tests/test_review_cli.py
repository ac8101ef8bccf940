"""``termlock review`` as a user starts it: the URL it prints, where it listens, the token, bad flags."""

from __future__ import annotations

import json
import random
import time
from importlib.util import find_spec
import socket
import urllib.error
import urllib.request

import pytest
from review_helpers import bundled_copy, review_server

from termlock.cli import main
from termlock.evaluate.metrics import SegmentMetrics, corpus_metrics

needs_web = pytest.mark.skipif(
    not all(find_spec(name) for name in ("fastapi", "uvicorn")),
    reason="the review page needs the server extra (pip install 'termlock[server]')",
)


@pytest.fixture
def corpus(tmp_path):
    return bundled_copy(tmp_path)


def get(url: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@needs_web
def test_review_starts_on_the_loopback_prints_its_url_and_keeps_state_beside_the_target(corpus, tmp_path):
    args = ["--source", corpus["source"].name, "--target", corpus["target"].name]
    with review_server(args, tmp_path) as (url, process, lines):
        assert url.startswith("http://127.0.0.1:") and "token" not in url
        assert lines[0] == ("termlock review: 199 segments, 33 open findings; state started: "
                            "corpus.flawed.en.termlock-review.sqlite")
        status, body = get(url + "api/overview")
        assert status == 200 and json.loads(body)["summary"]["missing"] == 22
        status, page = get(url)
        assert status == 200 and b'<script src="/static/app.js" defer></script>' in page
    assert (tmp_path / "corpus.flawed.en.termlock-review.sqlite").exists()
    assert process.returncode == 0  # SIGTERM ends it cleanly, with its own exit code
    with review_server(args, tmp_path) as (_, _, lines):
        assert lines[0].endswith("state resumed: corpus.flawed.en.termlock-review.sqlite")


@needs_web
def test_off_the_loopback_it_prints_a_token_every_request_needs(corpus, tmp_path):
    args = ["--source", str(corpus["source"]), "--target", str(corpus["target"]), "--host", "0.0.0.0"]
    with review_server(args, tmp_path) as (url, _, lines):
        assert "?token=" in url
        assert any("the token in the URL below is required by every request" in line for line in lines)
        base, token = url.split("?token=")
        assert get(base + "api/overview")[0] == 401
        assert get(base + "api/overview", {"Authorization": f"Bearer {token}"})[0] == 200


@needs_web
def test_open_hands_the_url_to_the_default_browser(corpus, tmp_path):
    opened = tmp_path / "opened.txt"
    browser = f"/bin/sh -c 'printf %s > {opened}'"
    args = ["--source", str(corpus["source"]), "--target", str(corpus["target"]), "--open"]
    with review_server(args, tmp_path, env={"BROWSER": browser}) as (url, _, _):
        deadline = time.monotonic() + 30
        while not (opened.exists() and opened.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert opened.read_text() == url


@needs_web
@pytest.mark.parametrize("extra, message", [
    (["--target", "-"], "cannot read the target from stdin"),
    (["--state", "{source}"], "--state would overwrite the input --source"),
    (["--host", "203.0.113.9"], "no such address on this machine"),
])
def test_bad_flags_are_one_line_and_exit_2(corpus, capsys, extra, message):
    args = ["review", "--source", str(corpus["source"]), "--target", str(corpus["target"]), "--port", "0"]
    args += [value.format(source=corpus["source"]) for value in extra]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and err.startswith("termlock review: error:")


def test_a_port_out_of_range_is_an_argparse_usage_error(corpus, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["review", "--source", str(corpus["source"]), "--target", str(corpus["target"]), "--port", "70000"])
    errors = [line for line in capsys.readouterr().err.splitlines() if ": error: " in line]
    assert exited.value.code == 2 and errors == ["termlock review: error: argument --port: a port is 0 to 65535, got 70000"]


@needs_web
def test_a_busy_port_is_named_with_the_fix(corpus, capsys):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    try:
        assert main(["review", "--source", str(corpus["source"]), "--target", str(corpus["target"]), "--port", str(port)]) == 2
    finally:
        holder.close()
    assert f"cannot listen on 127.0.0.1:{port}: address already in use (fix: give another --port" in capsys.readouterr().err


@needs_web
def test_missing_inputs_are_refused_like_check(capsys):
    assert main(["review", "--source", "nowhere.zh"]) == 2
    assert "--target is required" in capsys.readouterr().err


def test_segment_metrics_follow_edits_exactly_as_corpus_metrics_would():
    rng = random.Random(7)
    words = "the dual cores of Shenyang and Dalian build a new development pattern together".split()
    references = [" ".join(rng.choices(words, k=rng.randint(3, 12))) for _ in range(40)]
    hypotheses = [" ".join(rng.choices(words, k=rng.randint(0, 12))) for _ in range(40)]
    tracker = SegmentMetrics(hypotheses, references)
    assert tracker.metrics() == corpus_metrics(hypotheses, references)
    for _ in range(10):
        index = rng.randrange(40)
        hypotheses[index] = references[index] if rng.random() < 0.5 else ""
        tracker.update(index, hypotheses[index])
        assert tracker.metrics() == corpus_metrics(hypotheses, references)
    assert SegmentMetrics([], []).metrics() == corpus_metrics([], [])


def post(url: str, body: dict, csrf: str):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "X-CSRF-Token": csrf})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@needs_web
def test_killing_the_server_loses_nothing(corpus, tmp_path):
    args = ["--source", str(corpus["source"]), "--target", str(corpus["target"])]
    with review_server(args, tmp_path) as (url, process, _):
        csrf = json.loads(get(url + "api/session")[1])["csrf"]
        row, other = json.loads(get(url + "api/findings")[1])["rows"][:2]
        assert post(url + f"api/segments/{row['index']}", {"text": "Saved before the crash.", "version": 0, "by": "Ann"}, csrf)[0] == 200
        assert post(url + "api/accept", {"index": other["index"], "n": other["n"], "reason": "a name", "by": "Ann"}, csrf)[0] == 200
        process.kill()  # SIGKILL: no shutdown, no flush
        process.wait(timeout=30)
    with review_server(args, tmp_path) as (url, _, lines):
        assert "state resumed" in lines[0]
        assert json.loads(get(url + f"api/segments/{row['index']}")[1])["target"] == "Saved before the crash."
        assert json.loads(get(url + "api/overview")[1])["summary"]["accepted"] == 1


def test_glossary_bundled_is_the_bundled_glossary_as_for_check(tmp_path):
    """``--glossary bundled`` names the bundled glossary's file in the review's job, never ./bundled."""
    from termlock.corpora import bundled_glossary_path
    from termlock.jobs import CheckJob
    from termlock.review.setup import job_record

    job = CheckJob(source=str(tmp_path / "a.zh"), target=str(tmp_path / "a.en"), glossaries=("bundled",))
    assert job_record(job, kind="segment", target_format="text")["glossaries"] == [str(bundled_glossary_path().resolve())]


@needs_web
def test_review_takes_glossary_bundled_like_check(corpus, tmp_path):
    args = ["--glossary", "bundled", "--source", corpus["source"].name, "--target", corpus["target"].name]
    with review_server(args, tmp_path) as (url, _, lines):
        assert lines[0].startswith("termlock review: 199 segments, 33 open findings")
        status, body = get(url + "api/overview")
        assert status == 200 and json.loads(body)["summary"]["forbidden"] == 11


def test_a_broken_glossary_is_refused_before_any_state_is_made(corpus, tmp_path, capsys):
    glossary = tmp_path / "bad.yaml"
    glossary.write_text("name: x\nterms:\n  - source: 双核\n", encoding="utf-8")
    state = tmp_path / "review.sqlite"
    args = ["review", "--glossary", str(glossary), "--source", str(corpus["source"]), "--target", str(corpus["target"]),
            "--state", str(state), "--port", "0"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("termlock review: error:") and "bad.yaml:3" in err and len(err.splitlines()) == 1
    assert not state.exists() and not any(p.name.startswith("review.") for p in tmp_path.iterdir())
