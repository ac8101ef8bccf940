"""Language codes as CAT tools spell them, and a script-based language guess for zh/en.

A server translates one pair, its glossary's (zh -> en by default). Tools
name the languages their own way: ``zh``, ``ZH``, ``zh-Hans``, ``zh_CN``,
LibreTranslate's ``zt`` (traditional), DeepL's ``EN-GB``/``EN-US``. A code
matches when its primary subtag is the pair's language (``zt`` counts as
``zh``). ``/detect`` and ``source=auto`` tell Chinese from English by
script: the share of Han characters among the letters.
"""

from __future__ import annotations

import regex

NAMES = {"zh": "Chinese", "en": "English", "de": "German", "fr": "French", "ja": "Japanese", "ko": "Korean",
         "ru": "Russian", "es": "Spanish", "pt": "Portuguese", "it": "Italian", "ar": "Arabic"}
_ALIASES = {"zt": "zh", "zho": "zh", "chi": "zh", "cmn": "zh", "eng": "en"}
_HAN = regex.compile(r"\p{Han}")
_LETTER = regex.compile(r"\p{L}")


def primary(code: str | None) -> str:
    """``zh-Hans`` -> ``zh``, ``EN-US`` -> ``en``, ``zt`` -> ``zh``; '' for nothing."""
    if not code:
        return ""
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return _ALIASES.get(base, base)


def name_of(code: str) -> str:
    return NAMES.get(primary(code), code)


def detect(text: str) -> list[dict[str, float | str]]:
    """``[{"language": "zh", "confidence": 95.0}, ...]`` best first (confidence in percent)."""
    letters = len(_LETTER.findall(text))
    if not letters:
        return [{"language": "en", "confidence": 0.0}]
    han = len(_HAN.findall(text))
    share = han / letters
    # a Chinese sentence is mostly Han; a few English words (names, acronyms) do not change its language
    zh = min(1.0, share * 2.5)
    first, second = ("zh", zh), ("en", 1.0 - zh)
    ranked = sorted([first, second], key=lambda pair: -pair[1])
    return [{"language": code, "confidence": round(score * 100, 1)} for code, score in ranked]
