"""Property/fuzz run of the server's OpenAPI schema (Schemathesis): no request gets a 5xx.

Every documented operation is called with generated requests -- valid ones
and ones that break the schema -- against a real server with the tiny
model; a 500 (or any 5xx) fails the run. Bounded: a few examples per
operation, small request limits so huge generated texts are refused (413)
rather than decoded, no shrinking deadline.
"""

from __future__ import annotations

import json

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed (pip install 'termlock[test]')")

from hypothesis import HealthCheck, Phase, settings  # noqa: E402

from serve_helpers import GLOSSARY_YAML, call, running_server, server_settings  # noqa: E402

pytest.importorskip("fastapi", reason="termlock[server] is not installed")


@pytest.fixture(scope="module")
def fuzz_server(tiny_model_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "terms.yaml").write_text(GLOSSARY_YAML, encoding="utf-8")
    settings = server_settings(tiny_model_dir, folder / "data", folder / "terms.yaml", max_texts=4, max_chars=120,
                               max_body_bytes=64_000, max_wait_ms=0)
    with running_server(settings) as (base, app):
        yield base, app


def test_no_request_gets_a_server_error(fuzz_server):
    from hypothesis import given

    base, _ = fuzz_server
    status, _, schema = call(base, "GET", "/openapi.json")  # the schema as the server serves it to clients
    assert status == 200, schema
    api = schemathesis.openapi.from_dict(json.loads(schema))
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 19
    failures: list[str] = []
    statuses: list[int] = []
    for operation in operations:

        @settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call(base_url=base, timeout=60)
            statuses.append(response.status_code)
            if response.status_code >= 500 or "Traceback" in response.text:
                failures.append(f"{case.method} {case.path} -> {response.status_code}: {response.text[:300]}")

        run()
    assert failures == []
    # the run reached both the translator and the refusals
    assert sum(200 <= s < 300 for s in statuses) >= 20 and sum(400 <= s < 500 for s in statuses) >= 20, statuses
