"""Word documents for tests: python-docx's own package, with WordprocessingML written in where it has no API.

python-docx writes a real package (styles, settings, content types) but has
no API for footnotes, endnotes, text boxes, fields, content controls or
tracked changes; :func:`build_docx` takes that package and puts the body and
extra parts (with their relationships and content types) in, so each test
states the XML it is about.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NAMESPACES = (
    f'xmlns:w="{W}" xmlns:r="{REL}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" mc:Ignorable="w14"'
)

#: content type and relationship type of the parts tests add
PART_TYPES = {
    "footnotes": ("application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml", f"{REL}/footnotes", "footnotes"),
    "endnotes": ("application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml", f"{REL}/endnotes", "endnotes"),
    "comments": ("application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml", f"{REL}/comments", "comments"),
    "header": ("application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml", f"{REL}/header", "hdr"),
    "footer": ("application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml", f"{REL}/footer", "ftr"),
}


def p(text: str, rpr: str = "") -> str:
    """A paragraph of one run."""
    return f'<w:p><w:r>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def part_xml(kind: str, inner: str) -> str:
    root = {"footnotes": "footnotes", "endnotes": "endnotes", "comments": "comments", "header": "hdr", "footer": "ftr"}[kind]
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:{root} {NAMESPACES}>{inner}</w:{root}>'


def note(kind: str, number: int, text: str) -> str:
    """A footnote/endnote/comment holding one paragraph."""
    tag = {"footnotes": "footnote", "endnotes": "endnote", "comments": "comment"}[kind]
    extra = ' w:author="QA"' if tag == "comment" else ""
    return f'<w:{tag} w:id="{number}"{extra}>{p(text)}</w:{tag}>'


def base_package() -> bytes:
    import docx

    out = io.BytesIO()
    docx.Document().save(out)
    return out.getvalue()


def add_parts(path: Path | str, parts: dict[str, tuple[str, str]]) -> Path:
    """Add ``{name: (kind, xml)}`` parts (relationship id: the name's stem) to the package at ``path``."""
    with zipfile.ZipFile(path) as source:
        files = {info.filename: source.read(info.filename) for info in source.infolist()}
    rels = files["word/_rels/document.xml.rels"].decode("utf-8")
    types = files["[Content_Types].xml"].decode("utf-8")
    for name, (kind, xml) in parts.items():
        content_type, rel_type, _ = PART_TYPES[kind]
        files[f"word/{name}"] = xml.encode("utf-8")
        rels = rels.replace("</Relationships>", f'<Relationship Id="{Path(name).stem}" Type="{rel_type}" Target="{name}"/></Relationships>')
        types = types.replace("</Types>", f'<Override PartName="/word/{name}" ContentType="{content_type}"/></Types>')
    files["word/_rels/document.xml.rels"] = rels.encode("utf-8")
    files["[Content_Types].xml"] = types.encode("utf-8")
    _write_package(path, files)
    return Path(path)


def real_looking_docx(path: Path | str, footnote: str, header: str, footer: str,
                      paragraphs: list[list[tuple[str, dict]]], table: list[list[str]], link: tuple[str, str]) -> Path:
    """A report as Word writes one: runs of mixed formatting, a table, header and footer, a footnote, a hyperlink.

    ``paragraphs``: per paragraph, its runs as ``(text, formatting)`` with
    python-docx run attributes (bold, italic, underline, superscript, font);
    ``link``: ``(text, url)``, appended to the first paragraph, which also
    gets the footnote reference.
    """
    import docx
    from docx.enum.text import WD_UNDERLINE  # noqa: F401  (underline=True is enough)
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    document.add_heading("报告", level=1)
    for number, runs in enumerate(paragraphs):
        paragraph = document.add_paragraph()
        for text, formatting in runs:
            run = paragraph.add_run(text)
            for key, value in formatting.items():
                if key == "superscript":
                    run.font.superscript = value
                elif key == "font":
                    run.font.name = value
                    run.font.size = Pt(12)
                else:
                    setattr(run, key, value)
        if number == 0:
            rel_id = document.part.relate_to(link[1], RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
            hyperlink = OxmlElement("w:hyperlink")
            hyperlink.set(qn("r:id"), rel_id)
            run = OxmlElement("w:r")
            rpr = OxmlElement("w:rPr")
            style = OxmlElement("w:rStyle")
            style.set(qn("w:val"), "Hyperlink")
            rpr.append(style)
            run.append(rpr)
            text = OxmlElement("w:t")
            text.text = link[0]
            run.append(text)
            hyperlink.append(run)
            paragraph._p.append(hyperlink)
            reference = OxmlElement("w:r")
            ref_rpr = OxmlElement("w:rPr")
            valign = OxmlElement("w:vertAlign")
            valign.set(qn("w:val"), "superscript")
            ref_rpr.append(valign)
            reference.append(ref_rpr)
            mark = OxmlElement("w:footnoteReference")
            mark.set(qn("w:id"), "1")
            reference.append(mark)
            paragraph._p.append(reference)
    grid = document.add_table(rows=len(table), cols=len(table[0]))
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            grid.cell(r, c).text = value
    section = document.sections[0]
    section.header.paragraphs[0].text = header
    section.footer.paragraphs[0].text = footer
    document.save(path)
    separator = '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    return add_parts(path, {"footnotes.xml": ("footnotes", part_xml("footnotes", separator + note("footnotes", 1, footnote)))})


def build_docx(path: Path | str, body: str, parts: dict[str, tuple[str, str]] | None = None,
               section: str = "", styles_extra: str = "") -> Path:
    """A .docx whose body is ``body`` (WordprocessingML) and with ``parts``: ``{name: (kind, xml)}``.

    ``section``: inside the body's ``w:sectPr`` (header/footer references:
    ``r:id`` = the part's name without folder and extension); ``styles_extra``:
    ``w:style`` elements added to the style sheet.
    """
    source = zipfile.ZipFile(io.BytesIO(base_package()))
    files = {info.filename: source.read(info.filename) for info in source.infolist()}
    document = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {NAMESPACES}><w:body>{body}<w:sectPr>{section}</w:sectPr></w:body></w:document>'
    files["word/document.xml"] = document.encode("utf-8")
    rels = files["word/_rels/document.xml.rels"].decode("utf-8")
    types = files["[Content_Types].xml"].decode("utf-8")
    for name, (kind, xml) in (parts or {}).items():
        content_type, rel_type, _ = PART_TYPES[kind]
        files[f"word/{name}"] = xml.encode("utf-8")
        rel_id = Path(name).stem
        rels = rels.replace("</Relationships>", f'<Relationship Id="{rel_id}" Type="{rel_type}" Target="{name}"/></Relationships>')
        types = types.replace("</Types>", f'<Override PartName="/word/{name}" ContentType="{content_type}"/></Types>')
    files["word/_rels/document.xml.rels"] = rels.encode("utf-8")
    files["[Content_Types].xml"] = types.encode("utf-8")
    if styles_extra:
        styles = files["word/styles.xml"].decode("utf-8")
        files["word/styles.xml"] = re.sub(r"</w:styles>\s*$", styles_extra + "</w:styles>", styles).encode("utf-8")
    out = Path(path)
    _write_package(out, files)
    return out


#: every member's time stamp: a package built twice from the same parts is the same bytes,
#: even across a clock tick (ZIP times have two-second steps)
PACKAGE_TIME = (2024, 1, 1, 0, 0, 0)


def _write_package(path: Path | str, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in files.items():
            target.writestr(zipfile.ZipInfo(name, date_time=PACKAGE_TIME), data, compress_type=zipfile.ZIP_DEFLATED)


def header_section(**kinds: str) -> str:
    """``w:headerReference``/``w:footerReference`` elements: ``default="header1"``, ``first_footer="footer2"``..."""
    out = []
    for key, rel_id in kinds.items():
        which, _, kind = key.rpartition("_") if "_" in key else ("default", "", key)
        out.append(f'<w:{kind}Reference w:type="{which}" r:id="{rel_id}"/>')
    return "".join(out) + ('<w:titlePg/>' if any(k.startswith("first") for k in kinds) else "")
