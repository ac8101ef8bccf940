"""Which Word runs are hidden text (``w:vanish``), through direct formatting and styles.

Hidden text is not shown or printed, so it is neither checked nor
translated. A run is hidden by its own ``<w:vanish/>``, else by its
character style, else by its paragraph's style (each through its
``basedOn`` chain), else by the document defaults; an explicit
``w:val="false"`` (or 0/off) at any of those levels shows it again.
"""

from __future__ import annotations

from lxml import etree

from termlock.xmlsafe import parse_xml

_OFF = frozenset({"0", "false", "off"})


def on_off(element: etree._Element | None, w: str) -> bool | None:
    """A WordprocessingML on/off property: None when absent, else its value (absent val = on)."""
    if element is None:
        return None
    return element.get(f"{{{w}}}val", "true").lower() not in _OFF


def _vanish(rpr: etree._Element | None, w: str) -> bool | None:
    if rpr is None:
        return None
    for name in ("vanish", "specVanish"):
        value = on_off(rpr.find(f"{{{w}}}{name}"), w)
        if value is not None:
            return value
    return None


class HiddenText:
    """The style sheet's hidden-text settings; ``styles`` is ``word/styles.xml`` (None when absent)."""

    def __init__(self, styles: bytes | None, w: str, path: str = "styles.xml") -> None:
        self.w = w
        self._own: dict[str, bool | None] = {}
        self._based_on: dict[str, str] = {}
        self._default_paragraph: str | None = None
        self._document_default: bool = False
        self._cache: dict[str, bool | None] = {}
        self._any_character_style = False  # whether any style says anything about vanish
        if styles:
            self._read(parse_xml(styles, path, kind="Word styles XML", fix="save the document again from Word").getroot())

    def _read(self, root: etree._Element) -> None:
        w = self.w
        defaults = root.find(f"{{{w}}}docDefaults/{{{w}}}rPrDefault/{{{w}}}rPr")
        self._document_default = bool(_vanish(defaults, w))
        for style in root.iter(f"{{{w}}}style"):
            style_id = style.get(f"{{{w}}}styleId")
            if not style_id:
                continue
            self._own[style_id] = _vanish(style.find(f"{{{w}}}rPr"), w)
            if self._own[style_id] is not None:
                self._any_character_style = True
            based = style.find(f"{{{w}}}basedOn")
            if based is not None and based.get(f"{{{w}}}val"):
                self._based_on[style_id] = based.get(f"{{{w}}}val")
            if style.get(f"{{{w}}}type") == "paragraph" and style.get(f"{{{w}}}default") in ("1", "true", "on"):
                self._default_paragraph = style_id

    def _style(self, style_id: str | None) -> bool | None:
        """The first vanish setting up the style's basedOn chain (None: no style says)."""
        if not style_id:
            return None
        if style_id in self._cache:
            return self._cache[style_id]
        seen = set()
        value = None
        current: str | None = style_id
        while current and current not in seen:
            seen.add(current)
            own = self._own.get(current)
            if own is not None:
                value = own
                break
            current = self._based_on.get(current)
        self._cache[style_id] = value
        return value

    def paragraph_default(self, paragraph: etree._Element) -> bool:
        """Whether runs of ``paragraph`` are hidden unless they say otherwise."""
        w = self.w
        style = paragraph.find(f"{{{w}}}pPr/{{{w}}}pStyle")
        style_id = style.get(f"{{{w}}}val") if style is not None else self._default_paragraph
        value = self._style(style_id)
        return self._document_default if value is None else value

    def run_hidden(self, run: etree._Element, paragraph_default: bool) -> bool:
        """Whether ``run`` is hidden text."""
        w = self.w
        rpr = run.find(f"{{{w}}}rPr")
        if rpr is None:
            return paragraph_default
        direct = _vanish(rpr, w)
        if direct is not None:
            return direct
        if self._any_character_style:
            style = rpr.find(f"{{{w}}}rStyle")
            if style is not None:
                value = self._style(style.get(f"{{{w}}}val"))
                if value is not None:
                    return value
        return paragraph_default
