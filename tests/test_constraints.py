"""Constraint records, the checker-space symbols, the per-sentence compile, the tracker, the banks."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from termlock.glossary import Glossary, Term, TargetMatcher
from termlock.glossary.inflection import inflected_forms, inflections
from termlock.glossary.target_match import normalise, surface_forms
from termlock.translate.lock.constraints import NegativeConstraint, PositiveConstraint, constraints_for
from termlock.translate.lock.sentence_lock import SentenceLock
from termlock.translate.lock.symbols import CASED, EXACT, FOLDED, SPACE, pattern_symbols, symbols
from termlock.translate.lock.tracker import ConstraintTracker
from termlock.translate.search.beam_allocation import allocate


class _Match:
    def __init__(self, term: Term):
        self.term = term


# ------------------------------------------------------------ constraints_for


def test_constraints_for_places_the_canonical_rendering_only_by_default():
    core = Term("core", ("双核",), "dual cores", variants=("twin cores",), forbidden=("double cores",))
    exact = Term("wto", ("世贸",), "WTO", exact=True, case_sensitive=True)
    positives, negatives = constraints_for("双核双核世贸", [_Match(core), _Match(core), _Match(exact)])
    assert positives == [
        PositiveConstraint("core", ("dual cores",), False, ("dual cores", "twin cores"), False),
        PositiveConstraint("wto", ("WTO",), True, ("WTO",), True),
    ]
    assert negatives == [NegativeConstraint("core", ("double cores",), False, False)]
    # no invented inflections: the glossary strings, as written
    assert all("dual core" not in p.alternatives for p in positives)


def test_constraints_for_with_variants_places_any_accepted_rendering():
    core = Term("core", ("双核",), "dual cores", variants=("twin cores",))
    [positive], _ = constraints_for("双核", [_Match(core)], variants=True)
    assert positive.alternatives == ("dual cores", "twin cores")


def test_constraints_for_without_matches():
    assert constraints_for("没有术语", []) == ([], [])


# ------------------------------------------------------- one inflection module


def test_matcher_and_decoder_share_the_inflection_rules():
    assert surface_forms("Dual-Cores", False) == inflected_forms("Dual Cores", False) == ["Dual Cores", "Dual Core"]
    assert "analysi" not in inflections("analysis")  # the old decoder-only rules made these up
    assert "statu" not in inflections("status")
    lock = SentenceLock.compile([], [NegativeConstraint("t", ("double cores",))])
    # the decoder blocks exactly the forms the checker flags
    assert lock.forbidden[FOLDED] == ["double cores", "double core"]


# ----------------------------------------------------------------- symbols


def _stream(*pieces: str) -> tuple[int, ...]:
    out: list[int] = []
    cls = SPACE
    for piece in pieces:
        seq, cls = symbols(piece, cls)
        out += seq
    return tuple(out) + (2,)  # the end of the text


def _contains(stream: tuple[int, ...], pattern: tuple[int, ...]) -> bool:
    return any(stream[i : i + len(pattern)] == pattern for i in range(len(stream) - len(pattern) + 1))


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(st.sampled_from(["social", "socialism", "u.s.", "food", "dual cores", "x", "", "-", ".", ",", "'s"]), max_size=6),
    glue=st.lists(st.sampled_from([" ", "", "  ", "-", " - "]), min_size=6, max_size=6),
    needle=st.sampled_from(["social", "socialism", "u.s.", "food", "dual cores", "cores"]),
    splits=st.lists(st.integers(0, 12), max_size=4),
)
def test_symbol_streams_agree_with_the_matcher_on_whole_words(words, glue, needle, splits):
    """Any split of a text into tokens: the rendering's symbols occur iff the checker finds it."""
    text = "".join(w + g for w, g in zip(words, glue)).strip()
    term = Term("t", ("甲",), needle, exact=True)
    expected = bool(TargetMatcher(Glossary("g", (term,))).accepted(term, text))
    normal = normalise(text).text
    cuts = sorted({min(c, len(normal)) for c in splits})
    pieces = [normal[a:b] for a, b in zip([0, *cuts], [*cuts, len(normal)])]
    assert _contains(_stream(*pieces), pattern_symbols(needle)) == expected, (text, pieces)


# ----------------------------------------------------------- SentenceLock


def test_nested_renderings_subtract_like_the_judge():
    inner = PositiveConstraint("ns", ("national security",))
    outer = PositiveConstraint("ons", ("overall national security outlook",))
    lock = SentenceLock.compile([inner, outer], [])
    weights = {(p.text, p.channel): w for p, w in zip(lock.patterns, lock.weights) if not p.spaced}
    assert all(w == [0, 0] for p, w in zip(lock.patterns, lock.weights) if p.spaced and not p.start)  # progress only
    # placed in the glossary's spelling...
    assert weights["national security", EXACT] == [1, 0]
    assert weights["overall national security outlook", EXACT] == [0, 1]
    # ...and the outer one, as the judge finds it (folded), takes the inner occurrence it holds
    assert weights["overall national security outlook", FOLDED] == [-1, 0]
    # plural of the outer term holds it too: tracked to subtract
    assert weights["overall national security outlooks", FOLDED] == [-1, 0]


