"""Tiny decoder-only models with random weights around real (or home-made) tokenizers.

No LLM weights exist on the test machines, but the decoder's correctness
(equality with ``generate``, constraints placed, prompts as templates say)
does not depend on translation quality. The real Qwen2.5 byte-level BPE
and Llama 2 SentencePiece tokenizers (``../shared/models``) give real
vocabularies, ids and chat templates; where they are absent a small
byte-level BPE trained here on the bundled corpus, with a ChatML chat
template, stands in, so every causal test runs in a fresh clone too.

The models are saved and loaded back through termlock's own loader, the
path a user's ``--model DIR`` takes.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from tiny_model import _corpus_lines

#: ../shared/models relative to the repository root (TERMLOCK_SHARED_MODELS overrides, e.g. in a worktree)
SHARED = Path(os.environ.get("TERMLOCK_SHARED_MODELS") or Path(__file__).resolve().parents[1].parent / "shared" / "models")
QWEN_TOKENIZER = SHARED / "qwen2.5-tokenizer"
LLAMA_TOKENIZER = SHARED / "llama2-tokenizer"

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def qwen_available() -> bool:
    return (QWEN_TOKENIZER / "vocab.json").is_file() and (QWEN_TOKENIZER / "merges.txt").is_file()


def llama_available() -> bool:
    return (LLAMA_TOKENIZER / "tokenizer.model").is_file()


def write_qwen_tokenizer(out: Path) -> None:
    """The real Qwen2.5 tokenizer files (loaded by AutoTokenizer from the folder, never by vocab_file=)."""
    for name in ("vocab.json", "merges.txt", "tokenizer_config.json"):
        shutil.copy(QWEN_TOKENIZER / name, out / name)


def write_llama_tokenizer(out: Path) -> None:
    """The real Llama 2 SentencePiece model, as ALMA/Tower ship it (BOS added, no chat template)."""
    shutil.copy(LLAMA_TOKENIZER / "tokenizer.model", out / "tokenizer.model")
    config = {
        "tokenizer_class": "LlamaTokenizer",
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "add_bos_token": True,
        "add_eos_token": False,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")


def write_own_tokenizer(out: Path, vocab_size: int = 800) -> None:
    """A byte-level BPE trained on the bundled corpus, ChatML special tokens and template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    zh, en = _corpus_lines()
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(zh + en, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=specials[1:],
    )
    fast.chat_template = CHATML_TEMPLATE
    fast.save_pretrained(str(out))


def _tokenizer(out: Path, family: str):
    from transformers import AutoTokenizer

    if family == "qwen":
        write_qwen_tokenizer(out)
    elif family == "llama":
        write_llama_tokenizer(out)
    else:
        write_own_tokenizer(out)
    tokenizer = AutoTokenizer.from_pretrained(str(out))
    # transformers 5 can build an empty tokenizer without a word of warning: check a known encoding
    known = {"qwen": ("Hello world", [9707, 1879]), "llama": ("dual cores", [1, 14581, 28337])}
    if family in known:
        text, ids = known[family]
        assert tokenizer(text)["input_ids"] == ids, f"the {family} tokenizer did not load as the real one"
    return tokenizer


def build_causal_model(
    out_dir: str | Path,
    family: str = "qwen",
    *,
    seed: int = 0,
    hidden: int = 32,
    layers: int = 2,
    eos_bias: float = 5.0,
    attention_scale: float = 15.0,
    chat_template: bool | None = None,
) -> Path:
    """Write a loadable tiny causal LM: ``family`` "qwen" (Qwen2 + real Qwen2.5 tokenizer),
    "llama" (Llama + real Llama 2 tokenizer) or "own" (Qwen2 + the home-made tokenizer).

    Weights are seeded random, with a decisive output layer (fewer near
    ties, so equality with ``generate`` is a meaningful test) and a push
    towards EOS through a constant embedding component, so hypotheses end at
    varied lengths and finishing/early stopping are exercised.
    ``chat_template`` False removes the tokenizer's chat template.
    """
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = _tokenizer(out, family)
    if chat_template is False and getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = None
        config_path = out / "tokenizer_config.json"
        data = json.loads(config_path.read_text(encoding="utf-8"))
        data.pop("chat_template", None)
        config_path.write_text(json.dumps(data), encoding="utf-8")
        (out / "chat_template.jinja").unlink(missing_ok=True)
    if family == "llama":
        eos_ids = [tokenizer.eos_token_id]
        pad_id = None
        bos_id = tokenizer.bos_token_id
    else:
        vocab = tokenizer.get_vocab()
        eos_ids = [vocab["<|im_end|>"], vocab["<|endoftext|>"]]
        pad_id = vocab["<|endoftext|>"]
        bos_id = vocab["<|endoftext|>"]
    vocab_size = 151936 if family == "qwen" else (32000 if family == "llama" else len(tokenizer))
    common = dict(
        vocab_size=vocab_size,
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        tie_word_embeddings=False,
        bos_token_id=bos_id,
        eos_token_id=eos_ids[0],
        pad_token_id=pad_id,
    )
    torch.manual_seed(seed)
    if family == "llama":
        model = LlamaForCausalLM(LlamaConfig(**common))
    else:
        model = Qwen2ForCausalLM(Qwen2Config(**common))
    with torch.no_grad():
        embed = model.get_input_embeddings().weight
        embed.normal_(0.0, 1.0)
        head = model.get_output_embeddings().weight
        head.normal_(0.0, 0.5)
        for layer in model.model.layers:
            # strong attention output: the last prompt position (the same
            # chat-template suffix in every prompt) must still see the sentence
            layer.self_attn.v_proj.weight.mul_(attention_scale)
            layer.self_attn.o_proj.weight.mul_(attention_scale)
        # EOS's output row along the mean final hidden state: a push to end
        # that grows with eos_bias, whatever the random weights
        zh, _ = _corpus_lines()
        states = [model.model(**tokenizer(line, return_tensors="pt")).last_hidden_state[0] for line in zh[:8]]
        direction = torch.cat(states).mean(dim=0)
        direction /= direction.norm()
        # each EOS a little weaker than the one before: two ids with one row
        # would tie exactly, and which of two equal scores a top-k names is
        # left open (torch.topk and generate's beam search differ between
        # releases), so a tie would test the library, not termlock
        for rank, eos in enumerate(eos_ids):
            head[eos] = eos_bias * (1.0 - 0.05 * rank) * direction
    model.generation_config = GenerationConfig(
        eos_token_id=eos_ids if len(eos_ids) > 1 else eos_ids[0],
        pad_token_id=pad_id,
        bos_token_id=bos_id,
    )
    model.save_pretrained(str(out))
    return out
