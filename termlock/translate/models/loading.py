"""Load a Hugging Face translation model (seq2seq or decoder-only LLM) the way a translator's machine allows.

Translators often work offline or behind firewalls, so loading must never
hang on an unreachable hub nor end in a stack trace: a model that is not on
this machine is reported once, with the command that fetches it. Models are
only ever loaded through ``AutoModelForSeq2SeqLM`` or
``AutoModelForCausalLM`` (see :mod:`termlock.translate.models.causal_lm`)
and ``AutoTokenizer`` with ``trust_remote_code=False``: a glossary tool has
no business running code shipped with a checkpoint.

Multilingual models (NLLB, M2M100, mBART-50) need a source language set on
the tokenizer and a target-language token forced as the first generated
token; :class:`LoadedModel` carries both so the decoder can be told.

torch and transformers are imported inside the functions, so importing this
module stays cheap.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlparse

from termlock.errors import TermlockError
from termlock.extras import require

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-zh-en"

DEVICES = ("auto", "cpu", "cuda")
DTYPES = ("fp32", "fp16", "bf16", "int8")

#: files any one of which means a directory holds model weights
_WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)

#: a hub id: "name" or "owner/name" (letters, digits, - _ .)
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")

#: longest source sentence, in tokens, given to a decoder-only model (longer ones are split)
CAUSAL_SENTENCE_TOKENS = 512

#: seconds to wait for a TCP connection to the hub before treating it as unreachable
HUB_PROBE_TIMEOUT = 3.0


class ModelNotAvailableError(TermlockError):
    """The model's files are not on this machine and cannot be fetched now."""


@dataclass(frozen=True)
class LanguageScheme:
    """How one family of multilingual tokenizers names languages.

    ``token_format`` turns a language code into the vocabulary token that
    marks it (M2M100 wraps codes as ``__zh__``; NLLB and mBART use the code).
    """

    family: str
    default_src: str
    default_tgt: str
    token_format: str = "{}"
    example: str = ""


#: tokenizer class name (without "Fast") -> language scheme
LANGUAGE_SCHEMES: dict[str, LanguageScheme] = {
    "NllbTokenizer": LanguageScheme("NLLB", "zho_Hans", "eng_Latn", example="zho_Hans, eng_Latn, fra_Latn"),
    "M2M100Tokenizer": LanguageScheme("M2M100", "zh", "en", "__{}__", example="zh, en, fr"),
    "MBart50Tokenizer": LanguageScheme("mBART-50", "zh_CN", "en_XX", example="zh_CN, en_XX, fr_XX"),
    "MBartTokenizer": LanguageScheme("mBART", "zh_CN", "en_XX", example="zh_CN, en_XX, fr_XX"),
}


@dataclass
class LoadedModel:
    """A model ready to translate, plus what the decoder must know about it.

    ``name`` is what the user passed (hub id or directory); ``device`` is the
    resolved torch device ("cpu", "cuda"); ``dtype`` one of ``DTYPES``.
    ``forced_bos_token_id`` is the target-language token of multilingual
    models (None otherwise); ``source_prefix`` is text put before every
    source sentence (multi-target Marian models select their target
    language with a ``>>xxx<<`` token). ``max_input_tokens`` is the longest
    source, in tokens, the model accepts, used to split long sentences
    instead of truncating them.
    """

    model: Any
    tokenizer: Any
    device: str
    name: str
    dtype: str = "fp32"
    src_lang: str | None = None
    tgt_lang: str | None = None
    forced_bos_token_id: int | None = None
    source_prefix: str = ""
    max_input_tokens: int = 512

    @property
    def kind(self) -> str:
        """"seq2seq" (encoder-decoder) or "causal" (a decoder-only LLM, prompted)."""
        return "seq2seq" if getattr(self.model.config, "is_encoder_decoder", False) else "causal"

    def count_tokens(self, text: str) -> int:
        """Source tokens the model sees for ``text`` (special tokens included)."""
        return len(self.tokenizer(self.source_prefix + text)["input_ids"])


@dataclass(frozen=True)
class WeightlessModel:
    """A model's config without its weights (:func:`load_tokenizer_and_config`).

    Stands in for ``LoadedModel.model`` where only the config is read:
    choosing and rendering prompts, cutting sentences, counting tokens.
    """

    config: Any


