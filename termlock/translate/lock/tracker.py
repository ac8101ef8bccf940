"""Constraint tracking in the checker's normalised character space, as tensors.

The checker (:mod:`termlock.glossary.target_match`) reads a translation as
normalised text: case folded (unless a term is case-sensitive), spaces,
hyphens and dashes one single space, curly apostrophes straight, and a
rendering counts only as a whole word (no word character,
:func:`~termlock.glossary.target_match.is_word_char`, touching it on either
side). The decoder tracks a hypothesis in exactly that space, so any
tokenization of a required rendering counts and any tokenization or casing
of a forbidden one is seen:

* **Symbols.** Text becomes a stream of symbols: each normalised character,
  preceded by ``T`` when the character is not a word character ("whatever
  came before ends here") and by ``S`` when the previous character is not a
  word character ("a word may start here"); a space after a space is
  dropped (runs of separators are one); the end of the text adds a ``T``. A
  rendering, turned into symbols as if surrounded by non-word characters
  (``S d u a l T ␠ S c o r e s T``), occurs in a text's stream exactly when
  it occurs in the text as a whole word -- including renderings ending in
  punctuation ("U.S." glued to "food" has no ``T`` after the dot).
* **Vocabulary.** Every token's normalised text is turned into symbols once
  per vocabulary (:class:`VocabularyText`), for each class of the preceding
  character (word, other, space), since ``S`` and space folding depend on it.
* **Automata.** Per sentence, the renderings to place and the forbidden
  renderings are compiled into Aho-Corasick automata over symbols; a
  hypothesis's state is its node in each, the class of its last character
  and how many times each tracked rendering has occurred. Advancing a
  candidate token walks its symbols through the automata: a loop over the
  token's length (at most ~50 symbols), each step one gather for all
  candidates of all hypotheses of all sentences at once.
* **Counting like the judge.** An accepted rendering of one term found
  inside a longer accepted rendering of another term of the sentence
  belongs to that other term (:mod:`termlock.glossary.verdicts`), so those
  longer renderings are tracked too and their occurrences subtract:
  ``met[term] = sum(own occurrences) - sum(occurrences of renderings that
  contain it, times how often)`` as one small matrix product.
* **Bans.** Forbidden renderings are blocked on the full vocabulary before
  candidates are chosen, from three tables computed per sentence when the
  batch starts: the tokens that complete a forbidden occurrence started
  earlier (per automaton node: tokens whose symbols begin with the rest of
  a pattern, a range of the vocabulary sorted by symbols), the tokens that
  contain a whole forbidden occurrence (per preceding character class), and
  the nodes where only the end of the word is missing (there, tokens that
  would end the word, and EOS, are banned: the word must go on). Every
  candidate is also checked after its walk, so nothing forbidden survives
  even at the length limit.

Nothing is banned on behalf of a required rendering: once it is met, any
continuation is allowed, and a rendering is only credited when the word
really ends. Importing this module imports torch.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import deque
from dataclasses import dataclass
from typing import Any, Sequence

import torch

from termlock.glossary import target_match
from termlock.glossary.normalize import fold_text
from termlock.translate.lock.constraints import NegativeConstraint, PositiveConstraint

#: classes of the character before a token
WORD, OTHER, SPACE = 0, 1, 2
CLASSES = 3
#: symbol ids: 0 pads a token's row, 1 = S (a word may start), 2 = T (a word ended)
PAD, S_MARK, T_MARK = 0, 1, 2
_CHAR_BASE = 3
#: tracked renderings per sentence (an int64 bitmask per automaton node)
MAX_PATTERNS = 62
_NEAR = 1 << 12  # progress = _NEAR - characters left of a rendering being written


_CLASS_OF: dict[str, int] = {}


def _class(ch: str) -> int:
    cls = _CLASS_OF.get(ch)
    if cls is None:
        cls = _CLASS_OF[ch] = WORD if target_match.is_word_char(ch) else SPACE if ch == " " else OTHER
    return cls


def normalised(text: str, cased: bool) -> str:
    """``text`` as the checker searches it; ``cased`` keeps letter case (case-sensitive terms).

    The lower-cased form is the target matcher's own ``normalise``; the cased
    form takes each character from it unless it only differs by case.
    """
    norm = target_match.normalise(text).text
    if not cased:
        return norm
    folded = fold_text(text)  # the checker's folded view, case kept
    if len(folded) != len(norm):
        return norm
    return "".join(raw if low == raw.lower() else low for raw, low in zip(folded, norm))


def symbols(text: str, before: int) -> tuple[list[int], int]:
    """The symbols of normalised ``text`` after a character of class ``before``; and the class after it."""
    out: list[int] = []
    prev = before
    classes = _CLASS_OF
    for ch in text:
        cls = classes.get(ch)
        if cls is None:
            cls = _class(ch)
        if cls == SPACE and prev == SPACE:
            continue
        if cls != WORD:
            out.append(T_MARK)
        if prev != WORD:
            out.append(S_MARK)
        out.append(ord(ch) + _CHAR_BASE)
        prev = cls
    return out, prev


def pattern_symbols(text: str) -> tuple[int, ...]:
    """A normalised rendering's symbols as a whole word: non-word characters on both sides."""
    seq, _ = symbols(text, SPACE)
    return tuple(seq) + (T_MARK,)


