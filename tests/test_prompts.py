"""LLM prompt templates: chosen from the model, overridable, and refused in one line when wrong.

The exact text of every built-in template is pinned in test_prompt_goldens.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from termlock.errors import TermlockError
from termlock.translate.models.prompts import (
    PromptRenderer,
    TermHint,
    builtin_templates,
    choose_template,
    load_template_file,
    resolve_template,
)

SOURCE = "这款处理器采用双核设计。"
HINTS = (TermHint("双核", "dual cores"), TermHint("处理器", "processor"))
TEMPLATES = builtin_templates()


class _Plain:
    """A tokenizer without a chat template (raw prompts only)."""

    chat_template = None

    def get_vocab(self):
        return {}


def _request(name: str, hints=()) -> str:
    return PromptRenderer(TEMPLATES[name], _Plain() if TEMPLATES[name].chat != "always" else _chat()).request(SOURCE, hints)


def _chat():
    return SimpleNamespace(chat_template="x", get_vocab=dict)


def test_placeholders_in_the_sentence_are_kept():
    text = "请输入{source}和{target_lang}。"
    assert _request("gemmax2").replace(SOURCE, text) == PromptRenderer(TEMPLATES["gemmax2"], _Plain()).request(text)


@pytest.mark.parametrize(
    "name, model_type, expected",
    [
        ("tencent/HY-MT1.5-1.8B", "hunyuan_v1_dense", "hy-mt"),
        ("models/whatever", "hunyuan_v1_dense", "hy-mt"),
        ("tencent/Hunyuan-MT-7B", "hunyuan_v1_dense", "hunyuan-mt"),
        ("ByteDance-Seed/Seed-X-PPO-7B", "mistral", "seed-x"),
        ("Qwen/Qwen2.5-7B-Instruct", "qwen2", "qwen"),
        ("Qwen/Qwen3-8B", "qwen3", "qwen3"),
        ("Unbabel/TowerInstruct-7B-v0.2", "llama", "tower"),
        ("haoranxu/ALMA-7B-R", "llama", "alma"),
        ("haoranxu/X-ALMA-13B-Group6", "llama", "alma"),
        ("ModelSpace/GemmaX2-28-9B-v0.1", "gemma2", "gemmax2"),
        ("models/my-chat-model", "mistral", "chat"),
    ],
)
def test_template_chosen_from_name_then_model_type(name, model_type, expected):
    config = SimpleNamespace(model_type=model_type, _name_or_path=name)
    assert choose_template(name, config, _chat()).name == expected


def test_unknown_plain_model_is_refused_with_the_fix():
    with pytest.raises(TermlockError, match="--prompt-template"):
        choose_template("models/x", SimpleNamespace(model_type="llama"), _Plain())


def test_chat_always_needs_a_chat_template():
    with pytest.raises(TermlockError, match="needs the tokenizer's chat template"):
        PromptRenderer(TEMPLATES["qwen"], _Plain())


def test_template_file(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(
        'name: mine\nchat: never\nprompt: "EN: {source}\\n=>"\n'
        'prompt_with_hints: "Terms: {hints}\\nEN: {source}\\n=>"\nhint: "{term_source}->{term_target}"\n',
        encoding="utf-8",
    )
    template = resolve_template(str(path))
    assert template.name == "mine"
    renderer = PromptRenderer(template, _chat())
    assert renderer.render("你好", HINTS[:1]) == "Terms: 双核->dual cores\nEN: 你好\n=>"
    assert renderer.render("你好") == "EN: 你好\n=>"


@pytest.mark.parametrize(
    "text, message",
    [
        ("prompt: no placeholder\n", "{source}"),
        ('prompt: "{source}"\nchat: sometimes\n', "chat"),
        ('prompt: "{source}"\nfoo: 1\n', "unknown key"),
        ("prompt: [unclosed\n", "not valid YAML"),
        ('prompt: "{source}"\nprompt_with_hints: "{source}"\n', "{hints}"),
        # a misspelt placeholder would reach the model as text: refused, with the nearest one
        ('prompt: "Translate {src}:\n{source}"\n', r"unknown placeholder \{src\} in `prompt` \(fix: did you mean \{source\}\?"),
        ('prompt: "{src}"\n', r"must be a string containing \{source\}"),
        ('prompt: "Into {target_language}: {source}"\n', r"did you mean \{target_lang\}\?"),
        ('prompt: "{source}"\nhint: "{source} -> {term_target}"\n', r"\{source\} is not filled in `hint` \(fix: it belongs in `prompt`"),
        ('prompt: "{hints} {source}"\n', r"\{hints\} is not filled in `prompt` \(fix: it belongs in `prompt_with_hints`"),
        ('prompt: "{source}"\nterm_hint: false\n', "unknown key.*did you mean term_hints"),
        ('prompt: "{source}"\nterm_hints: "no"\n', "`term_hints` must be true or false"),
        ('prompt: "{source}"\nlanguages: {en: [a, b]}\n', "every value of `languages`"),
    ],
)
def test_bad_template_files_are_one_line_errors(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TermlockError, match=message) as info:
        load_template_file(str(path))
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_unknown_template_name():
    with pytest.raises(TermlockError, match=r"unknown prompt template 'hymt' \(fix: did you mean hy-mt\?"):
        resolve_template("hymt")


@pytest.mark.parametrize("spec, message", [("", "--prompt-template is empty"), ("  ", "--prompt-template is empty")])
def test_an_empty_template_name_is_named_as_such(spec, message):
    with pytest.raises(TermlockError, match=message) as info:
        resolve_template(spec)
    assert "directory" not in str(info.value)


def test_a_directory_is_not_a_template(tmp_path):
    with pytest.raises(TermlockError, match="is a directory, not a prompt template"):
        resolve_template(str(tmp_path))


def test_literal_braces_that_are_no_placeholder_are_kept(tmp_path):
    path = tmp_path / "json.yaml"
    path.write_text('prompt: "Answer as {\\"t\\": ...} for: {source} {1,2} { }"\n', encoding="utf-8")
    rendered = PromptRenderer(load_template_file(str(path)), _Plain()).request("你好")
    assert rendered == 'Answer as {"t": ...} for: 你好 {1,2} { }'


def test_locale_codes_reach_the_family_names_and_tags():
    seed = TEMPLATES["seed-x"]
    assert [seed.language(c) for c in ("en", "en-US", "en_us", "EN-GB", "zh-Hans-CN")] == ["English"] * 4 + ["Chinese"]
    assert [seed.tag(c) for c in ("en-US", "zh_CN", "pt-BR", "yue")] == ["en", "zh", "pt", "yue"]
    assert TEMPLATES["hy-mt"].language("zh-Hant") == "繁体中文" and TEMPLATES["hy-mt"].language("zh-CN") == "中文"
    assert seed.language("xx-YY") == "xx-YY"  # unknown: the code itself, never a guess


def test_list_templates_needs_no_input():
    out = subprocess.run(
        [sys.executable, "-m", "termlock", "translate", "--list-templates"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert out.returncode == 0, out.stderr
    names = [line.split()[0] for line in out.stdout.splitlines()[:-1]]
    assert names == list(TEMPLATES)