def download_hint(name: str) -> str:
    """The fix offered whenever a hub model is not on this machine."""
    return (
        f"on a machine with internet run `hf download {name}` "
        f"(older huggingface_hub: `huggingface-cli download {name}`) and copy the Hugging Face cache "
        f"(~/.cache/huggingface) here, or download it with `--local-dir DIR` and pass `--model DIR`"
    )


def hub_offline() -> bool:
    """True when the user asked huggingface_hub/transformers to stay offline."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(var, "").strip().upper() in {"1", "ON", "YES", "TRUE"}:
            return True
    return False


def _hub_endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co")


def hub_reachable(timeout: float = HUB_PROBE_TIMEOUT) -> bool:
    """Whether a TCP connection to the hub (or the configured proxy) opens quickly.

    huggingface_hub retries an unreachable hub for tens of seconds and logs
    every retry; probing first lets termlock fall back to the local cache at
    once. Name resolution has no timeout of its own, so the probe runs in a
    daemon thread that is abandoned after ``timeout``.
    """
    proxy = next(
        (os.environ[v] for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy") if os.environ.get(v)),
        None,
    )
    url = urlparse(proxy if proxy else _hub_endpoint())
    host = url.hostname
    if not host:
        return False
    port = url.port or (443 if url.scheme == "https" else 80)
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return bool(result and result[0])


def _looks_like_path(name: str) -> bool:
    return (
        os.path.exists(name)
        or name.startswith((".", "/", "~"))
        or os.sep in name.replace("/", "", 1)
        or (os.altsep is not None and os.altsep in name)
        or not _HUB_ID.match(name)
    )


def resolve_device(device: str = "auto") -> str:
    """"auto" -> "cuda" when a GPU is usable, else "cpu"; refuse a missing GPU."""
    if device not in DEVICES:
        raise TermlockError(f"unknown device {device!r}", fix=f"use one of: {', '.join(DEVICES)}")
    import torch

    has_cuda = torch.cuda.is_available()
    if device == "auto":
        return "cuda" if has_cuda else "cpu"
    if device == "cuda" and not has_cuda:
        raise TermlockError(
            "--device cuda was asked for but no CUDA GPU is usable here (torch reports none)",
            fix="run with --device cpu (or auto), or install a CUDA build of torch",
        )
    return device


def resolve_dtype(dtype: str | None, device: str) -> str:
    """Half precision only on a GPU: CPU kernels for fp16 are slow or missing."""
    if dtype is None:
        return "fp32"
    value = dtype.lower().replace("float", "fp").replace("bfloat16", "bf16")
    aliases = {"fp32": "fp32", "fp16": "fp16", "bf16": "bf16", "half": "fp16", "bfp16": "bf16", "int8": "int8", "qint8": "int8"}
    if value not in aliases:
        raise TermlockError(f"unknown dtype {dtype!r}", fix=f"use one of: {', '.join(DTYPES)}")
    value = aliases[value]
    if value == "int8":  # dynamic quantization (termlock.translate.models.quantization): CPU kernels only
        if device != "cpu":
            raise TermlockError(
                "--dtype int8 is dynamic int8 quantization for the CPU (PyTorch has no GPU kernels for it), "
                "and this run uses the GPU",
                fix="on a GPU use --dtype fp16 or bf16; for int8 run with --device cpu",
            )
        return value
    if value != "fp32" and device != "cuda":
        raise TermlockError(
            f"--dtype {value} needs a GPU, and this run uses the CPU",
            fix="drop --dtype (fp32 is used on CPU) or run with --device cuda on a machine with a GPU",
        )
    return value


def _torch_dtype(dtype: str) -> Any:
    import torch

    # int8 loads float32 weights, quantized after loading (quantization.py)
    return {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16, "int8": torch.float32}[dtype]


def _check_local_dir(path: Path, name: str, *, weights: bool = True) -> None:
    if not path.exists():
        raise ModelNotAvailableError(
            "no such model directory",
            path=name,
            fix=f"pass --model a directory holding config.json, the tokenizer files and the weights, "
            f"or a hub id such as {DEFAULT_MODEL}",
        )
    if not path.is_dir():
        raise ModelNotAvailableError(
            "is a file, not a model directory",
            path=name,
            fix="pass --model the directory that holds config.json, the tokenizer files and the weights",
        )
    if not (path / "config.json").is_file():
        raise ModelNotAvailableError(
            "not a model directory: no config.json in it",
            path=name,
            fix=f"download a model into it, e.g. `hf download {DEFAULT_MODEL} --local-dir {name}`",
        )
    for present in [path / "config.json", *(path / f for f in _WEIGHT_FILES if (path / f).is_file())]:
        _check_readable(present)
    if weights and not any((path / f).is_file() for f in _WEIGHT_FILES):
        raise ModelNotAvailableError(
            "no model weights in this directory (model.safetensors or pytorch_model.bin)",
            path=name,
            fix=f"download the weights into it on a machine with internet, e.g. "
            f"`hf download MODEL_ID --local-dir {name}` (MODEL_ID such as {DEFAULT_MODEL}), "
            "then copy the directory here",
        )


def check_model_folder(name: str) -> bool:
    """Whether ``name`` is a local model folder (else a hub id), refusing a folder that cannot hold a model.

    No torch, no transformers: a missing folder, a file, a folder without
    config.json or weights, or an unreadable weights file is one line
    before anything heavy is imported (or a cluster is started).
    """
    if not _looks_like_path(name):
        return False
    _check_local_dir(Path(name).expanduser(), name)
    return True


def _check_readable(file: Path) -> None:
    """An unreadable weights or config file, said as such (transformers says "No such file")."""
    try:
        with open(file, "rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise ModelNotAvailableError(
            f"cannot read {file.name}: {exc.strerror}",
            path=str(file),
            fix=f"make it readable for this user (e.g. chmod a+r {file})",
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _dtype_argument() -> str:
    """``from_pretrained``'s precision keyword: ``dtype`` since transformers 4.56, ``torch_dtype`` before."""
    import transformers

    try:
        major, minor = (int(part) for part in transformers.__version__.split(".")[:2])
    except ValueError:
        return "dtype"
    return "dtype" if (major, minor) >= (4, 56) else "torch_dtype"