def lead_symbols(text: str) -> tuple[int, ...]:
    """A rendering's symbols preceded by a space: where a split ``▁`` + ``word`` has started it.

    Tracked only to see progress (a lone space token moves a hypothesis
    towards the rendering), never counted as an occurrence.
    """
    seq, _ = symbols(" " + text, WORD)
    return tuple(seq[1:]) + (T_MARK,)  # without the T before the space, whatever came before


#: SentencePiece byte-fallback pieces (part of a UTF-8 character)
_BYTE_PIECE = re.compile(r"<0x[0-9A-Fa-f]{2}>")


class VocabularyText:
    """Every token's normalised text and symbols, for one channel (folded or cased).

    Built once per tokenizer and channel (about a second for 65,000 tokens):
    ``seq[cls, token]`` the padded symbols after a character of class
    ``cls``, ``after[cls, token]`` the class after the token,
    ``opens_word_end[cls, token]`` whether its first symbol is ``T``.
    """

    def __init__(self, tokenizer: Any, vocab_size: int, device: torch.device, *, cased: bool, eos_ids: Sequence[int] = ()):
        count = min(vocab_size, len(tokenizer))
        pieces = tokenizer.convert_ids_to_tokens(list(range(count)))
        special = set(getattr(tokenizer, "all_special_ids", []) or []) | set(eos_ids)
        spm = any(isinstance(p, str) and p.startswith("\u2581") for p in pieces[: min(count, 5000)])
        raw: list[str] = []
        for i, piece in enumerate(pieces):
            if i in special or piece is None:
                raw.append("")
            elif spm:
                # a byte-fallback piece (<0xE5>) is part of a UTF-8 character, which may be a CJK letter: a word character
                text = str(piece)
                raw.append("\u4e00" if _BYTE_PIECE.fullmatch(text) else text.replace("\u2581", " "))
            else:
                # part of a UTF-8 character (U+FFFD as text) may complete a CJK letter: a word character
                raw.append(tokenizer.convert_tokens_to_string([piece]).replace("\ufffd", "\u4e00"))
        raw += [""] * (vocab_size - count)
        self.raw = raw
        self.texts = [normalised(r, cased) if r else "" for r in raw]
        seqs: list[list[tuple[int, ...]]] = []
        afters: list[list[int]] = []
        for cls in range(CLASSES):
            row_seq, row_after = [], []
            for text in self.texts:
                seq, after = symbols(text, cls)
                row_seq.append(tuple(seq))
                row_after.append(after if seq else cls)
            seqs.append(row_seq)
            afters.append(row_after)
        # one flat copy to the padded table (a tensor per token would take seconds)
        flat_lengths = [len(seq) for row in seqs for seq in row]
        width = max(1, max(flat_lengths))
        lengths = torch.tensor(flat_lengths, dtype=torch.long)
        # symbols as compact ids (markers keep theirs): the batch's tables map them with one lookup
        self.compact = {PAD: PAD, S_MARK: S_MARK, T_MARK: T_MARK}
        for symbol in sorted({symbol for row in seqs for seq in row for symbol in seq} - set(self.compact)):
            self.compact[symbol] = len(self.compact)
        compact = self.compact
        values = torch.tensor([compact[symbol] for row in seqs for seq in row for symbol in seq], dtype=torch.int32)
        starts = torch.cumsum(lengths, 0) - lengths
        slot = torch.arange(values.numel()) - torch.repeat_interleave(starts, lengths)
        table = torch.zeros((CLASSES * vocab_size, width), dtype=torch.int32)
        table[torch.repeat_interleave(torch.arange(CLASSES * vocab_size), lengths), slot] = values
        table = table.view(CLASSES, vocab_size, width)
        self.seq = table.to(device)
        self.length = lengths.view(CLASSES, vocab_size).to(device)
        self.after = torch.tensor(afters, dtype=torch.long, device=device)
        self.opens_word_end = (table[:, :, 0] == T_MARK).to(device)
        # host copies for the per-sentence tables: symbols sorted, for prefix ranges
        self._host_seq = seqs
        self._sorted = []
        for cls in range(CLASSES):
            order = sorted(range(vocab_size), key=seqs[cls].__getitem__)
            order = [t for t in order if seqs[cls][t]]
            self._sorted.append(([seqs[cls][t] for t in order], order))
        self._by_text: dict[str, list[int]] = {}
        for t, text in enumerate(self.texts):
            if text:
                self._by_text.setdefault(text, []).append(t)
        # all texts in one string, for substring search of whole renderings
        self._joined = "\x00".join(self.texts)
        self._starts = []
        position = 0
        for text in self.texts:
            self._starts.append(position)
            position += len(text) + 1

    def starting_with(self, prefix: Sequence[int], cls: int) -> list[int]:
        """Tokens whose symbols after class ``cls`` begin with ``prefix``."""
        keys, ids = self._sorted[cls]
        first = tuple(prefix)
        lo = bisect.bisect_left(keys, first)
        hi = bisect.bisect_left(keys, first[:-1] + (first[-1] + 1,)) if first else len(keys)
        return ids[lo:hi]

    def containing(self, text: str) -> list[int]:
        """Tokens whose normalised text contains ``text``."""
        found: list[int] = []
        at = self._joined.find(text)
        while at >= 0:
            token = bisect.bisect_right(self._starts, at) - 1
            if at + len(text) <= self._starts[token] + len(self.texts[token]):
                found.append(token)
            at = self._joined.find(text, at + 1)
        return list(dict.fromkeys(found))

    def spelling(self, text: str) -> list[int]:
        """Tokens whose normalised text is exactly ``text``."""
        return self._by_text.get(text, [])

    def token_symbols(self, token: int, cls: int) -> tuple[int, ...]:
        return self._host_seq[cls][token]


