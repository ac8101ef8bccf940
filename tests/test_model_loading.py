"""Loading models from local directories and the (never reached) hub, with clear errors."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from termlock.errors import TermlockError
from termlock.translate.models.loading import ModelNotAvailableError, load_model


@pytest.fixture(autouse=True)
def empty_hub_cache(tmp_path, monkeypatch):
    """No test may find a real cached model or reach the hub."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-home" / "hub"))
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: refused at once
    for var in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)


def test_loads_a_local_directory(tiny_model_dir):
    loaded = load_model(str(tiny_model_dir), device="cpu")
    assert loaded.name == str(tiny_model_dir)
    assert loaded.device == "cpu" and loaded.dtype == "fp32"
    assert not loaded.model.training
    assert loaded.max_input_tokens == 256  # the tiny model's position table
    assert loaded.forced_bos_token_id is None and loaded.source_prefix == ""
    assert loaded.count_tokens("我们要坚持和平发展道路。") >= 2


def test_directory_without_weights(tiny_model_dir, tmp_path):
    partial = tmp_path / "no-weights"
    shutil.copytree(tiny_model_dir, partial, ignore=shutil.ignore_patterns("*.safetensors", "*.bin"))
    with pytest.raises(ModelNotAvailableError) as err:
        load_model(str(partial))
    message = str(err.value)
    assert message.count("\n") == 0
    assert "no model weights" in message and "hf download" in message and "--local-dir" in message
    assert err.value.path == str(partial)


def test_missing_directory():
    with pytest.raises(ModelNotAvailableError, match="no such model directory") as err:
        load_model("/nonexistent/models/opus-mt-zh-en")
    assert "--model" in str(err.value)


def test_directory_without_config(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotAvailableError, match="no config.json"):
        load_model(str(tmp_path / "empty"))


def test_unknown_hub_id_offline_fails_fast_with_download_command(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(ModelNotAvailableError) as err:
        load_model("nobody/no-such-model")
    assert time.monotonic() - start < 20
    message = str(err.value)
    assert "HF_HUB_OFFLINE" in message
    assert "hf download nobody/no-such-model" in message and "--model" in message


def test_unreachable_hub_fails_fast_without_retries(monkeypatch, capfd):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    start = time.monotonic()
    with pytest.raises(ModelNotAvailableError, match="cannot be reached") as err:
        load_model("Helsinki-NLP/opus-mt-zh-en")
    assert time.monotonic() - start < 20
    assert "hf download Helsinki-NLP/opus-mt-zh-en" in str(err.value)
    assert "Retrying" not in capfd.readouterr().err


def test_custom_code_is_never_run(tmp_path):
    remote = tmp_path / "remote"
    remote.mkdir()
    (remote / "config.json").write_text(
        json.dumps({"model_type": "fancy-mt", "auto_map": {"AutoConfig": "configuration_fancy.FancyConfig"}})
    )
    (remote / "configuration_fancy.py").write_text("raise SystemExit('custom code ran')\n")
    (remote / "model.safetensors").write_bytes(b"")
    with pytest.raises(TermlockError, match="custom code"):
        load_model(str(remote))


def test_not_a_translation_model(tmp_path):
    bert = tmp_path / "bert"
    bert.mkdir()
    (bert / "config.json").write_text(json.dumps({"model_type": "bert", "hidden_size": 8, "num_attention_heads": 2}))
    (bert / "model.safetensors").write_bytes(b"")
    with pytest.raises(TermlockError, match="not an encoder-decoder"):
        load_model(str(bert))


def test_half_precision_needs_a_gpu(tiny_model_dir):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(TermlockError, match="needs a GPU"):
        load_model(str(tiny_model_dir), dtype="fp16")
    with pytest.raises(TermlockError, match="no CUDA GPU"):
        load_model(str(tiny_model_dir), device="cuda")


def test_single_pair_model_refuses_language_codes(tiny_model_dir):
    with pytest.raises(TermlockError, match="takes no language codes"):
        load_model(str(tiny_model_dir), src_lang="zho_Hans")


def build_tiny_m2m100(marian_dir: Path, out: Path) -> Path:
    """A tiny random M2M100 (multilingual, language tokens) reusing the tiny Marian's spm."""
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, M2M100Tokenizer

    out.mkdir(parents=True, exist_ok=True)
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for piece in json.loads((marian_dir / "vocab.json").read_text(encoding="utf-8")):
        vocab.setdefault(piece, len(vocab))
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    shutil.copy(marian_dir / "source.spm", out / "sentencepiece.bpe.model")
    tokenizer = M2M100Tokenizer(str(out / "vocab.json"), str(out / "sentencepiece.bpe.model"), src_lang="en", tgt_lang="fr")
    tokenizer.save_pretrained(out)
    config = M2M100Config(
        vocab_size=max(tokenizer.lang_token_to_id.values()) + 1,
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=64,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
    )
    torch.manual_seed(0)
    model = M2M100ForConditionalGeneration(config).eval()
    model.generation_config.max_length = 12
    model.save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def tiny_m2m100(tiny_model_dir, tmp_path_factory):
    return build_tiny_m2m100(Path(tiny_model_dir), tmp_path_factory.mktemp("m2m100"))


def test_multilingual_model_gets_chinese_to_english_codes(tiny_m2m100):
    loaded = load_model(str(tiny_m2m100))
    assert (loaded.src_lang, loaded.tgt_lang) == ("zh", "en")
    assert loaded.tokenizer.src_lang == "zh"
    assert loaded.forced_bos_token_id == loaded.tokenizer.get_lang_id("en")
    ids = loaded.tokenizer("我们")["input_ids"]
    assert ids[0] == loaded.tokenizer.get_lang_id("zh")  # the source is tagged as Chinese

    other = load_model(str(tiny_m2m100), src_lang="ja", tgt_lang="fr")
    assert other.forced_bos_token_id == other.tokenizer.get_lang_id("fr")
    with pytest.raises(TermlockError, match="does not know language code 'xx'"):
        load_model(str(tiny_m2m100), tgt_lang="xx")
