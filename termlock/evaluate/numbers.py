"""Figures in the source that the translation lost: the ``numbers`` category.

Reports and news are full of figures, and a translation that drops or
mangles one (681亿 rendered as "681 billion", 5.2% as "2.5 percent") is a
worse error than most wording slips. This is not a term check (there is no
glossary entry for "68.1 billion"), so it is reported apart, as its own
category, and does not touch the term success rate or the exit code.

Source side (Chinese): Arabic figures (full-width digits too, thousands
separators, decimals), percentages (``5.2%``, ``百分之五``), years (``2023年``)
and figures with the scale words 万 (10^4), 亿 (10^8) and 万亿 (10^12), written
in Arabic or Chinese numerals (``681亿``, ``3.5万``, ``一千二百亿``). A month
(``2月``) is found when the target names it or gives its number. Chinese
numerals without a scale word are left alone: they are mostly part of names
and formulas (一带一路, 十四五), which are the glossary's business.

Target side (English): every figure with an optional scale word (thousand,
million, billion, trillion; "bn", "mln"), number words one to twenty and the
tens, and month names. A source figure is found when some target value
equals it, or rounds to it at the precision the target wrote it with a
scale word ("68 billion" for 681亿 yes; "70 billion" no): translators round
large figures, but "15" for "16" is a wrong number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Sequence

#: full-width digits and separators -> ASCII, one character to one (offsets stay)
_WIDTH = str.maketrans("０１２３４５６７８９．，％", "0123456789.,%")
_SCALE = {"万亿": Decimal(10) ** 12, "亿": Decimal(10) ** 8, "万": Decimal(10) ** 4}
_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_CHARS = "零〇一二两三四五六七八九十百千点"

_CN_NUMERAL = "零〇一二两三四五六七八九十百千"
_SCALE_WORD = "万亿|亿|万"
#: a number the scale word applies to: Arabic (3.5) or Chinese (三点五), as in 3.5万 / 三点五万
_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"

_SOURCE = re.compile(
    # decades: 上世纪90年代 (the 1990s), 20世纪80年代 (the 1980s), 90年代
    r"(?:(?P<last_century>上个?世纪)|(?P<century>\d{1,2}|[" + _CN_NUMERAL + r"]{1,3})世纪)?(?P<decade>\d0)年代"
    # ranges with one scale word or percent sign: 3至5万 is 30,000 to 50,000 (not 3 and 50,000)
    r"|(?P<lo>" + _ARABIC + r")(?:至|到|-|~|～|—|－)(?P<hi>" + _ARABIC + r")(?P<range_unit>" + _SCALE_WORD + r"|\s*%)"
    r"|(?P<pct_cn>百分之(?P<pct_num>[" + _CN_CHARS + r"]+))"
    # Chinese numerals across scale words (一万二千, 三亿五千万), or "more than" (两千多万, 十余万)
    r"|(?P<cn>[" + _CN_CHARS + r"]+(?:多|余)?(?:" + _SCALE_WORD + r")(?:[" + _CN_CHARS + r"]+(?:多|余)?(?:" + _SCALE_WORD + r")?)*)"
    # a year in Chinese digits: 二〇二三年
    r"|(?P<cn_year>[〇零一二三四五六七八九]{4})年"
    # an ordinal: 第十四个 (the 14th); 第一 is left alone ("first", but also 第一时间 "at once")
    r"|第(?P<ordinal>[" + _CN_NUMERAL + r"]+)"
    r"|(?<![\d.])(?P<num>" + _ARABIC + r")"
    r"(?:(?P<pct>\s*%)|(?P<about>多|余)?(?P<scale>" + _SCALE_WORD + r")|(?P<year>年)|(?P<month>月)|(?P<tenths>成))?"
)

#: idioms whose first characters read as a figure: 十万火急 (extremely urgent) is no 100,000
_IDIOMS = ("十万火急", "千千万万", "成千上万", "万万")

#: No figure without one of these: a digit (ASCII, full-width or any other
#: script's), 百分之, or a scale word after Chinese numerals. Most segments
#: have none, and one scan for them costs a fraction of ``_SOURCE``'s, which
#: tries three alternatives and a look-behind at every position.
_MAY_HOLD_FIGURE = re.compile(r"[\d万亿]|百分之|第[一二两三四五六七八九十百千]|[〇零一二三四五六七八九]年")
#: ``_WIDTH`` changes what ``_SOURCE`` sees only where a full-width digit,
#: decimal point or percent sign is, or a full-width comma follows a digit
#: (a thousands separator): the full-width commas of ordinary Chinese
#: punctuation are left for ``str.translate`` to skip.
_NEEDS_WIDTH = re.compile(r"[０-９．％]|\d，")

_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "first": 1, "second": 2,
    "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
    "single": 1, "double": 2, "twice": 2, "dozen": 12, "half": Decimal("0.5"),
    # ordinals (第十四个 = "14th" or "fourteenth"), adverbs of order (第二 = "secondly"), sectors (第二产业)
    "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16,
    "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30, "fortieth": 40,
    "fiftieth": 50, "secondly": 2, "thirdly": 3, "fourthly": 4, "fifthly": 5, "secondary": 2, "tertiary": 3,
    # multiples (3倍 = "threefold", "tripled")
    "doubled": 2, "twofold": 2, "triple": 3, "tripled": 3, "treble": 3, "trebled": 3, "threefold": 3,
    "quadruple": 4, "quadrupled": 4, "fourfold": 4, "quintuple": 5, "fivefold": 5, "sixfold": 6,
    "sevenfold": 7, "eightfold": 8, "ninefold": 9, "tenfold": 10, "hundredfold": 100,
    # decades (90年代 = "the nineties")
    "twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60, "seventies": 70,
    "eighties": 80, "nineties": 90,
}
_MONTHS = {
    name: number
    for number, names in enumerate(
        (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
         ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
         ("november", "nov"), ("december", "dec")),
        start=1,
    )
    for name in names
}
_EN_SCALE = {
    "thousand": Decimal(10) ** 3, "million": Decimal(10) ** 6, "mln": Decimal(10) ** 6, "m": Decimal(10) ** 6,
    "billion": Decimal(10) ** 9, "bn": Decimal(10) ** 9, "trillion": Decimal(10) ** 12, "tn": Decimal(10) ** 12,
    "k": Decimal(10) ** 3,  # 12万 = "120k"
}
_TARGET = re.compile(
    r"(?:(?<![\d.])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)|(?<![\w.])(?P<word>[A-Za-z]+))"
    r"(?:[\s-]*(?P<scale>thousand|million|mln|billion|bn|trillion|tn|m|k)\b)?",
    re.IGNORECASE,
)

NUMBER, PERCENT, YEAR, MONTH = "number", "percent", "year", "month"


@dataclass(frozen=True)
class Figure:
    """A figure in the source: ``text`` = ``source[start:end]``, ``value`` its exact value."""

    text: str
    start: int
    end: int
    value: Decimal
    kind: str  # number, percent, year or month
    #: other values that render it faithfully: the decade 90 for 90年代 (1990, "the '90s")
    also: tuple[Decimal, ...] = ()

    @property
    def english(self) -> str:
        """How an English report would usually write it (a hint for the reviewer)."""
        return english_figure(self.value, self.kind)


@dataclass(frozen=True)
class NumberFinding:
    """A source figure with no matching figure in the target."""

    index: int
    segment_id: str | None
    figure: Figure

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "id": self.segment_id,
            "source_text": self.figure.text,
            "source_span": [self.figure.start, self.figure.end],
            "kind": self.figure.kind,
            "value": _plain(self.figure.value),
            "expected": self.figure.english,
        }


@dataclass(frozen=True)
class NumbersReport:
    """The numbers category of a check: how many figures were checked, which are missing."""

    checked: int
    missing: tuple[NumberFinding, ...]

    def to_dict(self) -> dict:
        return {
            "checked": self.checked,
            "missing_count": len(self.missing),
            "missing": [finding.to_dict() for finding in self.missing],
        }


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def chinese_numeral(text: str) -> Decimal | None:
    """The exact value of a Chinese numeral (一千二百, 一万二千, 三点五, 两, 二〇二三), None when it is not one.

    The whole part is read by ``cn2an`` (a maintained parser of Chinese
    numerals: 一万二千 is 12,000, 三亿五千万 350 million, 两千 2,000, and
    千万 or 万万 are refused as the adverbs they usually are); the decimals
    after 点 are read digit by digit here, so 三点一四 stays exact instead of
    passing through a float.
    """
    whole, _, fraction = text.partition("点")
    if not whole and not fraction:
        return None
    value = Decimal(0)
    if whole:
        parsed = _cn2an(whole)
        if parsed is None:
            return None
        value = parsed
    if fraction:
        if any(ch not in _CN_DIGIT for ch in fraction):
            return None
        value += Decimal("0." + "".join(str(_CN_DIGIT[ch]) for ch in fraction))
    return value


_CN2AN = None


def _cn2an(text: str) -> Decimal | None:
    """``cn2an``'s value of a whole Chinese numeral (imported on first use: most segments need none)."""
    global _CN2AN
    if _CN2AN is None:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from cn2an import cn2an

        _CN2AN = cn2an
    try:
        parsed = _CN2AN(text, "normal")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    if isinstance(parsed, float) and not parsed.is_integer():
        return None  # only whole numbers come here (decimals are split off above)
    return Decimal(int(parsed))


