"""Corpus BLEU, chrF and chrF++ through sacrebleu, with its reproducibility signature.

Scores without the signature (tokenizer, casing, smoothing, version) cannot
be compared across reports, so the signature always travels with them.
"""

from __future__ import annotations

from typing import Sequence

from termlock.errors import TermlockError
from termlock.evaluate.records import Metrics


def corpus_metrics(
    hypotheses: Sequence[str],
    references: Sequence[str],
    *,
    target_lang: str = "en",
) -> Metrics:
    """BLEU and chrF of ``hypotheses`` against one reference per segment.

    Scores are rounded to 2 decimals, the precision sacrebleu prints. An
    empty document scores 0.0 (sacrebleu refuses empty input, and a gate on
    an empty file should fail rather than crash). ``target_lang`` only picks
    BLEU's tokenizer: ``zh`` text has no spaces, so it needs sacrebleu's
    Chinese tokenizer; everything else uses the standard ``13a``.
    """
    from sacrebleu.metrics import BLEU, CHRF

    if len(hypotheses) != len(references):
        raise TermlockError(
            f"{len(hypotheses)} target segments but {len(references)} reference segments",
            fix="give a reference with exactly one line per target line",
        )
    bleu = BLEU(tokenize="zh" if target_lang.lower().startswith("zh") else "13a")
    chrf = CHRF()
    chrf_pp = CHRF(word_order=2)
    # sacrebleu only knows the signature (number of references) after a
    # scoring run, so an empty document is scored as one empty line: 0.0.
    hyps = list(hypotheses) or [""]
    refs = [list(references) or [""]]
    bleu_score = round(float(bleu.corpus_score(hyps, refs).score), 2)
    chrf_score = round(float(chrf.corpus_score(hyps, refs).score), 2)
    chrf_pp_score = round(float(chrf_pp.corpus_score(hyps, refs).score), 2)
    bleu_signature = str(bleu.get_signature())
    chrf_signature = str(chrf.get_signature())
    return Metrics(
        bleu=bleu_score,
        chrf=chrf_score,
        signature=f"BLEU {bleu_signature} / chrF {chrf_signature}",
        bleu_signature=bleu_signature,
        chrf_signature=chrf_signature,
        chrf_pp=chrf_pp_score,
        chrf_pp_signature=str(chrf_pp.get_signature()),
    )
