"""The Translator and CLI drive decoder-only LLMs under the same lock as seq2seq models."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from termlock.corpora import load_bundled_glossary
from termlock.errors import TermlockError
from termlock.glossary import Glossary, SegmentJudge, SourceMatcher, Term
from termlock.translate.models.loading import ModelNotAvailableError, load_model
from termlock.translate.translator import Translator

GLOSSARY = load_bundled_glossary()
CORES = Term("dual-core", ("双核",), "dual cores", forbidden=("two cores",))
FOOD = Term("food-security", ("粮食安全",), "food security")
SMALL = Glossary("small", (CORES, FOOD))
SENTENCES = ["这款处理器采用双核设计。", "粮食安全是国家安全的重要基础。", "数字经济蓬勃发展。"]


@pytest.fixture(scope="module")
def own(causal_own_dir):
    return load_model(str(causal_own_dir), device="cpu")


def spy(translator):
    """Every decoder call: (prompts, constrained?)."""
    calls = []
    original = translator.decoder.decode

    def decode(prompts, positives=None, negatives=None):
        calls.append((list(prompts), positives is not None))
        return original(prompts, positives, negatives)

    translator.decoder.decode = decode
    return calls


def test_loaded_as_a_causal_model(own):
    assert own.kind == "causal" and own.tokenizer.padding_side == "left"
    assert own.max_input_tokens == 512


def test_term_hints_list_exactly_the_sentences_terms(own):
    translator = Translator(own, GLOSSARY, beam=1, constraints="off", max_length=4)
    calls = spy(translator)
    line = "这款处理器采用双核设计。我们要加快构建新发展格局。"
    translator.translate([line])
    prompts = calls[0][0]
    matcher = SourceMatcher(GLOSSARY)
    for sentence in ("这款处理器采用双核设计。", "我们要加快构建新发展格局。"):
        prompt = next(p for p in prompts if sentence in p)
        terms = {m.term.id: m for m in matcher.find(sentence)}
        hint_lines = [l for l in prompt.split("\n") if " = " in l]
        assert sorted(hint_lines) == sorted(f"{m.text} = {m.term.target}" for m in terms.values())
    off = Translator(own, GLOSSARY, beam=1, constraints="off", max_length=4, term_hints=False)
    calls = spy(off)
    off.translate([line])
    assert not any("Use these translations" in p for p in calls[0][0])


def test_hy_mt_hints_use_its_own_prompt(own):
    translator = Translator(own, SMALL, beam=1, constraints="off", max_length=4, prompt_template="hy-mt")
    calls = spy(translator)
    translator.translate(["这款处理器采用双核设计。"])
    assert "参考下面的翻译：\n双核 翻译成 dual cores\n\n将以下文本翻译为英语" in calls[0][0][0]


def test_auto_redecodes_only_failing_sentences(own):
    class Judge:
        """Food security always passes; every other term fails until constrained."""

        def verdicts(self, source, target):
            found = {m.term.id for m in SourceMatcher(SMALL).find(source)}
            return {tid: "ok" if tid == "food-security" or "dual cores" in target.lower() else "missing" for tid in found}

    translator = Translator(own, SMALL, beam=2, constraints="auto", max_length=16, judge=Judge())
    calls = spy(translator)
    records = translator.translate_segments(SENTENCES)
    assert [constrained for _, constrained in calls] == [False, True]
    assert len(calls[0][0]) == 3 and len(calls[1][0]) == 1 and SENTENCES[0] in calls[1][0][0]
    assert records[0].redecoded == ("dual-core",) and records[0].unsatisfied == ()
    assert records[1].satisfied_first_pass == ("food-security",) and not records[1].sentences[0].constrained


@pytest.fixture(scope="module", params=["own", "qwen"])
def locked(request):
    """Translators with constraints always, per beam width, on the home-made and the real Qwen2.5 tokenizer."""
    loaded = load_model(str(request.getfixturevalue(f"causal_{request.param}_dir")), device="cpu")
    return {beams: Translator(loaded, GLOSSARY, beam=beams, constraints="always", max_length=40) for beams in (2, 3)}


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_always_places_every_term_and_no_forbidden_rendering(locked, data):
    """Checked by the checker's own judge on the final text (term success 1.0).

    Byte-level BPE pieces of CJK characters must not glue onto a placed
    rendering ("Committee廐" is no whole word for the checker).
    """
    terms = [t for t in GLOSSARY if len(t.target.split()) <= 3][:40]
    # terms whose renderings nest ("Party organization" in "primary-level Party
    # organization") need nested counting in the tracker, tested in test_constraints.py
    chosen = data.draw(
        st.lists(st.sampled_from(terms), min_size=1, max_size=3, unique_by=lambda t: t.id).filter(_not_nested)
    )
    beams = data.draw(st.sampled_from([2, 3]))
    source = "，".join(t.source for t in chosen) + "。"
    record = locked[beams].translate_segments([source])[0]
    verdicts = SegmentJudge(GLOSSARY).verdicts(source, record.target)
    assert record.unsatisfied == ()
    assert set(verdicts.values()) == {"ok"}, (record.target, verdicts)


def _not_nested(terms) -> bool:
    renderings = [(t.id, r.lower()) for t in terms for r in t.accepted]
    return not any(a != b and x in y for a, x in renderings for b, y in renderings)


def test_forbidden_rendering_is_banned_in_the_continuation(own):
    translator = Translator(own, SMALL, beam=3, constraints="always", max_length=24)
    target = translator.translate(["这款处理器采用双核设计。"])[0]
    assert "dual cores" in target.lower() and "two cores" not in target.lower()


def test_seq2seq_refuses_llm_options(tiny_model_dir):
    with pytest.raises(TermlockError, match="decoder-only"):
        Translator(str(tiny_model_dir), SMALL, term_hints=True)


def test_memory_is_checked_before_the_weights_load(causal_own_dir, monkeypatch):
    import termlock.translate.models.memory as memory

    monkeypatch.setattr(memory, "available_memory", lambda device: 1024)
    loaded_weights = []
    import transformers

    original = transformers.AutoModelForCausalLM.from_pretrained
    monkeypatch.setattr(
        transformers.AutoModelForCausalLM, "from_pretrained", lambda *a, **k: loaded_weights.append(a) or original(*a, **k)
    )
    with pytest.raises(TermlockError, match=r"needs about .* GiB .* only 0\.0 GiB of available RAM") as info:
        load_model(str(causal_own_dir), device="cpu")
    assert loaded_weights == [] and "--batch-size" in str(info.value)


def test_missing_weights_and_offline_hub(causal_own_dir, tmp_path, monkeypatch):
    empty = tmp_path / "no-weights"
    empty.mkdir()
    for name in ("config.json", "tokenizer_config.json", "tokenizer.json"):
        (empty / name).write_bytes((causal_own_dir / name).read_bytes())
    with pytest.raises(ModelNotAvailableError, match="no model weights"):
        load_model(str(empty))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(ModelNotAvailableError, match="HF_HUB_OFFLINE"):
        load_model("tencent/HY-MT1.5-1.8B")


def test_cli_translates_with_an_llm(causal_own_dir, tmp_path):
    from termlock.cli import main

    source = tmp_path / "in.txt"
    source.write_text("这款处理器采用双核设计。\n\n粮食安全是国家安全的重要基础。\n", encoding="utf-8")
    template = tmp_path / "t.yaml"
    template.write_text('name: t\nprompt: "ZH: {source}\\nEN:"\n', encoding="utf-8")
    out, report = tmp_path / "out.txt", tmp_path / "report.json"
    code = main(
        [
            "translate", "-i", str(source), "-o", str(out), "--glossary", _write(tmp_path, SMALL),
            "--model", str(causal_own_dir), "--beam", "2", "--max-length", "24", "--constraints", "always",
            "--prompt-template", str(template), "--term-hints", "off", "--report", str(report),
        ]
    )  # fmt: skip
    assert code == 0
    lines = out.read_text(encoding="utf-8").split("\n")
    assert len(lines) == 4 and lines[1] == "" and "dual cores" in lines[0].lower()
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["summary"]["unsatisfied"] == 0
    # what the run decoded with (issue 24: the report records template, hints, dtype and max length)
    assert {k: written[k] for k in ("dtype", "max_length", "prompt_template", "term_hints")} == {
        "dtype": "fp32", "max_length": 24, "prompt_template": "t", "term_hints": False,
    }


def test_the_report_records_the_template_and_hints_the_model_got(causal_own_dir, tmp_path):
    from termlock.cli import main

    source = tmp_path / "in.txt"
    source.write_text("这款处理器采用双核设计。\n", encoding="utf-8")
    report = tmp_path / "report.json"
    argv = ["translate", "-i", str(source), "-o", str(tmp_path / "out.txt"), "--glossary", _write(tmp_path, SMALL),
            "--model", str(causal_own_dir), "--beam", "1", "--max-length", "4", "--report", str(report)]  # fmt: skip
    assert main(argv) == 0
    written = json.loads(report.read_text(encoding="utf-8"))
    # chosen from the model (a qwen2 config), hints on by that template's default
    assert (written["prompt_template"], written["term_hints"], written["dtype"]) == ("qwen", True, "fp32")
    assert main([*argv, "--prompt-template", "seed-x"]) == 0
    written = json.loads(report.read_text(encoding="utf-8"))
    assert (written["prompt_template"], written["term_hints"]) == ("seed-x", False)


def test_fixed_format_families_get_no_hints_unless_asked(own):
    """Seed-X, ALMA, GemmaX2, Hunyuan-MT: free-text hints before a fixed prompt are off by default; the lock still applies."""
    for name in ("seed-x", "alma", "gemmax2", "hunyuan-mt"):
        translator = Translator(own, SMALL, beam=2, constraints="always", max_length=12, prompt_template=name)
        calls = spy(translator)
        record = translator.translate_segments(["这款处理器采用双核设计。"])[0]
        assert not any("Use these translations" in p for p in calls[0][0]), name
        assert record.required == ("dual-core",)  # still locked
        on = Translator(own, SMALL, beam=1, constraints="off", max_length=2, prompt_template=name, term_hints=True)
        calls = spy(on)
        on.translate(["这款处理器采用双核设计。"])
        assert "双核 = dual cores" in calls[0][0][0] or "双核 翻译成 dual cores" in calls[0][0][0], name


def test_a_bad_template_is_refused_before_the_model_is_looked_for(tmp_path):
    with pytest.raises(TermlockError, match="no such prompt template file"):
        Translator(str(tmp_path / "no-such-model"), SMALL, prompt_template=str(tmp_path / "missing.yaml"))


def _weightless(causal_dir, tmp_path):
    """A model folder with its config and tokenizer only: all --show-prompt may read."""
    folder = tmp_path / "no-weights"
    folder.mkdir()
    for name in ("config.json", "tokenizer_config.json", "tokenizer.json", "chat_template.jinja", "tokenizer.model"):
        if (causal_dir / name).exists():
            (folder / name).write_bytes((causal_dir / name).read_bytes())
    return folder


def test_show_prompt_prints_the_first_segments_prompts_without_weights(causal_own_dir, tmp_path, capsys, monkeypatch):
    import transformers

    from termlock.cli import main

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", lambda *a, **k: pytest.fail("weights read"))
    source = tmp_path / "in.txt"
    source.write_text("\n这款处理器采用双核设计。粮食安全是基础。\n数字经济。\n", encoding="utf-8")
    argv = ["translate", "-i", str(source), "--glossary", _write(tmp_path, SMALL),
            "--model", str(_weightless(causal_own_dir, tmp_path)), "--show-prompt"]  # fmt: skip
    assert main(argv) == 0
    out, err = capsys.readouterr()
    request = "Translate the following Chinese text into English. Output only the translation, nothing else.\n\n"
    head = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
    tail = "<|im_end|>\n<|im_start|>assistant\n"
    assert out == (
        f"{head}Use these translations for the following terms:\n双核 = dual cores\n\n{request}这款处理器采用双核设计。{tail}\n"
        f"{head}Use these translations for the following terms:\n粮食安全 = food security\n\n{request}粮食安全是基础。{tail}\n"
    )  # line 2 (line 1 is blank), one prompt per sentence, hints per sentence
    headers = err.strip().splitlines()
    assert headers[0].startswith(f"prompt 1 of 2 for {source}:2 (template qwen, term hints on, ") and "tokens):" in headers[0]
    assert not (tmp_path / "in.txt.termlock-journal").exists()
    assert main([*argv, "--term-hints", "off", "--prompt-template", "seed-x"]) == 0
    out, _ = capsys.readouterr()
    assert out == (
        "Translate the following Chinese sentence into English:\n这款处理器采用双核设计。 <en>\n"
        "Translate the following Chinese sentence into English:\n粮食安全是基础。 <en>\n"
    )


def test_show_prompt_says_what_the_tokenizer_adds(causal_llama_dir, tmp_path, capsys):
    from termlock.cli import main

    source = tmp_path / "in.txt"
    source.write_text("数字经济。\n", encoding="utf-8")
    argv = ["translate", "-i", str(source), "--glossary", _write(tmp_path, SMALL),
            "--model", str(_weightless(causal_llama_dir, tmp_path)), "--prompt-template", "alma", "--show-prompt"]  # fmt: skip
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out == "Translate this from Chinese to English:\nChinese: 数字经济。\nEnglish:\n"
    assert "(template alma, term hints off, the tokenizer adds <s> before it, " in err


def test_show_prompt_refuses_a_seq2seq_model_and_a_directory(tiny_model_dir, tmp_path, capsys):
    from termlock.cli import main

    source = tmp_path / "in.txt"
    source.write_text("你好。\n", encoding="utf-8")
    assert main(["translate", "-i", str(source), "--model", str(tiny_model_dir), "--show-prompt", "--glossary", "bundled"]) == 2
    assert "--show-prompt shows the prompt of a decoder-only LLM; this is a seq2seq model" in capsys.readouterr().err
    assert main(["translate", "-i", str(tmp_path), "--model", str(tiny_model_dir), "--show-prompt", "--glossary", "bundled"]) == 2
    assert "--show-prompt shows the prompts of one file's first segment, and this is a directory" in capsys.readouterr().err


def test_cli_refuses_llm_flags_for_seq2seq(tiny_model_dir, tmp_path, capsys):
    from termlock.cli import main

    source = tmp_path / "in.txt"
    source.write_text("你好。\n", encoding="utf-8")
    code = main(["translate", "-i", str(source), "-o", str(tmp_path / "o.txt"), "--model", str(tiny_model_dir), "--term-hints", "on",
                 "--glossary", "bundled"])
    assert code == 2 and "decoder-only" in capsys.readouterr().err


def _write(tmp_path, glossary: Glossary) -> str:
    from termlock.glossary.writer import dump_glossary

    path = tmp_path / "g.yaml"
    dump_glossary(glossary, path)
    return str(path)