def _scaled(text: str) -> Decimal | None:
    """A Chinese numeral with scale words (一万二千, 三亿五千万, 六百八十一亿, 三点五万, 三点零二万亿), or None."""
    if "点" in text:  # 三点五万: the decimal belongs to the scale word at the end
        for scale in ("万亿", "亿", "万"):
            number = text[: -len(scale)]
            if text.endswith(scale) and not any(ch in "万亿" for ch in number):
                base = chinese_numeral(number)
                return base * _SCALE[scale] if base is not None else None
        return None
    return chinese_numeral(text)


def _decade(m: re.Match[str]) -> tuple[Decimal, tuple[Decimal, ...]]:
    """上世纪90年代 -> 1990 (also 90): the century named, the last one, or the nearest for 30年代-90年代."""
    decade = int(m.group("decade"))
    if m.group("last_century"):
        start = 1900
    elif m.group("century"):
        text = m.group("century")
        century = int(text) if text.isdigit() else chinese_numeral(text)
        start = (int(century) - 1) * 100 if century else 1900
    else:
        start = 1900 if decade >= 30 else 2000
    return Decimal(start + decade), (Decimal(decade),)


def source_figures(source: str) -> list[Figure]:
    """Every figure of a Chinese source segment, left to right."""
    if _MAY_HOLD_FIGURE.search(source) is None:
        return []
    text = source.translate(_WIDTH) if _NEEDS_WIDTH.search(source) else source
    figures: list[Figure] = []
    for m in _SOURCE.finditer(text):
        if text.startswith(_IDIOMS, m.start()):
            continue
        also: tuple[Decimal, ...] = ()
        if m.group("decade"):
            value, also = _decade(m)
            kind = YEAR
        elif m.group("lo"):
            unit = m.group("range_unit").strip()
            kind = PERCENT if unit == "%" else NUMBER
            factor = Decimal(1) if unit == "%" else _SCALE[unit]
            for group in ("lo", "hi"):
                value = Decimal(m.group(group).replace(",", "")) * factor
                end = m.end() if group == "hi" else m.end("lo")
                figures.append(Figure(source[m.start(group) : end], m.start(group), end, value, kind))
            continue
        elif m.group("pct_cn"):
            value = chinese_numeral(m.group("pct_num"))
            kind = PERCENT
        elif m.group("cn"):
            value = _scaled(m.group("cn").replace("多", "").replace("余", ""))
            kind = NUMBER
        elif m.group("cn_year"):
            value = chinese_numeral(m.group("cn_year"))
            kind = YEAR
        elif m.group("ordinal"):
            value = chinese_numeral(m.group("ordinal"))
            if value is None or value < 2:
                continue
            kind = NUMBER
        else:
            try:
                value = Decimal(m.group("num").replace(",", ""))
            except InvalidOperation:  # pragma: no cover - the pattern only lets figures through
                continue
            kind = NUMBER
            if m.group("pct"):
                kind = PERCENT
            elif m.group("scale"):
                value *= _SCALE[m.group("scale")]  # 10多万: "more than 100,000"
            elif m.group("year"):
                kind = YEAR
            elif m.group("month"):
                if not 1 <= value <= 12:
                    continue
                kind = MONTH
            elif m.group("tenths"):  # 7成 = 70%
                value *= 10
                kind = PERCENT
        if value is None:
            continue
        figures.append(Figure(source[m.start() : m.end()], m.start(), m.end(), value, kind, also))
    return figures


