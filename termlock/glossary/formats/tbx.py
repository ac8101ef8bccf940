"""TBX termbases, both generations in use, to and from termlock glossaries.

* TBX 2008 (ISO 30042:2008, "TBX v2"): ``<martif>`` / ``<termEntry>`` /
  ``<langSet>`` / ``<tig>`` or ``<ntig>``; what memoQ, MultiTerm exports and
  translate-toolkit read.
* TBX 2019 (ISO 30042:2019, "TBX v3"): ``<tbx>`` / ``<conceptEntry>`` /
  ``<langSec>`` / ``<termSec>``, DCA style (``<termNote type="...">``) or DCT
  style (``<basic:administrativeStatus>``), TBX-Basic and TBX-Core dialects.

translate-toolkit reads only the 2008 files, so both are read here with lxml
(one code path, element names compared without namespace).

Mapping, per concept entry:

* source-language terms (any status) -> ``sources``, in file order;
* target-language terms by administrative status: preferred (also
  standardized/legal/regulated) -> ``target`` (further preferred ones become
  variants), admitted -> ``variants``, deprecated/superseded ->
  ``forbidden``; without any status (TBX-Core) the first term is the target
  and the rest are variants;
* definitions and notes -> ``note``; other descriptive data the schema has
  no field for (subject field, part of speech, usage notes, grammatical
  gender, ...) is kept in ``note`` as ``category: value`` lines (per term:
  ``category (term): value``);
* what cannot be kept at all (terms in other languages, transaction data:
  who changed what when) is dropped and listed in one import notice;
* the entry id -> ``id``. What TBX has no data category for travels in
  termlock's own categories, ``x-termlock-case-sensitive``,
  ``x-termlock-exact`` and (when the id is not a valid XML ID)
  ``x-termlock-id``, so YAML -> TBX -> YAML loses nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from termlock import __version__
from termlock.errors import TermlockError
from termlock.glossary.formats.notices import notice
from termlock.glossary.formats.problems import ImportProblems
from termlock.glossary.model import Glossary, Term
from termlock.xmlsafe import XML_LANG, local_name, parse_xml

TBX2019_NS = "urn:iso:std:iso:30042:ed-2"

CASE_SENSITIVE = "x-termlock-case-sensitive"
EXACT = "x-termlock-exact"
TERMLOCK_ID = "x-termlock-id"

_PREFERRED = {"preferredterm-admn-sts", "preferred", "standardizedterm-admn-sts", "legalterm-admn-sts", "regulatedterm-admn-sts"}
_ADMITTED = {"admittedterm-admn-sts", "admitted"}
_FORBIDDEN = {"deprecatedterm-admn-sts", "supersededterm-admn-sts", "deprecated", "superseded", "notrecommended"}
_STATUS_CATEGORIES = {"administrativeStatus", "normativeAuthorization"}
_TYPED = {"termNote", "descrip", "admin", "adminNote", "note"}
_CONCEPTS = {"termEntry", "conceptEntry"}
_LANGS = {"langSet", "langSec"}
_TERM_GROUPS = {"tig", "ntig", "termSec"}
_NCNAME = re.compile(r"^[A-Za-z_][\w.\-]*$")

_FIX = "export the termbase again as TBX (2008 <martif> or 2019 <tbx>), or repair the named element"


def primary_subtag(lang: str | None) -> str:
    return (lang or "").strip().lower().replace("_", "-").split("-", 1)[0]


@dataclass
class _TbxTerm:
    text: str
    status: str  # preferred / admitted / forbidden / ""
    line: int | None


@dataclass
class _Concept:
    element: etree._Element
    langs: dict[str, list[_TbxTerm]] = field(default_factory=dict)  # xml:lang -> terms
    notes: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)  # termlock's own categories
    extras: list[str] = field(default_factory=list)  # "category: value" of other descriptive data
    term_notes: dict[str, list[str]] = field(default_factory=dict)  # xml:lang -> "category (term): value"
    dropped: Counter = field(default_factory=Counter)  # what the schema cannot hold, by kind


#: Structure, not data: never kept as a note line themselves.
_STRUCTURE = {
    "term", "tig", "ntig", "termSec", "termGrp", "langSet", "langSec", "termEntry", "conceptEntry",
    "descripGrp", "adminGrp", "termNoteGrp", "ref", "xref", "hi", "foreign", "ph", "bpt", "ept",
}  # fmt: skip
_TRANSACTION = {"transacGrp", "transac", "transacNote", "date"}


def _is_leaf(element: etree._Element) -> bool:
    return not any(isinstance(child.tag, str) for child in element)


def _extra_category(element: etree._Element) -> str | None:
    """The data category of a leaf element worth keeping as a note line, else None."""
    name = local_name(element)
    if name in _STRUCTURE or name in _TRANSACTION or not _is_leaf(element):
        return None
    category = _category(element)
    if category in _STATUS_CATEGORIES or category in {CASE_SENSITIVE, EXACT, TERMLOCK_ID, "definition", "note"}:
        return None
    return category


def _category(element: etree._Element) -> str:
    """The data category: ``type`` of DCA elements, the tag in DCT style."""
    name = local_name(element)
    if name in _TYPED and element.get("type"):
        return element.get("type", "")
    return name


def _clean(text: str | None) -> str:
    """Trim a term or note; inner whitespace is kept so round trips are exact."""
    return (text or "").strip()


def _status(value: str) -> str:
    key = value.strip().lower()
    if key in _PREFERRED:
        return "preferred"
    if key in _ADMITTED:
        return "admitted"
    if key in _FORBIDDEN:
        return "forbidden"
    return ""


def _term_of(group: etree._Element) -> _TbxTerm | None:
    text = None
    status = ""
    for element in group.iter():
        if not isinstance(element.tag, str):
            continue
        name = local_name(element)
        if name == "term" and text is None:
            text = _clean("".join(element.itertext()))
        elif _category(element) in _STATUS_CATEGORIES:
            status = status or _status("".join(element.itertext()))
    if not text:
        return None
    return _TbxTerm(text, status, group.sourceline)


def _collect_notes(element: etree._Element, concept: _Concept, stop: set[str]) -> None:
    """Definitions and notes anywhere below ``element`` but not inside ``stop``."""
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = local_name(child)
        if name in stop:
            continue
        category = _category(child)
        if category in {CASE_SENSITIVE, EXACT, TERMLOCK_ID}:
            concept.fields[category] = _clean("".join(child.itertext()))
        elif category in {"definition", "note"} or name == "note":
            text = _clean("".join(child.itertext()))
            if text and text not in concept.notes:
                concept.notes.append(text)
        elif name in {"descripGrp", "adminGrp", "termNoteGrp"}:
            _collect_notes(child, concept, stop)
        elif name == "transacGrp":
            concept.dropped["transaction data (transacGrp)"] += 1
        elif (extra := _extra_category(child)) is not None:
            text = _clean("".join(child.itertext()))
            line = f"{extra}: {text}"
            if text and line not in concept.extras:
                concept.extras.append(line)


def _parse_concept(entry: etree._Element) -> _Concept:
    concept = _Concept(entry)
    _collect_notes(entry, concept, _LANGS)
    for lang_el in entry:
        if not isinstance(lang_el.tag, str) or local_name(lang_el) not in _LANGS:
            continue
        lang = lang_el.get(XML_LANG) or lang_el.get("lang") or ""
        _collect_notes(lang_el, concept, _TERM_GROUPS)
        terms = concept.langs.setdefault(lang, [])
        for group in lang_el:
            if isinstance(group.tag, str) and local_name(group) in _TERM_GROUPS:
                term = _term_of(group)
                if term is not None:
                    terms.append(term)
                for sub in group.iter():
                    if not isinstance(sub.tag, str):
                        continue
                    if _category(sub) in {"definition", "note"}:
                        text = _clean("".join(sub.itertext()))
                        if text and text not in concept.notes:
                            concept.notes.append(text)
                    elif local_name(sub) == "transacGrp":
                        concept.dropped["transaction data (transacGrp)"] += 1
                    elif (extra := _extra_category(sub)) is not None and term is not None:
                        text = _clean("".join(sub.itertext()))
                        if text:
                            concept.term_notes.setdefault(lang, []).append(f"{extra} ({term.text}): {text}")
    return concept


def _report_dropped(concepts: list[_Concept], src: str, tgt: str, path: str) -> None:
    """One notice listing what the import could not keep."""
    dropped: Counter = Counter()
    other_langs: set[str] = set()
    for concept in concepts:
        dropped.update(concept.dropped)
        for lang, terms in concept.langs.items():
            if terms and primary_subtag(lang) not in {primary_subtag(src), primary_subtag(tgt)}:
                dropped["terms in other languages"] += len(terms)
                other_langs.add(lang or "?")
    if not dropped:
        return
    parts = []
    for kind, count in sorted(dropped.items()):
        label = f"{kind} ({', '.join(sorted(other_langs))})" if kind == "terms in other languages" else kind
        parts.append(f"{count} × {label}")
    notice(f"{path}: dropped what a glossary cannot hold: {'; '.join(parts)}")


def _choose_langs(
    concepts: list[_Concept],
    source_lang: str | None,
    target_lang: str | None,
    path: str,
) -> tuple[str, str]:
    seen: list[str] = []
    for concept in concepts:
        for lang in concept.langs:
            if lang and lang not in seen:
                seen.append(lang)

    def pick(wanted: str, exclude: str | None) -> str | None:
        return next(
            (l for l in seen if primary_subtag(l) == primary_subtag(wanted) and primary_subtag(l) != primary_subtag(exclude)),
            None,
        )

    src = pick(source_lang or "zh", None)
    if src is None:
        raise TermlockError(
            f"no terms in source language {source_lang or 'zh'!r}; languages in the file: {', '.join(seen) or 'none'}",
            path=path,
            fix="pass --source-lang with one of the file's languages",
        )
    tgt = pick(target_lang or "en", src)
    if tgt is None:
        raise TermlockError(
            f"no terms in target language {target_lang or 'en'!r}; languages in the file: {', '.join(seen) or 'none'}",
            path=path,
            fix="pass --target-lang with one of the file's languages",
        )
    return src, tgt


def _terms_in(concept: _Concept, lang: str) -> list[_TbxTerm]:
    wanted = primary_subtag(lang)
    found: list[_TbxTerm] = []
    for key, terms in concept.langs.items():
        if primary_subtag(key) == wanted:
            found.extend(terms)
    return found


def _lang_notes(concept: _Concept, lang: str) -> list[str]:
    wanted = primary_subtag(lang)
    return [note for key, notes in concept.term_notes.items() if primary_subtag(key) == wanted for note in notes]


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"true", "yes", "1"}


def read_tbx(
    data: bytes,
    path: str,
    *,
    source_lang: str | None = None,
    target_lang: str | None = None,
) -> Glossary:
    """Parse a TBX file into a Glossary (not yet validated)."""
    tree = parse_xml(data, path, kind="TBX", fix=_FIX)
    root = tree.getroot()
    if local_name(root) not in {"martif", "tbx"}:
        raise TermlockError(
            f"root element is <{local_name(root) or root.tag}>, not <martif> (TBX 2008) or <tbx> (TBX 2019)",
            path=path,
            line=root.sourceline,
            fix="pass a TBX termbase",
        )
    body = next((e for e in root.iter() if isinstance(e.tag, str) and local_name(e) == "body"), None)
    if body is None:
        raise TermlockError("TBX file without <text>/<body>", path=path, line=root.sourceline, fix=_FIX)
    entries = [e for e in body if isinstance(e.tag, str) and local_name(e) in _CONCEPTS]
    concepts = [_parse_concept(e) for e in entries]
    title = next((e for e in root.iter() if isinstance(e.tag, str) and local_name(e) == "title"), None)
    name = _clean("".join(title.itertext())) if title is not None else ""
    if not concepts:
        raise TermlockError(
            "TBX file without any <termEntry> or <conceptEntry>",
            path=path,
            line=body.sourceline,
            fix="export a termbase that holds entries",
        )
    src, tgt = _choose_langs(concepts, source_lang, target_lang, path)

    problems = ImportProblems(path)
    terms: list[Term] = []
    for concept in concepts:
        line = concept.element.sourceline
        where = f"<{local_name(concept.element)}" + (f" id={concept.element.get('id')!r}>" if concept.element.get("id") else ">")
        sources = tuple(dict.fromkeys(t.text for t in _terms_in(concept, src)))
        targets = _terms_in(concept, tgt)
        preferred = [t.text for t in targets if t.status == "preferred"]
        admitted = [t.text for t in targets if t.status in {"admitted", ""}]
        forbidden = [t.text for t in targets if t.status == "forbidden"]
        accepted = list(dict.fromkeys(preferred + admitted))
        if not sources:
            problems.add(line, f"{where} has no {src} term", f"add a <langSet xml:lang=\"{src}\"> with the source term")
            continue
        if not accepted:
            problems.add(
                line,
                f"{where} has no preferred or admitted {tgt} term",
                "mark one English term preferredTerm-admn-sts (deprecated terms alone cannot be a target)",
            )
            continue
        term_id = concept.fields.get(TERMLOCK_ID) or concept.element.get("id") or ""
        terms.append(
            Term(
                id=term_id,
                sources=sources,
                target=accepted[0],
                variants=tuple(accepted[1:]),
                forbidden=tuple(t for t in dict.fromkeys(forbidden) if t not in accepted),
                case_sensitive=_truthy(concept.fields.get(CASE_SENSITIVE, "")),
                exact=_truthy(concept.fields.get(EXACT, "")),
                note="\n".join(concept.notes + concept.extras + _lang_notes(concept, src) + _lang_notes(concept, tgt)) or None,
                line=line,
            )
        )
    problems.raise_if_any()
    _report_dropped(concepts, src, tgt, path)
    return Glossary(
        name=name or Path(path).stem,
        terms=tuple(terms),
        source_lang=src,
        target_lang=tgt,
        path=path,
    )


# ------------------------------------------------------------------ export


def _xml_id(term_id: str, index: int, taken: set[str]) -> str:
    candidate = term_id if _NCNAME.match(term_id) else "t" + str(index) + "-" + re.sub(r"[^\w.\-]", "-", term_id)
    while candidate in taken:
        candidate += "_"
    taken.add(candidate)
    return candidate


def tbx_bytes(glossary: Glossary, *, version: str = "2008") -> bytes:
    """TBX-Basic bytes of ``glossary``: ``version`` "2008" (<martif>) or "2019" (<tbx>)."""
    if version not in {"2008", "2019"}:
        raise TermlockError(f"unknown TBX version {version!r}", fix="use 2008 or 2019")
    new = version == "2019"
    ns = TBX2019_NS if new else None

    def el(parent: etree._Element | None, name: str, text: str | None = None, **attrib: str) -> etree._Element:
        tag = f"{{{ns}}}{name}" if ns else name
        node = etree.Element(tag, nsmap={None: ns} if (ns and parent is None) else None) if parent is None else etree.SubElement(parent, tag)
        for key, value in attrib.items():
            node.set(key, value)
        if text is not None:
            node.text = text
        return node

    if new:
        root = el(None, "tbx", type="TBX-Basic", style="dca")
        header = el(root, "tbxHeader")
    else:
        root = el(None, "martif", type="TBX-Basic")
        header = el(root, "martifHeader")
    root.set(XML_LANG, glossary.source_lang)
    file_desc = el(header, "fileDesc")
    el(el(file_desc, "titleStmt"), "title", glossary.name)
    el(el(file_desc, "sourceDesc"), "p", f"Exported by termlock {__version__}")
    if not new:
        el(el(header, "encodingDesc"), "p", "TBXBasicXCSV02.xcs", type="XCSURI")
    body = el(el(root, "text"), "body")
    status_value = {"preferred": "preferredTerm-admn-sts", "admitted": "admittedTerm-admn-sts", "forbidden": "deprecatedTerm-admn-sts"}
    taken: set[str] = set()
    for index, term in enumerate(glossary.terms, start=1):
        xml_id = _xml_id(term.id, index, taken)
        entry = el(body, "conceptEntry" if new else "termEntry", id=xml_id)
        if xml_id != term.id:
            el(entry, "admin", term.id, type=TERMLOCK_ID)
        if term.case_sensitive:
            el(entry, "descrip", "true", type=CASE_SENSITIVE)
        if term.exact:
            el(entry, "descrip", "true", type=EXACT)
        if term.note:
            el(entry, "note", term.note)
        rows = [(glossary.source_lang, [(s, "preferred" if i == 0 else "admitted") for i, s in enumerate(term.sources)])]
        rows.append(
            (
                glossary.target_lang,
                [(term.target, "preferred")]
                + [(v, "admitted") for v in term.variants]
                + [(f, "forbidden") for f in term.forbidden],
            )
        )
        for lang, items in rows:
            lang_el = el(entry, "langSec" if new else "langSet")
            lang_el.set(XML_LANG, lang)
            for text, status in items:
                group = el(lang_el, "termSec" if new else "tig")
                el(group, "term", text)
                el(group, "termNote", status_value[status], type="administrativeStatus")
    etree.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8") + b"\n"