def test_a_case_sensitive_longer_rendering_claims_in_its_own_casing_only():
    inner = PositiveConstraint("pc", ("party committee",))
    outer = PositiveConstraint("ppc", ("Provincial Party Committee",), case_sensitive=True)
    lock = SentenceLock.compile([inner, outer], [])
    claims = {(p.text, p.channel): w for p, w in zip(lock.patterns, lock.weights) if w[0] < 0}
    # the judge finds the outer term only as written, so only that casing takes the inner occurrence
    assert claims == {("Provincial Party Committee", CASED): [-1, 0]}


def test_forbidden_inside_an_accepted_rendering_is_excused_not_blocked():
    term = PositiveConstraint("team", ("core team",))
    lock = SentenceLock.compile([term], [NegativeConstraint("team", ("core", "kernel"))])
    assert lock.forbidden[FOLDED] == ["cores", "kernel", "kernels"]  # "core" alone is inside "core team"


# ------------------------------------------------------------------ tracker


@pytest.fixture(scope="module")
def decoder(tiny_seq2seq):
    from termlock.translate.search.seq2seq_decoder import BeamSearchDecoder

    model, tokenizer = tiny_seq2seq
    return BeamSearchDecoder(model, tokenizer, num_beams=2, max_length=40)


def _feed(decoder, lock: SentenceLock, ids: list[int]):
    tracker = ConstraintTracker([lock], decoder.vocabulary, torch.device("cpu"))
    tracker.start(1)
    zero = torch.zeros((1, 1), dtype=torch.long)
    grown = None
    for token in ids:
        grown = tracker.expand(zero, torch.tensor([[token]]))
        tracker.keep(grown, zero)
    return tracker, grown


def _ids(tokenizer, *pieces: str) -> list[int]:
    return tokenizer.convert_tokens_to_ids(list(pieces))


def _token_paths(tokenizer, text: str, limit: int = 25) -> list[list[int]]:
    """Every way (up to ``limit``) to write ``text`` with the vocabulary's pieces: "▁dual▁cores" = "▁du" "al" "▁c" ...

    SentencePiece pieces concatenate to the text (``▁`` a space), so each
    segmentation of the piece string into pieces of the vocabulary is a
    token path the model could take to exactly these characters.
    """
    vocab = tokenizer.get_vocab()
    target = "\u2581" + text.replace(" ", "\u2581")
    paths: list[list[int]] = []

    def walk(at: int, path: list[int]) -> None:
        if len(paths) >= limit:
            return
        if at == len(target):
            paths.append(path)
            return
        for end in range(len(target), at, -1):
            piece = vocab.get(target[at:end])
            if piece is not None:
                walk(end, path + [piece])

    walk(0, [])
    return paths


@pytest.mark.parametrize("text", ["dual cores", "Dual cores", "the dual cores ,", "dual cores."])
def test_the_glossary_spelling_counts_in_any_tokenization(decoder, tiny_seq2seq, text):
    """Exactly the glossary's characters (a capital first letter only where the translation starts)."""
    _, tokenizer = tiny_seq2seq
    lock = SentenceLock.compile([PositiveConstraint("dc", ("dual cores",))], [])
    paths = _token_paths(tokenizer, text)
    assert len(paths) > 5  # the test is about many paths, not one
    for ids in paths:
        assert tokenizer.decode(ids, skip_special_tokens=True) == text
        assert bool(_feed(decoder, lock, ids)[1].all_met), (text, tokenizer.convert_ids_to_tokens(ids))


@pytest.mark.parametrize(
    "text", ["Dual Cores", "the DUAL cores", "dual-cores .", "the Dual cores", "dual  cores", "duaL cores", "individual cores"]
)
def test_nothing_but_the_glossary_spelling_counts(decoder, tiny_seq2seq, text):
    """The checker would accept most of these; the lock writes the glossary's spelling, so none places the term."""
    _, tokenizer = tiny_seq2seq
    lock = SentenceLock.compile([PositiveConstraint("dc", ("dual cores",))], [])
    paths = _token_paths(tokenizer, text)
    assert paths
    for ids in paths:
        assert not bool(_feed(decoder, lock, ids)[1].all_met), (text, tokenizer.convert_ids_to_tokens(ids))


