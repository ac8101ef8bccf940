"""How fast is the terminology checker, against a naive checker, in one run.

Synthetic but shaped like the real job: a glossary of N terms (Chinese
sources of 2-8 characters, some nested in longer ones the way 发展格局 sits
in 新发展格局; English targets of 1-4 words; some variants and forbidden
renderings) and aligned news-length segment pairs (about 60 Chinese
characters, 30 English words, 0-5 terms each). Targets render the planted
terms the way translations do: canonical, a variant, plural or possessive,
hyphenated or capitalised, sometimes traditional characters in the source,
sometimes the term missing or a forbidden rendering instead. Everything
comes from a fixed seed.

Timed, single-threaded, no report writing:

* termlock: ``termlock.evaluate.checker.SegmentChecker(glossary).check``
  per segment (source matching, target matching, statuses), built fresh for
  every timed pass so lazily compiled patterns are paid for, as in a real
  run;
* naive (the baseline: what a competent user writes in ten minutes): per
  segment, per term, ``in`` on the source for each spelling, and only for
  a term found there, one precompiled whole-word regex per forbidden, then
  per accepted rendering on the target.

The baseline is too slow to run on every segment of the large glossaries,
so it runs on a sample (the first segments, sized inversely to the
glossary) and its rate is extrapolated; the JSON says how many segments it
ran.

Scaling: the same segment shapes (same number of terms per segment, same
filler) with glossaries of 100, 1,000 and 10,000 terms.

The planted verdicts double as a check that the speed is not bought by
skipping work: ``planted_agreement`` is the share of planted term
occurrences the checker judged as planted.

Whole process (``--whole-process``, or ``--only-whole-process``): the
``termlock check`` command as a subprocess on generated files, against the
naive loop as a subprocess (``bench/naive_check.py``), in the same run;
see :func:`whole_process`.

    python bench/check_speed.py --json                       # full run
    python bench/check_speed.py --segments 20000 --repeats 1 --json   # quick look
    python bench/check_speed.py --profile                    # cProfile of the checker
    python bench/check_speed.py --only-whole-process --repeats 3   # termlock check as a process vs the naive process
    python bench/check_speed.py --write-files /tmp/chk --segments 20000   # files to profile the command on
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import resource
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from termlock.glossary import Glossary, Term  # noqa: E402
from termlock.glossary.chinese import fold_script  # noqa: E402

SEED = 20230217
SIZES = (100, 1000, 10000)
OK, MISSING, FORBIDDEN = "ok", "missing", "forbidden"

# ------------------------------------------------------------------ vocabulary

_ONSETS = ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "t", "v", "w", "br", "cl", "dr", "gr", "pl", "st", "tr", "sp"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io"]
_CODAS = ["", "n", "r", "l", "m", "t", "nd", "rt", "ng", "ld"]
_FUNCTION_WORDS = ["the", "of", "and", "to", "in", "a", "for", "on", "with", "by", "as", "its", "at", "from", "will", "be", "is", "are", "that", "this"]


def _pseudo_words(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """Distinct pronounceable non-words ending in a consonant other than s/x/z/h/y.

    Ending that way keeps their plural a plain ``+s``, so the planted
    verdicts of inflected renderings are unambiguous.
    """
    words: list[str] = []
    while len(words) < count:
        syllables = rng.choice((2, 2, 3, 3, 4))
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables)) + rng.choice(_CODAS[1:])
        if word not in taken:
            taken.add(word)
            words.append(word)
    return words


def _cjk_pools(rng: random.Random) -> tuple[list[str], list[str], dict[str, str]]:
    """Disjoint pools of simplified characters for terms and for filler text.

    Disjoint so that filler never spells a term by accident (the planted
    verdicts stay exact); term characters favour those with a traditional
    form, so some planted sources can be written in traditional script.
    """
    from opencc import OpenCC

    to_traditional = OpenCC("s2t")
    simplified = [chr(c) for c in range(0x4E00, 0x9FA6) if fold_script(chr(c)) == chr(c)]
    rng.shuffle(simplified)
    traditional: dict[str, str] = {}
    with_form, without = [], []
    for ch in simplified[:6000]:
        trad = to_traditional.convert(ch)
        if len(trad) == 1 and trad != ch and fold_script(trad) == ch:
            traditional[ch] = trad
            with_form.append(ch)
        else:
            without.append(ch)
    term_chars = with_form[:800] + without[:1200]
    filler_chars = without[1200:3200]
    return term_chars, filler_chars, traditional


# ------------------------------------------------------------------ glossary


def make_glossary(size: int, seed: int) -> Glossary:
    rng = random.Random(f"{seed}-glossary-{size}")
    term_chars, _, _ = _cjk_pools(random.Random(seed))
    taken_words: set[str] = set(_FUNCTION_WORDS)
    seen_sources: set[str] = set()
    terms: list[Term] = []
    while len(terms) < size:
        nested = terms and rng.random() < 0.05
        if nested:
            # a longer term that contains an existing one (新发展格局 / 发展格局)
            inner = rng.choice(terms)
            if len(inner.source) > 6 or len(inner.target.split()) > 3:
                continue
            extra = "".join(rng.choice(term_chars) for _ in range(rng.choice((1, 2))))
            source = extra + inner.source
            target = f"{_pseudo_words(rng, 1, taken_words)[0]} {inner.target}"
        else:
            length = rng.choices((2, 3, 4, 5, 6, 7, 8), weights=(30, 20, 25, 10, 7, 5, 3))[0]
            source = "".join(rng.choice(term_chars) for _ in range(length))
            target = " ".join(_pseudo_words(rng, rng.choices((1, 2, 3, 4), weights=(20, 40, 30, 10))[0], taken_words))
        if source in seen_sources:
            continue
        seen_sources.add(source)
        variants: tuple[str, ...] = ()
        forbidden: tuple[str, ...] = ()
        if rng.random() < 0.25:
            variants = (" ".join(_pseudo_words(rng, rng.randint(1, 3), taken_words)),)
        if rng.random() < 0.25:
            forbidden = tuple(" ".join(_pseudo_words(rng, rng.randint(1, 3), taken_words)) for _ in range(rng.choice((1, 2))))
        terms.append(
            Term(
                id=f"t{len(terms)}",
                sources=(source,),
                target=target,
                variants=variants,
                forbidden=forbidden,
                exact=rng.random() < 0.05,
                case_sensitive=rng.random() < 0.03,
            )
        )
    return Glossary(name=f"synthetic {size}", terms=tuple(terms))


# ------------------------------------------------------------------ segments


@dataclass
class Corpus:
    sources: list[str]
    targets: list[str]
    planted: list[list[tuple[str, str]]] = field(default_factory=list)  # per segment: (term id, status)


def _surface(rng: random.Random, term: Term) -> tuple[str, str]:
    """An English surface form of ``term`` and the verdict it should get."""
    roll = rng.random()
    if roll < 0.06:
        return "", MISSING
    if roll < 0.10 and term.forbidden:
        return rng.choice(term.forbidden), FORBIDDEN
    rendering = term.target
    if term.variants and rng.random() < 0.15:
        rendering = rng.choice(term.variants)
    words = rendering.split()
    style = rng.random()
    if style < 0.12 and not term.exact:
        words[-1] += rng.choice(("s", "'s", "\u2019s"))
    elif style < 0.20 and len(words) > 1:
        return "-".join(words), OK
    elif style < 0.30 and not term.case_sensitive:
        return " ".join(w.capitalize() for w in words), OK
    return " ".join(words), OK


def make_corpus(glossary: Glossary, count: int, seed: int) -> Corpus:
    """Aligned segment pairs; the *shapes* depend on ``seed`` only, not on the glossary.

    Each segment draws its term count, filler and rendering styles from its
    own stream, so glossaries of every size see the same kind of text and
    the scaling figures compare like with like.
    """
    _, filler_chars, traditional = _cjk_pools(random.Random(seed))
    filler_words = _pseudo_words(random.Random(f"{seed}-filler"), 3000, {w for t in glossary for r in (*t.accepted, *t.forbidden) for w in r.split()})
    terms = glossary.terms
    corpus = Corpus([], [])
    rng = random.Random(f"{seed}-corpus")
    for _ in range(count):
        n_terms = rng.choices((0, 1, 2, 3, 4, 5), weights=(20, 30, 25, 15, 7, 3))[0]
        chosen = rng.sample(terms, n_terms)
        # drop terms nested in another chosen term's source: the longer one
        # wins on the source side, so the shorter would not be "planted"
        chosen = [t for t in chosen if not any(o is not t and t.source in o.source for o in chosen)]
        zh_parts: list[str] = []
        en_parts: list[str] = []
        planted: list[tuple[str, str]] = []
        for term in chosen:
            zh_parts.append("".join(rng.choice(filler_chars) for _ in range(rng.randint(4, 14))))
            spelling = term.source
            if rng.random() < 0.05:
                spelling = "".join(traditional.get(ch, ch) for ch in spelling)
            zh_parts.append(spelling)
            en_parts.extend(rng.choice(_FUNCTION_WORDS + filler_words[:400]) for _ in range(rng.randint(2, 7)))
            surface, status = _surface(rng, term)
            if surface:
                en_parts.append(surface)
            planted.append((term.id, status))
        while sum(map(len, zh_parts)) < rng.randint(45, 75):
            zh_parts.append("".join(rng.choice(filler_chars) for _ in range(rng.randint(2, 6))))
            zh_parts.append(rng.choice(("，", "、", "")))
        while len(en_parts) < rng.randint(24, 36):
            en_parts.append(rng.choice(_FUNCTION_WORDS + filler_words))
        if en_parts and rng.random() < 0.5:
            en_parts.insert(rng.randint(0, len(en_parts)), rng.choice(("(", "\"")) + rng.choice(filler_words) + rng.choice((")", "\"")))
        english = " ".join(en_parts)
        corpus.sources.append("".join(zh_parts).strip("，、") + "。")
        corpus.targets.append(english[:1].upper() + english[1:] + ".")
        corpus.planted.append(planted)
    return corpus


# ------------------------------------------------------------------ checkers


def termlock_checker(glossary: Glossary) -> Callable[[int, str, str], object]:
    """termlock's per-segment checker, the one ``termlock check`` and the Ray engine run."""
    from termlock.evaluate.checker import SegmentChecker

    return SegmentChecker(glossary).check


