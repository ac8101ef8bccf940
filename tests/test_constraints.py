"""Constraint records, their tokenization in context, the automaton, the banks."""

from __future__ import annotations

import math

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from termlock.glossary import Term
from termlock.translate.beam_allocation import allocate
from termlock.translate.constraint_state import ConstraintAutomaton, TokenClasses
from termlock.translate.constraints import (
    NegativeConstraint,
    PhraseTokenizer,
    PositiveConstraint,
    constraints_for,
)


class _Match:
    def __init__(self, term: Term):
        self.term = term


# ------------------------------------------------------------ constraints_for


def test_constraints_for_one_positive_per_term_with_inflections():
    core = Term("core", ("双核",), "dual core", variants=("twin core",), forbidden=("double cores",))
    exact = Term("wto", ("世贸",), "WTO", exact=True, case_sensitive=True)
    positives, negatives = constraints_for("双核双核世贸", [_Match(core), _Match(core), _Match(exact)])
    assert positives == [
        PositiveConstraint("core", ("dual core", "twin core", "dual cores", "twin cores")),
        PositiveConstraint("wto", ("WTO",), case_sensitive=True),
    ]
    assert negatives == [NegativeConstraint("core", ("double cores", "double core"))]


def test_constraints_for_never_forbids_an_accepted_rendering():
    term = Term("t", ("甲",), "cores", forbidden=("cores", "kernels"))
    positives, negatives = constraints_for("甲", [_Match(term)])
    assert positives[0].alternatives[0] == "cores"
    assert negatives == [NegativeConstraint("t", ("kernels", "kernel"))]


def test_constraints_for_keeps_another_terms_rendering_possible():
    # one term forbids "rejuvenation"; another term of the same sentence
    # needs "great rejuvenation of the Chinese nation": banning the word
    # would make the second term impossible, so only the other ban stays
    revival = Term("revival", ("振兴",), "revitalization", forbidden=("rejuvenation", "revival"))
    nation = Term("nation", ("民族复兴",), "great rejuvenation of the Chinese nation")
    _, negatives = constraints_for("振兴民族复兴", [_Match(revival), _Match(nation)])
    assert negatives == [NegativeConstraint("revival", ("revival",))]
    # alone, the word is banned
    _, alone = constraints_for("振兴", [_Match(revival)])
    assert alone == [NegativeConstraint("revival", ("rejuvenation", "revival"))]


def test_constraints_for_does_not_ban_a_word_an_accepted_rendering_needs():
    # a ban on "core" blocks every continuation ("core team", "cores"), one
    # on "team" blocks the rendering's second word; hyphens count as spaces,
    # as the target matcher counts them
    term = Term("t", ("甲",), "core-team", forbidden=("core", "team", "kernel"))
    _, negatives = constraints_for("甲", [_Match(term)])
    assert negatives == [NegativeConstraint("t", ("kernel",))]


def test_constraints_for_without_matches():
    assert constraints_for("没有术语", []) == ([], [])


# ------------------------------------------------------------ PhraseTokenizer


def test_phrase_variants_follow_the_context(tiny_seq2seq):
    _, tokenizer = tiny_seq2seq
    phrases = PhraseTokenizer(tokenizer)

    def pieces(text: str) -> tuple[str, ...]:
        return tuple(tokenizer.convert_ids_to_tokens(tokenizer(text_target=text, add_special_tokens=False)["input_ids"]))

    variants = {tuple(tokenizer.convert_ids_to_tokens(list(v))) for v in phrases.variants("food security")}
    spaced = pieces("a food security")[len(pieces("a")) :]
    glued = pieces('"food security')[len(pieces('"')) :]
    capital = pieces("Food security")
    assert spaced in variants and glued in variants and capital in variants
    assert spaced != glued
    assert spaced[0].startswith("▁") and not glued[0].startswith("▁")
    assert len(variants) == len(phrases.variants("food security"))  # distinct sequences only


def test_case_sensitive_phrases_keep_their_case(tiny_seq2seq):
    _, tokenizer = tiny_seq2seq
    phrases = PhraseTokenizer(tokenizer)
    texts = {tokenizer.decode(list(v)).strip() for v in phrases.variants("food security", case_sensitive=True)}
    assert texts == {"food security"}
    texts = {tokenizer.decode(list(v)).strip() for v in phrases.variants("food security")}
    assert texts == {"food security", "Food security"}


def test_negative_phrases_cover_case_and_hyphen_forms(tiny_seq2seq):
    _, tokenizer = tiny_seq2seq
    phrases = PhraseTokenizer(tokenizer)
    texts = {tokenizer.decode(list(v)).strip() for v in phrases.variants("Food security", negative=True)}
    assert {"food security", "Food security", "food-security", "Food-security"} <= texts


def test_unwritable_phrase_has_no_variants(tiny_seq2seq):
    _, tokenizer = tiny_seq2seq
    assert PhraseTokenizer(tokenizer).variants("☃☃") == ()


# --------------------------------------------------------------- automaton

# toy vocabulary: ids 0..9; 0 = EOS, 1..4 "▁word" tokens, 5..8 glue pieces, 9 = "."
_GLUE = [False, False, False, False, False, True, True, True, True, False]
_ENDS = [False, True, True, True, True, True, True, True, True, False]


def _automaton(positives, forbidden):
    classes = TokenClasses(glue=torch.tensor(_GLUE), ends_word=torch.tensor(_ENDS))
    return ConstraintAutomaton(positives, forbidden, classes)


