"""The Translator on the tiny random model: alignment, modes, per-term report."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from termlock.errors import TermlockError
from termlock.glossary import Glossary, Term
from termlock.translate.lock.constraints import constraints_for
from termlock.translate.models.loading import load_model
from termlock.translate.translator import SegmentTranslation, Translator, summarize
from tiny_model import _FALLBACK_PAIRS

SENTENCES = [zh for zh, _ in _FALLBACK_PAIRS]
FOOD = "粮食安全是国家安全的重要基础。"
DIGITAL = "数字经济蓬勃发展。"
REFORM = "要全面深化改革，扩大高水平对外开放。"

FOOD_TERM = Term("food-security", ("粮食安全",), "food security")
OPENING_TERM = Term("opening-up", ("对外开放",), "opening up")
EMPTY = Glossary("empty", ())
#: a random model rarely stops by itself; short outputs keep the tests fast
MAX_LENGTH = 24


@pytest.fixture(scope="module")
def loaded(tiny_model_dir):
    return load_model(str(tiny_model_dir), device="cpu")


def plain(loaded, sentences):
    """What the unconstrained first pass produces for each sentence."""
    return Translator(loaded, EMPTY, beam=3, constraints="off", max_length=MAX_LENGTH).translate(sentences)


def spy(translator):
    """Record every decoder call: (sentences, constrained?)."""
    calls = []
    original = translator.decoder.decode

    def decode(sentences, positives=None, negatives=None):
        calls.append((list(sentences), positives is not None))
        return original(sentences, positives, negatives)

    translator.decoder.decode = decode
    return calls


def words_of(text):
    """Whole words of an output (a random model glues pieces of both languages)."""
    return [w for w in text.split() if re.fullmatch(r"[A-Za-z]{3,}", w)]


def matcher(glossary):
    from termlock.glossary import TargetMatcher

    return TargetMatcher(glossary)


def test_alignment_blank_lines_and_paragraphs(loaded):
    glossary = Glossary("g", (FOOD_TERM,))
    lines = [FOOD + DIGITAL, "", "   ", DIGITAL, "\t" + REFORM + "  "]
    translator = Translator(loaded, glossary, beam=2, max_length=MAX_LENGTH)
    segments = translator.translate_segments(lines)
    assert len(segments) == len(lines)
    assert [s.target for s in segments][1:3] == ["", ""]
    assert [len(s.sentences) for s in segments] == [2, 0, 0, 1, 1]
    first = segments[0]
    assert [s.source for s in first.sentences] == [FOOD, DIGITAL]
    assert first.target == " ".join(s.target for s in first.sentences if s.target)
    assert segments[3].target == segments[0].sentences[1].target  # same sentence, same translation
    assert translator.translate(lines) == [s.target for s in segments]


def test_auto_redecodes_only_the_sentences_that_fail(loaded):
    others = [s for s in SENTENCES if "粮食安全" not in s][:4]
    lines = [others[0] + FOOD, "", *others[1:]]
    # the free translation of each sentence, decoded in the same batches as auto's first pass
    free = Translator(loaded, EMPTY, beam=3, constraints="off", max_length=MAX_LENGTH).translate_segments(lines)
    passing, word = next(
        (s.source, words_of(s.target)[0]) for seg in free for s in seg.sentences if s.source != FOOD and words_of(s.target)
    )
    # a term that the free translation of one sentence already satisfies
    pass_term = Term("already-fine", (passing.rstrip("。"),), word, exact=True)
    glossary = Glossary("g", (pass_term, FOOD_TERM))

    translator = Translator(loaded, glossary, beam=3, constraints="auto", max_length=MAX_LENGTH)
    calls = spy(translator)
    segments = translator.translate_segments(lines)

    assert calls[0][1] is False
    assert sorted(calls[0][0]) == sorted([*others, FOOD])
    # only the food-security sentence misses its term: it alone is re-decoded, with constraints
    assert len(calls) == 2 and calls[1] == ([FOOD], True)

    by_source = {s.source: s for seg in segments for s in seg.sentences}
    assert by_source[passing].required == ("already-fine",)
    assert by_source[passing].satisfied_first_pass == ("already-fine",) and not by_source[passing].constrained
    assert by_source[FOOD].constrained and by_source[FOOD].satisfied_first_pass == ()
    report = segments[0]
    assert "food-security" in report.required and report.redecoded == ("food-security",)
    assert report.unsatisfied == ()
    assert matcher(glossary).accepted(FOOD_TERM, report.target)
    holder = next(seg for seg in segments if passing in seg.source)
    assert holder.satisfied_first_pass == ("already-fine",) and re.search(rf"\b{word}\b", holder.target)
    assert summarize([seg.to_dict() if seg.sentences else None for seg in segments], "auto")["redecoded_sentences"] == 1


def test_auto_removes_a_forbidden_rendering(loaded):
    # a sentence whose free translation contains a word we then forbid
    sentence, banned = next(
        (s, words_of(out)[0]) for s in SENTENCES for out in plain(loaded, [s]) if words_of(out)
    )
    term = Term("banned", (sentence.rstrip("。"),), "food security", forbidden=(banned,))
    glossary = Glossary("g", (term,))
    translator = Translator(loaded, glossary, beam=3, max_length=MAX_LENGTH)
    calls = spy(translator)
    [segment] = translator.translate_segments([sentence])
    assert calls[1] == ([sentence], True)
    assert matcher(glossary).forbidden(term, plain(loaded, [sentence])[0])
    assert not matcher(glossary).forbidden(term, segment.target)
    assert matcher(glossary).accepted(term, segment.target)
    assert segment.unsatisfied == () and segment.redecoded == ("banned",)


def test_always_constrains_every_sentence_with_terms(loaded):
    glossary = Glossary("g", (FOOD_TERM, OPENING_TERM))
    translator = Translator(loaded, glossary, beam=3, constraints="always", max_length=MAX_LENGTH)
    calls = spy(translator)
    segments = translator.translate_segments([FOOD + DIGITAL, REFORM])
    constrained = [c for c in calls if c[1]]
    unconstrained = [c for c in calls if not c[1]]
    assert sorted(constrained[0][0]) == sorted([FOOD, REFORM])
    assert unconstrained == [([DIGITAL], False)]
    for segment in segments:
        assert segment.satisfied_first_pass == ()
        assert segment.unsatisfied == ()
        assert set(segment.redecoded) == set(segment.required)
    check = matcher(glossary)
    assert check.accepted(FOOD_TERM, segments[0].target) and check.accepted(OPENING_TERM, segments[1].target)


def test_off_is_plain_beam_search(loaded):
    translator = Translator(loaded, Glossary("g", (FOOD_TERM,)), beam=3, constraints="off", max_length=MAX_LENGTH)
    calls = spy(translator)
    [segment] = translator.translate_segments([FOOD])
    assert calls == [([FOOD], False)]
    assert segment.target == plain(loaded, [FOOD])[0]
    assert segment.redecoded == () and segment.unsatisfied == ("food-security",)
    assert summarize([segment.to_dict()], "off")["impossible"] == []


def test_long_sentences_are_split_not_truncated(tiny_model_dir):
    loaded = load_model(str(tiny_model_dir))
    clauses = ["我们要坚持和平发展道路，", "扩大高水平对外开放，", "全面深化改革。"]
    limit = max(loaded.count_tokens(c) for c in clauses)
    assert loaded.count_tokens("".join(clauses)) > limit
    loaded.max_input_tokens = limit
    # a sentence with no clause punctuation at all, far over the limit
    run_on = re.sub("[，、：。“”]", "", "".join(SENTENCES[:4])) + "。"
    line = "".join(clauses) + run_on
    [segment] = Translator(loaded, EMPTY, beam=2, max_length=MAX_LENGTH).translate_segments([line])
    assert "".join(s.source for s in segment.sentences) == line
    assert all(loaded.count_tokens(s.source) <= limit for s in segment.sentences)
    assert [s.split for s in segment.sentences[:3]] == ["clause"] * 3
    assert {s.split for s in segment.sentences[3:]} == {"forced"}
    assert segment.warnings and f"limit of {limit} tokens" in segment.warnings[0]
    assert summarize([segment.to_dict()], "auto")["too_long"]


def test_segment_records_round_trip_through_json(loaded):
    import json

    [segment] = Translator(loaded, Glossary("g", (FOOD_TERM,)), beam=1, max_length=MAX_LENGTH).translate_segments([FOOD + DIGITAL])
    again = SegmentTranslation.from_dict(json.loads(json.dumps(segment.to_dict())))
    assert again == segment


def test_model_by_path_and_bad_settings(tiny_model_dir):
    translator = Translator(str(tiny_model_dir), EMPTY, beam=1, batch_size=2, max_length=MAX_LENGTH)
    assert translator.loaded.name == str(tiny_model_dir)
    assert len(translator.translate([DIGITAL, FOOD, REFORM])) == 3
    with pytest.raises(TermlockError, match="constraints"):
        Translator(str(tiny_model_dir), EMPTY, constraints="sometimes")
    with pytest.raises(TermlockError, match="beam"):
        Translator(str(tiny_model_dir), EMPTY, beam=0)


def test_multilingual_output_has_no_language_token(tiny_model_dir, tmp_path):
    from test_model_loading import build_tiny_m2m100

    model_dir = build_tiny_m2m100(tiny_model_dir, tmp_path / "m2m100")
    translator = Translator(str(model_dir), EMPTY, beam=2, max_length=MAX_LENGTH)
    assert translator.loaded.forced_bos_token_id is not None
    outputs = translator.translate([DIGITAL, FOOD])
    assert all("__en__" not in out for out in outputs)


def test_importing_the_package_does_not_import_torch():
    code = (
        "import sys, termlock.translate, termlock.documents, termlock.translate.batch.runner;"
        "from termlock.translate import Translator;"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules, 'eager import';"
        "print(Translator.__name__)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Translator"


def test_a_forbidden_word_inside_another_terms_rendering_is_no_conflict(loaded):
    # "rejuvenation" is forbidden for 振兴 but is part of the rendering of
    # 民族复兴: the translator must place that rendering, and judge the
    # result by the checker's rules, which do not count a forbidden word
    # inside an accepted rendering
    from termlock.evaluate import check

    revival = Term("revival", ("振兴",), "revitalization", forbidden=("rejuvenation",))
    nation = Term("nation", ("民族复兴",), "great rejuvenation of the Chinese nation")
    glossary = Glossary("g", (revival, nation))
    line = "推动振兴，实现民族复兴。"
    [segment] = Translator(loaded, glossary, beam=3, constraints="always", max_length=48).translate_segments([line])
    assert segment.unsatisfied == ()
    assert "great rejuvenation of the chinese nation" in segment.target.lower()
    result = check(glossary, [line], [segment.target])
    assert result.summary.term_success_rate == 1.0


def test_always_writes_the_canonical_rendering_unless_variants_are_allowed(loaded):
    term = Term("food-security", ("粮食安全",), "food security", variants=("grain security",))
    glossary = Glossary("g", (term,))
    [canonical] = Translator(loaded, glossary, beam=3, constraints="always", max_length=40).translate_segments([FOOD])
    assert canonical.unsatisfied == ()
    assert {m.rendering for m in matcher(glossary).accepted(term, canonical.target)} == {"food security"}
    lenient = Translator(loaded, glossary, beam=3, constraints="always", max_length=40, lock_variants=True)
    assert lenient.translate_segments([FOOD])[0].unsatisfied == ()
    [positive] = constraints_for(FOOD, lenient.source_matcher.find(FOOD), variants=lenient.lock_variants)[0]
    assert positive.alternatives == ("food security", "grain security")


def test_a_translation_cut_at_the_length_limit_is_reported_with_what_to_try(loaded):
    term = Term("long", ("粮食安全",), "food security and the Belt and Road Initiative for common prosperity")
    translator = Translator(loaded, Glossary("g", (term,)), beam=2, constraints="always", max_length=6)
    [segment] = translator.translate_segments([FOOD])
    assert segment.unsatisfied == ("long",)
    assert any("length limit of 6 tokens" in w and "--max-length 12" in w for w in segment.warnings)
    [impossible] = summarize([segment.to_dict()], "always")["impossible"]
    assert "length limit" in impossible["reason"] and "--max-length" in impossible["reason"]


def test_an_unsupported_generation_setting_is_one_clear_error(tiny_model_dir):
    loaded = load_model(str(tiny_model_dir))
    loaded.model.generation_config.do_sample = True
    try:
        with pytest.raises(TermlockError, match="do_sample=True"):
            Translator(loaded, EMPTY, beam=2)
    finally:
        loaded.model.generation_config.do_sample = False


# ------------------------------------------------------------------ nothing to translate: kept as it is


def test_figures_and_latin_text_are_kept_not_sent_to_the_model(loaded):
    from termlock.glossary.verdicts import SegmentJudge

    glossary = Glossary("g", (Term("five-g", ("5G",), "5G"), FOOD_TERM))
    translator = Translator(loaded, glossary, beam=2, constraints="auto", max_length=MAX_LENGTH)
    calls = spy(translator)
    lines = ["2024", "GDP", "（1）", "https://www.gov.cn", "5G", f"{FOOD}2024年。GDP.", "２０２４"]
    segments = translator.translate_segments(lines)
    sent = {s for batch, _ in calls for s in batch}
    assert sent == {FOOD, "2024年。"}  # the line's Chinese sentences only, "GDP." kept
    assert [s.target for s in segments[:5]] == ["2024", "GDP", "（1）", "https://www.gov.cn", "5G"]
    assert segments[6].target == "２０２４"
    assert segments[5].target.endswith(" GDP.") and [s.copied for s in segments[5].sentences] == [False, False, True]
    assert segments[4].required == ("five-g",) and segments[4].unsatisfied == ()  # the judge agrees
    judge = SegmentJudge(glossary)
    for line, segment in zip(lines[:5], segments):
        assert all(v == "ok" for v in judge.verdicts(line, segment.target).values())
    records = [s.to_dict() for s in segments]
    assert records[0]["sentences"][0]["copied"] is True and "copied" not in records[5]["sentences"][0]
    assert summarize(records, "auto")["copied_sentences"] == 7
    assert SegmentTranslation.from_dict(records[0]).sentences[0].copied


def test_latin_text_the_judge_would_not_accept_goes_to_the_model(loaded):
    """A Latin source term rendered otherwise, or a forbidden rendering of the line's term, is no copy."""
    glossary = Glossary("g", (Term("ai", ("AI",), "artificial intelligence"),
                              Term("dual-cores", ("双核",), "dual cores", forbidden=("DC",))))  # fmt: skip
    translator = Translator(loaded, glossary, beam=2, constraints="always", max_length=MAX_LENGTH)
    calls = spy(translator)
    segments = translator.translate_segments(["AI", "双核。DC."])
    sent = {s for batch, _ in calls for s in batch}
    assert "AI" in sent and "DC." in sent
    assert not any(s.copied for segment in segments for s in segment.sentences)