def _naive_patterns(renderings: tuple[str, ...], term: Term) -> list[re.Pattern[str]]:
    flags = 0 if term.case_sensitive else re.IGNORECASE
    return [re.compile(rf"(?<!\w){re.escape(r)}(?!\w)", flags) for r in renderings]


class NaiveChecker:
    """The baseline: for each term, ``in`` on the source; only for a term found there, regexes on the target.

    What ``bench/naive_check.py`` does, in process. Regexes are precompiled
    once per glossary (not per segment); a forbidden rendering wins over an
    accepted one.
    """

    def __init__(self, glossary: Glossary) -> None:
        self.terms = [(term.id, term.sources, _naive_patterns(term.accepted, term), _naive_patterns(term.forbidden, term)) for term in glossary]

    def check(self, index: int, source: str, target: str) -> list[tuple[str, str]]:
        verdicts = []
        for term_id, sources, accepted, forbidden in self.terms:
            if not any(spelling in source for spelling in sources):
                continue
            if any(p.search(target) for p in forbidden):
                verdicts.append((term_id, FORBIDDEN))
            elif any(p.search(target) for p in accepted):
                verdicts.append((term_id, OK))
            else:
                verdicts.append((term_id, MISSING))
        return verdicts


@dataclass
class Timing:
    segments: int
    wall: list[float]
    cpu: list[float]

    def rate(self) -> float:
        """Segments per minute of the best pass (wall clock)."""
        return self.segments / min(self.wall) * 60.0

    def cpu_rate(self) -> float:
        return self.segments / min(self.cpu) * 60.0