def _from_pretrained(loader: Any, source: str, **kwargs: Any) -> Any:
    """Call a ``from_pretrained`` with termlock's safety settings."""
    return loader.from_pretrained(source, trust_remote_code=False, **kwargs)


def _load_parts(
    source: str,
    name: str,
    *,
    local_files_only: bool,
    torch_dtype: Any,
    is_dir: bool,
    before_weights: Callable[[Any], None] | None = None,
    weights: bool = True,
) -> tuple[Any, Any]:
    """``(model, tokenizer)``; with ``weights=False`` the model is a :class:`WeightlessModel` (config only)."""
    from safetensors import SafetensorError
    from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from termlock.translate.models.causal_lm import is_causal_lm, prepare_tokenizer

    # transformers draws a "Loading weights" bar even on a pipe; termlock's own
    # progress bar is the only one a batch job should show.
    bars_were_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        # the configuration first: it tells custom-code and non-seq2seq models
        # apart before a tokenizer error could hide the real reason
        config = _from_pretrained(AutoConfig, source, local_files_only=local_files_only)
        causal = not getattr(config, "is_encoder_decoder", False)
        if causal and not is_causal_lm(config):
            raise ValueError(f"Unrecognized configuration class {type(config).__name__} for seq2seq")
        tokenizer = _from_pretrained(AutoTokenizer, source, local_files_only=local_files_only)
        if causal:
            from transformers import AutoModelForCausalLM

            prepare_tokenizer(tokenizer)
        if not weights:
            return WeightlessModel(config), tokenizer
        if before_weights is not None:
            before_weights(config)
        model = _from_pretrained(
            AutoModelForCausalLM if causal else AutoModelForSeq2SeqLM,
            source,
            config=config,
            local_files_only=local_files_only,
            **{_dtype_argument(): torch_dtype},
        )
    except ValueError as exc:
        message = _first_line(exc)
        if "trust_remote_code" in message or "custom code" in message:
            raise TermlockError(
                "this model needs custom code from its repository, which termlock never runs",
                path=name,
                fix="use a model transformers supports natively (Marian, NLLB, M2M100, mBART, T5...)",
            ) from None
        if "Unrecognized configuration class" in message or "Unrecognized model" in message:
            raise TermlockError(
                "not an encoder-decoder translation model nor a decoder-only LLM "
                "(neither AutoModelForSeq2SeqLM nor AutoModelForCausalLM can load it)",
                path=name,
                fix=f"pass a translation model such as {DEFAULT_MODEL} or tencent/HY-MT1.5-1.8B",
            ) from None
        raise TermlockError(f"cannot load the model: {message}", path=name, fix="check the model files") from None
    except OSError as exc:
        if is_dir:
            raise ModelNotAvailableError(
                f"cannot load the model from this directory: {_first_line(exc)}",
                path=name,
                fix=f"make sure it holds config.json, the tokenizer files and the weights, "
                f"e.g. `hf download MODEL_ID --local-dir {name}`",
            ) from None
        raise
    except ImportError as exc:
        raise TermlockError(
            f"the model's tokenizer needs a missing package: {_first_line(exc)}",
            path=name,
            fix="pip install 'termlock[translate]' brings sentencepiece and sacremoses; install any other package "
            "named with pip",
        ) from None
    except SafetensorError as exc:  # an interrupted download leaves a truncated weights file
        raise _corrupt_weights(source, name, is_dir, exc) from None
    finally:
        if bars_were_on:
            hf_logging.enable_progress_bar()
    return model, tokenizer


