"""Build a tiny Marian translation model with random weights for tests.

Tests must never reach the model hub, yet they have to exercise the exact
code path users take (``AutoTokenizer`` / ``AutoModelForSeq2SeqLM`` loading a
directory).  So we train two small SentencePiece models on the bundled
parallel corpus, write the files ``MarianTokenizer`` expects, and save a
``MarianMTModel`` built from a small ``MarianConfig`` with seeded random
weights.  Random weights are enough: the decoder's correctness (equality
with ``generate``, constraints being placed) does not depend on translation
quality, and a random model is a harsher test because it never produces a
term by itself.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

#: Sentence pairs written for the tests; used with the bundled corpus
#: (termlock/corpora/data/corpus.{zh,en}) and alone while it is absent.
_FALLBACK_PAIRS: tuple[tuple[str, str], ...] = (
    ("我们要坚持和平发展道路。", "We must adhere to the path of peaceful development."),
    ("中国坚定奉行独立自主的和平外交政策。", "China firmly pursues an independent foreign policy of peace."),
    ("共建“一带一路”倡议为各国带来了发展机遇。", "The Belt and Road Initiative has brought development opportunities to all countries."),
    ("我们将继续推进高质量发展。", "We will continue to promote high-quality development."),
    ("人类命运共同体理念得到广泛认同。", "The vision of a community with a shared future for mankind is widely recognized."),
    ("要全面深化改革，扩大高水平对外开放。", "We must comprehensively deepen reform and expand high-level opening up."),
    ("社会主义市场经济体制不断完善。", "The socialist market economy has been steadily improved."),
    ("全过程人民民主是社会主义民主政治的本质属性。", "Whole-process people's democracy is a defining feature of socialist democracy."),
    ("乡村振兴战略取得新进展。", "New progress has been made in the rural revitalization strategy."),
    ("我们坚持以人民为中心的发展思想。", "We uphold a people-centered philosophy of development."),
    ("生态文明建设取得显著成效。", "Remarkable results have been achieved in ecological conservation."),
    ("脱贫攻坚战取得了全面胜利。", "A complete victory has been won in the fight against poverty."),
    ("要加快构建新发展格局。", "We must accelerate the building of a new development pattern."),
    ("科技自立自强是国家发展的战略支撑。", "Self-reliance in science and technology is a strategic pillar of national development."),
    ("我们愿同各国加强合作，实现共赢。", "We are ready to strengthen cooperation with all countries for mutual benefit."),
    ("双循环相互促进的新发展格局正在形成。", "A new development pattern of dual circulation is taking shape."),
    ("这款处理器采用双核设计。", "This processor uses a design with dual cores."),
    ("政府工作报告提出了今年的主要目标。", "The government work report sets out the main targets for this year."),
    ("粮食安全是国家安全的重要基础。", "Food security is an important foundation of national security."),
    ("要坚定不移推进反腐败斗争。", "We must unswervingly advance the fight against corruption."),
    ("一国两制方针必须长期坚持。", "The policy of One Country, Two Systems must be upheld over the long term."),
    ("新型城镇化建设稳步推进。", "New urbanization has advanced steadily."),
    ("我们要推动共同富裕取得更为明显的实质性进展。", "We must make more notable and substantive progress toward common prosperity."),
    ("中国式现代化是人口规模巨大的现代化。", "Chinese modernization is the modernization of a huge population."),
    ("全面建成小康社会的目标已经实现。", "The goal of building a moderately prosperous society in all respects has been achieved."),
    ("要统筹发展和安全。", "We must balance development and security."),
    ("绿水青山就是金山银山。", "Lucid waters and lush mountains are invaluable assets."),
    ("我们要坚持多边主义，反对单边主义。", "We must uphold multilateralism and oppose unilateralism."),
    ("数字经济蓬勃发展。", "The digital economy is booming."),
    ("他说：“我们要加强国际合作。”", "He said: \"We must strengthen international cooperation.\""),
)


def _corpus_lines() -> tuple[list[str], list[str]]:
    """The bundled parallel corpus (when present) plus the pairs above.

    The pairs are always included so that the words tests rely on (for
    example "food security", "dual cores") are spelled by the vocabulary
    whatever the bundled corpus contains.
    """
    zh = [zh for zh, _ in _FALLBACK_PAIRS]
    en = [en for _, en in _FALLBACK_PAIRS]
    data = Path(__file__).resolve().parents[1] / "termlock" / "corpora" / "data"
    zh_path, en_path = data / "corpus.zh", data / "corpus.en"
    if zh_path.is_file() and en_path.is_file():
        zh += [line for line in zh_path.read_text(encoding="utf-8").splitlines() if line.strip()]
        en += [line for line in en_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return zh, en


def _train_spm(lines: list[str], vocab_size: int) -> bytes:
    import sentencepiece as spm

    # character_coverage=1.0 needs a piece per distinct character at least
    characters = {ch for line in lines for ch in line if not ch.isspace()}
    vocab_size = max(vocab_size, len(characters) + 100)
    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=buffer,
        vocab_size=vocab_size,
        character_coverage=1.0,
        model_type="unigram",
        hard_vocab_limit=False,  # small corpora cannot always fill the requested size
        num_threads=1,
        input_sentence_size=20000,
        shuffle_input_sentence=False,
        minloglevel=2,
        # Marian's files keep <unk> and control symbols in the spm model; ids
        # are irrelevant because vocab.json maps pieces to model ids.
        unk_id=0,
        bos_id=-1,
        eos_id=1,
        pad_id=-1,
    )
    return buffer.getvalue()


def _pieces(model: bytes) -> list[str]:
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_proto=model)
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def random_model(config, seed: int, *, eos_scale: float = 0.6, cross_scale: float = 3.0):
    """A MarianMTModel with seeded random weights, shaped for decoding tests.

    Larger-than-default output weights make the random model's choices
    decisive (fewer near-ties, so equality tests are meaningful); stronger
    cross-attention makes the output depend on the input; a bias towards
    </s> (``eos_scale`` times the expected largest logit) lets hypotheses
    end at varied lengths, so that finishing and early stopping are
    exercised rather than always hitting max length.
    """
    import math

    import torch
    from transformers import MarianMTModel

    torch.manual_seed(seed)
    model = MarianMTModel(config)
    with torch.no_grad():
        model.lm_head.weight.normal_(0.0, 0.5)
        for layer in model.model.decoder.layers:
            layer.encoder_attn.out_proj.weight.mul_(cross_scale)
        largest = 0.5 * math.sqrt(config.d_model) * math.sqrt(2 * math.log(config.vocab_size))
        model.final_logits_bias[0, config.eos_token_id] = eos_scale * largest
    return model.eval()


def _good_test_subject(model, tokenizer) -> bool:
    """Outputs that differ by input and partly end before max length.

    Random models are chaotic: some ignore their input or stop at once.
    Checked with transformers' own generate, not with termlock.
    """
    import torch

    sentences = [zh for zh, _ in _FALLBACK_PAIRS[:10]]
    batch = tokenizer(sentences, return_tensors="pt", padding=True)
    with torch.inference_mode():
        out = model.generate(**batch, num_beams=4, max_length=40)
    rows = [tuple(t for t in row if t != tokenizer.pad_token_id) for row in out.tolist()]
    early = sum(len(row) < 39 for row in rows)
    return len(set(rows)) >= 7 and 3 <= early <= 8


def write_marian_tokenizer(out: Path, source_vocab: int, target_vocab: int, *, pad_to: int | None = None) -> int:
    """Write the files ``MarianTokenizer`` reads, from SentencePiece models trained on the corpus.

    Marian layout: ``</s>`` = 0, ``<unk>`` = 1, the pieces of both
    languages, ``<pad>`` last (pad doubles as the decoder start token).
    ``pad_to`` fills the vocabulary with unused pieces up to a full-size
    model's (the benchmark's 65,001). Returns the vocabulary size.
    """
    out.mkdir(parents=True, exist_ok=True)
    zh_lines, en_lines = _corpus_lines()
    source_model = _train_spm(zh_lines, source_vocab)
    target_model = _train_spm(en_lines, target_vocab)
    (out / "source.spm").write_bytes(source_model)
    (out / "target.spm").write_bytes(target_model)

    vocab: dict[str, int] = {"</s>": 0, "<unk>": 1}
    for piece in _pieces(target_model) + _pieces(source_model):
        if piece not in vocab and piece not in ("<unk>", "<s>", "</s>", "<pad>"):
            vocab[piece] = len(vocab)
    while pad_to is not None and len(vocab) < pad_to - 1:
        vocab[f"<unused{len(vocab)}>"] = len(vocab)
    vocab["<pad>"] = len(vocab)
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=0), encoding="utf-8")
    tokenizer_config = {
        "tokenizer_class": "MarianTokenizer",
        "source_lang": "zh",
        "target_lang": "en",
        "unk_token": "<unk>",
        "eos_token": "</s>",
        "pad_token": "<pad>",
        "model_max_length": 512,
        "separate_vocabs": False,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=1), encoding="utf-8")
    return len(vocab)


def build_tiny_model(
    out_dir: str | Path,
    seed: int = 0,
    *,
    d_model: int = 32,
    layers: int = 2,
    source_vocab: int = 600,
    target_vocab: int = 400,
    init_std: float = 0.1,
) -> Path:
    """Write a loadable tiny Marian model + tokenizer into ``out_dir``.

    Returns the directory.  Deterministic for a given ``seed`` and corpus.
    """
    from transformers import MarianConfig

    out = Path(out_dir)
    vocab_size = write_marian_tokenizer(out, source_vocab, target_vocab)
    pad_id = vocab_size - 1

    config = MarianConfig(
        vocab_size=vocab_size,
        decoder_vocab_size=vocab_size,
        d_model=d_model,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=2 * d_model,
        decoder_ffn_dim=2 * d_model,
        max_position_embeddings=256,
        pad_token_id=pad_id,
        decoder_start_token_id=pad_id,
        eos_token_id=0,
        bos_token_id=0,
        forced_eos_token_id=0,
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=False,
        scale_embedding=True,
        activation_function="swish",
        dropout=0.0,
        attention_dropout=0.0,
        activation_dropout=0.0,
        init_std=init_std,
    )
    from transformers import MarianTokenizer

    tokenizer = MarianTokenizer(
        str(out / "source.spm"), str(out / "target.spm"), str(out / "vocab.json"), source_lang="zh", target_lang="en"
    )
    # deterministic search for a random model that makes a useful test subject
    for attempt in range(40):
        model = random_model(config, seed * 1000 + attempt // 2, eos_scale=(0.5, 0.7)[attempt % 2])
        model.generation_config.bad_words_ids = [[pad_id]]
        if _good_test_subject(model, tokenizer):
            break
    else:
        raise RuntimeError("no random tiny model made a usable test subject")
    model.generation_config.max_length = 64
    model.generation_config.num_beams = 4
    model.save_pretrained(out)
    return out


def write_unspellable_glossary(folder: Path) -> Path:
    """``folder/g.yaml``: a term the tiny vocabulary cannot spell (no token writes 'ā' or 'é') and one it can.

    The tests of the up-front "cannot spell" line (local files, directories,
    Ray) share it, so they all speak of the same two terms.
    """
    glossary = folder / "g.yaml"
    glossary.write_text(
        "name: g\nterms:\n"
        "  - id: shuanghe\n    source: 双核\n    target: Shu\u0101ngh\u00e9\n"
        "  - id: food-security\n    source: 粮食安全\n    target: food security\n",
        encoding="utf-8",
    )
    return glossary


def generate_ids_and_scores(model, tokenizer, sentences, **kwargs):
    """``model.generate`` on ``sentences``: (token ids per sentence without start and padding, scores or None).

    The reference the decoder's unconstrained output must equal, token for token and score for score.
    """
    import torch

    batch = tokenizer(sentences, return_tensors="pt", padding=True)
    with torch.inference_mode():
        out = model.generate(**batch, output_scores=True, return_dict_in_generate=True, **kwargs)
    ids = []
    for row in out.sequences[:, 1:].tolist():
        while row and row[-1] == tokenizer.pad_token_id:
            row.pop()
        ids.append(tuple(row))
    scores = out.sequences_scores.tolist() if getattr(out, "sequences_scores", None) is not None else None
    return ids, scores