def _time(make_check: Callable[[], Callable[[int, str, str], object]], corpus: Corpus, limit: int, repeats: int) -> tuple[Timing, list]:
    """Best of ``repeats`` passes over the first ``limit`` segments; the checker is built inside each pass."""
    sources, targets = corpus.sources[:limit], corpus.targets[:limit]
    timing = Timing(limit, [], [])
    results: list = []
    for _ in range(repeats):
        results = []
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        check = make_check()
        results = [check(i, s, t) for i, (s, t) in enumerate(zip(sources, targets))]
        timing.wall.append(time.perf_counter() - wall)
        timing.cpu.append(time.process_time() - cpu)
    return timing, results


def _agreement(corpus: Corpus, reports: list) -> dict[str, float | int]:
    """Share of planted occurrences judged as planted, and how many unplanted terms were found."""
    planted = agree = extra = 0
    for expected, report in zip(corpus.planted, reports):
        found = {occ.term_id: occ.status for occ in report.terms}
        for term_id, status in expected:
            planted += 1
            agree += found.get(term_id) == status
        extra += len(set(found) - {term_id for term_id, _ in expected})
    return {"planted_occurrences": planted, "planted_agreement": round(agree / planted, 5) if planted else 1.0, "unplanted_terms_found": extra}


# ------------------------------------------------------------------ main


