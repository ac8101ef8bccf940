"""Will this model fit? An estimate from its config, before any weight is read.

A 7B LLM in fp32 needs ~28 GiB: loading it on a laptop swaps the machine to
a standstill or gets killed by the OOM killer minutes later, with no word
on why. The parameter count follows from the config (embeddings, attention
with grouped KV heads, gated MLP, norms), the KV cache from the beams x
batch x tokens a decoding batch holds, and the working set from the logits
over the vocabulary; termlock adds them up and refuses with the numbers
when they exceed what the device has free (RAM on CPU, GPU memory on cuda).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

from termlock.errors import TermlockError

GIB = 1024**3
#: bytes per weight while loading: int8 loads float32 weights and quantizes them afterwards (the peak)
BYTES_PER_VALUE = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 4}
#: allocator slack, temporary copies, the framework itself
OVERHEAD = 1.10
#: prompt + answer tokens assumed per hypothesis by the estimate made before loading (memory_guard)
ESTIMATE_TOKENS = 512


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a decoding run needs: weights, KV cache and per-step work tensors."""

    parameters: int
    weights: int
    cache: int
    work: int

    @property
    def total(self) -> int:
        return int((self.weights + self.cache + self.work) * OVERHEAD)

    def describe(self) -> str:
        return (
            f"about {self.total / GIB:.1f} GiB ({self.parameters / 1e9:.2f}B parameters: weights "
            f"{self.weights / GIB:.1f} GiB, KV cache {self.cache / GIB:.1f} GiB, work {self.work / GIB:.1f} GiB)"
        )


def _get(config: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        value = getattr(config, name, None)
        if value is not None:
            return value
    return default


def count_parameters(config: Any) -> int:
    """Parameters of a decoder-only transformer, from its config alone."""
    text = getattr(config, "text_config", None) or config
    hidden = int(_get(text, "hidden_size", "n_embd", "d_model"))
    layers = int(_get(text, "num_hidden_layers", "n_layer", "num_layers"))
    vocab = int(_get(text, "vocab_size"))
    heads = int(_get(text, "num_attention_heads", "n_head", default=1))
    kv_heads = int(_get(text, "num_key_value_heads", default=heads))
    head_dim = int(_get(text, "head_dim", default=hidden // heads))
    intermediate = int(_get(text, "intermediate_size", "n_inner", "ffn_dim", default=4 * hidden))
    experts = int(_get(text, "num_experts", "num_local_experts", "n_routed_experts", default=1) or 1)
    expert_size = int(_get(text, "moe_intermediate_size", default=intermediate))
    tied = bool(_get(text, "tie_word_embeddings", default=False))

    attention = hidden * heads * head_dim * 2 + hidden * kv_heads * head_dim * 2
    mlp = 3 * hidden * (expert_size * experts if experts > 1 else intermediate)
    if experts > 1:
        mlp += hidden * experts  # router
    per_layer = attention + mlp + 2 * hidden
    embeddings = vocab * hidden * (1 if tied else 2)
    return embeddings + layers * per_layer + hidden


def estimate_memory(config: Any, dtype: str = "fp32", *, rows: int = 1, tokens: int = 512) -> MemoryEstimate:
    """What decoding ``rows`` hypotheses (batch x beams) of up to ``tokens`` tokens needs.

    ``tokens`` = prompt + generated tokens; the logits of one step are kept
    in fp32 (log-softmax, beam scores) whatever the weights' precision.
    """
    text = getattr(config, "text_config", None) or config
    size = BYTES_PER_VALUE.get(dtype, 4)
    params = count_parameters(config)
    layers = int(_get(text, "num_hidden_layers", "n_layer", "num_layers"))
    heads = int(_get(text, "num_attention_heads", "n_head", default=1))
    hidden = int(_get(text, "hidden_size", "n_embd", "d_model"))
    kv_heads = int(_get(text, "num_key_value_heads", default=heads))
    head_dim = int(_get(text, "head_dim", default=hidden // heads))
    vocab = int(_get(text, "vocab_size"))
    cache = 2 * layers * kv_heads * head_dim * size * rows * tokens
    work = rows * vocab * 4 * 3 + rows * tokens * hidden * size * 4
    return MemoryEstimate(parameters=params, weights=params * size, cache=cache, work=work)


def available_memory(device: str) -> int | None:
    """Free bytes on ``device`` (MemAvailable on CPU, free GPU memory on cuda); None if unknown."""
    if device == "cuda":
        import torch

        free, _total = torch.cuda.mem_get_info()
        return int(free)
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def check_fits(estimate: MemoryEstimate, device: str, name: str, dtype: str, available: int | None = None) -> None:
    """Refuse, with the numbers and what to change, a model that will not fit."""
    free = available if available is not None else available_memory(device)
    if free is None or estimate.total <= free:
        return
    where = "free GPU memory" if device == "cuda" else "available RAM"
    fixes = []
    if device == "cuda" and dtype == "fp32":
        fixes.append("--dtype bf16 (halves the weights)")
    if device == "cpu":
        fixes.append("a GPU (--device cuda --dtype bf16)")
    fixes += ["a smaller --batch-size or --beam", "a smaller model"]
    raise TermlockError(
        f"the model needs {estimate.describe()} in {dtype} but only {free / GIB:.1f} GiB of {where} is left on {device}",
        path=name,
        fix="try " + ", or ".join(fixes),
    )


def memory_guard(name: str, device: str, dtype: str, *, rows: int) -> Callable[[Any], None]:
    """A check run on the config before the weights load: refuse an LLM that cannot fit."""

    def check(config: Any) -> None:
        if getattr(config, "is_encoder_decoder", False):
            return
        try:
            estimate = estimate_memory(config, dtype, rows=rows, tokens=ESTIMATE_TOKENS)
        except (TypeError, ValueError):
            return  # a config without the usual sizes: nothing to estimate from
        check_fits(estimate, device, name, dtype)

    return check