def _corrupt_weights(source: str, name: str, is_dir: bool, exc: BaseException) -> ModelNotAvailableError:
    """The weights file safetensors cannot read, named, with how to get it whole again."""
    folder: Path | None = Path(source) if is_dir else None
    if folder is None:
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(name, "config.json")
        folder = Path(cached).parent if isinstance(cached, str) else None
    bad = _unreadable_safetensors(folder) if folder is not None else None
    if is_dir:
        fix = (
            f"download the model again into {name} (e.g. `hf download MODEL_ID --local-dir {name}`) "
            "or copy the file whole; an interrupted download leaves a truncated file"
        )
    else:
        fix = f"download it again: `hf download {name} --force-download` (an interrupted download leaves a truncated file)"
    return ModelNotAvailableError(
        f"the model weights are truncated or corrupt ({_first_line(exc)})", path=str(bad) if bad else name, fix=fix
    )


def _unreadable_safetensors(folder: Path) -> Path | None:
    """The first ``*.safetensors`` file of ``folder`` whose header or size is wrong."""
    from safetensors import SafetensorError, safe_open

    for file in sorted(folder.glob("*.safetensors")):
        try:
            with safe_open(str(file), framework="pt"):
                pass
        except (SafetensorError, OSError):
            return file
    return None


def _load_hub(
    name: str, torch_dtype: Any, before_weights: Callable[[Any], None] | None = None, *, weights: bool = True
) -> tuple[Any, Any]:
    """Cache first; the network only when allowed and reachable."""
    offline = hub_offline()
    try:
        return _load_parts(
            name,
            name,
            local_files_only=True,
            torch_dtype=torch_dtype,
            is_dir=False,
            before_weights=before_weights,
            weights=weights,
        )
    except OSError as exc:
        cached_error = exc
    if offline:
        raise ModelNotAvailableError(
            "no local directory of that name, and the model is not in the local Hugging Face cache "
            "(HF_HUB_OFFLINE is set, so it cannot be downloaded)",
            path=name,
            fix=download_hint(name),
        ) from None
    if not hub_reachable():
        raise ModelNotAvailableError(
            "no local directory of that name, the model is not in the local Hugging Face cache, "
            f"and the hub ({_hub_endpoint()}) cannot be reached",
            path=name,
            fix=download_hint(name),
        ) from None
    try:
        return _load_parts(
            name,
            name,
            local_files_only=False,
            torch_dtype=torch_dtype,
            is_dir=False,
            before_weights=before_weights,
            weights=weights,
        )
    except OSError as exc:
        reason = _first_line(exc)
        if "is not a local folder and is not a valid model identifier" in reason or "404" in reason:
            raise ModelNotAvailableError(
                "no such model on the Hugging Face hub (or it is private/gated)",
                path=name,
                fix=f"check the id (e.g. {DEFAULT_MODEL}); for a gated model run `hf auth login` first; "
                "or pass --model DIR for a local copy",
            ) from None
        raise ModelNotAvailableError(
            f"cannot download the model: {reason or _first_line(cached_error)}",
            path=name,
            fix=download_hint(name),
        ) from None