@dataclass
class _Trie:
    """Aho-Corasick automaton of one sentence (local node ids, root 0)."""

    alphabet: list[int]
    goto: list[list[int]]
    fail: list[int]
    depth: list[int]  # in symbols
    chars: list[int]  # in characters
    last: list[int]  # symbol on the edge into the node (-1 for the root)
    out: list[int]  # bits of the patterns ending here, suffixes included
    ends: list[list[int]]  # pattern indexes ending here, suffixes included
    passing: list[list[int]]  # pattern indexes passing through

    def step(self, node: int, symbol: int) -> int:
        at = bisect.bisect_left(self.alphabet, symbol)
        if at < len(self.alphabet) and self.alphabet[at] == symbol:
            return self.goto[node][at]
        return 0


def _build_trie(patterns: Sequence[tuple[int, ...]]) -> _Trie:
    children: list[dict[int, int]] = [{}]
    last, passing, own = [-1], [[]], [[]]
    for index, seq in enumerate(patterns):
        node = 0
        for symbol in seq:
            nxt = children[node].get(symbol)
            if nxt is None:
                nxt = len(children)
                children[node][symbol] = nxt
                children.append({})
                last.append(symbol)
                passing.append([])
                own.append([])
            node = nxt
            passing[node].append(index)
        own[node].append(index)
    n = len(children)
    alphabet = sorted({s for kids in children for s in kids})
    column = {s: i for i, s in enumerate(alphabet)}
    fail, depth, chars = [0] * n, [0] * n, [0] * n
    ends = [list(o) for o in own]
    goto: list[list[int]] = [[0] * len(alphabet) for _ in range(n)]
    for s, v in children[0].items():
        goto[0][column[s]] = v
        depth[v] = 1
        chars[v] = 1 if s >= _CHAR_BASE else 0
    queue = deque(children[0].values())
    while queue:
        u = queue.popleft()
        ends[u] = ends[u] + [p for p in ends[fail[u]] if p not in ends[u]] if u else ends[u]
        row = list(goto[fail[u]]) if u else goto[0]
        for s, v in children[u].items():
            a = column[s]
            fail[v] = goto[fail[u]][a] if u else 0
            depth[v] = depth[u] + 1
            chars[v] = chars[u] + (1 if s >= _CHAR_BASE else 0)
            row[a] = v
            queue.append(v)
        goto[u] = row
    out = [sum(1 << p for p in e if p < 63) for e in ends]
    return _Trie(alphabet, goto, fail, depth, chars, last, out, ends, passing)


class _Tables:
    """The automata of a batch's sentences as one set of tensors (global node ids).

    Columns are the union of the sentences' symbols, then a miss column
    (any other symbol: back to the sentence's root) and a PAD column (the
    padding after a token's last symbol: the node stays). A lookup table maps
    a vocabulary symbol id to its column, once for all of a step's
    candidates (:meth:`columns`); a step is then one gather
    (:meth:`step`).
    """

    def __init__(self, tries: Sequence[_Trie], vocab: "VocabularyText", device: torch.device):
        union = sorted({symbol for trie in tries for symbol in trie.alphabet})
        self.width = len(union)
        self.stride = self.width + 2  # the symbols' columns, the miss column, the PAD column
        column = {symbol: i for i, symbol in enumerate(union)}
        lookup = torch.full((len(vocab.compact),), self.width, dtype=torch.long)
        lookup[PAD] = self.width + 1
        for symbol in union:
            if symbol in vocab.compact:  # a character no token writes never occurs
                lookup[vocab.compact[symbol]] = column[symbol]
        roots, blocks = [], []
        offset = 0
        for trie in tries:
            n = len(trie.goto)
            roots.append(offset)
            block = torch.full((n, self.stride), offset, dtype=torch.long)  # misses go to the root
            block[:, self.width + 1] = torch.arange(offset, offset + n)  # PAD: the node stays
            if trie.alphabet:
                goto = torch.tensor(trie.goto, dtype=torch.long) + offset
                block[:, [column[symbol] for symbol in trie.alphabet]] = goto
            blocks.append(block)
            offset += n
        self.offsets = roots
        self.size = offset
        self.root = torch.tensor(roots, dtype=torch.long, device=device)
        self.lookup = lookup.to(device)
        self.goto = torch.cat(blocks).view(-1).to(device)

    def columns(self, symbols: torch.Tensor) -> torch.Tensor:
        """The columns of vocabulary symbol ids (any shape; PAD included)."""
        return self.lookup[symbols.long()]

    def step(self, node: torch.Tensor, column: torch.Tensor) -> torch.Tensor:
        """Node after the symbol in ``column`` (from :meth:`columns`; a PAD leaves the node as it is)."""
        return self.goto[node * self.stride + column]


