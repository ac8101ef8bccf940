"""A decoder self-attention cache written in place, for termlock's beam search.

transformers' ``DynamicCache`` grows each layer's keys and values by
``torch.cat`` at every step (a fresh copy of the whole cache, per layer)
and reorders them to the surviving beams with ``index_select`` (another
fresh copy). At 80 rows (16 sentences x 5 beams) on a CPU with int8
matrices, those copies and their allocations are a large share of a step
(bench/README.md).
Here each layer holds one buffer sized for the whole decode
(``[rows, heads, capacity, head_dim]``): a step writes its one new
position in place, and a reorder copies only the rows whose beam changed
(about a quarter of them in a beam of 5: most hypotheses extend the one
they sit on) from their parents' rows. The attention sees a view of
the filled positions -- the same numbers in the same order as the
concatenated tensors, so the outputs are unchanged.

It plugs into a Hugging Face encoder-decoder model as the self-attention
half of an ``EncoderDecoderCache`` (the cross-attention half stays a
``DynamicCache``: it is filled once and never reordered, see
``seq2seq_decoder.BeamSearchDecoder._reorder``). Only what termlock's search uses
is offered: append, read, reorder by beam; a layer asked to grow past its
capacity reallocates (twice the size) rather than fail, so the decoder
starts small (64 positions) instead of reserving a model's whole
``max_length`` (often 512) on a GPU.
"""

from __future__ import annotations

import functools
from typing import Any

import torch
from transformers.cache_utils import Cache, CacheLayerMixin, DynamicCache, EncoderDecoderCache


class InPlaceLayer(CacheLayerMixin):
    """One layer's keys and values in preallocated buffers (see the module docstring)."""

    is_sliding = False
    is_compileable = False
    is_croppable = False

    def __init__(self, capacity: int):
        super().__init__()
        self.capacity = max(1, int(capacity))
        self.length = 0

    def lazy_initialization(self, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
        self.device = key_states.device
        self._allocate(key_states, value_states, self.capacity)
        self.is_initialized = True

    def _allocate(self, key_states: torch.Tensor, value_states: torch.Tensor, capacity: int) -> None:
        rows, heads, _, key_dim = key_states.shape
        value_dim = value_states.shape[-1]
        self._keys = key_states.new_empty((rows, heads, capacity, key_dim))
        self._values = value_states.new_empty((rows, heads, capacity, value_dim))
        self._rows = torch.arange(rows, device=key_states.device)
        self.capacity = capacity

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        end = self.length + key_states.shape[-2]
        if end > self.capacity:  # longer than planned: move to a buffer twice the size
            keys, values = self._keys[:, :, : self.length], self._values[:, :, : self.length]
            self._allocate(key_states, value_states, max(end, 2 * self.capacity))
            self._keys[:, :, : self.length] = keys
            self._values[:, :, : self.length] = values
        self._keys[:, :, self.length : end] = key_states
        self._values[:, :, self.length : end] = value_states
        self.length = end
        self.keys = self._keys[:, :, :end]
        self.values = self._values[:, :, :end]
        return self.keys, self.values

    def reorder_cache(self, beam_idx: torch.LongTensor) -> None:
        """Row ``r`` becomes a copy of row ``beam_idx[r]`` (the surviving beams); rows that keep their own stay put."""
        if not self.length:
            return
        index = beam_idx.to(self._keys.device)
        if index.device.type != "cpu":
            # on an accelerator finding the moved rows would wait for the device: copy them all
            for buffer in (self.keys, self.values):
                buffer.copy_(buffer.index_select(0, index))
            return
        moved = torch.nonzero(index != self._rows[: index.numel()]).squeeze(1)
        if not moved.numel():
            return
        parents = index[moved]
        for buffer in (self.keys, self.values):  # views of the filled positions
            # the parents' rows are read out whole before any row is written
            buffer.index_copy_(0, moved, buffer.index_select(0, parents))

    def get_mask_sizes(self, query_length: int) -> tuple[int, int]:
        return self.length + query_length, 0

    def get_seq_length(self) -> int:
        return self.length

    def get_max_length(self) -> int:
        return -1  # grows when needed

    def reset(self) -> None:
        self.length = 0
        self.keys = self.values = None
        self.is_initialized = False


def in_place_cache(capacity: int) -> EncoderDecoderCache:
    """An encoder-decoder cache whose self-attention half is written in place (``capacity`` positions per layer)."""
    self_attention = Cache(layer_class_to_replicate=functools.partial(InPlaceLayer, capacity))
    return EncoderDecoderCache(self_attention, DynamicCache())
