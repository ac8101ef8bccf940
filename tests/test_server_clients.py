"""``termlock serve`` called by real clients nobody here wrote, one per API shape.

The official ``deepl`` package (``server_url``), the official ``openai``
package (``base_url``, with and without streaming), ``libretranslatepy``, and
plain HTTP for the OmegaT plugin's GET ``/translate``. The tiny model has
random weights, so it never writes a glossary rendering by itself: every
rendering found in an answer was placed by the lock (the reports say so:
nothing satisfied by the first pass, the term under ``placed_by_lock``).
"""

from __future__ import annotations

import json
import urllib.parse

import pytest

from serve_helpers import GLOSSARY_YAML, call, running_server, server_settings

pytest.importorskip("fastapi", reason="termlock[server] is not installed")

PROCESSOR = "这款处理器采用双核设计。"
FOOD = "粮食安全是国家安全的重要基础。"


@pytest.fixture(scope="module")
def glossary_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("glossary") / "terms.yaml"
    path.write_text(GLOSSARY_YAML, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("serve-data")


@pytest.fixture(scope="module")
def server(tiny_model_dir, glossary_file, data_dir):
    with running_server(server_settings(tiny_model_dir, data_dir, glossary_file)) as (base, app):
        yield base, app


def _locked(report: dict, term_id: str) -> None:
    """The judge says ok, and the lock (not the free translation) placed it."""
    statuses = {t["id"]: t["status"] for t in report["terms"]}
    assert statuses[term_id] == "ok"
    assert term_id in report["placed_by_lock"]
    assert term_id not in report["satisfied_first_pass"]


def test_the_random_model_misses_the_term_without_the_lock(tiny_model_dir):
    from termlock.translate import Translator

    free = Translator(str(tiny_model_dir), None, constraints="off").translate([PROCESSOR])[0]
    assert "dual cores" not in free


# ---------------------------------------------------------------- LibreTranslate


def test_libretranslatepy_translates_with_the_default_glossary(server):
    from libretranslatepy import LibreTranslateAPI

    base, _ = server
    client = LibreTranslateAPI(base)
    assert "dual cores" in client.translate(PROCESSOR, "zh", "en")
    assert client.detect(PROCESSOR)[0]["language"] == "zh"
    codes = {entry["code"]: entry["targets"] for entry in client.languages()}
    assert codes["zh"] == ["en"]


def test_libretranslate_json_list_gets_a_list_and_verdicts(server):
    base, _ = server
    status, _, body = call(base, "POST", "/translate", {"q": [PROCESSOR, FOOD], "source": "auto", "target": "en"})
    assert status == 200
    answer = json.loads(body)
    assert isinstance(answer["translatedText"], list) and len(answer["translatedText"]) == 2
    assert "dual cores" in answer["translatedText"][0] and "food security" in answer["translatedText"][1]
    _locked(answer["termlock"][0], "dual-cores")
    _locked(answer["termlock"][1], "food-security")
    assert [d["language"] for d in answer["detectedLanguage"]] == ["zh", "zh"]


def test_omegat_get_translate_from_a_query_string(server):
    base, _ = server
    query = urllib.parse.urlencode({"q": PROCESSOR, "source": "ZH", "target": "EN"})
    status, headers, body = call(base, "GET", f"/translate?{query}")
    assert status == 200, body
    assert "dual cores" in json.loads(body)["translatedText"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_libretranslate_inline_glossary_places_a_request_term(server):
    base, _ = server
    body = {"q": PROCESSOR, "source": "zh", "target": "en", "glossary": {"处理器": "processor"}}
    status, _, raw = call(base, "POST", "/translate", body)
    assert status == 200, raw
    answer = json.loads(raw)
    assert "processor" in answer["translatedText"] and "dual cores" in answer["translatedText"]
    _locked(answer["termlock"], "processor")


def test_libretranslate_html_keeps_tags_outside_terms(server):
    base, _ = server
    status, _, raw = call(base, "POST", "/translate", {"q": "<p>这款处理器采用<b>双核</b>设计。</p>", "source": "zh",
                                                         "target": "en", "format": "html"})
    assert status == 200, raw
    text = json.loads(raw)["translatedText"]
    assert text.startswith("<p>") and text.endswith("</p>")
    assert "<b>" in text and "</b>" in text and "dual cores" in text
    assert "dual <" not in text and "dual</b>" not in text  # never inside the rendering


# ------------------------------------------------------------------------ DeepL


def test_deepl_package_creates_a_glossary_and_translates_with_it(server, tiny_model_dir, glossary_file, data_dir):
    import deepl

    base, _ = server
    client = deepl.Translator("any-key", server_url=base)
    glossary = client.create_glossary("weblate:1:zh:en:0123abcd", "ZH", "EN", {"处理器": "processor"})
    assert glossary.entry_count == 1 and glossary.ready
    result = client.translate_text([PROCESSOR], source_lang="ZH", target_lang="EN-US", glossary=glossary)[0]
    assert "processor" in result.text and "dual cores" in result.text
    assert result.detected_source_lang == "ZH" and result.billed_characters == len(PROCESSOR)
    assert client.get_glossary_entries(glossary) == {"处理器": "processor"}
    assert glossary.glossary_id in [g.glossary_id for g in client.list_glossaries()]
    assert [(p.source_lang, p.target_lang) for p in client.get_glossary_languages()] == [("zh", "en")]
    assert {lang.code for lang in client.get_target_languages()} == {"EN-GB", "EN-US"}
    assert client.get_usage().character.count >= len(PROCESSOR)
    # a DeepL glossary is a termlock glossary: the same id works in the LibreTranslate shape
    status, _, raw = call(base, "POST", "/translate", {"q": PROCESSOR, "source": "zh", "target": "en",
                                                        "glossary_id": glossary.glossary_id})
    assert status == 200 and "processor" in json.loads(raw)["translatedText"]
    # the database keeps it across a restart
    with running_server(server_settings(tiny_model_dir, data_dir, glossary_file)) as (again, _):
        assert client.get_glossary(glossary.glossary_id).name == "weblate:1:zh:en:0123abcd"
        restarted = deepl.Translator("any-key", server_url=again)
        assert restarted.get_glossary(glossary.glossary_id).entry_count == 1
    client.delete_glossary(glossary)
    with pytest.raises(deepl.GlossaryNotFoundException):
        client.get_glossary(glossary.glossary_id)


def test_deepl_xml_placeholders_come_back_byte_for_byte(server):
    import deepl

    base, _ = server
    client = deepl.Translator("any-key", server_url=base)
    source = '这款<x id="0"></x>处理器采用双核设计。'
    result = client.translate_text(source, source_lang="ZH", target_lang="EN-GB", tag_handling="xml", ignore_tags=["x"])
    assert result.text.count('<x id="0"></x>') == 1  # as Weblate writes it and looks for it
    assert "dual cores" in result.text


# ----------------------------------------------------------------------- OpenAI


def _openai(base: str):
    import openai

    return openai.OpenAI(api_key="unused", base_url=f"{base}/v1", max_retries=0)


def test_openai_package_with_a_weblate_prompt_glossary_and_batch(server):
    base, _ = server
    client = _openai(base)
    assert "termlock" in [m.id for m in client.models.list()]
    system = ("You are a highly skilled translation assistant...\nUse the following glossary during the translation:\n"
              "处理器\tprocessor\n")
    response = client.chat.completions.create(
        model="termlock", temperature=0,
        messages=[{"role": "system", "content": system},
                  {"role": "user", "content": [{"type": "text", "text": f"{PROCESSOR}\n==WEBLATE_PART==\n{FOOD}"}]}],
    )
    parts = response.choices[0].message.content.split("\n==WEBLATE_PART==\n")
    assert len(parts) == 2
    assert "processor" in parts[0] and "dual cores" in parts[0] and "food security" in parts[1]
    assert response.choices[0].finish_reason == "stop" and response.usage.total_tokens > 0
    extension = response.model_extra["termlock"]
    _locked(extension["segments"][0], "processor")


def test_openai_streaming_with_a_supervertaler_glossary_and_tags(server):
    base, _ = server
    client = _openai(base)
    stream = client.chat.completions.create(
        model="termlock", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "system", "content": "Glossary:\n- 处理器 → processor"},
                  {"role": "user", "content": '这款<g id="1">处理器</g>采用双核设计<x id="2"/>。'}],
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "processor" in text and "dual cores" in text
    assert '<g id="1">' in text and "</g>" in text and '<x id="2"/>' in text
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"


def test_openai_model_alias_and_extension_field(server):
    base, _ = server
    status, _, raw = call(base, "POST", "/termlock/v1/glossaries",
                          {"name": "cpu terms", "terms": [{"source": "处理器", "target": "processor"}]})
    assert status == 201, raw
    client = _openai(base)
    assert "termlock@cpu terms" in [m.id for m in client.models.list()]
    by_alias = client.chat.completions.create(model="termlock@cpu terms", messages=[{"role": "user", "content": PROCESSOR}])
    assert "processor" in by_alias.choices[0].message.content
    by_field = client.chat.completions.create(model="termlock", messages=[{"role": "user", "content": PROCESSOR}],
                                              extra_body={"glossary": {"设计": "design"}})
    assert "design" in by_field.choices[0].message.content


def test_openai_unknown_model_is_404_in_openai_layout(server):
    import openai

    base, _ = server
    with pytest.raises(openai.NotFoundError) as caught:
        _openai(base).chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": PROCESSOR}])
    assert caught.value.body["code"] == "model_not_found"


# ----------------------------------------------------------------------- native


def test_native_translate_with_per_segment_terms(server):
    base, _ = server
    body = {"segments": [PROCESSOR, {"text": PROCESSOR, "id": "u2", "terms": [{"src": "处理器", "tgt": "processor"}]}]}
    status, _, raw = call(base, "POST", "/termlock/v1/translate", body)
    assert status == 200, raw
    first, second = json.loads(raw)["segments"]
    assert "processor" not in first["target"]  # the term list is the second segment's only
    assert second["id"] == "u2" and "processor" in second["target"]
    _locked(second, "processor")


def test_native_check_is_check_json_byte_for_byte(server, tmp_path, glossary_file):
    from termlock.cli import main

    base, _ = server
    sources = [PROCESSOR, FOOD, "没有术语。"]
    targets = ["This chip has double nuclei.", "Food security matters.", "No terms."]
    (tmp_path / "src.txt").write_text("\n".join(sources) + "\n", encoding="utf-8")
    (tmp_path / "tgt.txt").write_text("\n".join(targets) + "\n", encoding="utf-8")
    assert main(["check", "--glossary", str(glossary_file), "--source", str(tmp_path / "src.txt"),
                 "--target", str(tmp_path / "tgt.txt"), "--json", str(tmp_path / "out.json")]) == 0
    status, headers, raw = call(base, "POST", "/termlock/v1/check", {"sources": sources, "targets": targets})
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert raw == (tmp_path / "out.json").read_bytes()
    assert json.loads(raw)["summary"]["forbidden"] == 1
    # spelling findings counted as problems, as check --strict-spelling counts them
    targets[1] = "Food-security matters."  # a hyphen the glossary does not write
    (tmp_path / "tgt.txt").write_text("\n".join(targets) + "\n", encoding="utf-8")
    assert main(["check", "--glossary", str(glossary_file), "--source", str(tmp_path / "src.txt"),
                 "--target", str(tmp_path / "tgt.txt"), "--strict-spelling", "--json", str(tmp_path / "strict.json")]) == 0
    status, _, raw = call(base, "POST", "/termlock/v1/check", {"sources": sources, "targets": targets, "strict_spelling": True})
    assert status == 200 and raw == (tmp_path / "strict.json").read_bytes()
    assert json.loads(raw)["summary"]["strict_spelling"] is True and json.loads(raw)["summary"]["spelling"] == 1


def test_health_ready_and_metrics(server):
    base, _ = server
    assert call(base, "GET", "/health")[0] == 200
    status, _, raw = call(base, "GET", "/ready")
    assert status == 200 and json.loads(raw)["status"] == "ready"
    status, headers, raw = call(base, "GET", "/metrics")
    text = raw.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    for name in ("termlock_requests_total", "termlock_request_seconds_bucket", "termlock_queue_depth",
                 "termlock_batch_size_bucket", "termlock_segments_total", "termlock_terms_placed_total",
                 "termlock_terms_unmet_total", "termlock_tag_repairs_total"):
        assert name in text
    assert 'route="/translate"' in text