def target_values(target: str) -> list[tuple[Decimal, Decimal | None]]:
    """``(value, rounding unit)`` of every figure in an English target.

    The unit is set only for figures written with a scale word ("68.1
    billion" -> 0.1 billion): only those may stand for a rounded source
    figure. Month names count as their number.
    """
    values: list[tuple[Decimal, Decimal | None]] = []
    for m in _TARGET.finditer(target):
        number, word, scale = m.group("num"), m.group("word"), m.group("scale")
        if number:
            digits = number.replace(",", "")
            value = Decimal(digits)
            decimals = len(digits.partition(".")[2])
        else:
            lower = word.lower()
            if lower in _WORDS:
                value, decimals = Decimal(_WORDS[lower]), 0
            elif lower in _MONTHS and scale is None:
                values.append((Decimal(_MONTHS[lower]), None))
                continue
            else:
                continue
        if scale is not None and not (scale.lower() in ("m", "k") and not number):
            factor = _EN_SCALE[scale.lower()]
            values.append((value * factor, factor * Decimal(10) ** -decimals))
        values.append((value, None))
    return values


def _found(figure: Figure, values: list[tuple[Decimal, Decimal | None]]) -> bool:
    """Some target value is the figure, or rounds to it keeping two significant digits at least.

    "68 billion" for 681亿 rounds at 1 billion and keeps 68; "1 billion" for
    14亿 would round away 29%: a one-digit rounding counts only when exact.
    """
    wanted = (figure.value, *figure.also)
    for value, unit in values:
        if value in wanted:
            return True
        if unit is not None and abs(value - figure.value) * 2 <= unit and abs(value) >= 10 * unit:
            return True
    return False


