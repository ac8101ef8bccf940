"""LLM prompt templates: rendered exactly as each model card says, chosen from the model, overridable."""

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


def test_hy_mt_prompts_are_the_model_cards():
    assert _request("hy-mt") == f"将以下文本翻译为英语，注意只需要输出翻译后的结果，不要额外解释：\n\n{SOURCE}"
    assert _request("hy-mt", HINTS) == (
        "参考下面的翻译：\n双核 翻译成 dual cores\n处理器 翻译成 processor\n\n"
        f"将以下文本翻译为英语，注意只需要输出翻译后的结果，不要额外解释：\n{SOURCE}"
    )


def test_plain_family_prompts():
    assert _request("seed-x") == f"Translate the following Chinese sentence into English:\n{SOURCE} <en>"
    alma = f"Translate this from Chinese to English:\nChinese: {SOURCE}\nEnglish:"
    assert _request("alma") == alma and _request("gemmax2") == alma
    assert _request("tower") == f"Translate the following text from Chinese into English.\nChinese: {SOURCE}\nEnglish:"


def test_generic_term_hints_go_before_the_request():
    assert _request("alma", HINTS) == (
        "Use these translations for the following terms:\n双核 = dual cores\n处理器 = processor\n\n"
        f"Translate this from Chinese to English:\nChinese: {SOURCE}\nEnglish:"
    )


def test_placeholders_in_the_sentence_are_kept():
    text = "请输入{source}和{target_lang}。"
    assert _request("gemmax2").replace(SOURCE, text) == PromptRenderer(TEMPLATES["gemmax2"], _Plain()).request(text)


def test_qwen_chat_template_with_the_real_tokenizer(causal_qwen_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(causal_qwen_dir))
    assert tokenizer("Hello world")["input_ids"] == [9707, 1879]  # the real vocabulary, not an empty one
    renderer = PromptRenderer(TEMPLATES["qwen"], tokenizer)
    assert renderer.render(SOURCE) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
        "Translate the following Chinese text into English. Output only the translation, nothing else.\n\n"
        f"{SOURCE}<|im_end|>\n<|im_start|>assistant\n"
    )
    assert renderer.add_special_tokens is False
    assert renderer.end_token_ids() == [151645]


def test_alma_raw_prompt_with_the_real_llama_tokenizer(causal_llama_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(causal_llama_dir))
    assert tokenizer.convert_ids_to_tokens(tokenizer("dual cores")["input_ids"]) == ["<s>", "▁dual", "▁cores"]
    renderer = PromptRenderer(TEMPLATES["alma"], tokenizer)  # no chat template: the raw prompt, BOS added
    assert not renderer.use_chat and renderer.add_special_tokens
    assert renderer.render(SOURCE) == f"Translate this from Chinese to English:\nChinese: {SOURCE}\nEnglish:"


def test_tower_uses_the_chat_template_when_there_is_one(causal_own_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(causal_own_dir))
    rendered = PromptRenderer(TEMPLATES["tower"], tokenizer).render(SOURCE)
    assert rendered == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
        f"Translate the following text from Chinese into English.\nChinese: {SOURCE}\nEnglish:<|im_end|>\n"
        "<|im_start|>assistant\n"
    )


@pytest.mark.parametrize(
    "name, model_type, expected",
    [
        ("tencent/HY-MT1.5-1.8B", "hunyuan_v1_dense", "hy-mt"),
        ("models/whatever", "hunyuan_v1_dense", "hy-mt"),
        ("tencent/Hunyuan-MT-7B", "hunyuan_v1_dense", "hy-mt"),
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
    ],
)
def test_bad_template_files_are_one_line_errors(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TermlockError, match=message) as info:
        load_template_file(str(path))
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_unknown_template_name():
    with pytest.raises(TermlockError, match="unknown prompt template"):
        resolve_template("no-such-template")


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
