"""Every built-in prompt template, golden: the exact text (and token ids where the real tokenizer is here).

One sentence with and without a term hint per template, each next to the
source it was checked against (URL and the quoted prompt line of the
authors' README, model card or inference code). Where a family's tokenizer
is not in ``../shared/models`` the test pins the text termlock builds and,
for chat families, how it calls ``apply_chat_template``; where a source
could not be found, the test says so.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from causal_models import llama_available, qwen_available, write_llama_tokenizer, write_qwen_tokenizer
from termlock.translate.models.llm_prompts import CausalPrompts
from termlock.translate.models.prompts import PromptRenderer, TermHint, builtin_templates

TEMPLATES = builtin_templates()
SENTENCE = "我们要构建新发展格局。"
HINT = (TermHint("新发展格局", "new development pattern"),)


class _Plain:
    """A tokenizer without a chat template: the raw prompt is the whole prompt."""

    chat_template = None


class _RecordingChat:
    """Stands in for a family's tokenizer where its real one is not here: shows the chat call's switches."""

    chat_template = "stand-in"

    def __init__(self):
        self.calls = []

    def apply_chat_template(self, messages, tokenize, add_generation_prompt, **options):
        self.calls.append({"messages": messages, "tokenize": tokenize, "add_generation_prompt": add_generation_prompt, **options})
        return "".join(f"[{m['role']}]{m['content']}" for m in messages) + ("[assistant]" if add_generation_prompt else "")


def _request(name: str, hints=(), *, source: str = "zh", target: str = "en") -> str:
    return PromptRenderer(TEMPLATES[name], _Plain() if TEMPLATES[name].chat != "always" else _RecordingChat(),
                          source_code=source, target_code=target).request(SENTENCE, hints)


def _default_hints(name: str, tokenizer=None) -> bool:
    loaded = SimpleNamespace(name=name, model=SimpleNamespace(config=None), tokenizer=tokenizer or _Plain(), src_lang=None, tgt_lang=None)
    return CausalPrompts.create(loaded, None, template=name).term_hints


# ---------------------------------------------------------------- HY-MT1.5 and Hunyuan-MT


def test_hy_mt():
    # https://github.com/Tencent-Hunyuan/HY-MT/blob/248d5b5a57c0a9f475af75f25ba7ced807cb2a5f/README.md
    # "Prompt Template for ZH<=>XX Translation":
    #     将以下文本翻译为{target_language}，注意只需要输出翻译后的结果，不要额外解释：\n\n{source_text}
    # "Prompt Template for terminology intervention":
    #     参考下面的翻译：\n{source_term} 翻译成 {target_term}\n\n将以下文本翻译为{target_language}，注意只需要输出翻译后的结果，不要额外解释：\n{source_text}
    # Supported languages: | English | en | 英语 |
    assert _request("hy-mt") == "将以下文本翻译为英语，注意只需要输出翻译后的结果，不要额外解释：\n\n我们要构建新发展格局。"
    assert _request("hy-mt", HINT) == (
        "参考下面的翻译：\n新发展格局 翻译成 new development pattern\n\n"
        "将以下文本翻译为英语，注意只需要输出翻译后的结果，不要额外解释：\n我们要构建新发展格局。"
    )
    assert _request("hy-mt", target="en-US") == _request("hy-mt")  # a glossary locale, the family's name
    assert _request("hy-mt", target="zh-TW").startswith("将以下文本翻译为繁体中文，")  # | Traditional Chinese | zh-Hant | 繁体中文 |
    assert _default_hints("hy-mt") is True  # the family documents a terminology prompt


def test_hy_mt_chat_call_is_the_readmes():
    # The README's transformers example (same URL):
    #     tokenized_chat = tokenizer.apply_chat_template(messages, tokenize=True, add_generation_prompt=False, return_tensors="pt")
    # termlock renders the same call (tokenize=False, then tokenizes the text without adding special
    # tokens, which is what tokenize=True does): the prompt ends where the model's chat template ends the
    # user turn, with no <｜hy_Assistant｜> of termlock's own. The HY-MT tokenizer is not in
    # ../shared/models and its chat_template.jinja was not found with the search tools, so a recording
    # stand-in shows the call instead of the real template's text.
    tokenizer = _RecordingChat()
    renderer = PromptRenderer(TEMPLATES["hy-mt"], tokenizer)
    assert renderer.render(SENTENCE) == "[user]将以下文本翻译为英语，注意只需要输出翻译后的结果，不要额外解释：\n\n我们要构建新发展格局。"
    assert tokenizer.calls == [{
        "messages": [{"role": "user", "content": _request("hy-mt")}], "tokenize": False, "add_generation_prompt": False,
    }]  # no system message: "Note that our model does not have the default system_prompt."
    assert renderer.add_special_tokens is False


def test_hunyuan_mt():
    # https://github.com/Tencent-Hunyuan/Hunyuan-MT/blob/09a37afd567e0e34cc707a7591054d25acfdd7c1/README.md
    # "Prompt Template for ZH<=>XX Translation":
    #     把下面的文本翻译成`<target_language>`，不要额外解释。\n\n`<source_text>`
    # No terminology prompt is documented: hints are off by default; with --term-hints on they are
    # termlock's generic instruction, before the README prompt. Language names: the family's table
    # (HY-MT README), as Hunyuan-MT's README has none.
    assert _request("hunyuan-mt") == "把下面的文本翻译成英语，不要额外解释。\n\n我们要构建新发展格局。"
    assert _request("hunyuan-mt", HINT) == (
        "Use these translations for the following terms:\n新发展格局 = new development pattern\n\n"
        "把下面的文本翻译成英语，不要额外解释。\n\n我们要构建新发展格局。"
    )
    assert _default_hints("hunyuan-mt") is False
    tokenizer = _RecordingChat()  # the README calls apply_chat_template(..., add_generation_prompt=False) too
    PromptRenderer(TEMPLATES["hunyuan-mt"], tokenizer).render(SENTENCE)
    assert tokenizer.calls[0]["add_generation_prompt"] is False


# ---------------------------------------------------------------- Seed-X


def test_seed_x():
    # https://github.com/ByteDance-Seed/Seed-X-7B/blob/8335570b0d0f9076e91319b8184a26eb07555a29/README.md
    #     "Translate the following English sentence into Chinese:\nMay the force be with you <zh>"
    # "The language tags at the end of the prompt is necessary"; "We don't have any chat template";
    # "This model is specialized in multilingual translation, which is unexpected to support other tasks."
    assert _request("seed-x") == "Translate the following Chinese sentence into English:\n我们要构建新发展格局。 <en>"
    # a glossary's locales become the names and the two-letter tag, never "<en-US>" or "zh-CN sentence"
    assert _request("seed-x", source="zh-CN", target="en-US") == _request("seed-x")
    assert _request("seed-x", source="zh_CN", target="EN_us") == _request("seed-x")
    assert _request("seed-x", HINT) == (
        "Use these translations for the following terms:\n新发展格局 = new development pattern\n\n"
        "Translate the following Chinese sentence into English:\n我们要构建新发展格局。 <en>"
    )  # only with --term-hints on
    assert _default_hints("seed-x") is False
    assert TEMPLATES["seed-x"].chat == "never"


# ---------------------------------------------------------------- Tower


def test_tower_instruct():
    # https://huggingface.co/Unbabel/TowerInstruct-7B-v0.2 (model card):
    #     {"role": "user", "content": "Translate the following text from Portuguese into English.\nPortuguese: Um grupo de investigadores lançou um novo modelo para tarefas relacionadas com tradução.\nEnglish:"}
    #     prompt = pipe.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    #     outputs = pipe(prompt, max_new_tokens=256, do_sample=False)
    assert _request("tower") == "Translate the following text from Chinese into English.\nChinese: 我们要构建新发展格局。\nEnglish:"
    assert _request("tower", HINT) == (
        "Use these translations for the following terms:\n新发展格局 = new development pattern\n\n"
        "Translate the following text from Chinese into English.\nChinese: 我们要构建新发展格局。\nEnglish:"
    )
    assert _default_hints("tower") is True


#: TowerInstruct's chat format as its card shows it ("<|im_start|>user\n{USER PROMPT}<|im_end|>\n<|im_start|>assistant\n")
TOWER_CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


@pytest.mark.skipif(not llama_available(), reason="../shared/models/llama2-tokenizer is not present")
def test_tower_instruct_is_tokenized_with_bos_as_its_pipeline_does():
    # The card's pipe(prompt) and tower-eval
    # (https://github.com/deep-spin/tower-eval/blob/28265202cfe218d2b7a8ad3915c62cb70de2202f/tower_eval/models/hf/generator.py:
    #     input_line = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False, ...)
    #     inputs = self.tokenizer(input_line, return_token_type_ids=False, return_tensors="pt"))
    # tokenize the rendered text with the tokenizer's special tokens: <s><|im_start|>user...
    # The real Llama 2 SentencePiece model (TowerInstruct's base) with the two ChatML tokens added.
    from transformers import AutoTokenizer

    with tempfile.TemporaryDirectory() as folder:
        write_llama_tokenizer(Path(folder))
        tokenizer = AutoTokenizer.from_pretrained(folder)
    tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tokenizer.chat_template = TOWER_CHATML
    renderer = PromptRenderer(TEMPLATES["tower"], tokenizer)
    text = renderer.render(SENTENCE)
    assert text == (
        "<|im_start|>user\nTranslate the following text from Chinese into English.\nChinese: 我们要构建新发展格局。\n"
        "English:<|im_end|>\n<|im_start|>assistant\n"
    )
    assert renderer.add_special_tokens is True
    ids = tokenizer(text, add_special_tokens=renderer.add_special_tokens)["input_ids"]
    assert tokenizer.convert_ids_to_tokens(ids[:4]) == ["<s>", "<|im_start|>", "user", "<0x0A>"]
    assert ids[0] == 1 and ids[2:4] == [1792, 13]


def test_tower_plus():
    # https://huggingface.co/Unbabel/Tower-Plus-2B (and -9B, -72B; model card):
    #     messages = [{"role": "user", "content": "Translate the following English source text to Portuguese (Portugal):\nEnglish: Hello world!\nPortuguese (Portugal): "}]
    #     input_ids = pipe.tokenizer.apply_chat_template(messages, tokenize=True, add_generation_prompt=True)
    # Note the space after the last colon. Language names are the card's: "Chinese (Simplified)".
    assert _request("tower-plus") == (
        "Translate the following Chinese (Simplified) source text to English:\n"
        "Chinese (Simplified): 我们要构建新发展格局。\nEnglish: "
    )
    assert _request("tower-plus", source="zh-TW", target="pt-BR") == (
        "Translate the following Chinese (Traditional) source text to Portuguese (Brazilian):\n"
        "Chinese (Traditional): 我们要构建新发展格局。\nPortuguese (Brazilian): "
    )
    assert _request("tower-plus", target="pt-PT").endswith("\nPortuguese (Portugal): ")
    assert _request("tower-plus", HINT) == (
        "Use these translations for the following terms:\n新发展格局 = new development pattern\n\n"
        "Translate the following Chinese (Simplified) source text to English:\n"
        "Chinese (Simplified): 我们要构建新发展格局。\nEnglish: "
    )
    tokenizer = _RecordingChat()  # Gemma 2 / Qwen 2.5 tokenizers are not here: the call, as the card makes it
    renderer = PromptRenderer(TEMPLATES["tower-plus"], tokenizer)
    renderer.render(SENTENCE)
    assert tokenizer.calls[0]["add_generation_prompt"] is True and renderer.add_special_tokens is False


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Unbabel/TowerInstruct-7B-v0.2", "tower"),
        ("Unbabel/TowerInstruct-Mistral-7B-v0.2", "tower"),
        ("Unbabel/Tower-Plus-9B", "tower-plus"),
        ("models/tower-plus-72b", "tower-plus"),
        ("tencent/Hunyuan-MT-7B", "hunyuan-mt"),
        ("tencent/HY-MT1.5-1.8B", "hy-mt"),
    ],
)
def test_family_chosen_by_name(name, expected):
    from termlock.translate.models.prompts import choose_template

    assert choose_template(name, SimpleNamespace(model_type="gemma2"), _RecordingChat()).name == expected


# ---------------------------------------------------------------- ALMA, X-ALMA, GemmaX2


def test_alma():
    # https://github.com/fe1ixxu/ALMA/blob/10360c33dc875c747315dcf0a5be0d48472c7a4c/utils/utils.py (get_prompt):
    #     prefix = f"Translate this from {src_fullname} to {tgt_fullname}:\n{src_fullname}: "
    #     suffix = f"\n{tgt_fullname}:"
    # README: prompt="Translate this from Chinese to English:\nChinese: 我爱机器翻译。\nEnglish:"
    assert _request("alma") == "Translate this from Chinese to English:\nChinese: 我们要构建新发展格局。\nEnglish:"
    assert _request("alma", HINT) == (
        "Use these translations for the following terms:\n新发展格局 = new development pattern\n\n"
        "Translate this from Chinese to English:\nChinese: 我们要构建新发展格局。\nEnglish:"
    )
    assert _default_hints("alma") is False


@pytest.mark.skipif(not llama_available(), reason="../shared/models/llama2-tokenizer is not present")
def test_alma_token_ids_on_the_real_llama2_tokenizer():
    # ALMA tokenizes its raw prompt with add_special_tokens=True (utils.py: "add_special_tokens=True if not
    # model_args.chat_style else False"): BOS (1) first, the prompt's own pieces after it.
    from transformers import AutoTokenizer

    with tempfile.TemporaryDirectory() as folder:
        write_llama_tokenizer(Path(folder))
        tokenizer = AutoTokenizer.from_pretrained(folder)
    renderer = PromptRenderer(TEMPLATES["alma"], tokenizer)
    assert not renderer.use_chat and renderer.add_special_tokens
    ids = tokenizer(renderer.render(SENTENCE), add_special_tokens=renderer.add_special_tokens)["input_ids"]
    assert ids == [
        1, 4103, 9632, 445, 515, 10013, 304, 4223, 29901, 13, 1451, 8233, 29901, 29871, 30672, 31381, 30698,
        31901, 30886, 30374, 30910, 31599, 31168, 31655, 30267, 13, 24636, 29901,
    ]


def test_x_alma_uses_the_same_prompt_in_its_chat_template():
    # Same README: "X-ALMA needs chat template but ALMA and ALMA-R don't need it."
    #     chat_style_prompt = [{"role": "user", "content": prompt}]
    #     prompt = tokenizer.apply_chat_template(chat_style_prompt, tokenize=False, add_generation_prompt=True)
    tokenizer = _RecordingChat()
    renderer = PromptRenderer(TEMPLATES["alma"], tokenizer)
    assert renderer.render(SENTENCE) == f"[user]{_request('alma')}[assistant]"
    assert renderer.add_special_tokens is False  # utils.py: add_special_tokens=False with chat_style


def test_gemmax2():
    # https://huggingface.co/ModelSpace/GemmaX2-28-9B-v0.1 (model card, Quick Start):
    #     text = "Translate this from Chinese to English:\nChinese: 我爱机器翻译\nEnglish:"
    #     inputs = tokenizer(text, return_tensors="pt")
    # (a raw prompt, BOS added; the Gemma tokenizer is not in ../shared/models, so the text is pinned)
    assert _request("gemmax2") == "Translate this from Chinese to English:\nChinese: 我们要构建新发展格局。\nEnglish:"
    assert _request("gemmax2", HINT) == (
        "Use these translations for the following terms:\n新发展格局 = new development pattern\n\n"
        "Translate this from Chinese to English:\nChinese: 我们要构建新发展格局。\nEnglish:"
    )
    assert _default_hints("gemmax2") is False
    assert PromptRenderer(TEMPLATES["gemmax2"], _RecordingChat()).add_special_tokens is True


# ---------------------------------------------------------------- Qwen and other chat models


QWEN_REQUEST = "Translate the following Chinese text into English. Output only the translation, nothing else.\n\n我们要构建新发展格局。"


@pytest.mark.skipif(not qwen_available(), reason="../shared/models/qwen2.5-tokenizer is not present")
@pytest.mark.parametrize("name", ["qwen", "chat"])
def test_qwen_and_chat_on_the_real_qwen25_tokenizer(name):
    # https://huggingface.co/Qwen/Qwen2.5-7B-Instruct (model card quickstart):
    #     text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    # Qwen publishes no translation prompt (none was found in its cards or READMEs): the user message is
    # termlock's own instruction; the chat template and its default system message are the tokenizer's.
    from transformers import AutoTokenizer

    with tempfile.TemporaryDirectory() as folder:
        write_qwen_tokenizer(Path(folder))
        tokenizer = AutoTokenizer.from_pretrained(folder)
    renderer = PromptRenderer(TEMPLATES[name], tokenizer)
    # the default system message is the one of the chat template in ../shared/models/qwen2.5-tokenizer
    system = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    assert renderer.render(SENTENCE) == f"{system}<|im_start|>user\n{QWEN_REQUEST}<|im_end|>\n<|im_start|>assistant\n"
    assert renderer.render(SENTENCE, HINT) == (
        f"{system}<|im_start|>user\nUse these translations for the following terms:\n新发展格局 = new development pattern"
        f"\n\n{QWEN_REQUEST}<|im_end|>\n<|im_start|>assistant\n"
    )
    ids = tokenizer(renderer.render(SENTENCE), add_special_tokens=renderer.add_special_tokens)["input_ids"]
    assert ids[:3] == [151644, 8948, 198] and ids[-5:] == [151645, 198, 151644, 77091, 198]
    assert renderer.end_token_ids() == ([151645] if name == "qwen" else [])


def test_qwen3_thinking_off():
    # https://huggingface.co/Qwen/Qwen3-8B (model card quickstart):
    #     text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True,
    #         enable_thinking=True # Switches between thinking and non-thinking modes. Default is True.)
    # termlock passes the switch as False (the answer is the translation). The Qwen3 tokenizer is not in
    # ../shared/models: the call is recorded.
    tokenizer = _RecordingChat()
    renderer = PromptRenderer(TEMPLATES["qwen3"], tokenizer)
    renderer.render(SENTENCE, HINT)
    assert tokenizer.calls == [{
        "messages": [{"role": "user", "content": f"Use these translations for the following terms:\n"
                      f"新发展格局 = new development pattern\n\n{QWEN_REQUEST}"}],
        "tokenize": False, "add_generation_prompt": True, "enable_thinking": False,
    }]
    assert _request("qwen3") == QWEN_REQUEST


def test_every_builtin_template_has_a_golden_here():
    tested = {"hy-mt", "hunyuan-mt", "seed-x", "tower", "tower-plus", "alma", "gemmax2", "qwen", "qwen3", "chat"}
    assert set(TEMPLATES) == tested