def _scheme_for(tokenizer: Any) -> LanguageScheme | None:
    cls = type(tokenizer).__name__
    return LANGUAGE_SCHEMES.get(cls[:-4] if cls.endswith("Fast") else cls)


def _token_id(tokenizer: Any, token: str) -> int | None:
    vocab = tokenizer.get_vocab()
    if token in vocab:
        return int(vocab[token])
    token_id = tokenizer.convert_tokens_to_ids(token)
    if token_id is None or token_id == tokenizer.unk_token_id:
        return None
    return int(token_id)


def _marian_targets(tokenizer: Any) -> list[str]:
    """Target-language tokens (``>>fra<<``) of a multi-target Marian model."""
    return sorted(t for t in tokenizer.get_vocab() if re.fullmatch(r">>[A-Za-z_]+<<", t))


def configure_languages(
    tokenizer: Any, name: str, src_lang: str | None, tgt_lang: str | None
) -> tuple[str | None, str | None, int | None, str]:
    """Set the tokenizer's source language; return (src, tgt, forced BOS id, source prefix).

    Defaults are Chinese -> English in the model family's own codes. A code
    the vocabulary does not know is refused here, not discovered as garbage
    output after an hour of translating.
    """
    scheme = _scheme_for(tokenizer)
    if scheme is not None:
        src = src_lang or scheme.default_src
        tgt = tgt_lang or scheme.default_tgt
        ids = {}
        for flag, code in (("--src-lang", src), ("--tgt-lang", tgt)):
            token_id = _token_id(tokenizer, scheme.token_format.format(code))
            if token_id is None:
                raise TermlockError(
                    f"{scheme.family} model does not know language code {code!r} ({flag})",
                    path=name,
                    fix=f"use the model's own codes, e.g. {scheme.example}",
                )
            ids[flag] = token_id
        tokenizer.src_lang = src
        if hasattr(tokenizer, "tgt_lang"):
            tokenizer.tgt_lang = tgt
        return src, tgt, ids["--tgt-lang"], ""
    targets = _marian_targets(tokenizer)
    if targets:
        if src_lang:
            raise TermlockError(
                "this model takes no source language code (--src-lang)",
                path=name,
                fix="drop --src-lang",
            )
        if not tgt_lang:
            raise TermlockError(
                "this model translates into several languages and needs --tgt-lang",
                path=name,
                fix=f"pass one of its target codes, e.g. --tgt-lang {targets[0][2:-2]}",
            )
        token = f">>{tgt_lang}<<"
        if token not in targets:
            raise TermlockError(
                f"this model has no target language {tgt_lang!r}",
                path=name,
                fix=f"use one of: {', '.join(t[2:-2] for t in targets[:20])}",
            )
        return None, tgt_lang, None, token + " "
    if src_lang or tgt_lang:
        raise TermlockError(
            "this model translates one language pair and takes no language codes",
            path=name,
            fix="drop --src-lang/--tgt-lang",
        )
    return None, None, None, ""


def max_input_tokens(model: Any, tokenizer: Any) -> int:
    """Longest source the model can encode: its position table or the tokenizer's limit."""
    limits = []
    tok_limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(tok_limit, int) and 0 < tok_limit < 1_000_000:
        limits.append(tok_limit)
    config = getattr(model, "config", None)
    for attr in ("max_position_embeddings", "n_positions", "max_source_positions"):
        value = getattr(config, attr, None)
        if isinstance(value, int) and value > 0:
            limits.append(value)
            break
    if config is not None and not getattr(config, "is_encoder_decoder", False):
        # an LLM's context is far longer than a sentence should be: translate
        # sentence-sized pieces, as for seq2seq models
        limits.append(CAUSAL_SENTENCE_TOKENS)
    return min(limits) if limits else 512


def prepare_for_inference(model: Any, device: str, dtype: str, *, rows: int) -> Any:
    """``model`` on ``device`` in eval mode, its layers made ready for ``dtype`` there; returns the model.

    ``int8``: every ``nn.Linear`` dynamically quantized (any architecture,
    approximate, CPU); float32 on the CPU: the output projection packed for
    oneDNN (:mod:`termlock.translate.models.packed_projection`; ``rows``, the
    batch x beams a step holds, is its layout hint). One place, so that a
    benchmark that builds its model in code gets what ``load_model`` gives.
    """
    model = model.to(device).eval()
    if dtype == "int8":
        from termlock.translate.models.quantization import quantize_int8

        model = quantize_int8(model)
    elif device == "cpu" and dtype == "fp32":
        from termlock.translate.models.packed_projection import pack_output_projection

        pack_output_projection(model, rows=rows)
    return model