def run(args: argparse.Namespace) -> dict:
    sizes = sorted(set(args.sizes) | {args.terms})
    result: dict = {
        "segments": args.segments,
        "terms": args.terms,
        "seed": args.seed,
        "repeats": args.repeats,
        "timing": "wall clock, best of repeats, one thread; the checker (source automaton, lazily compiled term forms) is built inside each timed pass",
        "naive": "per segment, per term: `in` on the source; only for terms found there, one precompiled whole-word regex "
                 "per forbidden, then per accepted rendering on the target; run on a sample, rate extrapolated",
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {_cpu_name()}, {os.cpu_count()} CPUs",
        "load_average_before": _load(),
        "scaling": {},
        "naive_scaling": {},
        "details": {},
    }
    for size in sizes:
        _log(args, f"[{size} terms] building glossary and {args.segments} segments ...")
        glossary = make_glossary(size, args.seed)
        corpus = make_corpus(glossary, args.segments, args.seed)
        fast, reports = _time(lambda: termlock_checker(glossary), corpus, args.segments, args.repeats)
        naive_sample = min(args.segments, max(100, args.naive_sample * 1000 // size))
        naive, _ = _time(lambda: NaiveChecker(glossary).check, corpus, naive_sample, 1)
        rate = fast.rate()
        result["scaling"][str(size)] = round(rate)
        result["naive_scaling"][str(size)] = round(naive.rate())
        result["details"][str(size)] = {
            "seconds": [round(t, 3) for t in fast.wall],
            "cpu_seconds": [round(t, 3) for t in fast.cpu],
            "cpu_segments_per_min": round(fast.cpu_rate()),
            "us_per_segment": round(min(fast.wall) / fast.segments * 1e6, 2),
            "term_occurrences": sum(len(r.terms) for r in reports),
            "naive_sample_segments": naive_sample,
            "naive_segments_per_min": round(naive.rate()),
            "speedup_vs_naive": round(rate / naive.rate(), 1),
            **_agreement(corpus, reports),
        }
        _log(args, f"[{size} terms] termlock {rate:,.0f} seg/min; naive {naive.rate():,.0f} ({naive_sample} segments)")
        if size == args.terms:
            result["segments_per_min"] = round(rate)
            result["naive_segments_per_min"] = round(naive.rate())
            result["speedup_vs_naive"] = round(rate / naive.rate(), 1)
            result["naive_sample_segments"] = naive_sample
            result["naive_extrapolated"] = naive_sample < args.segments
        del glossary, corpus, reports
    rates = [result["scaling"][str(s)] for s in sizes]
    if len(rates) > 1:
        result["scaling_ratio_smallest_to_largest"] = round(rates[0] / rates[-1], 2)
    result["load_average_after"] = _load()
    return result


# ------------------------------------------------------------------ whole process

NAIVE_SCRIPT = Path(__file__).resolve().with_name("naive_check.py")


GNU_TIME = "/usr/bin/time"


def _run_process(command: list[str], env: dict[str, str]) -> tuple[float, float, int | None]:
    """Wall seconds, CPU seconds and peak resident memory (KiB, None if unknown) of one child process, which must succeed.

    CPU seconds are user + system time of the process and every process
    it waited for (``termlock check``'s worker processes included): the
    growth of this process's ``RUSAGE_CHILDREN`` across the run.

    Linux keeps a process's peak memory across ``exec``, so a child forked
    from this (large) benchmark process would report at least this
    process's size. When GNU ``time`` is there, the command runs under it:
    ``time`` is small, forks the command and reports the command's own peak.
    The wall clock is taken here (``time`` adds well under a millisecond).
    """
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile("r", suffix=".maxrss") as peak:
        wrapped = [GNU_TIME, "-f", "%M", "-o", peak.name, *command] if os.path.exists(GNU_TIME) else command
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(wrapped, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode('utf-8', 'replace')[-2000:]}")
        text = peak.read().strip().splitlines() if wrapped is not command else []
    return wall, cpu, int(text[-1]) if text and text[-1].isdigit() else None


def write_files(folder: Path, terms: int, segments: int, seed: int) -> dict[str, Path]:
    """The generated glossary (YAML) and aligned segments (text) as ``termlock check`` reads them.

    Also the first quarter of the segments, to see whether memory grows with them.
    """
    from termlock.glossary.writer import glossary_to_yaml

    folder.mkdir(parents=True, exist_ok=True)
    glossary = make_glossary(terms, seed)
    corpus = make_corpus(glossary, segments, seed)
    paths = {name: folder / name for name in ("glossary.yaml", "source.zh", "target.en", "quarter.zh", "quarter.en")}
    paths["glossary.yaml"].write_text(glossary_to_yaml(glossary), encoding="utf-8")
    paths["source.zh"].write_text("\n".join(corpus.sources) + "\n", encoding="utf-8")
    paths["target.en"].write_text("\n".join(corpus.targets) + "\n", encoding="utf-8")
    quarter = max(1, segments // 4)
    paths["quarter.zh"].write_text("\n".join(corpus.sources[:quarter]) + "\n", encoding="utf-8")
    paths["quarter.en"].write_text("\n".join(corpus.targets[:quarter]) + "\n", encoding="utf-8")
    return paths


def whole_process(args: argparse.Namespace) -> dict:
    """``termlock check`` as a process, from the command line to the last byte of its reports.

    Files are generated into a temporary folder (the glossary as YAML, the
    segments as aligned text); every variant below is a fresh process, the
    variants alternate within each repeat and the best wall time counts.
    The time split comes from differences between variants: ``startup``
    (``termlock --version``), ``load`` (``termlock glossary validate`` minus
    startup; also for a 10,000-term glossary), ``check`` (``termlock check`` without reports minus validate),
    and each report (the run with only that report minus the run without
    reports). ``json`` runs as a user runs it (worker processes on every
    usable CPU for a large input), ``json_jobs_1`` in one process; both are
    timed in wall clock and in CPU time (the command's processes together). The naive check (``bench/naive_check.py``, its own process,
    YAML parsed with ``yaml.safe_load``) runs on the same files, all of them
    unless ``--naive-process-sample`` limits it to the first segments (its
    rate is then extrapolated from its whole wall time, start-up included),
    best of the same repeats.
    """
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="termlock-check-bench-"))
    try:
        paths = write_files(folder, args.terms, args.segments, args.seed)
        from termlock.glossary.writer import glossary_to_yaml

        big = folder / "glossary-10000.yaml"  # the load target: a 10,000-term glossary validated in under a second
        big.write_text(glossary_to_yaml(make_glossary(10_000, args.seed)), encoding="utf-8")

        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        termlock = [sys.executable, "-m", "termlock"]
        check = [*termlock, "check", "--glossary", str(paths["glossary.yaml"]), "--source", str(paths["source.zh"]), "--target", str(paths["target.en"])]
        out = {"json": ["--json", str(folder / "out.json")], "csv": ["--csv", str(folder / "out.csv")], "html": ["--html", str(folder / "out.html")]}
        naive_sample = min(args.segments, args.naive_process_sample or args.segments)
        variants = {
            "startup": [*termlock, "--version"],
            "validate": [*termlock, "glossary", "validate", str(paths["glossary.yaml"])],
            "validate_10000_terms": [*termlock, "glossary", "validate", str(big)],
            "check": check,
            "json": check + out["json"],
            "json_jobs_1": check + out["json"] + ["--jobs", "1"],
            "csv": check + out["csv"],
            "html": check + out["html"],
            "all_reports": check + out["json"] + out["csv"] + out["html"],
            "json_quarter": [*termlock, "check", "--glossary", str(paths["glossary.yaml"]), "--source", str(paths["quarter.zh"]),
                             "--target", str(paths["quarter.en"]), "--json", str(folder / "quarter.json")],
            "naive": [sys.executable, str(NAIVE_SCRIPT), str(paths["glossary.yaml"]), str(paths["source.zh"]), str(paths["target.en"]),
                      "--limit", str(naive_sample)],
        }
        walls: dict[str, list[float]] = {name: [] for name in variants}
        cpus: dict[str, list[float]] = {name: [] for name in variants}
        memory: dict[str, int] = {}
        load_before = _load()
        for repeat in range(args.repeats):
            for name, command in variants.items():
                _log(args, f"[whole process] {name} (repeat {repeat + 1}) ...")
                wall, cpu, rss = _run_process(command, env)
                walls[name].append(wall)
                cpus[name].append(cpu)
                if rss is not None:
                    memory[name] = max(memory.get(name, 0), rss)
        best = {name: min(values) for name, values in walls.items()}
        best_cpu = {name: min(values) for name, values in cpus.items()}
        segments = args.segments
        rate = segments / best["json"] * 60.0
        rate_all = segments / best["all_reports"] * 60.0
        naive_rate = naive_sample / best["naive"] * 60.0
        # CPU time: the naive script's is scaled to all segments when it ran on a sample
        naive_cpu = best_cpu["naive"] * segments / naive_sample
        split = {
            "startup": best["startup"],
            "load": best["validate"] - best["startup"],
            "load_10000_terms": best["validate_10000_terms"] - best["startup"],
            "check": best["check"] - best["validate"],
            "json_report": best["json"] - best["check"],
            "csv_report": best["csv"] - best["check"],
            "html_report": best["html"] - best["check"],
        }
        return {
            "segments": segments,
            "terms": args.terms,
            "timing": "wall clock of whole `termlock check` processes (python -m termlock), best of repeats, variants alternated; "
                      "cpu_seconds: user + system time of each process and its worker processes, best of repeats",
            "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": _load(),
            "segments_per_min_whole_process": round(rate),
            "segments_per_min_whole_process_all_reports": round(rate_all),
            "naive_process_sample_segments": naive_sample,
            "naive_segments_per_min_whole_process": round(naive_rate),
            "speedup_vs_naive_whole_process": round(rate / naive_rate, 1),
            "speedup_vs_naive_whole_process_all_reports": round(rate_all / naive_rate, 1),
            "speedup_vs_naive_whole_process_jobs_1": round(segments / best["json_jobs_1"] * 60.0 / naive_rate, 1),
            "speedup_vs_naive_whole_process_cpu": round(naive_cpu / best_cpu["json"], 1),
            "speedup_vs_naive_whole_process_cpu_jobs_1": round(naive_cpu / best_cpu["json_jobs_1"], 1),
            "seconds": {name: round(value, 3) for name, value in best.items()},
            "cpu_seconds": {name: round(value, 3) for name, value in best_cpu.items()},
            "all_seconds": {name: [round(value, 3) for value in values] for name, values in walls.items()},
            "all_cpu_seconds": {name: [round(value, 3) for value in values] for name, values in cpus.items()},
            "time_split_seconds": {name: round(value, 3) for name, value in split.items()},
            "max_rss_mib": {name: round(kib / 1024, 1) for name, kib in memory.items()},
            "memory_full_vs_quarter_segments": round(memory["json"] / memory["json_quarter"], 2) if memory else None,
            "report_bytes": {name: (folder / f"out.{name}").stat().st_size for name in ("json", "csv", "html")},
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def profile(args: argparse.Namespace) -> None:
    import cProfile
    import pstats

    glossary = make_glossary(args.terms, args.seed)
    corpus = make_corpus(glossary, args.segments, args.seed)
    check = termlock_checker(glossary)
    profiler = cProfile.Profile()
    profiler.enable()
    for i, (s, t) in enumerate(zip(corpus.sources, corpus.targets)):
        check(i, s, t)
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _log(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=100_000, help="segment pairs per glossary size (default 100000)")
    parser.add_argument("--terms", type=int, default=1000, help="glossary size of the headline figures (default 1000)")
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES), help="glossary sizes for the scaling figures")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per size; the best counts (default 3)")
    parser.add_argument("--naive-sample", type=int, default=20000, help="segments the naive baseline runs at 1,000 terms, scaled inversely with glossary size (default 20000)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--profile", action="store_true", help="cProfile one checker pass at --terms and print the top functions")
    parser.add_argument("--whole-process", action="store_true", help="also time `termlock check` as a whole process against the naive loop as a process (the `whole_process` section)")
    parser.add_argument("--only-whole-process", action="store_true", help="only the `whole_process` section (skips the in-process scaling figures)")
    parser.add_argument("--write-files", metavar="DIR", help="only write the generated glossary.yaml, source.zh and target.en (--terms, --segments) to DIR, e.g. to profile `termlock check` on them")
    parser.add_argument("--naive-process-sample", type=int, default=None, help="segments the naive process checks (default: all; fewer are extrapolated, start-up included)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    if args.segments < 1 or args.repeats < 1 or args.terms < 1:
        parser.error("--segments, --repeats and --terms must be positive")
    if args.profile:
        profile(args)
        return 0
    if args.write_files:
        paths = write_files(Path(args.write_files), args.terms, args.segments, args.seed)
        print(json.dumps({name: str(path) for name, path in paths.items()}, indent=2))
        return 0
    if args.only_whole_process:
        result = {"whole_process": whole_process(args)}
        print(json.dumps(result, indent=2))
        return 0
    result = run(args)
    if args.whole_process:
        result["whole_process"] = whole_process(args)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['segments']:,} segments, {result['terms']:,} terms: termlock {result['segments_per_min']:,} seg/min; "
              f"naive {result['naive_segments_per_min']:,} seg/min ({result['speedup_vs_naive']}x)")
        print("scaling (seg/min): " + ", ".join(f"{k} terms {v:,}" for k, v in result["scaling"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
