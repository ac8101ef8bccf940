"""The ``--min-term-success`` gate, decided on exact counts.

A CI job that asks for 1.0 must fail on one missing term in 20,001
occurrences; comparing a rate rounded to 4 decimals (0.99995 -> 1.0) let
it pass, and so did 2 of 3 against 0.6667. The gate therefore never looks
at a float: the minimum is read as an exact fraction from its decimal text
("0.95", "95%") and the run passes when ``ok >= minimum × occurrences`` in
rational arithmetic. The rate in the JSON keeps full float precision; only
what a person reads (terminal, HTML) is rounded.

Nothing to judge is not a pass that proves anything: with a minimum above
0, an empty glossary or a source with no term occurrence passes (there is
no missing term) but the decision carries a warning that the CLI prints,
so a CI log shows that the gate checked nothing (a wrong glossary, a CSV
whose header was not recognised, the wrong source file).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from termlock.errors import TermlockError
from termlock.wording import noun


def parse_minimum(text: str) -> Fraction:
    """``"0.95"`` or ``"95%"`` -> Fraction(19, 20); outside 0..1 is a usage error."""
    raw = str(text).strip()
    percent = raw.endswith("%")
    try:
        value = Decimal(raw[:-1] if percent else raw)
        exact = Fraction(value) / (100 if percent else 1)
    except (InvalidOperation, ValueError, OverflowError):
        exact = None
    if exact is None or not 0 <= exact <= 1:
        raise TermlockError(
            f"--min-term-success {text!r} is not a rate",
            fix="give a number from 0 to 1 (e.g. 0.95) or a percentage (e.g. 95%)",
        )
    return exact


@dataclass(frozen=True)
class GateDecision:
    """Whether a check passes ``minimum``, with the counts it was decided on."""

    passed: bool
    ok: int
    occurrences: int
    minimum: Fraction
    warning: str | None = None
    #: how many of ``ok`` are problems a reviewer accepted (counted as done)
    accepted: int = 0
    #: spelling findings left out of ``ok`` (``--strict-spelling``)
    misspelled: int = 0

    @property
    def applies(self) -> bool:
        """A minimum of 0 is no gate at all (the default)."""
        return self.minimum > 0

    @property
    def rate(self) -> Fraction:
        """``ok / occurrences`` exactly (1 with nothing to judge)."""
        return Fraction(self.ok, self.occurrences) if self.occurrences else Fraction(1)

    def describe(self) -> str:
        """``PASS: ...`` / ``FAIL: ...`` for people: rounded figures plus the exact counts.

        Rate and minimum get the decimals it takes to tell them apart
        (:func:`distinct_decimals`), so a failed gate never reads "0.6667 is
        below 0.6667".
        """
        rate_text, minimum_text = distinct_decimals(self.rate, self.minimum)
        shown = f"term success rate {rate_text} is"
        minimum = f"--min-term-success {minimum_text}"
        counts = f"{self.ok} of {self.occurrences} {noun(self.occurrences, 'occurrence')} ok" + (" or accepted" if self.accepted else "")
        if self.misspelled:
            counts += f", {self.misspelled} not in the glossary's spelling (--strict-spelling)"
        if self.passed:
            return f"PASS: {shown} at least {minimum} ({counts})"
        needed = -(-self.minimum * self.occurrences // 1)  # ceil, exactly
        return f"FAIL: {shown} below {minimum} ({counts}, {needed} needed)"


#: decimals a rate is shown with unless more are needed to tell it from the minimum
SHOWN_DECIMALS = 4


def distinct_decimals(rate: Fraction, minimum: Fraction, *, at_least: int = SHOWN_DECIMALS) -> tuple[str, str]:
    """``rate`` and ``minimum`` as decimals with the fewest digits (at least ``at_least``) that show them differ.

    Two different values never print the same (2/3 against 0.6667 is
    ``0.66667`` and ``0.66670``); equal values print the same. Rounding is
    monotone, so a rate below the minimum is also shown below it. The loop
    ends: two different fractions differ by at least ``1/(q1*q2)``. A
    minimum written with more decimals (0.9999995) is shown with all of
    them, never rounded to a value the user did not ask for.
    """
    places = max(at_least, _exact_places(minimum))
    while rate != minimum and _decimal(rate, places) == _decimal(minimum, places):
        places += 1
    return _decimal(rate, places), _decimal(minimum, places)


def _exact_places(value: Fraction, limit: int = 20) -> int:
    """Decimals that write ``value`` exactly (0.9999995 -> 7); 0 when no finite decimal does (1/3) or past ``limit``."""
    for places in range(limit + 1):
        if (value * 10**places).denominator == 1:
            return places
    return 0


def _decimal(value: Fraction, places: int) -> str:
    """``value`` rounded half-up to ``places`` decimals, computed exactly (no float)."""
    scaled = value * 10**places
    whole = int(scaled)  # values are >= 0
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    text = str(whole).rjust(places + 1, "0")
    return f"{text[:-places]}.{text[-places:]}"


def decide(
    ok: int,
    occurrences: int,
    minimum: Fraction,
    *,
    glossary_terms: int | None = None,
    accepted: int = 0,
    misspelled: int = 0,
) -> GateDecision:
    """Pass when ``(ok + accepted) / occurrences >= minimum``, compared exactly.

    ``accepted``: problems a reviewer accepted, which count as done (as in
    the term success rate). ``misspelled``: ``ok`` occurrences that count
    as not done (spelling findings under ``--strict-spelling``).
    """
    ok += accepted - misspelled
    passed = ok >= minimum * occurrences
    warning = None
    if minimum > 0:
        if glossary_terms == 0:
            warning = "the glossary has no terms, so --min-term-success checked nothing"
        elif occurrences == 0:
            warning = "no glossary term occurs in the source, so --min-term-success checked nothing"
    return GateDecision(passed, ok, occurrences, minimum, warning, accepted, misspelled)
