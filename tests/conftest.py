"""Session-wide fixtures: the tiny test model and the real opus-mt tokenizer.

Building the tiny model trains two SentencePiece models, so it is done once
per test session and shared; tests load it through the same
``from_pretrained`` path users take.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

#: ../shared/models/opus-mt-zh-en-tokenizer relative to the repository root:
#: the real tokenizer and config of Helsinki-NLP/opus-mt-zh-en, no weights.
#: TERMLOCK_SHARED_MODELS points elsewhere (e.g. from a git worktree, whose ../shared differs).
REAL_TOKENIZER_DIR = (
    Path(os.environ.get("TERMLOCK_SHARED_MODELS", TESTS.parent.parent / "shared" / "models")) / "opus-mt-zh-en-tokenizer"
)


def pytest_configure(config: pytest.Config) -> None:
    # import notes (a ';' CSV, TBX data dropped) are asserted where they matter, not shown for every import
    config.addinivalue_line("filterwarnings", "ignore::termlock.glossary.formats.notices.ImportNotice")
    # every check/translate JSON report the tests make is validated against its published schema
    import report_schema

    report_schema.install()


@pytest.fixture(autouse=True)
def _reports_match_their_schema(request: pytest.FixtureRequest):
    """Fail a test whose reports (built in-process, or files under its tmp_path) break the report schemas."""
    import report_schema

    report_schema.take_problems()
    yield
    tmp_path = request.node.funcargs.get("tmp_path") if hasattr(request.node, "funcargs") else None
    if tmp_path is not None and Path(tmp_path).is_dir():
        report_schema.scan(Path(tmp_path))
    problems = report_schema.take_problems()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Directory of a tiny random-weight Marian model + tokenizer (seed 0)."""
    import torch

    from tiny_model import build_tiny_model

    # Tiny tensors gain nothing from intra-op threads, and on a busy machine
    # OpenMP threads waiting for each other make every small op 50x slower.
    torch.set_num_threads(1)

    return build_tiny_model(tmp_path_factory.mktemp("tiny-marian"), seed=0)


@pytest.fixture(scope="session")
def tiny_seq2seq(tiny_model_dir: Path):
    """``(model, tokenizer)`` loaded from :func:`tiny_model_dir`, in eval mode."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(tiny_model_dir).eval()
    return model, tokenizer


@pytest.fixture(scope="session")
def real_tokenizer_dir() -> Path:
    """The real opus-mt-zh-en tokenizer/config folder; skips when absent."""
    if not (REAL_TOKENIZER_DIR / "config.json").is_file():
        pytest.skip(f"{REAL_TOKENIZER_DIR} is not present (real tokenizer tests only run where it is)")
    return REAL_TOKENIZER_DIR


@pytest.fixture(scope="module")
def local_ray():
    """A small private Ray instance for one test module: 2 CPUs, no dashboard, 256 MB object store.

    Modules whose workers run functions defined in the test module itself
    register that module with ``ray.cloudpickle.register_pickle_by_value``
    (workers cannot import test modules).
    """
    import logging

    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'termlock[ray]')")
    ray.init(
        address="local",  # a private instance, whatever else runs on this machine
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=256 * 1024 * 1024,
        log_to_driver=False,
        logging_level=logging.ERROR,
    )
    yield ray
    ray.shutdown()


# ---------------------------------------------------------------- decoder-only (LLM) models


def _causal_dir(tmp_path_factory: pytest.TempPathFactory, family: str, **kwargs) -> Path:
    import torch

    from causal_models import build_causal_model, llama_available, qwen_available

    if family == "qwen" and not qwen_available():
        pytest.skip("../shared/models/qwen2.5-tokenizer is not present")
    if family == "llama" and not llama_available():
        pytest.skip("../shared/models/llama2-tokenizer is not present")
    torch.set_num_threads(1)
    return build_causal_model(tmp_path_factory.mktemp(f"tiny-{family}"), family, **kwargs)


@pytest.fixture(scope="session")
def causal_qwen_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny random Qwen2ForCausalLM around the real Qwen2.5 tokenizer (skips when absent)."""
    return _causal_dir(tmp_path_factory, "qwen")


@pytest.fixture(scope="session")
def causal_llama_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny random LlamaForCausalLM around the real Llama 2 tokenizer, ALMA-style (skips when absent)."""
    return _causal_dir(tmp_path_factory, "llama", eos_bias=4.0)


@pytest.fixture(scope="session")
def causal_own_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny random Qwen2ForCausalLM around a home-made byte-level BPE with ChatML: always available."""
    return _causal_dir(tmp_path_factory, "own")
