"""The lock room: glossary terms as constraints a beam search can enforce.

``constraints`` (what a sentence requires: records holding glossary
strings), ``symbols`` (the checker's normalised text as a stream of
symbols), ``vocabulary`` (every token of a tokenizer in that space),
``automata`` (per-sentence Aho-Corasick automata over symbols, stepped as
tensors), ``sentence_lock`` (the per-sentence compiler: what to place, what
counts against it, what to block) and ``tracker`` (the batch's constraint
state and the interface the beam loop uses). It never imports the search:
any decoding loop may drive it.
"""
