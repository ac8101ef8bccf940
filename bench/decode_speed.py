"""How fast is glossary-locked decoding, against transformers' generate, in one run.

A model of the shape of Helsinki-NLP/opus-mt-zh-en (d_model 512, 6+6
layers, 8 heads, FFN 2048, 65,001-word vocabulary) with random weights and
a fixed seed: its real config and tokenizer come from
../shared/models/opus-mt-zh-en-tokenizer when that folder exists, otherwise
the same shape is built with a SentencePiece tokenizer trained on the
bundled corpus.  Sentences come from the bundled corpus; every method
decodes the same batches with beam 5 and the same fixed max length, and the
methods are timed in alternation (the order rotates every repeat) so that
load from other processes spreads evenly.

Timed: transformers ``generate`` (beam search), termlock's decoder with
``--constraints off`` (plain beam search, must give identical token ids),
``always`` (every sentence constrained with the glossary terms found in its
source) and ``auto`` (first pass unconstrained, re-decode the sentences
whose output misses a term or has a forbidden rendering).  A random-weight
model never writes a glossary term by itself, so ``auto`` re-decodes every
sentence that has terms here: it measures the worst case, not the typical
one.  Also: how ``always`` grows with 0, 1, 2, 4, 8 constraints per sentence.

    python bench/decode_speed.py --json                 # full run (minutes)
    python bench/decode_speed.py --sentences 32 --repeats 1 --json   # quick look
    python bench/decode_speed.py --causal only --json   # the LLM section alone (a few minutes)
    python bench/decode_speed.py --only-int8 --threads 1 --sentences 32 --json   # --dtype int8 vs CTranslate2
    python bench/decode_speed.py --only-scaling --sentences 32 --json   # 1 -> 2 -> all cores, termlock and CTranslate2

The LLM section (``run_causal``) decodes a model of Qwen2.5-0.5B's shape (24
layers, hidden 896, 14 heads, 2 KV heads, 151,936-word vocabulary; random
weights) on Qwen ChatML prompts with term hints: ``generate`` vs termlock
``off`` (identical ids required) and ``always``.

Every model runs as ``load_model`` prepares it (``prepare_for_inference``):
float32 on a CPU with its output projection packed for oneDNN, int8 with
every Linear quantized; the JSON's ``output_projection`` says which ran.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: TERMLOCK_SHARED_MODELS points elsewhere (e.g. from a git worktree)
REAL_TOKENIZER_DIR = Path(os.environ.get("TERMLOCK_SHARED_MODELS", ROOT.parent / "shared" / "models")) / "opus-mt-zh-en-tokenizer"
DATA_DIR = ROOT / "termlock" / "corpora" / "data"
SEED = 0


# ----------------------------------------------------------------- inputs


def _bundled_sentences(count: int, source: str | None) -> list[str]:
    """``count`` sentences (the Translator's split) from the corpus, longest first.

    Longest first is how the Translator batches; using the same order for
    every method makes their batches, and so their work, the same.
    """
    from termlock.translate import split_sentences

    path = Path(source) if source else DATA_DIR / "corpus.zh"
    if not path.is_file():
        raise SystemExit(f"no source sentences: {path} is missing (pass --source FILE)")
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    pieces = [p.content for line in lines for p in split_sentences(line) if p.content.strip()]
    if not pieces:
        raise SystemExit(f"{path} has no sentences")
    # repeat the corpus if it is shorter than requested: the count is what is timed
    chosen = [pieces[i % len(pieces)] for i in range(count)]
    return sorted(chosen, key=lambda s: -len(s))


def _glossary(path: str | None):
    if path:
        from termlock.glossary import load_glossary

        return load_glossary(path)
    from termlock.corpora import load_bundled_glossary

    return load_bundled_glossary()


def _terms_in(glossary, sentences: list[str]) -> list[list[Any]]:
    """Glossary terms found in each source sentence (the Translator's matcher)."""
    from termlock.glossary import SourceMatcher

    matcher = SourceMatcher(glossary)
    found = []
    for sentence in sentences:
        terms: dict[str, Any] = {}
        for match in matcher.find(sentence):
            terms.setdefault(match.term.id, match.term)
        found.append(list(terms.values()))
    return found


class _Found:
    def __init__(self, term: Any):
        self.term = term


def _constraints(terms_per_sentence: list[list[Any]]):
    from termlock.translate.lock.constraints import constraints_for

    positives, negatives = [], []
    for terms in terms_per_sentence:
        pos, neg = constraints_for("", [_Found(t) for t in terms])
        positives.append(pos)
        negatives.append(neg)
    return positives, negatives


def _complies(judge, source: str, text: str) -> bool:
    """Whether ``text`` honours every term of ``source``, by the rules the Translator and the checker apply."""
    from termlock.glossary import OK

    return all(verdict == OK for verdict in judge.verdicts(source, text).values())


# ------------------------------------------------------------------ model


def _build_model(workdir: Path) -> tuple[str, Path]:
    """Save a random-weight opus-mt-zh-en-shaped model and its tokenizer to a folder."""
    import torch
    from transformers import AutoTokenizer, MarianConfig, MarianMTModel

    model_dir = workdir / "model"
    model_dir.mkdir(parents=True, exist_ok=True)
    if (REAL_TOKENIZER_DIR / "config.json").is_file():
        origin = "real opus-mt-zh-en tokenizer and config, random weights"
        config = MarianConfig.from_pretrained(REAL_TOKENIZER_DIR)
        tokenizer = AutoTokenizer.from_pretrained(REAL_TOKENIZER_DIR)
    else:
        origin = "opus-mt-zh-en shape, SentencePiece trained on the bundled corpus, random weights"
        # the tests' tokenizer builder, with the vocabulary padded to the real model's size
        sys.path.insert(0, str(ROOT / "tests"))
        from tiny_model import write_marian_tokenizer

        write_marian_tokenizer(model_dir, 8000, 8000, pad_to=65001)
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        pad = tokenizer.pad_token_id
        config = MarianConfig(
            vocab_size=65001,
            decoder_vocab_size=65001,
            d_model=512,
            encoder_layers=6,
            decoder_layers=6,
            encoder_attention_heads=8,
            decoder_attention_heads=8,
            encoder_ffn_dim=2048,
            decoder_ffn_dim=2048,
            max_position_embeddings=512,
            pad_token_id=pad,
            decoder_start_token_id=pad,
            eos_token_id=0,
            forced_eos_token_id=0,
            activation_function="swish",
            scale_embedding=True,
            static_position_embeddings=True,
        )
    torch.manual_seed(SEED)
    model = MarianMTModel(config).eval()
    model.generation_config.bad_words_ids = [[config.pad_token_id]]  # as the published model
    tokenizer.save_pretrained(model_dir)
    model.save_pretrained(model_dir)
    return origin, model_dir


def _projection_kind(model) -> str:
    """How the model's output projection runs: the oneDNN-packed float32 layer, int8, or plain."""
    from termlock.translate.models.packed_projection import is_packed
    from termlock.translate.models.quantization import is_quantized

    if is_packed(model):
        return "oneDNN packed fp32"
    return "int8 dynamic" if is_quantized(model) else "nn.Linear"


# ---------------------------------------------------------------- methods


def _batches(items: list[Any], size: int):
    for start in range(0, len(items), size):
        yield start, items[start : start + size]


def _hf_generate(model, tokenizer, sentences, *, beam, batch_size, max_length, device):
    import torch

    out_ids: list[tuple[int, ...]] = []
    pad = tokenizer.pad_token_id
    for _, batch in _batches(sentences, batch_size):
        encoded = tokenizer(batch, return_tensors="pt", padding=True).to(device)
        with torch.inference_mode():
            generated = model.generate(**encoded, num_beams=beam, max_length=max_length)
        tokenizer.batch_decode(generated, skip_special_tokens=True)
        for row in generated[:, 1:].tolist():
            while row and row[-1] == pad:
                row.pop()
            out_ids.append(tuple(row))
    return out_ids


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _auto_runner(loaded, glossary, *, beam, batch_size, max_length, device):
    """``constraints="auto"`` through termlock's Translator when it is available."""
    try:
        from termlock.translate import Translator
    except ImportError:
        return None, "termlock.translate.Translator is not available"
    import inspect

    params = inspect.signature(Translator).parameters
    kwargs: dict[str, Any] = {"beam": beam, "batch_size": batch_size, "constraints": "auto"}
    if "max_length" in params:
        kwargs["max_length"] = max_length
    if "device" in params:
        kwargs["device"] = device
    try:
        translator = Translator(loaded, glossary, **kwargs)
    except Exception as error:  # report, do not hide the rest of the figures
        return None, f"Translator could not be built: {error!r}"
    note = "Translator(constraints='auto')"
    if "max_length" not in params:
        note += " (no max_length parameter: uses the model's own)"
    return translator, note


def _tracking_cost(decoder, sentences, positives, negatives) -> dict[str, float]:
    """Seconds spent in the constraint tracker during one ``always`` run, and the one-off vocabulary tables.

    The tracker's methods (bans on the full vocabulary, proposals, walking
    every candidate token through the character automata, keeping the
    survivors, compiling each batch's automata) are wrapped with a timer;
    everything else is the model and the beam search itself.
    """
    from termlock.translate.lock.symbols import CHANNELS
    from termlock.translate.lock.tracker import ConstraintTracker
    from termlock.translate.lock.vocabulary import VocabularyText

    tracker_cls = ConstraintTracker
    spent = {"total": 0.0}
    originals = {name: getattr(tracker_cls, name) for name in ("__init__", "start", "apply_bans", "proposals", "expand", "keep")}

    def timed(function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent["total"] += time.perf_counter() - start

        return wrapper

    texts = decoder.token_texts()
    # one table per view of the vocabulary the lock reads (exact, folded, cased), built once per tokenizer
    vocab_s = {
        channel: round(_timed(lambda: VocabularyText(
            decoder.tokenizer, len(texts), decoder.device, channel=channel, eos_ids=decoder.rules.eos_ids, texts=texts
        ))[0], 3)
        for channel in CHANNELS
    }  # fmt: skip
    for name, function in originals.items():
        setattr(tracker_cls, name, timed(function))
    try:
        total, _ = _timed(lambda: decoder.decode(sentences, positives, negatives))
    finally:
        for name, function in originals.items():
            setattr(tracker_cls, name, function)
    return {
        "always_s": round(total, 3),
        "tracking_s": round(spent["total"], 3),
        "tracking_share": round(spent["total"] / total, 3),
        "vocabulary_tables_s": vocab_s,
    }


# -------------------------------------------------------------------- run


def run(args: argparse.Namespace, device: str) -> dict[str, Any]:
    import torch

    from termlock.glossary import Glossary, SegmentJudge
    from termlock.translate.search.seq2seq_decoder import BeamSearchDecoder

    torch.manual_seed(SEED)
    from termlock.translate import load_model

    workdir = Path(tempfile.mkdtemp(prefix="termlock-bench-"))
    origin, model_dir = _build_model(workdir)
    # through the loader users go through (fp32: the comparison is about decoding)
    loaded = load_model(str(model_dir), device=device, dtype="fp32")
    model, tokenizer = loaded.model, loaded.tokenizer
    sentences = _bundled_sentences(args.sentences, args.source)
    glossary = _glossary(args.glossary)
    terms = _terms_in(glossary, sentences)
    positives, negatives = _constraints(terms)
    judge = SegmentJudge(glossary)

    decoder = BeamSearchDecoder(
        model, tokenizer, num_beams=args.beam, max_length=args.max_length, batch_size=args.batch_size
    )
    translator, auto_note = _auto_runner(
        loaded,
        glossary,
        beam=args.beam,
        batch_size=args.batch_size,
        max_length=args.max_length,
        device=device,
    )

    compliant, _ = _auto_runner(
        loaded,
        Glossary(name="empty", terms=()),
        beam=args.beam,
        batch_size=args.batch_size,
        max_length=args.max_length,
        device=device,
    )

    def hf():
        return _hf_generate(
            model,
            tokenizer,
            sentences,
            beam=args.beam,
            batch_size=args.batch_size,
            max_length=args.max_length,
            device=device,
        )

    def off():
        return decoder.decode(sentences)

    def always():
        return decoder.decode(sentences, positives, negatives)

    def auto():
        if translator is not None:
            return translator.translate(sentences)
        # the same procedure with the decoder, when the Translator is absent
        first = decoder.decode(sentences)
        redo = [i for i, r in enumerate(first) if not _complies(judge, sentences[i], r.text)]
        again = decoder.decode([sentences[i] for i in redo], [positives[i] for i in redo], [negatives[i] for i in redo])
        texts = [r.text for r in first]
        for i, r in zip(redo, again):
            texts[i] = r.text
        return texts

    methods: dict[str, Callable[[], Any]] = {"hf_generate": hf, "off": off, "always": always, "auto": auto}
    if compliant is not None:
        # auto when every sentence already complies: nothing to re-decode, so
        # this is off plus segmentation and the glossary check
        methods["auto_compliant"] = lambda: compliant.translate(sentences)
    names = list(methods)
    times: dict[str, list[float]] = {name: [] for name in names}
    outputs: dict[str, Any] = {}
    hf()  # warm-up (first calls allocate and initialise kernels)
    # the vocabulary tables are built once per tokenizer (timed on their own in always_tracking)
    from termlock.translate.lock.symbols import CHANNELS

    for channel in CHANNELS:
        decoder.vocabulary(channel)
    for repeat in range(args.repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            seconds, value = _timed(methods[name])
            times[name].append(seconds)
            outputs.setdefault(name, value)
    median = {name: statistics.median(values) for name, values in times.items()}

    identical = [r.token_ids for r in outputs["off"]] == outputs["hf_generate"]
    first_pass_ok = sum(_complies(judge, s, r.text) for s, r in zip(sentences, outputs["off"]))
    redecoded = len(sentences) - first_pass_ok
    always_unmet = sum(bool(r.unmet) for r in outputs["always"])

    # growth of `always` with the number of constraints per sentence
    rng = random.Random(SEED)
    pool = list(glossary.terms)
    subset = sentences[: args.growth_sentences]
    counts = [0, 1, 2, 4, 8]
    drawn = {n: _constraints([rng.sample(pool, min(n, len(pool))) for _ in subset]) for n in counts}
    growth_runs: dict[int, list[float]] = {n: [] for n in counts}
    growth_unmet: dict[str, int] = {}
    for repeat in range(args.repeats):
        shift = repeat % len(counts)
        for n in counts[shift:] + counts[:shift]:  # alternate here too
            pos, neg = drawn[n]
            seconds, results = _timed(lambda: decoder.decode(subset, pos, neg))
            growth_runs[n].append(seconds)
            growth_unmet[str(n)] = sum(bool(r.unmet) for r in results)
    growth = {str(n): round(statistics.median(v), 3) for n, v in growth_runs.items()}
    tracking = _tracking_cost(decoder, sentences, positives, negatives)

    return {
        "sentences": len(sentences),
        "beam": args.beam,
        "batch_size": args.batch_size,
        "max_length": args.max_length,
        "device": device,
        "threads": torch.get_num_threads(),
        "model": origin,
        "output_projection": _projection_kind(model),
        "hf_generate_s": round(median["hf_generate"], 3),
        "off_s": round(median["off"], 3),
        "always_s": round(median["always"], 3),
        "auto_s": round(median["auto"], 3),
        "ratio_off_vs_hf": round(median["off"] / median["hf_generate"], 3),
        "ratio_always_vs_off": round(median["always"] / median["off"], 3),
        "ratio_auto_vs_off": round(median["auto"] / median["off"], 3),
        "auto_compliant_s": round(median["auto_compliant"], 3) if "auto_compliant" in median else None,
        "ratio_auto_compliant_vs_off": (
            round(median["auto_compliant"] / median["off"], 3) if "auto_compliant" in median else None
        ),
        "redecoded_sentences": redecoded,
        "first_pass_compliance": round(first_pass_ok / len(sentences), 3),
        "identical_to_hf": identical,
        "constraints_per_sentence": round(sum(len(p) for p in positives) / len(sentences), 3),
        "sentences_with_terms": sum(bool(t) for t in terms),
        "always_unmet_sentences": always_unmet,
        "always_by_constraints_s": growth,
        "always_by_constraints_sentences": len(subset),
        "always_by_constraints_unmet_sentences": growth_unmet,
        "always_tracking": tracking,
        "auto_impl": auto_note if translator is not None else f"decoder first pass + re-decode ({auto_note})",
        "repeats": args.repeats,
        "runs_s": {name: [round(v, 3) for v in values] for name, values in times.items()},
    }


# ------------------------------------------------ int8 and CTranslate2


def _ct2_translator(model_dir: Path, workdir: Path, quantization: str, threads: int):
    """The same random-weight model converted to CTranslate2 in this run (None when ctranslate2 is absent)."""
    import ctranslate2
    from ctranslate2.converters import TransformersConverter

    out = workdir / f"ct2-{quantization}"
    TransformersConverter(str(model_dir)).convert(str(out), quantization=None if quantization == "float32" else quantization, force=True)
    return ctranslate2.Translator(str(out), device="cpu", compute_type=quantization, intra_threads=threads, inter_threads=1)


def _ct2_decode(translator, tokenizer, sentences: list[str], *, beam: int, batch_size: int, max_length: int) -> list[list[str]]:
    """CTranslate2 beam search on the same batches, unconstrained (it has no glossary constraints)."""
    hypotheses = []
    for _, batch in _batches(sentences, batch_size):
        tokens = [tokenizer.convert_ids_to_tokens(tokenizer(s)["input_ids"]) for s in batch]
        results = translator.translate_batch(
            tokens, beam_size=beam, max_batch_size=batch_size, max_decoding_length=max_length - 1, length_penalty=1.0
        )
        hypotheses.extend(r.hypotheses[0] for r in results)
    return hypotheses


def _step_profile(model, decoder, sentences, positives, negatives) -> dict[str, Any]:
    """Where one batch's decoding time goes, per decoder step, by forward hooks on the model's modules.

    Categories: the output projection (``get_output_embeddings()``: 65,001
    rows for opus-mt-zh-en), decoder self-attention, cross-attention, the
    decoder feed-forward layers, the encoder (once per batch), the rest of
    the model forward (embeddings, layer norms), and everything outside the
    model: beam bookkeeping (top-k, reordering the cache, constraint
    tracking, banks), measured as the decode time minus the model time.
    """
    import torch

    head = model.get_output_embeddings()
    encoder = model.get_encoder()
    spent: dict[str, float] = {}
    started: dict[int, float] = {}
    hooks = []

    def watch(module, category):
        def before(mod, args, kwargs=None):
            started[id(mod)] = time.perf_counter()

        def after(mod, args, output):
            spent[category] = spent.get(category, 0.0) + time.perf_counter() - started.pop(id(mod))

        hooks.append(module.register_forward_pre_hook(before))
        hooks.append(module.register_forward_hook(after))

    watch(head, "output_projection")
    watch(encoder, "encoder")
    decoder_stack = getattr(model.get_decoder(), "layers", [])
    for layer in decoder_stack:
        for name, category in (("self_attn", "decoder_self_attention"), ("encoder_attn", "cross_attention"),
                               ("fc1", "decoder_feed_forward"), ("fc2", "decoder_feed_forward")):
            if hasattr(layer, name):
                watch(getattr(layer, name), category)
    calls = {"steps": 0}
    head_hook = head.register_forward_hook(lambda *a: calls.__setitem__("steps", calls["steps"] + 1))
    whole = {"model": 0.0}
    model_start: dict[str, float] = {}

    def model_before(mod, args, kwargs=None):
        model_start["t"] = time.perf_counter()

    def model_after(mod, args, output):
        whole["model"] += time.perf_counter() - model_start.pop("t")

    # the decoder step is the decoder stack plus the output projection (termlock's DecoderStep calls
    # them directly, transformers' generate through the model's forward): time both wherever they run
    stack = model.get_decoder()
    hooks.append(stack.register_forward_pre_hook(model_before))
    hooks.append(stack.register_forward_hook(model_after))
    head_start: dict[str, float] = {}
    hooks.append(head.register_forward_pre_hook(lambda *a: head_start.__setitem__("t", time.perf_counter())))
    hooks.append(head.register_forward_hook(
        lambda *a: whole.__setitem__("model", whole["model"] + time.perf_counter() - head_start.pop("t"))
    ))  # fmt: skip
    try:
        with torch.inference_mode():
            start = time.perf_counter()
            decoder.decode(sentences, positives, negatives)
            total = time.perf_counter() - start
    finally:
        for hook in hooks:
            hook.remove()
        head_hook.remove()
    # the encoder runs once per batch, outside the decoder step: add it to the model time
    model_time = whole["model"] + spent.get("encoder", 0.0)
    inside = sum(v for k, v in spent.items())
    spent["rest_of_model_forward"] = max(model_time - inside, 0.0)
    spent["beam_bookkeeping"] = max(total - model_time, 0.0)
    steps = max(calls["steps"], 1)
    return {
        "sentences": len(sentences),
        "decoder_steps": calls["steps"],
        "total_s": round(total, 3),
        "ms_per_step": {k: round(v / steps * 1000, 2) for k, v in sorted(spent.items(), key=lambda kv: -kv[1])},
        "share": {k: round(v / total, 3) for k, v in sorted(spent.items(), key=lambda kv: -kv[1])},
    }


def int8_vs_ctranslate2(args: argparse.Namespace) -> dict[str, Any]:
    """termlock fp32/int8 (``off``, ``always``) against CTranslate2 float32/int8, alternated, same model and batches.

    The random-weight model is converted to CTranslate2 in this run with
    its Python converter (``quantization="int8"`` and float32) when the
    ``ctranslate2`` package is installed (``pip install 'termlock[bench]'``);
    otherwise only the termlock figures are given, with a note. CTranslate2
    decodes unconstrained (it has no glossary constraints); every method
    decodes the same batches with the same beam and maximum length, on the
    same number of threads.
    """
    import torch

    from termlock.translate import load_model
    from termlock.translate.search.seq2seq_decoder import BeamSearchDecoder

    workdir = Path(tempfile.mkdtemp(prefix="termlock-bench-int8-"))
    origin, model_dir = _build_model(workdir)
    fp32 = load_model(str(model_dir), device="cpu", dtype="fp32")
    int8 = load_model(str(model_dir), device="cpu", dtype="int8")
    tokenizer = fp32.tokenizer
    sentences = _bundled_sentences(args.sentences, args.source)
    glossary = _glossary(args.glossary)
    positives, negatives = _constraints(_terms_in(glossary, sentences))
    settings = {"num_beams": args.beam, "max_length": args.max_length, "batch_size": args.batch_size}
    dec32 = BeamSearchDecoder(fp32.model, tokenizer, **settings)
    dec8 = BeamSearchDecoder(int8.model, tokenizer, **settings)
    threads = torch.get_num_threads()

    # each method decodes one batch at a time, and the methods take turns
    # batch by batch (the order rotating): on a machine shared with other
    # jobs, load spreads over all methods at a fine grain
    def termlock(decoder, constrained):
        def decode(lo, hi):
            if constrained:
                return decoder.decode(sentences[lo:hi], positives[lo:hi], negatives[lo:hi])
            return decoder.decode(sentences[lo:hi])

        return decode

    methods: dict[str, Callable[[int, int], Any]] = {
        "off_fp32": termlock(dec32, False),
        "always_fp32": termlock(dec32, True),
        "off_int8": termlock(dec8, False),
        "always_int8": termlock(dec8, True),
    }
    note = None
    try:
        import ctranslate2  # noqa: F401
    except ImportError:
        note = "ctranslate2 is not installed (pip install 'termlock[bench]'): CTranslate2 baselines skipped"
    if note is None:
        for q in ("float32", "int8"):
            translator = _ct2_translator(model_dir, workdir, q, threads)
            methods[f"ct2_{q}"] = lambda lo, hi, t=translator: _ct2_decode(
                t, tokenizer, sentences[lo:hi], beam=args.beam, batch_size=args.batch_size, max_length=args.max_length
            )
    names = list(methods)
    bounds = [(lo, min(lo + args.batch_size, len(sentences))) for lo in range(0, len(sentences), args.batch_size)]
    for name in names:  # warm-up: first calls allocate buffers and pack weights
        methods[name](*bounds[-1])
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    outputs: dict[str, Any] = {name: [] for name in names}
    turn = 0
    for repeat in range(args.repeats):
        run_wall = dict.fromkeys(names, 0.0)
        run_cpu = dict.fromkeys(names, 0.0)
        for lo, hi in bounds:
            shift = turn % len(names)
            turn += 1
            for name in names[shift:] + names[:shift]:
                start_wall, start_cpu = time.perf_counter(), time.process_time()
                value = methods[name](lo, hi)
                run_wall[name] += time.perf_counter() - start_wall
                run_cpu[name] += time.process_time() - start_cpu
                if repeat == 0:
                    outputs[name].extend(value)
        for name in names:
            wall[name].append(run_wall[name])
            cpu[name].append(run_cpu[name])
    median = {name: statistics.median(values) for name, values in wall.items()}
    best = {name: min(values) for name, values in wall.items()}
    best_cpu = {name: min(values) for name, values in cpu.items()}

    def tokens_out(name: str) -> float:
        value = outputs[name]
        lengths = [len(h) for h in value] if name.startswith("ct2") else [len(r.token_ids) for r in value]
        return round(sum(lengths) / len(lengths), 2)

    def ratios(table: dict[str, float]) -> dict[str, float]:
        out = {
            "ratio_off_int8_vs_off_fp32": table["off_int8"] / table["off_fp32"],
            "ratio_always_int8_vs_always_fp32": table["always_int8"] / table["always_fp32"],
        }
        if note is None:
            out["ratio_always_int8_vs_ct2_int8"] = table["always_int8"] / table["ct2_int8"]
            out["ratio_off_int8_vs_ct2_int8"] = table["off_int8"] / table["ct2_int8"]
            out["ratio_off_vs_ct2_f32"] = table["off_fp32"] / table["ct2_float32"]
            out["ratio_ct2_int8_vs_ct2_f32"] = table["ct2_int8"] / table["ct2_float32"]
        return {key: round(value, 3) for key, value in out.items()}

    result: dict[str, Any] = {
        "model": origin,
        "output_projection": {"fp32": _projection_kind(fp32.model), "int8": _projection_kind(int8.model)},
        "sentences": len(sentences),
        "beam": args.beam,
        "batch_size": args.batch_size,
        "max_length": args.max_length,
        "threads": threads,
        "timing": "each method decodes one batch at a time, methods take turns batch by batch (order rotating); "
        "per repeat the batches are summed; headline ratios from the best repeat of each method "
        "(on a shared machine other jobs only add time), median and CPU-time ratios alongside",
        "best_s": {name: round(v, 3) for name, v in best.items()},
        "median_s": {name: round(v, 3) for name, v in median.items()},
        "best_cpu_s": {name: round(v, 3) for name, v in best_cpu.items()},
        **ratios(best),
        "ratios_median": ratios(median),
        "ratios_cpu": ratios(best_cpu),
        "mean_output_tokens": {name: tokens_out(name) for name in names},
        "int8_off_same_tokens_as_fp32": round(
            sum(a.token_ids == b.token_ids for a, b in zip(outputs["off_fp32"], outputs["off_int8"])) / len(sentences), 3
        ),
        "always_int8_unmet_sentences": sum(bool(r.unmet) for r in outputs["always_int8"]),
        "constraints_per_sentence": round(sum(len(p) for p in positives) / len(sentences), 3),
        "repeats": args.repeats,
        "runs_s": {name: [round(v, 3) for v in values] for name, values in wall.items()},
    }
    if note is None:
        result["ctranslate2"] = __import__("ctranslate2").__version__
    else:
        result["ctranslate2_note"] = note
    batch = sentences[: args.batch_size]
    result["step_profile"] = {
        "off_fp32": _step_profile(fp32.model, dec32, batch, None, None),
        "off_int8": _step_profile(int8.model, dec8, batch, None, None),
        "always_int8": _step_profile(int8.model, dec8, batch, positives[: len(batch)], negatives[: len(batch)]),
    }
    return result
def thread_scaling(args: argparse.Namespace) -> dict[str, Any]:
    """termlock int8 ``off``/``always``, fp32 ``off`` and CTranslate2 int8/float32 at 1, 2 and all cores' threads.

    The same model, batches, beam and maximum length as the int8 section;
    CTranslate2 gets ``intra_threads`` equal to torch's thread count at each
    point (one translator per thread count, ``inter_threads=1``). Every
    (threads, method) pair decodes one batch at a time and they take turns
    batch by batch (the order rotating), so load from other processes
    spreads over all of them; the best repeat counts, CPU time alongside.
    The speed-up of a method at ``t`` threads is its 1-thread time over its
    ``t``-thread time.
    """
    import torch

    from termlock.translate import load_model
    from termlock.translate.search.seq2seq_decoder import BeamSearchDecoder

    workdir = Path(tempfile.mkdtemp(prefix="termlock-bench-threads-"))
    origin, model_dir = _build_model(workdir)
    int8 = load_model(str(model_dir), device="cpu", dtype="int8")
    fp32 = load_model(str(model_dir), device="cpu", dtype="fp32")
    tokenizer = int8.tokenizer
    sentences = _bundled_sentences(args.sentences, args.source)
    glossary = _glossary(args.glossary)
    positives, negatives = _constraints(_terms_in(glossary, sentences))
    settings = {"num_beams": args.beam, "max_length": args.max_length, "batch_size": args.batch_size}
    decoder = BeamSearchDecoder(int8.model, tokenizer, **settings)
    decoder32 = BeamSearchDecoder(fp32.model, tokenizer, **settings)
    counts = sorted({1, 2, os.cpu_count() or 1})
    try:
        import ctranslate2  # noqa: F401
    except ImportError:
        ctranslate2 = None
    methods: dict[tuple[int, str], Callable[[int, int], Any]] = {}
    for threads in counts:
        methods[(threads, "off_int8")] = lambda lo, hi: decoder.decode(sentences[lo:hi])
        methods[(threads, "always_int8")] = lambda lo, hi: decoder.decode(sentences[lo:hi], positives[lo:hi], negatives[lo:hi])
        methods[(threads, "off_fp32")] = lambda lo, hi: decoder32.decode(sentences[lo:hi])
        if ctranslate2 is not None:
            for quantization in ("int8", "float32"):
                translator = _ct2_translator(model_dir, workdir / f"t{threads}", quantization, threads)
                methods[(threads, f"ct2_{quantization}")] = lambda lo, hi, t=translator: _ct2_decode(
                    t, tokenizer, sentences[lo:hi], beam=args.beam, batch_size=args.batch_size, max_length=args.max_length
                )
    keys = list(methods)
    bounds = [(lo, min(lo + args.batch_size, len(sentences))) for lo in range(0, len(sentences), args.batch_size)]
    previous = torch.get_num_threads()
    wall: dict[tuple[int, str], list[float]] = {key: [] for key in keys}
    cpu: dict[tuple[int, str], list[float]] = {key: [] for key in keys}
    try:
        for key in keys:  # warm-up
            torch.set_num_threads(key[0])
            methods[key](*bounds[-1])
        turn = 0
        for _ in range(args.repeats):
            run_wall = dict.fromkeys(keys, 0.0)
            run_cpu = dict.fromkeys(keys, 0.0)
            for lo, hi in bounds:
                shift = turn % len(keys)
                turn += 1
                for key in keys[shift:] + keys[:shift]:
                    torch.set_num_threads(key[0])
                    start_wall, start_cpu = time.perf_counter(), time.process_time()
                    methods[key](lo, hi)
                    run_wall[key] += time.perf_counter() - start_wall
                    run_cpu[key] += time.process_time() - start_cpu
            for key in keys:
                wall[key].append(run_wall[key])
                cpu[key].append(run_cpu[key])
    finally:
        torch.set_num_threads(previous)
    best = {key: min(values) for key, values in wall.items()}
    names = sorted({name for _, name in keys}, key=["off_int8", "always_int8", "ct2_int8", "off_fp32", "ct2_float32"].index)
    table = {str(t): {name: round(best[(t, name)], 3) for name in names} for t in counts}
    speedup = {
        str(t): {name: round(best[(1, name)] / best[(t, name)], 3) for name in names} for t in counts if t != 1
    }
    result: dict[str, Any] = {
        "model": origin,
        "sentences": len(sentences),
        "beam": args.beam,
        "batch_size": args.batch_size,
        "max_length": args.max_length,
        "cpu_count": os.cpu_count(),
        "output_projection": {"fp32": _projection_kind(fp32.model), "int8": _projection_kind(int8.model)},
        "timing": "every (threads, method) pair decodes one batch at a time, taking turns batch by batch (order "
        "rotating); per repeat the batches are summed; best repeat",
        "best_s": table,
        "best_cpu_s": {str(t): {name: round(min(cpu[(t, name)]), 3) for name in names} for t in counts},
        "speedup_vs_1_thread": speedup,
        "repeats": args.repeats,
        "runs_s": {f"{t}:{name}": [round(v, 3) for v in wall[(t, name)]] for t, name in keys},
    }
    if ctranslate2 is not None:
        result["ctranslate2"] = ctranslate2.__version__
        result["ratio_always_int8_vs_ct2_int8"] = {str(t): round(best[(t, "always_int8")] / best[(t, "ct2_int8")], 3) for t in counts}
        result["ratio_off_int8_vs_ct2_int8"] = {str(t): round(best[(t, "off_int8")] / best[(t, "ct2_int8")], 3) for t in counts}
        result["ratio_off_fp32_vs_ct2_f32"] = {str(t): round(best[(t, "off_fp32")] / best[(t, "ct2_float32")], 3) for t in counts}
    else:
        result["ctranslate2_note"] = "ctranslate2 is not installed (pip install 'termlock[bench]'): CTranslate2 skipped"
    return result


# ----------------------------------------------------------- causal (LLM)

#: Qwen2.5-0.5B-Instruct's shape (its config.json), random weights
QWEN25_05B = dict(
    vocab_size=151936,
    hidden_size=896,
    intermediate_size=4864,
    num_hidden_layers=24,
    num_attention_heads=14,
    num_key_value_heads=2,
    max_position_embeddings=32768,
    tie_word_embeddings=True,
    rope_theta=1000000.0,
    rms_norm_eps=1e-6,
)


def _causal_tokenizer(workdir: Path):
    """The real Qwen2.5 tokenizer when ../shared has it, else a small ChatML BPE of the tests' kind."""
    from transformers import AutoTokenizer

    shared = os.environ.get("TERMLOCK_SHARED_MODELS") or ROOT.parent / "shared" / "models"
    real = Path(shared) / "qwen2.5-tokenizer"
    if (real / "vocab.json").is_file():
        return AutoTokenizer.from_pretrained(str(real)), "Qwen2.5-0.5B shape, real Qwen2.5 tokenizer, random weights"
    sys.path.insert(0, str(ROOT / "tests"))
    from causal_models import write_own_tokenizer

    folder = workdir / "tokenizer"
    folder.mkdir(parents=True, exist_ok=True)
    write_own_tokenizer(folder)
    return AutoTokenizer.from_pretrained(str(folder)), "Qwen2.5-0.5B shape, small stand-in tokenizer, random weights"


def run_causal(args: argparse.Namespace, device: str) -> dict[str, Any]:
    """A decoder-only model of a real shape: generate vs termlock off/always on the same chat prompts.

    Every prompt is the Qwen ChatML prompt of one bundled sentence with its
    term hints; every method decodes the same batches with the same beam
    and a fixed number of new tokens (random weights rarely end early), so
    the ratios compare the same work.
    """
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    from termlock.glossary import SourceMatcher
    from termlock.translate.models.causal_lm import prepare_tokenizer
    from termlock.translate.models.loading import prepare_for_inference
    from termlock.translate.search.causal_decoder import CausalBeamSearchDecoder
    from termlock.translate.models.prompts import PromptRenderer, builtin_templates, hints_for

    torch.manual_seed(SEED)
    workdir = Path(tempfile.mkdtemp(prefix="termlock-bench-causal-"))
    tokenizer, origin = _causal_tokenizer(workdir)
    prepare_tokenizer(tokenizer)
    vocab = tokenizer.get_vocab()
    eos = [vocab["<|im_end|>"], vocab["<|endoftext|>"]]
    config = Qwen2Config(**QWEN25_05B, bos_token_id=eos[1], eos_token_id=eos[0], pad_token_id=eos[1])
    beam, batch, new = args.causal_beam, args.causal_batch_size, args.causal_new_tokens
    # what load_model does after loading (fp32 on a CPU: the output projection packed)
    model = prepare_for_inference(Qwen2ForCausalLM(config), device, "fp32", rows=beam * batch)
    model.generation_config.eos_token_id = eos
    model.generation_config.pad_token_id = eos[1]

    glossary = _glossary(args.glossary)
    sentences = _bundled_sentences(args.causal_sentences, args.source)
    renderer = PromptRenderer(builtin_templates()["qwen"], tokenizer)
    matcher = SourceMatcher(glossary)
    prompts = [renderer.render(s, hints_for(matcher.find(s))) for s in sentences]
    positives, negatives = _constraints(_terms_in(glossary, sentences))
    decoder = CausalBeamSearchDecoder(
        model, tokenizer, num_beams=beam, max_new_tokens=new, batch_size=batch, add_special_tokens=False
    )

    def hf():
        out_ids: list[tuple[int, ...]] = []
        for _, chunk in _batches(prompts, batch):
            encoded = tokenizer(chunk, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
            with torch.inference_mode():
                generated = model.generate(**encoded, num_beams=beam, max_new_tokens=new, do_sample=False)
            for row in generated[:, encoded["input_ids"].shape[1] :].tolist():
                ends = [i for i, t in enumerate(row) if t in eos]
                out_ids.append(tuple(row[: ends[0] + 1] if ends else row))
        return out_ids

    methods = {
        "hf_generate": hf,
        "off": lambda: decoder.decode(prompts),
        "always": lambda: decoder.decode(prompts, positives, negatives),
    }
    names = list(methods)
    times: dict[str, list[float]] = {name: [] for name in names}
    outputs: dict[str, Any] = {}
    # the lock's vocabulary tables are built once per tokenizer and process (151,936 tokens here):
    # timed on their own, as the encoder-decoder section does, not inside the first `always` run
    from termlock.translate.lock.symbols import CHANNELS

    vocabulary_s, _ = _timed(lambda: [decoder.vocabulary(channel) for channel in CHANNELS])
    for repeat in range(args.causal_repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            seconds, value = _timed(methods[name])
            times[name].append(seconds)
            outputs.setdefault(name, value)
    median = {name: statistics.median(values) for name, values in times.items()}
    prompt_tokens = [len(tokenizer(p, add_special_tokens=False)["input_ids"]) for p in prompts]
    return {
        "model": origin,
        "parameters": sum(p.numel() for p in model.parameters()),
        "sentences": len(sentences),
        "beam": beam,
        "batch_size": batch,
        "max_new_tokens": new,
        "mean_prompt_tokens": round(sum(prompt_tokens) / len(prompt_tokens), 1),
        "device": device,
        "hf_generate_s": round(median["hf_generate"], 3),
        "off_s": round(median["off"], 3),
        "always_s": round(median["always"], 3),
        "ratio_off_vs_hf": round(median["off"] / median["hf_generate"], 3),
        "ratio_always_vs_off": round(median["always"] / median["off"], 3),
        "identical_to_hf": [r.token_ids for r in outputs["off"]] == outputs["hf_generate"],
        "constraints_per_sentence": round(sum(len(p) for p in positives) / len(sentences), 3),
        "always_unmet_sentences": sum(bool(r.unmet) for r in outputs["always"]),
        "vocabulary_tables_s": round(vocabulary_s, 3),
        "repeats": args.causal_repeats,
        "runs_s": {name: [round(v, 3) for v in values] for name, values in times.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--sentences", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per method (median reported)")
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=48, help="fixed decoder length for every method")
    parser.add_argument("--growth-sentences", type=int, default=48, help="sentences for the 0/1/2/4/8 growth")
    parser.add_argument("--device", default="auto", help="cpu, cuda or auto (cpu, and cuda too when present)")
    parser.add_argument("--source", help="source sentences (default: the bundled corpus.zh)")
    parser.add_argument("--glossary", help="glossary YAML (default: the bundled glossary)")
    parser.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's choice)")
    parser.add_argument("--int8", action="store_true", help="also the int8 section: termlock --dtype int8 vs CTranslate2 int8/float32, per-step profile")
    parser.add_argument("--only-int8", action="store_true", help="only the int8/CTranslate2 section (CPU)")
    parser.add_argument("--scaling", action="store_true", help="also the thread-scaling section: int8 off/always, fp32 off and CTranslate2 int8/float32 at 1, 2 and all cores' threads")
    parser.add_argument("--only-scaling", action="store_true", help="only the thread-scaling section (CPU)")
    causal = parser.add_argument_group("decoder-only LLM section (Qwen2.5-0.5B shape, random weights)")
    causal.add_argument("--causal", choices=("on", "off", "only"), default="on", help="run it too (default), skip it, or run it alone")
    causal.add_argument("--causal-sentences", type=int, default=8)
    causal.add_argument("--causal-beam", type=int, default=4)
    causal.add_argument("--causal-batch-size", type=int, default=8)
    causal.add_argument("--causal-new-tokens", type=int, default=20, help="fixed new tokens for every method")
    causal.add_argument("--causal-repeats", type=int, default=1)
    args = parser.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    warnings.filterwarnings("ignore")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device == "auto":
        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    else:
        devices = [args.device]
    result: dict[str, Any] = {}
    if args.only_int8 or args.only_scaling:
        if args.only_int8:
            result["int8_ctranslate2"] = int8_vs_ctranslate2(args)
        if args.only_scaling or args.scaling:
            result["thread_scaling"] = thread_scaling(args)
    else:
        if args.causal != "only":
            result = run(args, devices[0])
            for extra in devices[1:]:
                result[extra] = run(args, extra)
            if args.int8:
                result["int8_ctranslate2"] = int8_vs_ctranslate2(args)
            if args.scaling:
                result["thread_scaling"] = thread_scaling(args)
        if args.causal != "off":
            result["causal"] = {device: run_causal(args, device) for device in devices}
    result["python"] = platform.python_version()
    result["torch"] = torch.__version__
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