def test_a_rendering_is_credited_only_when_the_word_ends(decoder, tiny_seq2seq):
    _, tokenizer = tiny_seq2seq
    lock = SentenceLock.compile([PositiveConstraint("s", ("social",))], [])
    social = tokenizer(text_target="social", add_special_tokens=False)["input_ids"]
    socialism = tokenizer(text_target="socialism", add_special_tokens=False)["input_ids"]
    assert bool(_feed(decoder, lock, social)[1].all_met)  # the text may end here
    assert not bool(_feed(decoder, lock, socialism)[1].all_met)


@pytest.mark.parametrize("written", ["the food security", "The FOOD Security", "food-security", "Food  -  security"])
def test_every_casing_and_split_of_a_forbidden_rendering_is_caught(decoder, tiny_seq2seq, written):
    _, tokenizer = tiny_seq2seq
    lock = SentenceLock.compile([], [NegativeConstraint("f", ("food security",))])
    ids = tokenizer(text_target=written, add_special_tokens=False)["input_ids"]
    vocab = decoder.vocabulary(FOLDED)
    tracker, grown = _feed(decoder, lock, ids)
    # the word may not end here: EOS and every token that would end it are banned
    assert bool(grown.ends_forbidden)
    log_probs = torch.zeros((1, len(vocab.texts)))
    eos = torch.tensor([decoder.rules.eos_ids[0]])
    tracker.apply_bans(log_probs, eos)
    assert log_probs[0, eos[0]] == -math.inf
    assert all(log_probs[0, t] == -math.inf for t in vocab.spelling(" the") + vocab.spelling("."))
    # and ending the text there counts as writing it
    final = tracker.expand(torch.zeros((1, 1), dtype=torch.long), eos.view(1, 1), final=True)
    assert bool(final.forbidden)


@pytest.mark.parametrize("written", ["the provincial party committee", "the Provincial Party Committee"])
def test_nested_terms_are_counted_as_the_judge_counts_them_whatever_the_casing(decoder, tiny_seq2seq, written):
    """An inner term inside a case-sensitive outer one written in another casing still counts for itself."""
    _, tokenizer = tiny_seq2seq
    positives = [
        PositiveConstraint("pc", ("party committee",)),
        PositiveConstraint("ppc", ("Provincial Party Committee",), case_sensitive=True),
    ]
    ids = tokenizer(text_target=written, add_special_tokens=False)["input_ids"]
    text = tokenizer.decode(ids, skip_special_tokens=True)
    _, grown = _feed(decoder, SentenceLock.compile(positives, []), ids)
    judged_missing = decoder.unmet(text, positives, [])
    assert len(judged_missing) == 1  # lower case: the outer term; as written: the inner one, claimed by it
    assert int(grown.missing) == len(judged_missing), (text, judged_missing)


class _FakeTokenizer:
    """A vocabulary with punctuation inside tokens (as byte-level BPE vocabularies have)."""

    pieces = ["</s>", "\u2581the", "\u2581food", "\u2581food.", "s.", "\u2581Food,", "\u2581f", "ood", ".", ",",
              "\u2581", "s", "\u2581FOOD", "\u2581the\u2581food.", "-food", "\u2581foods", "\u2581foodstuff,", "d,"]  # fmt: skip
    all_special_ids = [0]

    def __len__(self) -> int:
        return len(self.pieces)

    def convert_ids_to_tokens(self, ids):
        return [self.pieces[i] for i in ids]


@pytest.mark.parametrize("history", [[], [1], [1, 6], [2], [12], [1, 10, 6]])
def test_bans_are_exactly_the_tokens_that_complete_a_forbidden_rendering(history):
    """Over the whole vocabulary, mid-rendering and from scratch, against the walk of every token."""
    from termlock.translate.lock.vocabulary import VocabularyText

    tokenizer = _FakeTokenizer()
    vocab = VocabularyText(tokenizer, len(tokenizer), torch.device("cpu"), channel=FOLDED, eos_ids=[0])
    lock = SentenceLock.compile([], [NegativeConstraint("f", ("the food",))])
    tracker = ConstraintTracker([lock], lambda channel: vocab, torch.device("cpu"))
    tracker.start(1)
    zero = torch.zeros((1, 1), dtype=torch.long)
    for token in history:
        tracker.keep(tracker.expand(zero, torch.tensor([[token]])), zero)
    log_probs = torch.zeros((1, len(tokenizer)))
    tracker.apply_bans(log_probs, torch.tensor([0]))
    everything = torch.arange(1, len(tokenizer)).view(1, -1)
    grown = tracker.expand(torch.zeros_like(everything), everything)
    banned = log_probs[0, 1:] == -math.inf
    glue = bool(tracker.expand(zero, torch.tensor([[0]])).ends_forbidden)  # the word must go on
    expected = grown.forbidden[0] | (vocab.opens_word_end[tracker.cls[0, 0], 1:] & glue)
    assert torch.equal(banned, expected), [tokenizer.pieces[t + 1] for t in range(len(banned)) if banned[t] != expected[t]]
    names = {tokenizer.pieces[t + 1] for t in banned.nonzero().view(-1).tolist()}
    if history == [1]:  # "the": any casing of "food" followed by a non-word character
        assert names == {"\u2581food.", "\u2581Food,", "\u2581the\u2581food."}
    if history == []:  # a whole occurrence inside one token
        assert names == {"\u2581the\u2581food."}


