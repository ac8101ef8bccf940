"""YAML that a user hands termlock, composed and built without surprises.

Glossaries, accepted-findings files and prompt templates are edited by hand
and sometimes arrive from elsewhere; every one of them is read here, with
the same guards, so a hostile or careless file is one clear message (file,
line, fix) and never a traceback:

* safe loading only: no tag builds an object;
* no aliases (``*name``): a small file built to expand without bound
  ("billion laughs") is refused where the alias stands;
* nesting deeper than :data:`MAX_DEPTH` is refused before Python's
  recursion limit turns it into a crash;
* a NUL byte (not a text file) and other characters YAML does not allow
  are refused with their line;
* a scalar that YAML reads as a date but that is no date (``2024-13-45``,
  ``2024-02-30``) is refused with its line instead of escaping as a
  ``ValueError`` from the constructor.

libyaml (``yaml.cyaml.CParser``) scans and parses where PyYAML has it; the
nodes are still composed by PyYAML's Python composer, which carries the
alias and depth guards (libyaml's own composer would expand aliases and
recurse without a limit).
"""

from __future__ import annotations

from typing import Any

import yaml

from termlock.errors import TermlockError

#: A glossary nests three levels (file, terms list, term); far more is hostile.
MAX_DEPTH = 50

TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class _AliasFound(Exception):
    def __init__(self, mark: yaml.Mark, name: str) -> None:
        self.mark, self.name = mark, name


class _TooDeep(Exception):
    def __init__(self, mark: yaml.Mark) -> None:
        self.mark = mark


class _NoAliasComposing:
    """Composes without aliases and refuses nesting deeper than :data:`MAX_DEPTH`."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _AliasFound(event.start_mark, event.anchor)
        if self._depth >= MAX_DEPTH:
            raise _TooDeep(self.peek_event().start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _NoAliasLoader(_NoAliasComposing, yaml.SafeLoader):
    """The pure-Python safe loader with those guards (PyYAML built without libyaml)."""


if getattr(yaml, "__with_libyaml__", False):

    class _FastNoAliasLoader(_NoAliasComposing, yaml.composer.Composer, yaml.cyaml.CParser,
                             yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """The same guards and nodes, with libyaml scanning and parsing (a 10,000-term glossary: 10 s -> 1 s)."""

        def __init__(self, stream: Any) -> None:
            yaml.cyaml.CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

        # the Python composer over libyaml's events (CParser has its own, unguarded)
        check_node = yaml.composer.Composer.check_node
        get_node = yaml.composer.Composer.get_node
        get_single_node = yaml.composer.Composer.get_single_node

    GUARDED_LOADER: type = _FastNoAliasLoader
else:  # pragma: no cover - PyYAML wheels ship libyaml
    GUARDED_LOADER = _NoAliasLoader


class YamlRefused(TermlockError):
    """A YAML file refused before anything was built from it (``line`` 1-based, may be None)."""


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, max(position, 0)) + 1


def compose(text: str, path: str, *, what: str = "file", needs: str = "") -> yaml.Node | None:
    """The node tree of ``text`` (None for an empty document); raises :class:`YamlRefused`.

    ``what`` names the kind of file in messages ("glossary"); ``needs`` says
    how deep it nests normally ("a glossary needs three").
    """
    if "\x00" in text:
        raise YamlRefused("contains a NUL byte: not a text file", path=path, line=_line_of(text, text.index("\x00")),
                          fix="remove the NUL byte (or re-save the file as UTF-8 text)")
    deep = f"the YAML nests more than {MAX_DEPTH} levels deep" + (f" ({needs})" if needs else "")
    try:
        return yaml.compose(text, Loader=GUARDED_LOADER)
    except _TooDeep as exc:
        raise YamlRefused(deep, path=path, line=exc.mark.line + 1, fix="remove the deeply nested brackets or indentation") from None
    except _AliasFound as exc:
        raise YamlRefused(
            f"YAML alias *{exc.name} is not allowed in a {what} (aliases can make a small file expand without bound)",
            path=path, line=exc.mark.line + 1, fix="write the value out in full instead of '*name'",
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        if "maximum nesting depth" in str(exc.problem or ""):
            # libyaml's scanner reads flow brackets ahead and stops deep nesting
            # itself (at 1,000 levels), before the composer's own guard sees it
            raise YamlRefused(deep, path=path, line=line, fix="remove the deeply nested brackets or indentation") from None
        raise YamlRefused(f"not valid YAML: {exc.problem or exc.context}", path=path, line=line,
                          fix="fix the YAML syntax at this line (indentation, quotes, colons)") from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (control characters)
        raise YamlRefused(f"not valid YAML: character U+{exc.character:04X} is not allowed", path=path,
                          line=_line_of(text, exc.position), fix="remove the control character") from None
    except yaml.YAMLError as exc:
        raise YamlRefused(f"not valid YAML: {' '.join(str(exc).split())}", path=path, fix="fix the YAML syntax") from None
    except RecursionError:  # pragma: no cover - the depth guard comes first
        raise YamlRefused(deep, path=path, fix="remove the deeply nested brackets or indentation") from None


def bad_dates(root: yaml.Node | None) -> list[yaml.ScalarNode]:
    """Scalars that YAML reads as dates but that are no dates (``2024-02-30``), in document order."""
    if root is None:
        return []
    constructor = yaml.constructor.SafeConstructor()
    found: list[yaml.ScalarNode] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            if node.tag == TIMESTAMP_TAG and not valid_date(node, constructor):
                found.append(node)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                stack.extend((value, key))
    return found


def valid_date(node: yaml.ScalarNode, constructor: yaml.constructor.SafeConstructor | None = None) -> bool:
    """Whether a timestamp scalar is a real date (or date and time)."""
    try:
        (constructor or yaml.constructor.SafeConstructor()).construct_yaml_timestamp(node)
    except (ValueError, OverflowError):
        return False
    return True


def date_problem(node: yaml.ScalarNode, path: str) -> YamlRefused:
    return YamlRefused(f"{node.value!r} looks like a date but is not one", path=path, line=node.start_mark.line + 1,
                       fix="correct the date (YYYY-MM-DD), or quote the value to keep it as text")


def load(text: str, path: str, *, what: str = "file") -> Any:
    """Python values of a YAML text (safe types only), with every guard above."""
    root = compose(text, path, what=what)
    if root is None:
        return None
    for node in bad_dates(root)[:1]:
        raise date_problem(node, path)
    try:
        return yaml.constructor.SafeConstructor().construct_document(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise YamlRefused(f"unsupported YAML: {getattr(exc, 'problem', None) or exc}", path=path,
                          line=mark.line + 1 if mark is not None else None, fix="write plain values, without tags") from None
