"""The output projection of a float32 model on the CPU, its weight kept in oneDNN's packed layout.

At every decoder step, every hypothesis is projected onto the whole target
vocabulary: ``[rows, d_model] x [d_model, vocabulary]``, 65,001 words for
opus-mt-zh-en, 152k for Qwen. On a CPU that one product is the largest
part of a float32 step (39% at 80 rows for opus-mt-zh-en), and PyTorch's
default path for it (``F.linear``, MKL's sgemm on x86) runs it well below
the speed the same machine reaches on the decoder's smaller products, and
gains little from a second thread. oneDNN,
which PyTorch ships, can lay the weight out once for its own kernels
("packing" at load, as Intel's extension for PyTorch does): measured on a
2-core AVX2 EPYC at 80 rows, 141 ms -> 85 ms a call on one thread and
112 ms -> 52 ms on two (bench/README.md).

What changes: only how the product is blocked, so the logits move at
float rounding (about 1e-5 on logits of magnitude 10), like a different
BLAS or thread count moves them. Everything that asks the model -- the
plain search, the lock, ``generate`` itself -- goes through this same
layer, so termlock's unconstrained output stays identical to
``generate``'s on the loaded model. oneDNN's row results do not depend on
how many rows a call holds (a sentence decodes the same alone or in a
batch), which MKL's path does not promise.

What stays: the module is an ``nn.Linear`` holding the very same
``weight`` and ``bias`` parameters (a weight tied to the input embeddings
stays tied; the state dict keeps its keys), plus the packed copy, which
costs ``vocabulary x d_model x 4`` bytes more (130 MB for opus-mt-zh-en;
it is skipped when the RAM left after loading could not hold it twice) and
about 0.3 s at load to lay out (opus-mt-zh-en, two busy cores), which one
sentence of beam 5 gains back.
Whenever the fast path does not apply -- gradients wanted, another dtype
or device -- it is plain ``nn.Linear``; a weight changed in place since
packing, or a copied or unpickled model, is packed again before use, never
read stale. Packing is tried once on a small input and kept only when it
gives ``F.linear``'s numbers (to rounding), so a PyTorch build whose oneDNN
lacks the operation, or computes wrongly, loads the model as before.
"""

from __future__ import annotations

from typing import Any

import torch

#: the packed copy must fit this many times into the RAM left after loading
_MEMORY_HEADROOM = 2
#: rows of the trial product run when packing (any count works; results do not depend on it)
_TRIAL_ROWS = 3


class PackedLinear(torch.nn.Linear):
    """``nn.Linear`` that multiplies with a oneDNN-packed copy of its weight (CPU, float32, inference).

    Built from an existing layer by :func:`pack_linear`; shares that
    layer's parameters. The packed copy is not part of the module's state:
    a copy or a pickle of the model (``copy.deepcopy``, Ray) carries the
    parameters only and packs again on its first call, as it does when the
    weight was changed in place since packing.
    """

    def __init__(self, linear: torch.nn.Linear, packed: torch.Tensor, rows: int):
        torch.nn.Module.__init__(self)  # no fresh weight: the layer's own parameters are kept
        self.in_features = linear.in_features
        self.out_features = linear.out_features
        self.weight = linear.weight
        self.register_parameter("bias", linear.bias)
        self._rows = rows
        self._packed: torch.Tensor | None = packed
        self._packed_version = linear.weight._version

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_packed"] = None  # oneDNN's opaque layout can be neither copied nor pickled: packed again on use
        return state

    def _fast(self, x: torch.Tensor) -> bool:
        """Whether this call may use a packed copy (see the module docstring)."""
        return (
            x.device.type == "cpu"
            and x.dtype == torch.float32
            and self.weight.device.type == "cpu"
            and self.weight.dtype == torch.float32
            and not (torch.is_grad_enabled() and (x.requires_grad or self.weight.requires_grad))
        )

    def _current(self) -> torch.Tensor:
        """The packed copy of the weight as it is now (packed again after a copy or an in-place change)."""
        packed, version = self._packed, self.weight._version
        if packed is None or version != self._packed_version:
            with torch.inference_mode():
                packed = _reorder(self.weight.detach(), self._rows)
            self._packed, self._packed_version = packed, version
        return packed

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self._fast(x):
            return super().forward(x)
        return _multiply(x, self._current(), self.bias)