class _Walk:
    """Several automata (:class:`_Tables`) stepped together: one gather a symbol for all of them.

    A candidate token is walked through the renderings to place and the
    forbidden ones, in each channel: done one automaton at a time that is
    four gathers and as many small ops per symbol, each over a few thousand
    candidates, where the cost is the op rather than the data. Here the
    automata's transition tables sit side by side in one table (node ids
    offset, rows padded to one stride) with one flag table (the pattern bits
    of a node to place, "a forbidden rendering completed" of a node to
    avoid), so a symbol is one gather for every automaton and candidate.
    """

    def __init__(self, tables: Sequence[_Tables], flags: Sequence[torch.Tensor], device: torch.device):
        self.stride = max(t.stride for t in tables)
        blocks, offsets, offset = [], [], 0
        for table in tables:
            rows = table.goto.view(table.size, table.stride) + offset
            blocks.append(torch.nn.functional.pad(rows, (0, self.stride - table.stride), value=offset))
            offsets.append(offset)
            offset += table.size
        self.goto = torch.cat(blocks).view(-1).to(device)
        self.flags = torch.cat([f.to(device) for f in flags])
        self.offsets = offsets
        self.pad_columns = [t.width + 1 for t in tables]

    def run(self, starts: Sequence[torch.Tensor], columns: Sequence[torch.Tensor]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Nodes after the symbols, and the OR of the flags of every node passed, per automaton.

        ``starts[a]``: node ids of automaton ``a`` (any shape, the same for
        all); ``columns[a]``: ``[symbols, *shape]`` their columns
        (:meth:`_Tables.columns`). A shorter ``columns[a]`` (a channel whose
        tokens spell fewer symbols) is padded with its PAD column: it stays.
        """
        length = max(c.shape[0] for c in columns)
        stacked = []
        for table_columns, pad in zip(columns, self.pad_columns):
            if table_columns.shape[0] < length:
                fill = table_columns.new_full((length - table_columns.shape[0], *table_columns.shape[1:]), pad)
                table_columns = torch.cat((table_columns, fill))
            stacked.append(table_columns)
        nodes = torch.stack([s + o for s, o in zip(starts, self.offsets)])
        cols = torch.stack(stacked, dim=1)  # [symbols, automata, *shape]
        seen = torch.zeros_like(nodes)
        for at in range(length):
            nodes = self.goto[nodes * self.stride + cols[at]]
            seen |= self.flags[nodes]
        return [n - o for n, o in zip(nodes.unbind(0), self.offsets)], list(seen.unbind(0))


def _padded(rows: Sequence[Sequence[int]], fill: int, device: torch.device) -> torch.Tensor:
    # one flat list, one tensor: a tensor per row costs more than the rest of a batch's tables
    width = max(1, max((len(r) for r in rows), default=1))
    flat = [fill] * (len(rows) * width)
    for i, row in enumerate(rows):
        if row:
            flat[i * width : i * width + len(row)] = row
    return torch.tensor(flat, dtype=torch.long).view(len(rows), width).to(device)


def _ban_rows(rows: Sequence[Sequence[int]], device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Ban lists as ``(tokens, on)``, each row padded with a repeat of its first ban.

    A scatter then never writes two different values to one cell; an empty
    row holds token 0 with ``on`` False (its value is written back unchanged).
    """
    width = max(1, max((len(r) for r in rows), default=1))
    flat = [0] * (len(rows) * width)
    on = [False] * len(rows)
    for i, row in enumerate(rows):
        if row:
            flat[i * width : (i + 1) * width] = [*row, *[row[0]] * (width - len(row))]
            on[i] = True
    tokens = torch.tensor(flat, dtype=torch.long).view(len(rows), width)
    rows_on = torch.tensor(on, dtype=torch.bool).view(len(rows), 1).expand(len(rows), width).contiguous()
    return tokens.to(device), rows_on.to(device)


def _whole_word_count(needle: str, haystack: str) -> int:
    """Whole-word occurrences of ``needle`` in ``haystack`` (both normalised), as the matcher counts."""
    count, start = 0, haystack.find(needle)
    while start >= 0:
        end = start + len(needle)
        before_ok = start == 0 or not target_match.is_word_char(haystack[start - 1])
        after_ok = end == len(haystack) or not target_match.is_word_char(haystack[end])
        if before_ok and after_ok:
            count += 1
        start = haystack.find(needle, start + 1)
    return count


def _forms(rendering: str, exact: bool) -> list[str]:
    return target_match.surface_forms(rendering, exact)


@dataclass
class _Pattern:
    text: str  # normalised in its channel
    raw: str  # single-spaced glossary spelling (for proposing tokens in glossary casing)
    cased: bool
    term: int  # the term it places, or -1 for a rendering tracked only to subtract
    lead: bool = False  # the rendering after a space, tracked for progress only (weight 0)

    @property
    def symbols(self) -> tuple[int, ...]:
        return lead_symbols(self.text) if self.lead else pattern_symbols(self.text)


@dataclass
class SentenceLock:
    """One sentence's constraints compiled against the checker's rules (host side).

    ``patterns``: the renderings tracked; ``weights[p][c]``: what an occurrence
    of pattern ``p`` adds to term ``c``'s count (+1 for its own renderings, -m
    for a longer rendering of another term holding it m times); ``forbidden``:
    normalised forms to block, per channel (``False`` folded, ``True`` cased).
    """

    term_ids: list[str]
    patterns: list[_Pattern]
    weights: list[list[int]]
    forbidden: dict[bool, list[str]]
    never: list[str]  # terms with nothing writable

    @classmethod
    def compile(cls, positives: Sequence[PositiveConstraint], negatives: Sequence[NegativeConstraint]) -> "SentenceLock":
        terms: list[PositiveConstraint] = []
        never: list[str] = []
        for positive in positives:
            if any(normalised(target_match.plain_rendering(a), False).strip() for a in positive.alternatives):
                terms.append(positive)
            else:
                never.append(positive.term_id)
        patterns: list[_Pattern] = []
        index: dict[tuple[str, bool, bool], int] = {}

        def add(text: str, raw: str, cased: bool, term: int, lead: bool = False) -> int:
            key = (text, cased, lead)
            if key not in index:
                index[key] = len(patterns)
                patterns.append(_Pattern(text, raw, cased, term, lead))
            elif term >= 0 and patterns[index[key]].term < 0:
                patterns[index[key]].term = term
            return index[key]

        own: list[list[int]] = []
        for c, positive in enumerate(terms):
            mine = []
            for alternative in positive.alternatives:
                raw = target_match.plain_rendering(alternative)
                text = normalised(raw, positive.case_sensitive)
                if text.strip():
                    mine.append(add(text, raw, positive.case_sensitive, c))
            own.append(mine)
        for c, mine in enumerate(own):
            for p in list(mine):
                add(patterns[p].text, patterns[p].raw, patterns[p].cased, c, lead=True)
        # every form the checker accepts for each term, folded (for claims and excuses)
        accepted = [
            [normalised(f, False) for a in p.judged for f in _forms(a, p.exact)] for p in terms
        ]
        claims: list[tuple[int, int, int]] = []  # (pattern, term, times)
        for c in range(len(terms)):
            for d, forms in enumerate(accepted):
                if d == c:
                    continue
                for form in forms:
                    for p in own[c]:
                        inner = patterns[p].text.lower()
                        times = _whole_word_count(inner, form) if len(form) > len(inner) else 0
                        if times:
                            q = add(form if not terms[d].case_sensitive else form, form, False, -1)
                            claims.append((q, c, times))
        if len(patterns) > MAX_PATTERNS:
            # more terms than one sentence can track: the last ones are left to the judge (reported, never dropped)
            keep = len(terms) - 1
            return cls.compile([*terms[:keep], *(p for p in positives if p.term_id in never)], negatives)._leave(
                [t.term_id for t in terms[keep:]]
            )
        weights = [[0] * len(terms) for _ in patterns]
        for c, mine in enumerate(own):
            for p in mine:
                weights[p][c] += 1
        for q, c, times in claims:
            weights[q][c] -= times
        excused = [f for forms in accepted for f in forms]
        forbidden: dict[bool, list[str]] = {False: [], True: []}
        for negative in negatives:
            for phrase in negative.phrases:
                for form in _forms(phrase, negative.exact):
                    folded = normalised(form, False)
                    # the checker excuses a forbidden rendering inside an accepted one
                    # of the sentence; blocking it would make that rendering impossible
                    if not folded.strip() or any(_whole_word_count(folded, a) for a in excused):
                        continue
                    text = normalised(form, negative.case_sensitive)
                    forbidden[negative.case_sensitive].append(text)
        forbidden = {k: list(dict.fromkeys(v)) for k, v in forbidden.items()}
        return cls([t.term_id for t in terms], patterns, weights, forbidden, never)


    def _leave(self, term_ids: list[str]) -> "SentenceLock":
        self.never = [*self.never, *term_ids]
        return self


class _Channel:
    """Tables of one channel (folded or cased) for a batch, on the device."""

    def __init__(
        self, vocab: VocabularyText, locks: Sequence[SentenceLock], cased: bool, device: torch.device, num_patterns: int
    ):
        self.vocab = vocab
        self.cased = cased
        self._spelled_memo: dict[tuple[str, str, bool], list[int]] = {}
        self._containing_memo: dict[str, list[int]] = {}
        # ---- renderings to track (this channel's patterns of each sentence)
        self.slots: list[list[int]] = [[p for p, pat in enumerate(lock.patterns) if pat.cased == cased] for lock in locks]
        tries = [_build_trie([lock.patterns[p].symbols for p in slots]) for lock, slots in zip(locks, self.slots)]
        self.pos = _Tables(tries, vocab, device)
        self.width = max(1, max(len(s) for s in self.slots))
        # local pattern slot -> the sentence's pattern index (padding -> a discarded column)
        self.slot_index = _padded([slots for slots in self.slots], max(1, num_patterns), device)
        if self.slot_index.shape[1] < self.width:
            self.slot_index = torch.nn.functional.pad(self.slot_index, (0, self.width - self.slot_index.shape[1]), value=max(1, num_patterns))
        out_bits, chars, end_bits = [], [], []
        remaining: list[list[int]] = []
        num_terms = max(1, max(len(lock.term_ids) for lock in locks))
        ext_tok: list[list[int]] = []
        ext_term: list[list[int]] = []
        for lock, slots, trie in zip(locks, self.slots, tries):
            for node in range(len(trie.goto)):
                out_bits.append(trie.out[node])
                chars.append(trie.chars[node])
                # per term, characters still to write of its nearest rendering through the node
                left = [0] * num_terms
                for p in trie.passing[node] if node else ():
                    pattern = lock.patterns[slots[p]]
                    if pattern.term >= 0:
                        rest = len(pattern.text) + pattern.lead - trie.chars[node] + 1  # + its end
                        left[pattern.term] = min(left[pattern.term], rest) if left[pattern.term] else rest
                remaining.append(left)
                end_bits.append(trie.out[trie.step(node, T_MARK)])
                if not node:  # a fresh start is proposed from every node: worked out once
                    fresh = dict.fromkeys(self._proposals(lock, slots, trie, 0))
                pairs = dict.fromkeys(self._proposals(lock, slots, trie, node)) if node else {}
                pairs.update(fresh)
                ext_tok.append([t for t, _ in pairs])
                ext_term.append([c for _, c in pairs])
        self.out_bits = torch.tensor(out_bits, dtype=torch.long, device=device)
        self.chars = torch.tensor(chars, dtype=torch.long, device=device)
        #: [node, term]: characters left of the term's nearest rendering through the node (0: none)
        self.remaining = torch.tensor(remaining, dtype=torch.long, device=device)
        self.end_bits = torch.tensor(end_bits, dtype=torch.long, device=device)
        self.ext_tok = _padded(ext_tok, 0, device)
        self.ext_term = _padded(ext_term, -1, device)
        # ---- forbidden renderings
        forbidden_symbols = [[pattern_symbols(t) for t in lock.forbidden[cased]] for lock in locks]
        bans = [_build_trie(seqs) for seqs in forbidden_symbols]
        self.neg = _Tables(bans, vocab, device)
        self.has_bans = any(lock.forbidden[cased] for lock in locks)
        completes, must_glue, ban_lists, full_lists = [], [], [], []
        for lock, trie, seqs in zip(locks, bans, forbidden_symbols):
            completes += [bool(e) for e in trie.ends]
            for node in range(len(trie.goto)):
                must_glue.append(bool(trie.ends[trie.step(node, T_MARK)]))
                ban_lists.append(self._crossing_bans(trie, node, seqs))
            for cls in range(CLASSES):
                full_lists.append(self._inner_bans(trie, lock.forbidden[cased], cls))
        self.completes = torch.tensor(completes, dtype=torch.bool, device=device)
        self.must_glue = torch.tensor(must_glue, dtype=torch.bool, device=device)
        self.ban_tok, self.ban_on = _ban_rows(ban_lists, device)
        self.full_tok, self.full_on = _ban_rows(full_lists, device)

    # ------------------------------------------------------------ host side

    def _proposals(self, lock: SentenceLock, slots: list[int], trie: _Trie, node: int) -> list[tuple[int, int]]:
        """``(token, term)`` pairs writing the next piece of a rendering from ``node`` (at the root: starting one).

        Only proposals, offered to the beam beside the model's own best
        tokens: whatever the model writes is credited by the automaton.
        """
        tokens: dict[tuple[int, int], None] = {}  # (token, term): a space may serve several terms
        steps = [(node, local) for local in trie.passing[node]] if node else [(0, local) for local in range(len(slots))]
        for at, local in steps:
            pattern = lock.patterns[slots[local]]
            if pattern.term < 0 or (pattern.lead and not at):
                continue
            done = trie.chars[at] - (1 if pattern.lead else 0)  # a lead's space is not in its text
            if done < 0:
                continue
            rests = [(pattern.text[done:], pattern.raw[done:])]
            if not at:
                rests.append((" " + pattern.text, " " + pattern.raw))
            for rest, raw in rests:
                for token in self._spelled(rest, raw, fresh=not at):
                    tokens[(token, pattern.term)] = None
        return list(tokens)

    def _spelled(self, rest: str, raw: str, *, fresh: bool) -> list[int]:
        """Tokens writing a first piece of ``rest`` (in ``raw``'s casing where some do); asked once per batch.

        Every node of a rendering, in every sentence holding it, asks for the
        same few rests: the answer is kept for the batch's tables.
        """
        key = (rest, raw, fresh)
        found = self._spelled_memo.get(key)
        if found is not None:
            return found
        spelled = [(size, t) for size in range(1, len(rest) + 1) for t in self.vocab.spelling(rest[:size])]
        if len(raw) == len(rest):
            # the glossary's own casing (capitalised too at a fresh start)
            def cased_like(size: int, written: str) -> bool:
                piece = raw[:size]
                if written == piece:
                    return True
                bare = piece.lstrip()
                return fresh and written.lstrip() == bare[:1].upper() + bare[1:] and len(written) == len(piece)

            preferred = [(size, t) for size, t in spelled if cased_like(size, self.vocab.raw[t])]
            spelled = preferred or spelled
        found = self._spelled_memo[key] = [t for _, t in spelled]
        return found

    def _crossing_bans(self, trie: _Trie, node: int, seqs: list[tuple[int, ...]]) -> list[int]:
        """Tokens completing, from ``node``, a forbidden occurrence that started before them.

        ``seqs``: the forbidden renderings' symbols (worked out once per sentence, not per node).
        """
        if node == 0 or trie.last[node] < _CHAR_BASE:
            return []  # a hypothesis never rests on a marker
        cls = _class(chr(trie.last[node] - _CHAR_BASE))
        banned: list[int] = []
        u = node
        while u:
            for p in trie.passing[u]:
                rest = seqs[p][trie.depth[u] :]
                if len(rest) > 1:  # rest == (T,) alone: the must-glue rule
                    banned += self.vocab.starting_with(rest, cls)
            u = trie.fail[u]
        return list(dict.fromkeys(banned))

    def _inner_bans(self, trie: _Trie, texts: list[str], cls: int) -> list[int]:
        """Tokens holding a whole forbidden occurrence, after a character of class ``cls``."""
        banned: list[int] = []
        for text in texts:
            if text not in self._containing_memo:  # asked again for each class of the preceding character
                self._containing_memo[text] = self.vocab.containing(text)
            for token in self._containing_memo[text]:
                node = 0
                for symbol in self.vocab.token_symbols(token, cls):
                    node = trie.step(node, symbol)
                    if trie.ends[node]:
                        banned.append(token)
                        break
        return list(dict.fromkeys(banned))


@dataclass
class Expansion:
    """Constraint state of every candidate ``(beam, token)`` of a step, ``[sentences, candidates]``."""

    beam: torch.Tensor
    pos: list[torch.Tensor]
    neg: list[torch.Tensor]
    cls: torch.Tensor
    counts: torch.Tensor  # [sentences, candidates, patterns]
    met: torch.Tensor  # progress if the text ended here: terms met (as judged) + terms written
    missing: torch.Tensor  # number of terms not met if the text ended here
    all_met: torch.Tensor  # bool
    forbidden: torch.Tensor  # a forbidden rendering written (or completed by ending here)
    ends_forbidden: torch.Tensor  # ending here would complete a forbidden rendering
    in_progress: torch.Tensor  # inside a rendering of a term still missing
    progress: torch.Tensor  # how near its end (higher: fewer characters left)


class ConstraintTracker:
    """The constraint state of a batch's hypotheses, and what it allows next.

    The interface a decoding loop uses (encoder-decoder or decoder-only alike:
    it only ever sees the generated continuation's tokens):

    * :meth:`start` ``(k)``: every hypothesis at the start of its text;
    * :meth:`apply_bans` ``(log_probs[rows, vocab], eos_ids)``: in place,
      -inf for tokens that would write a forbidden rendering, for tokens that
      would end a word that must go on, and for EOS while a term is missing;
    * :meth:`proposals`: tokens that advance a missing rendering, per hypothesis;
    * :meth:`expand` ``(beam, token)``: the state each candidate would lead to;
    * :meth:`keep` ``(expansion, chosen)``: the candidates that survive the step.
    """

    def __init__(
        self,
        locks: Sequence[SentenceLock],
        vocabulary: Any,
        device: torch.device,
    ):
        """``vocabulary(cased) -> VocabularyText`` (built once per tokenizer by the caller)."""
        self.locks = list(locks)
        self.device = device
        self.batch = len(locks)
        self.num_terms = max((len(lock.term_ids) for lock in locks), default=0)
        self.num_patterns = max((len(lock.patterns) for lock in locks), default=0)
        needs_cased = any(p.cased for lock in locks for p in lock.patterns) or any(lock.forbidden[True] for lock in locks)
        self.channels = [_Channel(vocabulary(False), locks, False, device, self.num_patterns)]
        if needs_cased:
            self.channels.append(_Channel(vocabulary(True), locks, True, device, self.num_patterns))
        weights = torch.zeros((self.batch, max(1, self.num_patterns), max(1, self.num_terms)), dtype=torch.long)
        valid = torch.zeros((self.batch, max(1, self.num_terms)), dtype=torch.bool)
        for b, lock in enumerate(locks):
            if lock.weights:
                weights[b, : len(lock.patterns), : len(lock.term_ids)] = torch.tensor(lock.weights, dtype=torch.long)
            valid[b, : len(lock.term_ids)] = True
        self.weights = weights.to(device)
        self.valid_terms = valid.to(device)
        self.has_terms = self.num_terms > 0
        self.has_bans = any(c.has_bans for c in self.channels)
        self.num_banks = 4 * self.num_terms + 2  # 2 x (met + written) + writing one
        self._arange = torch.arange(64, device=device, dtype=torch.long)
        self._walk = _Walk([t for c in self.channels for t in (c.pos, c.neg)],
                           [f for c in self.channels for f in (c.out_bits, c.completes.long())], device)

    # ---------------------------------------------------------------- state

    def start(self, k: int) -> None:
        self.k = k
        self.pos = [c.pos.root.unsqueeze(1).repeat(1, k) for c in self.channels]
        self.neg = [c.neg.root.unsqueeze(1).repeat(1, k) for c in self.channels]
        self.cls = torch.full((self.batch, k), SPACE, dtype=torch.long, device=self.device)
        self.counts = torch.zeros((self.batch, k, max(1, self.num_patterns)), dtype=torch.long, device=self.device)
        self.all_met = self._met(self.counts + self._end_counts(self.pos))[1]

    def _slot_counts(self, channel: int, bits: torch.Tensor) -> torch.Tensor:
        """``[sentences, n, patterns]`` occurrence counts from a channel's per-node pattern bits ``[sentences, n]``."""
        index = self.channels[channel].slot_index
        local = (bits.unsqueeze(-1) >> self._arange[: index.shape[1]]) & 1
        out = torch.zeros((*bits.shape, max(1, self.num_patterns) + 1), dtype=torch.long, device=self.device)
        out.scatter_add_(-1, index.unsqueeze(1).expand(*bits.shape, -1), local)
        return out[..., :-1]

    def _end_counts(self, pos: list[torch.Tensor]) -> torch.Tensor:
        total = torch.zeros((*pos[0].shape, max(1, self.num_patterns)), dtype=torch.long, device=self.device)
        for i, (channel, node) in enumerate(zip(self.channels, pos)):
            total += self._slot_counts(i, channel.end_bits[node])
        return total

    def _met(self, counts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(progress, all met, terms missing)`` for ``[sentences, n, patterns]`` counts.

        ``progress`` counts each term met as the judge counts it, plus each
        term written at all: completing an outer rendering ("industrial chain
        chief system") takes the inner term's occurrence ("industrial chain")
        away from it, yet it is progress, not a step back.
        """
        valid = self.valid_terms.unsqueeze(1)
        effective = torch.einsum("bnp,bpc->bnc", counts, self.weights)
        written = torch.einsum("bnp,bpc->bnc", counts, self.weights.clamp(min=0))
        met = (effective >= 1) & valid
        missing = valid & ~met
        return met.sum(-1) + ((written >= 1) & valid).sum(-1), ~missing.any(-1), missing.sum(-1)

    # ---------------------------------------------------------------- bans

    def apply_bans(self, log_probs: torch.Tensor, eos: torch.Tensor) -> None:
        """Bans for every row (``[sentences * k, vocab]``, rows of a sentence together)."""
        rows = log_probs.shape[0]
        cls = self.cls.view(rows)
        sentence = torch.arange(self.batch, device=self.device).repeat_interleave(self.k)
        glue_rows = torch.zeros(rows, dtype=torch.bool, device=self.device)
        for channel, node in zip(self.channels, self.neg):
            if not channel.has_bans:
                continue
            node = node.view(rows)
            for table, on, at in (
                (channel.ban_tok, channel.ban_on, node),
                (channel.full_tok, channel.full_on, sentence * CLASSES + cls),
            ):
                index = table[at]
                values = torch.where(on[at], -math.inf, log_probs.gather(1, index))
                log_probs.scatter_(1, index, values)
            glue_rows |= channel.must_glue[node]
        if bool(glue_rows.any()):
            ends = self.channels[0].vocab.opens_word_end[cls] & glue_rows.unsqueeze(1)
            log_probs.masked_fill_(ends[:, : log_probs.shape[1]], -math.inf)
            if eos.numel():
                log_probs[:, eos] = log_probs[:, eos].masked_fill(glue_rows.unsqueeze(1), -math.inf)
        if self.has_terms and eos.numel():
            unmet = ~self.all_met.view(rows, 1)
            log_probs[:, eos] = log_probs[:, eos].masked_fill(unmet, -math.inf)

    def proposals(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(tokens, usable)`` ``[sentences, k, width]``: tokens writing a missing term's rendering."""
        tokens, usable = [], []
        met = self._met_terms(self.counts + self._end_counts(self.pos))
        for channel, node in zip(self.channels, self.pos):
            term = channel.ext_term[node]
            missing = ~met.gather(2, term.clamp(min=0))
            tokens.append(channel.ext_tok[node])
            usable.append((term >= 0) & missing)
        return torch.cat(tokens, dim=2), torch.cat(usable, dim=2)

    def _met_terms(self, counts: torch.Tensor) -> torch.Tensor:
        effective = torch.einsum("bnp,bpc->bnc", counts, self.weights)
        return effective >= 1

    # ------------------------------------------------------------- advance

    def expand(self, beam: torch.Tensor, token: torch.Tensor, *, final: bool = False) -> Expansion:
        """State after appending ``token`` to hypothesis ``beam`` (both ``[sentences, candidates]``).

        ``final``: the text ends after this token whatever it is (length limit).
        """
        cls = self.cls.gather(1, beam)
        counts = self.counts.gather(1, beam.unsqueeze(-1).expand(*beam.shape, self.counts.shape[-1]))
        # every automaton of every channel walks every candidate's symbols together (_Walk)
        starts, columns = [], []
        for i, channel in enumerate(self.channels):
            length = int(channel.vocab.length[cls, token].max()) if token.numel() else 0
            seq = channel.vocab.seq[cls, token][:, :, :length].permute(2, 0, 1)  # symbol position first
            starts += [self.pos[i].gather(1, beam), self.neg[i].gather(1, beam)]
            columns += [channel.pos.columns(seq), channel.neg.columns(seq)]
        nodes, flags = self._walk.run(starts, columns)
        pos_nodes, neg_nodes = nodes[0::2], nodes[1::2]
        forbidden = torch.zeros(beam.shape, dtype=torch.bool, device=self.device)
        for i, channel in enumerate(self.channels):
            counts = counts + self._slot_counts(i, flags[2 * i])
            if channel.has_bans:
                forbidden |= flags[2 * i + 1].bool()
        new_cls = self.channels[0].vocab.after[cls, token]
        ends_forbidden = torch.zeros_like(forbidden)
        for channel, neg in zip(self.channels, neg_nodes):
            if channel.has_bans:
                ends_forbidden |= channel.must_glue[neg]
        at_end = counts + self._end_counts(pos_nodes)
        met, all_met, missing = self._met(at_end)
        met_terms = self._met_terms(at_end)
        in_progress = torch.zeros_like(forbidden)
        progress = torch.zeros(beam.shape, dtype=torch.long, device=self.device)
        for channel, pos in zip(self.channels, pos_nodes):
            left = channel.remaining[pos]  # [sentences, candidates, terms]
            writing = (left > 0) & ~met_terms
            in_progress |= writing.any(-1)
            # nearer the end of a missing term's rendering: higher
            progress = torch.maximum(progress, torch.where(writing, _NEAR - left, 0).max(-1).values)
        if final:
            forbidden = forbidden | ends_forbidden
        return Expansion(beam, pos_nodes, neg_nodes, new_cls, counts, met, missing, all_met, forbidden, ends_forbidden, in_progress, progress)

    def keep(self, expansion: Expansion, chosen: torch.Tensor) -> None:
        """Make the ``chosen`` candidates (``[sentences, k]`` positions) the new hypotheses."""
        self.pos = [p.gather(1, chosen) for p in expansion.pos]
        self.neg = [n.gather(1, chosen) for n in expansion.neg]
        self.cls = expansion.cls.gather(1, chosen)
        self.counts = expansion.counts.gather(1, chosen.unsqueeze(-1).expand(*chosen.shape, expansion.counts.shape[-1]))
        self.all_met = expansion.all_met.gather(1, chosen)