def test_must_glue_after_a_pending_forbidden_word(decoder, tiny_seq2seq):
    _, tokenizer = tiny_seq2seq
    lock = SentenceLock.compile([], [NegativeConstraint("f", ("food",), exact=True)])
    ids = tokenizer(text_target="the food", add_special_tokens=False)["input_ids"]
    tracker, _ = _feed(decoder, lock, ids)
    log_probs = torch.zeros((1, len(decoder.vocabulary(FOLDED).texts)))
    eos = torch.tensor([decoder.rules.eos_ids[0]])
    tracker.apply_bans(log_probs, eos)
    vocab = decoder.vocabulary(FOLDED)
    assert log_probs[0, eos[0]] == -math.inf  # ending here would write "food"
    for token in vocab.spelling(" the") + vocab.spelling(","):
        assert log_probs[0, token] == -math.inf
    glue = [t for t, text in enumerate(vocab.texts) if text[:1].isalpha()]
    assert all(log_probs[0, t] == 0 for t in glue)  # "foods...", "foodstuff": the word goes on


# -------------------------------------------------------------- allocation


def test_allocation_with_one_bank_is_score_order():
    scores = torch.tensor([[0.5, 3.0, -1.0, 2.0, 1.0]])
    chosen = allocate(scores, torch.zeros_like(scores, dtype=torch.long), torch.ones_like(scores, dtype=torch.bool), 3, 1)
    assert chosen.tolist() == [[1, 3, 4]]


def test_allocation_stripes_share_the_beam_between_banks():
    scores = torch.tensor([[9.0, 8.0, 7.0, 6.0, 1.0, 0.5, 0.1]])
    banks = torch.tensor([[0, 0, 0, 0, 2, 1, 2]])
    valid = torch.ones_like(banks, dtype=torch.bool)
    # best of each bank first (most progress first), then second best...
    assert allocate(scores, banks, valid, 4, 3).tolist() == [[4, 5, 0, 6]]
    # invalid candidates only fill what is left
    valid[0, 4] = False
    assert allocate(scores, banks, valid, 6, 3).tolist() == [[6, 5, 0, 1, 2, 3]]


def test_a_sentence_with_more_terms_than_tracked_leaves_the_rest_to_the_judge():
    positives = [PositiveConstraint(f"t{i}", (f"term number {i}",)) for i in range(40)]
    lock = SentenceLock.compile(positives, [])
    assert all(sum(p.channel == channel for p in lock.patterns) <= 62 for channel in (EXACT, FOLDED, CASED))
    assert lock.term_ids + lock.never == [p.term_id for p in positives[: len(lock.term_ids)]] + lock.never
    assert set(lock.term_ids) | set(lock.never) == {p.term_id for p in positives}


# ------------------------------------------------- what the model wrote itself


@pytest.mark.parametrize(("text", "met"), [("Dual-Cores", True), ("dual-cores", True), ("DUAL CORES", True), ("dual cores", True), ("duel cores", False)])
def test_what_the_model_wrote_on_its_own_counts_in_any_form_the_checker_accepts(decoder, tiny_seq2seq, text, met):
    """``written``: the free translation had "Dual-Cores"; written again in any accepted form, the lock leaves it."""
    _, tokenizer = tiny_seq2seq
    lock = SentenceLock.compile([PositiveConstraint("dc", ("dual cores",), written=("Dual-Cores",))], [])
    # counted once: through the folded form the model wrote, the glossary spelling guiding only
    counted = [p for p, w in zip(lock.patterns, lock.weights) if w[0] > 0]
    assert [(p.text, p.channel) for p in counted] == [("dual cores", FOLDED)]
    ids = tokenizer(text_target=f"the {text} drive", add_special_tokens=False)["input_ids"]
    assert bool(_feed(decoder, lock, ids)[1].all_met) == met, text


def test_token_speller_spells_exactly_or_names_what_is_missing():
    from termlock.translate.lock.vocabulary import TokenSpeller

    speller = TokenSpeller(["", " dual", " du", "al", " core", "s", "-", "owned", " state", "\u2581x"])
    assert speller.spells("dual cores") and speller.spells("state-owned")
    assert not speller.spells("Dual cores") and speller.unwritten("Dual cores") == "D"
    assert not speller.spells("dual  cores")  # no token writes a space after a space
    assert speller.unwritten("Shu\u0101ngh\u00e9") == "Sh\u0101g\u00e9"  # each once, in order
