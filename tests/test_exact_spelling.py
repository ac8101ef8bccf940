"""The lock writes the glossary's own spelling; both commands count alike; what no token can spell is said up front.

Over the whole bundled corpus with ``--constraints always``, on random-weight
models around the real opus-mt-zh-en (SentencePiece) and Qwen2.5
(byte-level BPE) tokenizers: every rendering the lock placed is the
glossary's string exactly (a capital first letter where a sentence's
translation starts being the one change), and ``termlock check
--min-term-success 1.0 --strict-spelling`` passes on the output. A random
model writes no term by itself, so every rendering counted here was forced.

Small models (one or two narrow layers, beam 2): each corpus run takes tens
of seconds on a CI core, most of it the real vocabularies' tables.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from termlock.cli import main
from termlock.corpora import load_bundled_glossary
from termlock.glossary import SegmentJudge, TargetMatcher
from tiny_model import write_unspellable_glossary

CORPUS = Path(__file__).resolve().parents[1] / "termlock" / "corpora" / "data" / "corpus.zh"


def _forced_renderings(report: dict) -> tuple[int, list[tuple[str, list[str]]]]:
    """How many terms the lock placed (term x sentence), and those it did not write in the glossary's spelling.

    Judged sentence by sentence, as decoded: the term's renderings found in
    the sentence's translation must include the glossary string itself, or
    it with a capital first letter where the translation starts (unless
    the term is case-sensitive). A random model sometimes leaves a started
    rendering for another token and the lock writes it again: a left-over
    prefix the checker also accepts ("improving service" of "... improving
    services") is no spelling of the lock's; ``--strict-spelling`` judges
    every rendering found, those included.
    """
    glossary = load_bundled_glossary()
    judge = SegmentJudge(glossary)
    matcher = TargetMatcher(glossary)
    placed, wrong = 0, []
    for segment in report["segments"]:
        for sentence in segment["sentences"]:
            terms = {v.match.term.id: v.match.term for v in judge.judge(sentence["source"], sentence["target"])}
            for term in terms.values():
                placed += 1
                found = matcher.accepted(term, sentence["target"])
                target = term.target
                first = target if term.case_sensitive else target[:1].upper() + target[1:]
                if not any(m.text == target or (m.start == 0 and m.text == first) for m in found):
                    wrong.append((target, [m.text for m in found]))
    return placed, wrong


def _translate_and_check(model: Path, tmp: Path, capsys, *extra: str) -> tuple[dict, dict, str]:
    out, report, checked = tmp / "out.en", tmp / "report.json", tmp / "check.json"
    argv = ["translate", "-i", str(CORPUS), "-o", str(out), "--model", str(model), "--glossary", "bundled", "--constraints", "always",
            "--beam", "2", "--batch-size", "32", "--device", "cpu", "--report", str(report), *extra]  # fmt: skip
    assert main(argv) == 0
    err = capsys.readouterr().err
    code = main(["check", "--glossary", "bundled", "--source", str(CORPUS), "--target", str(out), "--min-term-success", "1.0",
                 "--strict-spelling", "--json", str(checked)])  # fmt: skip
    check_out = capsys.readouterr().out
    assert code == 0, check_out
    return json.loads(report.read_text(encoding="utf-8")), json.loads(checked.read_text(encoding="utf-8")), err


def _same_count_as_check(report: dict, checked: dict) -> None:
    """Item five: translate's figures are check's (occurrences), and so is each segment's list of what is unmet."""
    summary, check = report["summary"], checked["summary"]
    for key in ("term_occurrences", "ok", "missing", "forbidden", "spelling"):
        assert summary[key] == check[key], key
    by_index = {segment["index"]: segment for segment in report["segments"]}
    for index, segment in enumerate(checked["segments"]):
        problems = [
            {"id": t["id"], "source": t["source"], "status": t["status"], "source_span": t["source_span"],
             "found": t["found"], "forbidden_found": t["forbidden_found"]}
            for t in segment["terms"] if t["status"] != "ok"
        ]  # fmt: skip
        spelling = [
            {"id": t["id"], "source": t["source"], "found": t["found"], "expected": t["spelling"]}
            for t in segment["terms"] if t["spelling"] is not None
        ]  # fmt: skip
        mine = by_index.get(index, {"unmet": [], "spelling": []})
        assert mine["unmet"] == problems and mine["spelling"] == spelling, index


@pytest.fixture(scope="module")
def marian_real_tokenizer(real_tokenizer_dir, tmp_path_factory) -> Path:
    """A one-layer random Marian of width 32 around the real opus-mt-zh-en tokenizer (65,001 pieces)."""
    import torch
    from transformers import AutoTokenizer, MarianConfig

    from tiny_model import random_model

    torch.set_num_threads(1)
    config = MarianConfig.from_pretrained(
        real_tokenizer_dir, d_model=32, encoder_layers=1, decoder_layers=1, encoder_ffn_dim=64, decoder_ffn_dim=64,
        encoder_attention_heads=2, decoder_attention_heads=2,
    )  # fmt: skip
    # a strong pull towards EOS: once the lock lets a sentence end, it ends
    model = random_model(config, 0, eos_scale=1.5)
    model.generation_config.bad_words_ids = [[config.pad_token_id]]
    model.generation_config.max_length = 64
    out = tmp_path_factory.mktemp("marian-real-tokenizer")
    AutoTokenizer.from_pretrained(real_tokenizer_dir).save_pretrained(out)
    model.save_pretrained(out)
    return out


@pytest.mark.slow
@pytest.mark.real_tokenizer
def test_opus_mt_tokenizer_places_the_glossary_spelling_over_the_corpus(marian_real_tokenizer, tmp_path, capsys):
    report, checked, err = _translate_and_check(marian_real_tokenizer, tmp_path, capsys)
    placed, wrong = _forced_renderings(report)
    assert (placed, wrong) == (report["summary"]["required_terms"], [])
    assert checked["summary"]["term_occurrences"] == checked["summary"]["ok"] == 419
    assert checked["summary"]["spelling"] == 0
    assert "term occurrences: 419, 419 ok (0 by the first pass, 419 by constrained decoding)" in err
    _same_count_as_check(report, checked)


@pytest.mark.slow
def test_qwen_tokenizer_places_the_glossary_spelling_over_the_corpus(causal_qwen_dir, tmp_path, capsys):
    report, checked, _ = _translate_and_check(causal_qwen_dir, tmp_path, capsys, "--max-length", "48")
    placed, wrong = _forced_renderings(report)
    assert (placed, wrong) == (report["summary"]["required_terms"], [])
    assert checked["summary"]["term_occurrences"] == checked["summary"]["ok"] == 419
    assert checked["summary"]["spelling"] == 0
    _same_count_as_check(report, checked)


def test_both_commands_list_the_same_unmet_occurrences(tiny_model_dir, tmp_path, capsys):
    """Without the lock a random model misses every term: translate's per-segment list is check's, occurrence by occurrence."""
    source = tmp_path / "in.zh"
    source.write_text("坚持“双核”驱动，双核并进。\n\n我们要构建新发展格局，推动高质量发展。\n", encoding="utf-8")
    out, report_path, checked_path = tmp_path / "out.en", tmp_path / "r.json", tmp_path / "c.json"
    assert main(["translate", "-i", str(source), "-o", str(out), "--model", str(tiny_model_dir), "--glossary", "bundled",
                 "--constraints", "off",
                 "--beam", "1", "--max-length", "16", "--report", str(report_path)]) == 0  # fmt: skip
    err = capsys.readouterr().err
    main(["check", "--glossary", "bundled", "--source", str(source), "--target", str(out), "--json", str(checked_path)])
    capsys.readouterr()
    report = json.loads(report_path.read_text(encoding="utf-8"))
    checked = json.loads(checked_path.read_text(encoding="utf-8"))
    assert report["summary"]["required_terms"] == 3  # terms per segment: 双核 counted once...
    assert report["summary"]["term_occurrences"] == checked["summary"]["term_occurrences"] == 4  # ...occurring twice
    assert report["summary"]["missing"] == checked["summary"]["missing"] > 0
    assert "term occurrences: 4, " in err and " required" not in err
    _same_count_as_check(report, checked)


def test_a_rendering_the_vocabulary_cannot_spell_is_said_once_before_decoding(tiny_model_dir, tmp_path, capsys):
    """A SentencePiece vocabulary without the letter: one line up front, the segment impossible for that reason."""
    from termlock.translate import load_model
    from termlock.translate.search.factory import build_decoder

    decoder = build_decoder(load_model(str(tiny_model_dir), device="cpu"), beam=1, batch_size=1)
    assert not decoder.writable("Shu\u0101ngh\u00e9") and "\u0101" in decoder.unwritten("Shu\u0101ngh\u00e9")
    glossary = write_unspellable_glossary(tmp_path)
    source = tmp_path / "in.zh"
    source.write_text("坚持双核驱动。\n保障粮食安全。\n双核并进，保障粮食安全。\n", encoding="utf-8")
    out, report_path = tmp_path / "out.en", tmp_path / "r.json"
    assert main(["translate", "-i", str(source), "-o", str(out), "--model", str(tiny_model_dir), "--glossary", str(glossary),
                 "--constraints", "always", "--beam", "2", "--max-length", "40", "--report", str(report_path)]) == 0  # fmt: skip
    lines = capsys.readouterr().err.splitlines()
    about = [line for line in lines if "cannot spell" in line and "shuanghe" in line and "in.zh" not in line]
    assert len(about) == 1 and lines[0] == about[0]  # once, and first
    assert "'Shuānghé' (term shuanghe: no token writes 'ā', 'é')" in about[0] and "needed in 2 segments" in about[0]
    report = json.loads(report_path.read_text(encoding="utf-8"))
    impossible = report["summary"]["impossible"]
    assert [item["index"] for item in impossible] == [0, 2]
    for item in impossible:
        assert item["terms"] == ["shuanghe"]
        assert "cannot spell 'Shuānghé'" in item["reason"] and "--max-length" not in item["reason"]
    # the other term is still placed where both are needed
    assert "food security" in out.read_text(encoding="utf-8").splitlines()[2]


def test_a_directory_job_says_what_the_vocabulary_cannot_spell_once_over_all_documents(tiny_model_dir, tmp_path, capsys):
    """Several documents, the local engine: one line up front counting the segments of every document."""
    glossary = write_unspellable_glossary(tmp_path)
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("坚持双核驱动。\n保障粮食安全。\n", encoding="utf-8")
    (folder / "sub" / "b.txt").write_text("双核并进，保障粮食安全。\n双核。\n", encoding="utf-8")
    out, report_path = tmp_path / "out", tmp_path / "r.json"
    assert main(["translate", "-i", str(folder), "-o", str(out), "--model", str(tiny_model_dir), "--glossary", str(glossary),
                 "--constraints", "always", "--beam", "1", "--max-length", "30", "--report", str(report_path)]) == 0  # fmt: skip
    lines = capsys.readouterr().err.splitlines()
    about = [line for line in lines if "cannot spell" in line and "needed in" in line]
    assert len(about) == 1 and lines[0] == about[0], lines  # once, first, for the whole job (the summary comes last)
    assert "'Shuānghé' (term shuanghe: no token writes 'ā', 'é')" in about[0] and "needed in 3 segments" in about[0]
    assert "food-security" not in about[0]
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert (out / "a.txt").exists() and (out / "sub" / "b.txt").exists()
    impossible = report["summary"]["impossible"]
    assert len(impossible) == 3 and all(item["terms"] == ["shuanghe"] for item in impossible)
    assert all("cannot spell 'Shuānghé'" in item["reason"] for item in impossible)
    # a finished job has nothing left to decode, so a rerun says nothing about spelling
    assert main(["translate", "-i", str(folder), "-o", str(out), "--model", str(tiny_model_dir), "--glossary", str(glossary),
                 "--constraints", "always", "--beam", "1", "--max-length", "30"]) == 0  # fmt: skip
    assert "cannot spell" not in capsys.readouterr().err


def test_the_driver_asks_the_tokenizer_alone_as_the_translator_asks_its_decoder(tiny_model_dir, tmp_path):
    """What the Ray driver says (tokenizer and config, no weights) equals what a built translator says."""
    from termlock.glossary import load_glossary
    from termlock.jobs.translate_job import TranslatorSettings
    from termlock.translate import Translator
    from termlock.translate.spellable import job_unspellable

    glossary = load_glossary(write_unspellable_glossary(tmp_path))
    lines = ["坚持双核驱动。", "保障粮食安全。", "双核并进，保障粮食安全。"]
    settings = TranslatorSettings(model=str(tiny_model_dir), constraints="always", device="cpu")
    driver = job_unspellable(settings, glossary, lines)
    built = Translator(str(tiny_model_dir), glossary, constraints="always", device="cpu").unspellable(lines)
    assert driver == built and [(u.term_id, u.unwritten, u.segments) for u in driver] == [("shuanghe", "āé", 2)]
    off = TranslatorSettings(model=str(tiny_model_dir), constraints="off", device="cpu")
    assert job_unspellable(off, glossary, lines) == []
