"""``--dtype int8``: dynamic int8 quantization of a model's Linear layers, on the CPU.

On a CPU, a translation model spends its time in matrix products: the
decoder layers and, above all, the output projection over the whole target
vocabulary (65,001 words for opus-mt-zh-en) at every step of every beam.
PyTorch's dynamic quantization stores every ``nn.Linear`` weight as int8
(one scale per tensor) and quantizes the activations on the fly per batch,
so those products run in int8 (x86/oneDNN or fbgemm kernels): faster
(bench/README.md has the figures) and a quarter of the weight memory,
which is how CTranslate2 gets its CPU speed too. Embeddings, layer norms and attention's own products
stay float32. It works for any architecture whose projections are
``nn.Linear`` (Marian, NLLB/M2M100, mBART, T5, decoder-only LLMs alike),
which is why it is applied once in model loading and nowhere else.

Approximate: scores move slightly, so a beam may pick a different but
equally likely word and the output can differ from float32 here and there.
Glossary constraints are enforced by the decoder on top of whatever the
model scores, so they hold exactly as in float32. The quantized kernels
exist for the CPU only: on a GPU use ``--dtype fp16``/``bf16``.

Which int8 kernels: PyTorch packs each weight for one backend when it
quantizes, and the packed weight keeps its backend. On a CPU with AMX
(Intel Sapphire Rapids and later) oneDNN's kernels use the AMX tiles, which
the default x86/fbgemm ones do not (bench/README.md: how much faster the
output projection and the other layers run), with the same results to
float rounding; so weights are packed for oneDNN there, and for PyTorch's
default engine elsewhere. The engine setting itself is restored afterwards: nothing else
in the process changes.

``torch.ao.quantization`` is deprecated upstream in favour of torchao but
is what this torch build ships; its deprecation warnings are silenced here
because a translator can do nothing about them.
"""

from __future__ import annotations

import warnings
from typing import Any


def quantize_int8(model: Any) -> Any:
    """``model`` with every ``nn.Linear`` replaced by a dynamically quantized int8 one (CPU only).

    Returns the same model object, quantized in place, in eval mode.
    """
    import torch
    from torch.ao.quantization import quantize_dynamic

    previous = torch.backends.quantized.engine
    engine = packing_engine()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=UserWarning, message=r".*quantiz.*")
        try:
            torch.backends.quantized.engine = engine
            return quantize_dynamic(model.eval(), {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
        finally:
            torch.backends.quantized.engine = previous


def packing_engine() -> str:
    """The quantized engine to pack weights for: oneDNN where the CPU has AMX, else PyTorch's default."""
    import torch

    engines = torch.backends.quantized.supported_engines
    if "onednn" in engines and _has_amx():
        return "onednn"
    return torch.backends.quantized.engine


def _has_amx() -> bool:
    """Whether the CPU has AMX tiles PyTorch can use (False where torch cannot tell)."""
    import torch

    probe = getattr(getattr(torch._C, "_cpu", None), "_init_amx", None)
    try:
        return bool(probe()) if probe is not None else False
    except Exception:  # a build or platform without the probe: keep the default engine
        return False


def is_quantized(model: Any) -> bool:
    """Whether ``model`` holds dynamically quantized Linear layers."""
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    return any(isinstance(module, DynamicLinear) for module in model.modules())


def output_size(layer: Any) -> int | None:
    """Rows of a Linear-like output layer, quantized or not.

    ``nn.Linear.weight`` is a tensor, but a dynamically quantized Linear
    exposes ``weight()`` as a method (its packed int8 weight is unpacked on
    request); both have ``out_features``.
    """
    size = getattr(layer, "out_features", None)
    if isinstance(size, int):
        return size
    weight = getattr(layer, "weight", None)
    if callable(weight):
        weight = weight()
    shape = getattr(weight, "shape", None)
    return int(shape[0]) if shape is not None else None