def missing_figures(source: str, target: str) -> tuple[list[Figure], list[Figure]]:
    """``(figures checked, figures missing)`` of one source/target pair."""
    figures = source_figures(source)
    if not figures:
        return [], []
    values = target_values(target)
    return figures, [figure for figure in figures if not _found(figure, values)]


def check_numbers(
    sources: Sequence[str],
    targets: Sequence[str],
    segment_ids: Sequence[str | None] | None = None,
) -> NumbersReport:
    """The numbers category over aligned segments."""
    checked = 0
    missing: list[NumberFinding] = []
    for index, (source, target) in enumerate(zip(sources, targets)):
        figures, lost = missing_figures(source, target)
        checked += len(figures)
        segment_id = segment_ids[index] if segment_ids is not None else None
        missing.extend(NumberFinding(index, segment_id, figure) for figure in lost)
    return NumbersReport(checked, tuple(missing))


def document_numbers(
    source_paragraphs: Sequence[str], target_paragraphs: Sequence[str], *, name: str | None = None
) -> NumbersReport:
    """The numbers category of a whole document: any figure anywhere in the target counts.

    Findings carry the source paragraph as ``index`` and the document
    ``name`` as their segment id.
    """
    values = [value for paragraph in target_paragraphs for value in target_values(paragraph)]
    checked = 0
    missing: list[NumberFinding] = []
    for index, paragraph in enumerate(source_paragraphs):
        figures = source_figures(paragraph)
        checked += len(figures)
        missing.extend(NumberFinding(index, name, figure) for figure in figures if not _found(figure, values))
    return NumbersReport(checked, tuple(missing))


def english_figure(value: Decimal, kind: str) -> str:
    """68100000000 -> "68.1 billion", 5.2 percent -> "5.2%", 35000 -> "35,000"."""
    if kind == PERCENT:
        return f"{_plain(value)}%"
    if kind == YEAR:
        return _plain(value)
    if kind == MONTH:
        names = [name for name, number in _MONTHS.items() if number == value and (len(name) > 3 or name == "may")]
        return names[0].capitalize() if names else _plain(value)
    for word, factor in (("trillion", 12), ("billion", 9), ("million", 6)):
        scale = Decimal(10) ** factor
        if abs(value) >= scale:
            return f"{_plain(value / scale)} {word}"
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return _plain(value)
