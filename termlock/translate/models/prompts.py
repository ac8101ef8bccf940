"""Prompt templates for decoder-only (LLM) translation models.

An LLM translates only when asked the way it was trained to be asked, so
every model family gets the prompt its authors' README, model card or
inference code gives (built-in templates are YAML files in ``templates/``,
the same format as ``--prompt-template FILE``; each names its source). A
template says:

``name``, ``description``
    shown by ``termlock translate --list-templates``.
``prompt``
    the request, with placeholders ``{source}`` (the sentence),
    ``{source_lang}``/``{target_lang}`` (language names, from ``languages``
    or English names), ``{source_code}``/``{target_code}`` (the glossary's
    language codes as written, e.g. ``zh-CN``/``en-US``) and
    ``{source_tag}``/``{target_tag}`` (the family's language tags, from
    ``tags`` or the code's primary subtag: ``en-US`` -> ``en``). Any other
    ``{word}`` is refused when the template is read (a misspelt placeholder
    would otherwise reach the model as text); other braces, and anything in
    the sentence itself, are kept as written.
``prompt_with_hints`` (optional)
    the request when the sentence has glossary terms and term hints are on,
    with ``{hints}`` = one ``hint`` line per term. Without it, termlock's
    generic instruction (:data:`GENERIC_HINTS`) goes before ``prompt``.
``hint`` (optional)
    one term: ``{term_source}`` (as written in the sentence) and
    ``{term_target}`` (the glossary's rendering).
``term_hints`` (optional, default true)
    whether hints go in when ``--term-hints`` is not given: off for
    fixed-format models whose authors say they do no other task.
``chat``
    ``auto`` (default: the request is the user message of the tokenizer's
    chat template when it defines one, else the raw prompt), ``always``
    (refuse a tokenizer without one), ``never`` (raw prompt).
``system`` (optional)
    a system message for the chat template (default: the template's own).
``chat_options`` (optional)
    extra chat-template switches, e.g. ``{enable_thinking: false}`` for Qwen3.
``add_generation_prompt`` (optional, default true)
    passed to ``apply_chat_template``, as the family's own inference call does.
``add_special_tokens`` (optional)
    whether the rendered prompt is tokenized with the tokenizer's special
    tokens (BOS); default: yes for a raw prompt, no for a chat template
    (which writes its own). Set where the authors' code does otherwise.
``end_tokens`` (optional)
    tokens that end the answer besides the model's EOS (``<|im_end|>``).
``languages``, ``tags`` (optional)
    language code -> name for ``{source_lang}``/``{target_lang}``, and
    code -> tag for ``{source_tag}``/``{target_tag}``. A locale code is
    looked up as written, then by its primary subtag (``en-US``, ``en_US``
    -> ``en``), so a glossary's locale reaches the family's own names.
``match`` (built-in only)
    ``names`` (substrings of the model id/directory, lower case) and
    ``model_types`` (``config.model_type``) that select the template.

Only PyYAML's safe loader reads templates; they are data, never code.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

from termlock.errors import TermlockError

CHAT_MODES = ("auto", "always", "never")

#: English names for the codes a glossary may use; a template's ``languages`` wins.
LANGUAGE_NAMES = {
    "ar": "Arabic",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fi": "Finnish",
    "fr": "French",
    "hi": "Hindi",
    "hu": "Hungarian",
    "id": "Indonesian",
    "is": "Icelandic",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
    "no": "Norwegian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sv": "Swedish",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "vi": "Vietnamese",
    "zh": "Chinese",
}

#: The term-hint instruction for templates without a format of their own.
GENERIC_HINTS = "Use these translations for the following terms:\n{hints}"
GENERIC_HINT = "{term_source} = {term_target}"

#: Built-in templates, in the order a model is matched against them.
BUILTIN_ORDER = ("hy-mt", "hunyuan-mt", "seed-x", "tower-plus", "tower", "alma", "gemmax2", "qwen3", "qwen", "chat")

#: Placeholders each text field may use (anything else in braces that looks like one is refused).
REQUEST_PLACEHOLDERS = ("source", "source_lang", "target_lang", "source_code", "target_code", "source_tag", "target_tag")
FIELD_PLACEHOLDERS = {
    "prompt": REQUEST_PLACEHOLDERS,
    "prompt_with_hints": (*REQUEST_PLACEHOLDERS, "hints"),
    "hint": ("term_source", "term_target"),
}
_ALL_PLACEHOLDERS = tuple(dict.fromkeys(p for names in FIELD_PLACEHOLDERS.values() for p in names))
_PLACEHOLDER = re.compile(r"\{(" + "|".join(_ALL_PLACEHOLDERS) + r")\}")
#: what a placeholder looks like: ``{word}`` (JSON, ``{ }`` and ``{1,2}`` do not)
_PLACEHOLDER_LIKE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

_STRING_KEYS = ("name", "description", "prompt", "prompt_with_hints", "hint", "system")
_BOOL_KEYS = ("term_hints", "add_generation_prompt", "add_special_tokens")
_MAPPING_KEYS = ("chat_options", "languages", "tags", "match")
_KEYS = {*_STRING_KEYS, *_BOOL_KEYS, *_MAPPING_KEYS, "chat", "end_tokens"}


class TermHint(NamedTuple):
    """One glossary entry found in a sentence: its source as written, its target rendering."""

    source: str
    target: str


def _locale_keys(code: str) -> tuple[str, ...]:
    """``zh_CN`` -> ("zh-cn", "zh"): the code as written (case and separator folded), then its language."""
    folded = code.strip().replace("_", "-").lower()
    primary = folded.split("-", 1)[0]
    return (folded, primary) if primary != folded else (folded,)


def _lookup(table: Mapping[str, str], code: str) -> str | None:
    for key in _locale_keys(code):
        if key in table:
            return table[key]
    return None


def _folded_table(values: Mapping[Any, Any]) -> dict[str, str]:
    return {_locale_keys(str(k))[0]: str(v) for k, v in values.items()}


@dataclass(frozen=True)
class PromptTemplate:
    """How one model family is asked to translate (see the module docstring)."""

    name: str
    prompt: str
    description: str = ""
    prompt_with_hints: str | None = None
    hint: str = GENERIC_HINT
    term_hints: bool = True
    chat: str = "auto"
    system: str | None = None
    chat_options: Mapping[str, Any] = field(default_factory=dict)
    add_generation_prompt: bool = True
    add_special_tokens: bool | None = None
    end_tokens: tuple[str, ...] = ()
    languages: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    match_names: tuple[str, ...] = ()
    match_model_types: tuple[str, ...] = ()
    path: str | None = None

    def language(self, code: str) -> str:
        """The family's name for a language code or locale (``en-US`` -> English), else the code."""
        return _lookup(_folded_table(self.languages), code) or _lookup(LANGUAGE_NAMES, code) or code

    def tag(self, code: str) -> str:
        """The family's tag for a language code or locale: ``tags``, else the primary subtag (``en-US`` -> ``en``)."""
        return _lookup(_folded_table(self.tags), code) or _locale_keys(code)[-1]

    def request(
        self, source: str, hints: Sequence[TermHint] = (), *, source_code: str = "zh", target_code: str = "en"
    ) -> str:
        """The translation request for one sentence (before any chat template)."""
        values = {
            "source": source,
            "source_lang": self.language(source_code),
            "target_lang": self.language(target_code),
            "source_code": source_code,
            "target_code": target_code,
            "source_tag": self.tag(source_code),
            "target_tag": self.tag(target_code),
        }
        if not hints:
            return _fill(self.prompt, values)
        lines = "\n".join(_fill(self.hint, {"term_source": h.source, "term_target": h.target}) for h in hints)
        if self.prompt_with_hints is not None:
            return _fill(self.prompt_with_hints, {**values, "hints": lines})
        return _fill(GENERIC_HINTS, {"hints": lines}) + "\n\n" + _fill(self.prompt, values)