def _reorder(weight: torch.Tensor, rows: int) -> torch.Tensor:
    """``weight`` ``[out, in]`` laid out for oneDNN's kernels, for calls of about ``rows`` rows."""
    return torch.ops.mkldnn._reorder_linear_weight(weight, rows)


def _multiply(x: torch.Tensor, packed: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """``F.linear(x, weight, bias)`` with the packed weight (any leading dimensions of ``x``)."""
    return torch.ops.mkldnn._linear_pointwise(x, packed, bias, "none", [], "")


def _oneDNN_linear_available() -> bool:
    """Whether this PyTorch build has oneDNN's packed linear operations, and oneDNN is not switched off."""
    backend = torch.backends.mkldnn
    if not (getattr(backend, "is_available", lambda: False)() and getattr(backend, "enabled", True)):
        return False
    mkldnn = getattr(torch.ops, "mkldnn", None)
    return all(hasattr(mkldnn, op) for op in ("_reorder_linear_weight", "_linear_pointwise"))


def pack_linear(linear: torch.nn.Linear, rows: int) -> PackedLinear | None:
    """``linear`` as a :class:`PackedLinear`, or None where packing is unavailable or disagrees.

    ``rows``: the rows a call usually holds (batch x beams), oneDNN's hint
    for the layout; calls with any other count work and give the same rows.
    """
    weight = linear.weight
    if type(linear) is not torch.nn.Linear or weight.dtype != torch.float32 or weight.device.type != "cpu":
        return None
    if not _oneDNN_linear_available():
        return None
    with torch.inference_mode():
        try:
            packed = _reorder(weight.detach(), max(1, int(rows)))
            generator = torch.Generator().manual_seed(0)
            trial = torch.randn(_TRIAL_ROWS, linear.in_features, generator=generator)
            bias = linear.bias.detach() if linear.bias is not None else None
            got = _multiply(trial, packed, bias)
        except (RuntimeError, NotImplementedError):  # a build or CPU whose oneDNN cannot do it
            return None
        expected = torch.nn.functional.linear(trial, weight.detach(), bias)
        scale = float(expected.abs().max()) or 1.0
        if got.shape != expected.shape or not torch.allclose(got, expected, rtol=1e-4, atol=1e-5 * scale):
            return None
    return PackedLinear(linear, packed, max(1, int(rows)))


def pack_output_projection(model: Any, rows: int, *, available: int | None = None) -> bool:
    """Replace a float32 CPU model's output projection by a packed one; whether it was.

    ``available``: free RAM in bytes (None: read from the system); the
    packed copy must fit :data:`_MEMORY_HEADROOM` times into it.
    """
    get, put = getattr(model, "get_output_embeddings", None), getattr(model, "set_output_embeddings", None)
    if not callable(get) or not callable(put):
        return False
    head = get()
    if not isinstance(head, torch.nn.Linear):
        return False
    size = head.weight.numel() * head.weight.element_size()
    if available is None:
        from termlock.translate.models.memory import available_memory

        available = available_memory("cpu")
    if available is not None and size * _MEMORY_HEADROOM > available:
        return False
    packed = pack_linear(head, rows)
    if packed is None:
        return False
    put(packed)
    if get() is not packed:  # a model whose setter does not set what the getter returns: leave it as it was
        put(head)
        return False
    return True


def is_packed(model: Any) -> bool:
    """Whether ``model``'s output projection is a :class:`PackedLinear`."""
    get = getattr(model, "get_output_embeddings", None)
    return callable(get) and isinstance(get(), PackedLinear)
