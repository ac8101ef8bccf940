"""Write a glossary back to the YAML schema it was loaded from.

Import from TBX/CSV/XLSX ends here, so the output must load again to the
same Glossary: defaults are omitted to keep hand-editing pleasant, but
nothing the schema can hold is dropped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from termlock.fileio import write_text_atomically
from termlock.glossary.model import Glossary, Term


def _term_entry(term: Term) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": term.id}
    entry["source"] = term.sources[0] if len(term.sources) == 1 else list(term.sources)
    entry["target"] = term.target
    if term.variants:
        entry["variants"] = list(term.variants)
    if term.forbidden:
        entry["forbidden"] = list(term.forbidden)
    if term.case_sensitive:
        entry["case_sensitive"] = True
    if term.exact:
        entry["exact"] = True
    if term.note:
        entry["note"] = term.note
    return entry


def glossary_to_yaml(glossary: Glossary) -> str:
    document = {
        "name": glossary.name,
        "source_lang": glossary.source_lang,
        "target_lang": glossary.target_lang,
        "terms": [_term_entry(term) for term in glossary.terms],
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=None)


def dump_glossary(glossary: Glossary, path: str | Path) -> None:
    write_text_atomically(path, glossary_to_yaml(glossary))