def _run(automaton, tokens, sentence=0, boundary_after_start=True):
    node = automaton.root[sentence].view(1, 1)
    met = torch.zeros((1, 1), dtype=torch.long)
    previous = 0  # EOS/start: a boundary
    for token in tokens:
        boundary = automaton.boundary(torch.tensor([[previous]]))
        full = torch.zeros((automaton.root.shape[0], 1), dtype=torch.long)
        full_node = full.clone() + automaton.root.view(-1, 1)
        full_node[sentence] = node
        tok = torch.zeros_like(full)
        tok[sentence] = token
        bnd = torch.ones_like(full, dtype=torch.bool)
        bnd[sentence] = boundary
        node = automaton.advance(full_node, tok, bnd)[sentence].view(1, 1)
        met = met | automaton.out[node]
        previous = token
    return node, int(met)


def test_automaton_credits_each_constraint_once_completed():
    automaton = _automaton([[[(1, 2), (3,)], [(2, 4)]]], [[]])
    assert _run(automaton, [1, 2])[1] == 0b01
    assert _run(automaton, [3])[1] == 0b01
    assert _run(automaton, [1, 2, 4])[1] == 0b11  # overlapping renderings both count
    assert _run(automaton, [1, 4, 2])[1] == 0b00
    assert _run(automaton, [1, 1, 2])[1] == 0b01  # restart after a false start


def test_automaton_glued_start_needs_a_boundary():
    # constraint 0 written "glued": starts with glue token 5
    automaton = _automaton([[[(5, 6)]]], [[]])
    assert _run(automaton, [9, 5, 6])[1] == 1  # after "." -> fine
    assert _run(automaton, [5, 6])[1] == 1  # at the start -> fine
    assert _run(automaton, [1, 5, 6])[1] == 0  # glued to a word -> not the term


def test_glued_rendering_cannot_start_inside_another_word():
    # A = "▁people centre d" ends with glue token 5 ("d"); B = "d igital" is
    # the glued (after-a-quote) form of another term, also starting with 5.
    automaton = _automaton([[[(1, 5)], [(5, 6)]]], [[]])
    node, met = _run(automaton, [1, 5, 6])
    assert met == 0b01  # B is not credited: its "d" continues A's word
    log_probs = torch.zeros((1, 10))
    automaton.apply_word_breaks(log_probs, _run(automaton, [1, 5])[0].view(1))
    assert log_probs[0, 6] == -math.inf  # and cannot be glued onto A either
    assert _run(automaton, [9, 5, 6])[1] == 0b10


def _ban_state(automaton, tokens):
    node = automaton.ban_root[:1].view(1, 1)
    for token in tokens:
        node = automaton.advance_bans(node, torch.tensor([[token]]))
    return node.view(1)


def test_automaton_bans_completing_tokens_only():
    automaton = _automaton([[]], [[(1, 2, 3), (6,)]])
    log_probs = torch.zeros((3, 10))
    states = [_ban_state(automaton, [1, 2]), _ban_state(automaton, [1]), _ban_state(automaton, [4, 1, 2])]
    automaton.apply_bans(log_probs, torch.cat(states))
    banned = [{i for i in range(10) if log_probs[r, i] == -math.inf} for r in range(3)]
    assert banned == [{3, 6}, {6}, {3, 6}]


def test_forbidden_glued_words_do_not_hide_required_ones():
    # a required and a forbidden rendering sharing their first (glue) token
    automaton = _automaton([[[(5, 6)]]], [[(5, 7)]])
    assert _run(automaton, [1, 5, 6])[1] == 0  # glued to a word: not credited
    log_probs = torch.zeros((1, 10))
    automaton.apply_bans(log_probs, _ban_state(automaton, [1, 5]))
    assert log_probs[0, 7] == -math.inf  # ...and still banned there


def test_automaton_word_break_after_completed_term_allows_continuations():
    # "1 2" and its plural-like continuation "1 2 7"
    automaton = _automaton([[[(1, 2), (1, 2, 7)]]], [[]])
    node = _run(automaton, [1, 2])[0].view(1)
    log_probs = torch.zeros((1, 10))
    automaton.apply_word_breaks(log_probs, node)
    banned = {i for i in range(10) if log_probs[0, i] == -math.inf}
    assert banned == {5, 6, 8}  # glue pieces, except the continuation 7


def test_automaton_sentences_are_independent():
    automaton = _automaton([[[(1,)]], [[(2,)]]], [[(3,)], []])
    assert _run(automaton, [1], sentence=0)[1] == 1
    assert _run(automaton, [1], sentence=1)[1] == 0
    assert _run(automaton, [2], sentence=1)[1] == 1
    log_probs = torch.zeros((2, 10))
    automaton.apply_bans(log_probs, automaton.ban_root)
    assert log_probs[0, 3] == -math.inf and log_probs[1, 3] == 0


@settings(max_examples=60, deadline=None)
@given(
    patterns=st.lists(st.lists(st.integers(1, 4), min_size=1, max_size=3), min_size=1, max_size=4),
    text=st.lists(st.integers(1, 4), max_size=12),
)
def test_automaton_agrees_with_substring_search(patterns, text):
    # word tokens only (no glue), so credit is plain token-substring containment
    automaton = _automaton([[[tuple(p)] for p in patterns]], [[]])
    met = _run(automaton, text)[1]
    for index, pattern in enumerate(patterns):
        contained = any(text[i : i + len(pattern)] == pattern for i in range(len(text) - len(pattern) + 1))
        assert bool(met >> index & 1) == contained


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