def test_auto_leaves_what_the_model_wrote_on_its_own(loaded):
    """A term the free translation already had, in another casing the checker accepts, is left as written."""
    sentence, word = next((s, words_of(out)[0]) for s in SENTENCES for out in plain(loaded, [s]) if words_of(out))
    glossary_casing = word.upper() if word != word.upper() else word.lower()
    basis = Term("basis", (sentence[:2],), glossary_casing, exact=True)
    missing = Term("food-security", (sentence[3:5],), "food security")
    translator = Translator(loaded, Glossary("g", (basis, missing)), beam=3, constraints="auto", max_length=MAX_LENGTH)
    seen = []
    original = translator.decoder.decode

    def decode(sentences, positives=None, negatives=None):
        seen.append(positives)
        return original(sentences, positives, negatives)

    translator.decoder.decode = decode
    [segment] = translator.translate_segments([sentence])
    first, again = seen
    assert first is None
    by_term = {p.term_id: p for p in again[0]}
    # what the model wrote for "basis" goes to the lock as written; food security is placed in the glossary's spelling
    assert by_term["basis"].written == (word,) and by_term["food-security"].written == ()
    assert segment.satisfied_first_pass == ("basis",) and segment.redecoded == ("food-security",)
    assert segment.unsatisfied == () and segment.unmet == ()
    # where the model's own casing stayed, the report says so, as check would
    assert all(f["id"] == "basis" and f["expected"] == glossary_casing for f in segment.spelling)