def _fill(text: str, values: Mapping[str, str]) -> str:
    """Replace known placeholders in one pass (a sentence containing ``{source}`` stays as it is)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


# ---------------------------------------------------------------- loading


def _problem(path: str, message: str, fix: str, line: int | None = None) -> TermlockError:
    return TermlockError(f"bad prompt template: {message}", path=path, line=line, fix=fix)


def _check_placeholders(path: str, key: str, text: str) -> None:
    """Refuse a ``{word}`` the field does not fill: it would reach the model as literal text."""
    allowed = FIELD_PLACEHOLDERS[key]
    for found in _PLACEHOLDER_LIKE.findall(text):
        if found in allowed:
            continue
        if found in _ALL_PLACEHOLDERS:
            home = next(k for k, names in FIELD_PLACEHOLDERS.items() if found in names and k != key)
            raise _problem(path, f"{{{found}}} is not filled in `{key}`", f"it belongs in `{home}`")
        close = difflib.get_close_matches(found, allowed, n=1, cutoff=0.4)
        hint = f"did you mean {{{close[0]}}}? " if close else ""
        raise _problem(
            path,
            f"unknown placeholder {{{found}}} in `{key}`",
            f"{hint}placeholders of `{key}`: {', '.join('{' + p + '}' for p in allowed)}",
        )


def parse_template(data: Any, path: str) -> PromptTemplate:
    """A :class:`PromptTemplate` from the YAML mapping of a template file."""
    if not isinstance(data, dict):
        raise _problem(path, "the file must be a YAML mapping", "see `termlock translate --list-templates` and README")
    unknown = sorted(str(k) for k in set(data) - _KEYS)
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(_KEYS), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise _problem(path, f"unknown key(s) {', '.join(unknown)}", f"{hint}use only: {', '.join(sorted(_KEYS))}")
    for key in _STRING_KEYS:
        if key in data and data[key] is not None and not isinstance(data[key], str):
            raise _problem(path, f"`{key}` must be a string", f"quote the value of {key}")
    for key in _BOOL_KEYS:
        if key in data and data[key] is not None and not isinstance(data[key], bool):
            raise _problem(path, f"`{key}` must be true or false", f"write {key}: true or {key}: false")
    for key in _MAPPING_KEYS:
        if key in data and not isinstance(data[key], dict):
            raise _problem(path, f"`{key}` must be a mapping", f"write {key} as key: value lines")
    for key in ("languages", "tags"):
        if any(not isinstance(v, str) or not v for v in (data.get(key) or {}).values()):
            raise _problem(path, f"every value of `{key}` must be a non-empty string", f"write {key} as code: text lines")
    prompt = data.get("prompt")
    if not isinstance(prompt, str) or "{source}" not in prompt:
        raise _problem(
            path, "`prompt` must be a string containing {source}", 'e.g. prompt: "Translate into English:\\n{source}"'
        )
    with_hints = data.get("prompt_with_hints")
    if with_hints is not None and not ("{source}" in with_hints and "{hints}" in with_hints):
        raise _problem(
            path,
            "`prompt_with_hints` must be a string containing {source} and {hints}",
            "add both placeholders, or drop the key",
        )
    for key in FIELD_PLACEHOLDERS:
        if isinstance(data.get(key), str):
            _check_placeholders(path, key, data[key])
    chat = data.get("chat", "auto")
    if chat not in CHAT_MODES:
        raise _problem(path, f"`chat` is {chat!r}", f"use one of: {', '.join(CHAT_MODES)}")
    end_tokens = data.get("end_tokens", [])
    if not isinstance(end_tokens, list) or not all(isinstance(t, str) and t for t in end_tokens):
        raise _problem(path, "`end_tokens` must be a list of token strings", 'e.g. end_tokens: ["<|im_end|>"]')
    match = data.get("match", {}) or {}
    name = data.get("name") or Path(path).stem
    return PromptTemplate(
        name=name,
        prompt=prompt,
        description=data.get("description") or "",
        prompt_with_hints=with_hints,
        hint=data.get("hint") or GENERIC_HINT,
        term_hints=data.get("term_hints", True) is not False,
        chat=chat,
        system=data.get("system"),
        chat_options=dict(data.get("chat_options") or {}),
        add_generation_prompt=data.get("add_generation_prompt", True) is not False,
        add_special_tokens=data.get("add_special_tokens"),
        end_tokens=tuple(end_tokens),
        languages={str(k): v for k, v in (data.get("languages") or {}).items()},
        tags={str(k): v for k, v in (data.get("tags") or {}).items()},
        match_names=tuple(str(n).lower() for n in match.get("names", ()) or ()),
        match_model_types=tuple(str(t) for t in match.get("model_types", ()) or ()),
        path=path,
    )


def read_template_yaml(text: str, path: str) -> Any:
    """A template's YAML, read with :mod:`termlock.yamlsafe`'s guards; a problem is one line with file and line."""
    from termlock import yamlsafe

    try:
        return yamlsafe.load(text, path, what="prompt template")
    except yamlsafe.YamlRefused as exc:
        raise TermlockError(
            f"bad prompt template: {exc.message}",
            path=path,
            line=exc.line,
            fix=exc.fix if not exc.message.startswith("not valid YAML")
            else "quote prompts that contain ':' or '{', and write newlines as \\n inside double quotes",
        ) from None


def load_template_file(path: str) -> PromptTemplate:
    """Read a ``--prompt-template FILE`` (YAML, safe-loaded)."""
    file = Path(path)
    if file.is_dir():
        raise TermlockError(
            "is a directory, not a prompt template",
            path=path,
            fix="pass a YAML template file or a built-in name (--list-templates)",
        )
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TermlockError(
            "no such prompt template file",
            path=path,
            fix="pass an existing YAML file or a built-in name (--list-templates)",
        ) from None
    except UnicodeDecodeError:
        raise TermlockError("the prompt template is not UTF-8 text", path=path, fix="save it as UTF-8 YAML") from None
    except OSError as exc:
        raise TermlockError(
            f"cannot read the prompt template: {exc.strerror or exc}",
            path=path,
            fix="check the path and its permissions",
        ) from None
    return parse_template(read_template_yaml(text, path), path)


_BUILTINS: dict[str, PromptTemplate] | None = None


def builtin_templates() -> dict[str, PromptTemplate]:
    """The bundled templates, by name, in matching order."""
    global _BUILTINS
    if _BUILTINS is None:
        folder = resources.files("termlock.translate.models") / "templates"
        found = {}
        for name in BUILTIN_ORDER:
            where = f"templates/{name}.yaml"
            found[name] = parse_template(read_template_yaml((folder / f"{name}.yaml").read_text(encoding="utf-8"), where), where)
        _BUILTINS = found
    return dict(_BUILTINS)


def resolve_template(spec: "str | PromptTemplate") -> PromptTemplate:
    """A template from a built-in name or a YAML file path (refused in one line when it is neither)."""
    if isinstance(spec, PromptTemplate):
        return spec
    builtins = builtin_templates()
    if not spec.strip():
        raise TermlockError(
            "--prompt-template is empty",
            fix=f"pass a built-in name ({', '.join(builtins)}) or a YAML file, or drop the option",
        )
    if spec in builtins:
        return builtins[spec]
    if Path(spec).suffix.lower() in (".yaml", ".yml") or Path(spec).exists():
        return load_template_file(spec)
    close = difflib.get_close_matches(spec, list(builtins), n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    raise TermlockError(
        f"unknown prompt template {spec!r}",
        fix=f"{hint}use a built-in one ({', '.join(builtins)}) or a YAML file (see --list-templates)",
    )


def choose_template(name: str, config: Any, tokenizer: Any) -> PromptTemplate:
    """The built-in template for a model: by its id/directory name, then its model type.

    A model none of them names gets the generic chat template when its
    tokenizer has a chat template; otherwise termlock cannot guess how to
    ask it and says so.
    """
    builtins = builtin_templates()
    names = [name, str(getattr(config, "_name_or_path", "") or "")]
    haystack = " ".join(n.lower() for n in names if n)
    for template in builtins.values():
        if any(pattern in haystack for pattern in template.match_names):
            return template
    model_type = getattr(config, "model_type", None)
    for template in builtins.values():
        if model_type in template.match_model_types:
            return template
    if has_chat_template(tokenizer):
        return builtins["chat"]
    raise TermlockError(
        f"no prompt template is known for this model (model type {model_type}) and its tokenizer has no chat template",
        path=name,
        fix="pass --prompt-template NAME or FILE (see `termlock translate --list-templates`)",
    )


def has_chat_template(tokenizer: Any) -> bool:
    return bool(getattr(tokenizer, "chat_template", None))


def describe_templates() -> list[str]:
    """One line per built-in template, for ``--list-templates``."""
    lines = []
    for template in builtin_templates().values():
        chosen_by = [*template.match_names, *(f"model_type={t}" for t in template.match_model_types)]
        rule = f"  [chosen for: {', '.join(chosen_by)}]" if chosen_by else "  [fallback for chat models]"
        hints = "" if template.term_hints else "  [term hints off unless --term-hints on]"
        lines.append(f"{template.name:10}  {template.description}{rule}{hints}")
    return lines


# ---------------------------------------------------------------- rendering


class PromptRenderer:
    """Turns a sentence (and its term hints) into the exact prompt text a model gets.

    ``add_special_tokens`` says how to tokenize that text: a chat template
    writes its own BOS, a raw prompt gets the tokenizer's usual ones, unless
    the template says what the family's own inference code does.
    """

    def __init__(self, template: PromptTemplate, tokenizer: Any, *, source_code: str = "zh", target_code: str = "en"):
        self.template = template
        self.tokenizer = tokenizer
        self.source_code = source_code
        self.target_code = target_code
        chat_available = has_chat_template(tokenizer)
        if template.chat == "always" and not chat_available:
            raise TermlockError(
                f"prompt template {template.name!r} needs the tokenizer's chat template, and this tokenizer has none",
                path=template.path,
                fix="pick a template with `chat: never` or `auto` (--prompt-template), "
                "or use the model's instruct version",
            )
        self.use_chat = template.chat == "always" or (template.chat == "auto" and chat_available)
        self.add_special_tokens = (not self.use_chat) if template.add_special_tokens is None else template.add_special_tokens

    def request(self, source: str, hints: Sequence[TermHint] = ()) -> str:
        return self.template.request(source, hints, source_code=self.source_code, target_code=self.target_code)

    def render(self, source: str, hints: Sequence[TermHint] = ()) -> str:
        """The full prompt text; the model's answer is what follows it."""
        request = self.request(source, hints)
        if not self.use_chat:
            return request
        messages = []
        if self.template.system is not None:
            messages.append({"role": "system", "content": self.template.system})
        messages.append({"role": "user", "content": request})
        return self.tokenizer.apply_chat_template(
            messages,
            tokenize=False,
            add_generation_prompt=self.template.add_generation_prompt,
            **dict(self.template.chat_options),
        )

    def end_token_ids(self) -> list[int]:
        """Ids of the template's ``end_tokens`` that the vocabulary has."""
        vocab = self.tokenizer.get_vocab()
        return [int(vocab[t]) for t in self.template.end_tokens if t in vocab]


def hints_for(matches: Iterable[Any]) -> tuple[TermHint, ...]:
    """One hint per distinct term found in a sentence, in order of first occurrence.

    ``matches`` are :class:`~termlock.glossary.SourceMatch` records; the
    source is written as the sentence writes it, the target is the glossary's
    canonical rendering.
    """
    seen: dict[str, TermHint] = {}
    for match in matches:
        seen.setdefault(match.term.id, TermHint(match.text, match.term.target))
    return tuple(seen.values())