def load_model(
    name_or_path: str | os.PathLike[str] = DEFAULT_MODEL,
    device: str = "auto",
    dtype: str | None = None,
    *,
    src_lang: str | None = None,
    tgt_lang: str | None = None,
    batch_size: int = 16,
    num_beams: int = 5,
) -> LoadedModel:
    """Load a translation model and its tokenizer from a local directory or the hub.

    Seq2seq models load through ``AutoModelForSeq2SeqLM``, decoder-only LLMs
    through ``AutoModelForCausalLM`` (see :mod:`termlock.translate.models.causal_lm`); for an LLM the
    memory a decoding batch of ``batch_size`` x ``num_beams`` needs is
    estimated from its config and refused before any weight is read when it
    cannot fit, and ``src_lang``/``tgt_lang`` are the language codes its
    prompt names. Raises :class:`ModelNotAvailableError` (one line: what is
    missing and how to get it) when the files are not here, and
    :class:`TermlockError` for a bad device/dtype/language code.
    """
    from termlock.translate.models.memory import memory_guard

    name = os.fspath(name_or_path)
    local = check_model_folder(name)  # before torch is imported: a wrong path is said at once
    require("translate", "loading a translation model")  # a QA-only install: how to add torch, not an ImportError
    resolved_device = resolve_device(device)
    resolved_dtype = resolve_dtype(dtype, resolved_device)
    torch_dtype = _torch_dtype(resolved_dtype)
    guard = memory_guard(name, resolved_device, resolved_dtype, rows=batch_size * num_beams)
    if local:
        path = Path(name).expanduser()
        model, tokenizer = _load_parts(
            str(path), name, local_files_only=True, torch_dtype=torch_dtype, is_dir=True, before_weights=guard
        )
    else:
        model, tokenizer = _load_hub(name, torch_dtype, guard)
    if getattr(model.config, "is_encoder_decoder", False):
        src, tgt, forced_bos, prefix = configure_languages(tokenizer, name, src_lang, tgt_lang)
    else:  # an LLM is told the languages in its prompt
        src, tgt, forced_bos, prefix = src_lang, tgt_lang, None, ""
    model = prepare_for_inference(model, resolved_device, resolved_dtype, rows=batch_size * num_beams)
    return LoadedModel(
        model=model,
        tokenizer=tokenizer,
        device=resolved_device,
        name=name,
        dtype=resolved_dtype,
        src_lang=src,
        tgt_lang=tgt,
        forced_bos_token_id=forced_bos,
        source_prefix=prefix,
        max_input_tokens=max_input_tokens(model, tokenizer),
    )


def load_tokenizer_and_config(
    name_or_path: str | os.PathLike[str] = DEFAULT_MODEL, *, src_lang: str | None = None, tgt_lang: str | None = None
) -> LoadedModel:
    """A model's tokenizer and config, without reading its weights (``translate --show-prompt``).

    Found the way :func:`load_model` finds a model (directory, cache, hub);
    weights need not be present. ``model`` is a :class:`WeightlessModel`:
    its prompts, sentence cuts and token counts are the real ones, but it
    cannot decode.
    """
    name = os.fspath(name_or_path)
    if _looks_like_path(name):
        path = Path(name).expanduser()
        _check_local_dir(path, name, weights=False)
        model, tokenizer = _load_parts(str(path), name, local_files_only=True, torch_dtype=None, is_dir=True, weights=False)
    else:
        model, tokenizer = _load_hub(name, None, weights=False)
    if getattr(model.config, "is_encoder_decoder", False):
        src, tgt, forced_bos, prefix = configure_languages(tokenizer, name, src_lang, tgt_lang)
    else:
        src, tgt, forced_bos, prefix = src_lang, tgt_lang, None, ""
    return LoadedModel(
        model=model,
        tokenizer=tokenizer,
        device="cpu",
        name=name,
        src_lang=src,
        tgt_lang=tgt,
        forced_bos_token_id=forced_bos,
        source_prefix=prefix,
        max_input_tokens=max_input_tokens(model, tokenizer),
    )
