"""Every command over a corpus of hostile files: each one's expected exit code and message, no input changed.

Each file below is something a careless or hostile user, a CAT tool or a
spreadsheet really produces. For every command and file the tables say
what must happen: :class:`Fails` (exit 2 with exactly one ``error:`` line
that says what is wrong) or :class:`Runs` (exit 0, or 1 for a failed gate,
with the figures the run must report). A command that succeeds where it
should fail fails the test, and so does a different message. No Python
traceback may reach the user, and at the end every corpus file still has
the hash it had at the start (outputs go to a separate folder).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from termlock.cli import main

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"

LAUGHS_XML = (
    '<?xml version="1.0"?><!DOCTYPE xliff [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(8))
    + ']><xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file><body>'
    '<trans-unit id="1"><source>双核&i;</source><target>x</target></trans-unit></body></file></xliff>'
)


def xliff(body: str, doctype: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
        f'<file original="a" source-language="zh" target-language="en" datatype="plaintext"><body>{body}</body></file></xliff>'
    )


TEXTS: dict[str, bytes] = {
    "zwsp.zh": "坚持双\u200b核驱动\n卡\u00ad脖子\n".encode(),
    "nul.zh": "双核\x00驱动\n".encode(),
    "gb18030.zh": "双核驱动\n".encode("gb18030"),
    "crlf.zh": "双核\r\n卡脖子\r\n".encode(),
    "bom_only.zh": b"\xef\xbb\xbf",
    "empty.zh": b"",
    # one 240 KB line with a few terms (a line dense with terms makes every report repeat it per problem)
    "long_line.zh": ("双核驱动，" + "啊" * 120000 + "卡脖子。" + "\n").encode(),
    "binary.bin": bytes(range(256)) * 8,
    "separators.zh": "双核\u2028卡脖子\x0c三篇大文章\u0085\n".encode(),
    "surrogate.zh": b"\xed\xa0\x80\n",
    "fullwidth.en": "ｄｕａｌ ｃｏｒｅｓ\nstuck\u00a0neck\n".encode(),
    "formula.en": "=HYPERLINK(\"http://x\")\n@SUM(A1)\n".encode(),
}

BILINGUAL: dict[str, bytes] = {
    "entity.xlf": xliff('<trans-unit id="1"><source>&t;</source><target>double nuclei</target></trans-unit>',
                        '<!DOCTYPE xliff [<!ENTITY t "双核">]>').encode(),
    "laughs.xlf": LAUGHS_XML.encode(),
    "xxe.xlf": xliff('<trans-unit id="1"><source>&x;</source></trans-unit>',
                     '<!DOCTYPE xliff [<!ENTITY x SYSTEM "file:///etc/passwd">]>').encode(),
    "malformed.xlf": b'<?xml version="1.0"?><xliff version="1.2"><file><body><trans-unit id="1"><source>',
    "wrong_root.xlf": b"<html><body>not xliff</body></html>",
    "empty.xlf": b"",
    "no_ids.xlf": xliff("<trans-unit><source>双核</source><target>dual cores</target></trans-unit>").encode(),
    "inline.xlf": xliff('<trans-unit id="1"><source>坚持<x id="1"/>双核</source>'
                        '<target state="translated">Adhere to<x id="1"/>dual cores</target></trans-unit>'
                        '<trans-unit id="2"><source>卡脖子<ph id="2">&lt;br/&gt;</ph></source></trans-unit>').encode(),
    "garbage.tmx": b"<tmx version='1.4'><body><tu><tuv><seg>\x01</seg></tuv></tu></body></tmx>",
    "mixed_langs.tmx": b'<tmx version="1.4"><header srclang="zh"/><body><tu><tuv xml:lang="de"><seg>x</seg></tuv></tu></body></tmx>',
}

GLOSSARIES: dict[str, bytes] = {
    "laughs.yaml": b'name: &a ["l","l","l","l"]\nb: &b [*a,*a,*a,*a]\nterms: [*b]\n',
    "pyobj.yaml": 'name: x\nterms:\n  - source: 双核\n    target: !!python/object/apply:os.system ["echo pwned"]\n'.encode(),
    "nul.yaml": 'name: x\nterms:\n  - source: "\x00"\n    target: dual cores\n'.encode(),
    "zwsp_only.yaml": b'name: x\nterms:\n  - source: "\\u200b"\n    target: dual cores\n',
    "latin1.yaml": "name: é\nterms: []\n".encode("latin-1"),
    "empty.yaml": b"",
    "not_mapping.yaml": b"- a\n- b\n",
    "deep.yaml": b"name: x\nterms: " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "unclosed.csv": 'source,target,note\n双核,dual cores,"open\n卡脖子,stuck neck,x\n'.encode(),
    "semicolon.csv": "Chinese;English\n双核;dual cores\n".encode(),
    "formula.csv": "source,target\n双核,=cmd|' /C calc'!A0\n".encode(),
    "entity.tbx": b'<?xml version="1.0"?><!DOCTYPE martif [<!ENTITY d "dual cores">]><martif type="TBX"><text><body>'
                  b'<termEntry id="1"><langSet xml:lang="zh"><tig><term>x</term></tig></langSet>'
                  b'<langSet xml:lang="en"><tig><term>&d;</term></tig></langSet></termEntry></body></text></martif>',
    "garbage.tbx": b"\x00\x01\x02 not xml",
    "garbage.xlsx": b"PK\x03\x04 this is not a zip",
}

ALL = {**TEXTS, **BILINGUAL, **GLOSSARIES}


@dataclass(frozen=True)
class Fails:
    """Exit 2 with one ``error:`` line holding each of ``says``."""

    says: tuple[str, ...]

    def __init__(self, *says: str) -> None:
        object.__setattr__(self, "says", says)


@dataclass(frozen=True)
class Runs:
    """Exit ``code`` (0, or 1 for a failed gate); each of ``says`` is a line of the output (spaces folded) or part of one."""

    code: int
    says: tuple[str, ...]

    def __init__(self, code: int, *says: str) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "says", says)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def checked(segments: int, occurrences: int, ok: int, code: int = 0, *more: str) -> Runs:
    """A check that ran: the summary's segment, occurrence and ``ok`` counts."""
    return Runs(code, f"segments {segments}", f"term occurrences {occurrences}", f"ok {ok}", *more)


def gate_failed(ok: int, occurrences: int) -> Runs:
    return Runs(1, f"({ok} of {plural(occurrences, 'occurrence')} ok, {occurrences - ok} needed)")


def not_utf8(byte: str, line: int, column: int) -> Fails:
    return Fails(f":{line}: ", f"not UTF-8 (byte {byte} at column {column}) (fix: save the file as UTF-8, e.g. `iconv")


def lines_differ(name: str, lines: int, side: str) -> Fails:
    """``check`` of a file with ``lines`` lines against a one-line file on the other side."""
    if side == "--target":
        return Fails("line counts differ: --source", "plain.zh has 1 line, --target ", f"{name} has {lines} (fix: the files must be aligned")
    return Fails("line counts differ: --source", f"{name} has {plural(lines, 'line')}, --target ", "plain.en has 1 (fix:")


def both_sides(name: str) -> Fails:
    kind = "an XLIFF" if name.endswith(".xlf") else "a TMX"
    return Fails(f"{name}: {kind} file holds both sides, not one segment per line (fix: check it with --bilingual")


def text_file(name: str, lines: int, occurrences: int, ok_as_source: int, *, as_target: Runs | None = None) -> tuple:
    """A file that reads as text: itself against itself, against a one-line file on either side."""
    if lines == 1:
        return (checked(1, occurrences, 0), as_target or gate_failed(0, 1), checked(1, occurrences, ok_as_source))
    return (checked(lines, occurrences, 0), lines_differ(name, lines, "--target"), lines_differ(name, lines, "--source"))


def unreadable(message: str) -> tuple:
    return tuple(Fails(f"{option}: {message}") for option in ("--source", "--target", "--source"))


#: name -> what `check --source F --target F` (with every report), `check --source plain.zh --target F
#: --min-term-success 1` and `check --source F --target plain.en` must do
CHECK_SEGMENTS: dict[str, tuple] = {
    "zwsp.zh": (checked(2, 2, 0), lines_differ("zwsp.zh", 2, "--target"), lines_differ("zwsp.zh", 2, "--source")),
    "nul.zh": text_file("nul.zh", 1, 1, 1),
    "gb18030.zh": (not_utf8("0xba", 1, 2),) * 3,
    "crlf.zh": (checked(2, 2, 0), lines_differ("crlf.zh", 2, "--target"), lines_differ("crlf.zh", 2, "--source")),
    "bom_only.zh": (checked(0, 0, 0), lines_differ("bom_only.zh", 0, "--target"), lines_differ("bom_only.zh", 0, "--source")),
    "empty.zh": (checked(0, 0, 0), lines_differ("empty.zh", 0, "--target"), lines_differ("empty.zh", 0, "--source")),
    "long_line.zh": text_file("long_line.zh", 1, 2, 1),
    "binary.bin": (not_utf8("0x80", 2, 118),) * 3,
    "separators.zh": text_file("separators.zh", 1, 3, 1),  # U+2028, form feed, NEL: inside the one segment
    "surrogate.zh": (not_utf8("0xed", 1, 1),) * 3,
    "fullwidth.en": text_file("fullwidth.en", 2, 0, 0),
    "formula.en": text_file("formula.en", 2, 0, 0),
    **{name: (both_sides(name),) * 3 for name in BILINGUAL},
    "laughs.yaml": text_file("laughs.yaml", 3, 0, 0),
    "pyobj.yaml": (checked(4, 1, 0), lines_differ("pyobj.yaml", 4, "--target"), lines_differ("pyobj.yaml", 4, "--source")),
    "nul.yaml": text_file("nul.yaml", 4, 0, 0),
    "zwsp_only.yaml": text_file("zwsp_only.yaml", 4, 0, 0),
    "latin1.yaml": (not_utf8("0xe9", 1, 7),) * 3,
    "empty.yaml": (checked(0, 0, 0), lines_differ("empty.yaml", 0, "--target"), lines_differ("empty.yaml", 0, "--source")),
    "not_mapping.yaml": text_file("not_mapping.yaml", 2, 0, 0),
    "deep.yaml": text_file("deep.yaml", 2, 0, 0),
    "unclosed.csv": (checked(3, 2, 2), lines_differ("unclosed.csv", 3, "--target"), lines_differ("unclosed.csv", 3, "--source")),
    "semicolon.csv": (checked(2, 1, 1), lines_differ("semicolon.csv", 2, "--target"), lines_differ("semicolon.csv", 2, "--source")),
    "formula.csv": (checked(2, 1, 0), lines_differ("formula.csv", 2, "--target"), lines_differ("formula.csv", 2, "--source")),
    # XML is never read line by line: a TBX is named for what it is, whichever side it is passed as
    "entity.tbx": (Fails("entity.tbx: a TBX termbase, not a file of segments (fix: pass it as --glossary"),) * 3,
    "garbage.tbx": text_file("garbage.tbx", 1, 0, 0),
    # it starts as a ZIP package does: no text, named as what it claims to be (termlock.filekinds)
    "garbage.xlsx": unreadable("a ZIP package (a Word, Excel or OpenDocument file, or an archive), not text"),
    "missing.zh": unreadable("no such file (fix: check the path)"),
    "loop": unreadable("cannot read: Too many levels of symbolic links (fix: check the path and that the file is readable)"),
    "a_folder": unreadable("is a directory, not a file (fix: pass a file, or --engine ray to process a directory of shards)"),
}

NOT_BILINGUAL = Fails("not a bilingual file termlock knows (fix: pass an XLIFF")
NOTES_NEED_XLIFF = Fails("--xliff-notes needs an XLIFF --bilingual file (fix: drop --xliff-notes for TMX, JSONL or TSV input)")

#: name -> what `check --bilingual F` with JSON and HTML reports and `check --bilingual F --xliff-notes N` must do
CHECK_BILINGUAL: dict[str, tuple] = {
    "entity.xlf": (Fails("entity reference &t; needs expansion from the document's DTD"),) * 2,
    "laughs.xlf": (Fails("laughs.xlf:1: not well-formed XLIFF: "),) * 2,
    "xxe.xlf": (Fails("entity reference &x; needs expansion from the document's DTD"),) * 2,
    "malformed.xlf": (Fails("malformed.xlf:1: not well-formed XLIFF: "),) * 2,
    "wrong_root.xlf": (Fails("root element is <html>, not <xliff>"),) * 2,
    "empty.xlf": (Fails("empty.xlf: empty file, expected XLIFF"),) * 2,
    "no_ids.xlf": (Fails("no_ids.xlf:1: <trans-unit> without an id attribute"),) * 2,
    "inline.xlf": (checked(1, 1, 1), Runs(0, "wrote XLIFF with 0 termlock notes")),  # unit 2 is untranslated: not checked
    "garbage.tmx": (Fails("garbage.tmx:1: not well-formed TMX: "), NOTES_NEED_XLIFF),
    "mixed_langs.tmx": (checked(0, 0, 0), NOTES_NEED_XLIFF),  # no unit in the source language: nothing to check
    "zwsp.zh": (NOT_BILINGUAL,) * 2,
    "binary.bin": (NOT_BILINGUAL,) * 2,
    "missing.xlf": (Fails("missing.xlf: no such file (fix: check the path)"),) * 2,
}


def glossary_fails(message: str) -> dict[str, object]:
    """A glossary every command refuses: validate lists the problem (exit 1), the others fail on it."""
    return {"check": Fails(message), "validate": Runs(1, message), "other": Fails(message)}


def glossary_loads(terms: int, occurrences: int, ok: int, shown: str, *more: str) -> dict[str, object]:
    return {
        "check": checked(1, occurrences, ok, 0, *more),
        "validate": Runs(0, f"OK, {plural(terms, 'term')}", *more),
        "show": Runs(0, shown, *more),
        "import": Runs(0, f"imported {plural(terms, 'term')}", *more),
        "export": Runs(0, f"exported {plural(terms, 'term')}", *more),
    }


#: name -> what `check --glossary G`, `glossary validate G` and `glossary show/import/export G` must do
GLOSSARY: dict[str, dict[str, object]] = {
    "laughs.yaml": glossary_fails("laughs.yaml:2: YAML alias *a is not allowed in a glossary"),
    "pyobj.yaml": glossary_fails("pyobj.yaml:4: unsupported YAML tag !!python/object/apply:os.system"),
    "nul.yaml": glossary_fails("nul.yaml:3: contains a NUL byte: not a text file"),
    "zwsp_only.yaml": glossary_fails("zwsp_only.yaml:3: the source of term #1 is empty once invisible characters are removed"),
    "latin1.yaml": glossary_fails("latin1.yaml:1: not UTF-8 (byte 0xe9 at column 7)"),
    "empty.yaml": glossary_fails("empty.yaml:1: the glossary file is empty"),
    "not_mapping.yaml": glossary_fails("not_mapping.yaml:1: the glossary must be a mapping of keys to values"),
    "deep.yaml": glossary_fails("deep.yaml:2: the YAML nests more than 50 levels deep"),
    "unclosed.csv": glossary_fails("unclosed.csv:2: a quote opened on this line is never closed"),
    "semicolon.csv": glossary_loads(1, 1, 1, "dual-cores 双核 dual cores", "semicolon.csv: read as semicolon-separated"),
    "formula.csv": glossary_loads(1, 1, 0, "cmd-c-calc-a0 双核 =cmd|' /C calc'!A0"),
    "entity.tbx": glossary_fails("entity.tbx:1: entity reference &d; needs expansion from the document's DTD"),
    "garbage.tbx": glossary_fails("garbage.tbx:1: not well-formed TBX: "),
    "garbage.xlsx": glossary_fails("garbage.xlsx: not a readable XLSX workbook (BadZipFile"),
    "binary.bin": glossary_fails("binary.bin: cannot tell the glossary format from the extension '.bin'"),
    "missing.yaml": {"check": Fails("missing.yaml: --glossary: no such file (fix: check the path, or pass --glossary bundled"),
                     "validate": Fails("missing.yaml: no such file (fix: check the path)"),
                     "other": Fails("missing.yaml: no such file (fix: check the path)")},
    "a_folder": {"check": Fails("a_folder: is a directory, not a file"), "validate": Fails("a_folder: is a directory, not a file"),
                 "other": Fails("a_folder: is a directory, not a file")},
}


def translated(segments: int) -> Runs:
    return Runs(0, f"translated {plural(segments, 'segment')} ({plural(segments, 'sentence')})")


#: name -> what `translate -i F` with the tiny model must do (the 120,000-character line is decoded piece by
#: piece, minutes on a CPU, so it is left to check)
TRANSLATE: dict[str, object] = {
    "zwsp.zh": translated(2),
    "nul.zh": translated(1),
    "gb18030.zh": not_utf8("0xba", 1, 2),
    "crlf.zh": translated(2),
    "bom_only.zh": translated(0),
    "empty.zh": translated(0),
    "binary.bin": not_utf8("0x80", 2, 118),
    "separators.zh": translated(1),
    "surrogate.zh": not_utf8("0xed", 1, 1),
    "fullwidth.en": translated(2),
    "formula.en": translated(2),
    **{name: CHECK_BILINGUAL[name][0] for name in ("entity.xlf", "laughs.xlf", "xxe.xlf", "malformed.xlf", "wrong_root.xlf",
                                                    "empty.xlf", "no_ids.xlf", "garbage.tmx")},
    "inline.xlf": translated(1),
    "mixed_langs.tmx": translated(0),
    "missing.zh": Fails("missing.zh: -i: no such file (fix: check the path)"),
    "a_folder": Fails("a_folder: -i: the directory holds no shard files (fix: point at the shards' directory)"),  # a folder of documents is translated whole
}


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    for name, data in ALL.items():
        (folder / name).write_bytes(data)
    (folder / "plain.zh").write_text("双核驱动\n", encoding="utf-8")
    (folder / "plain.en").write_text("dual cores drive\n", encoding="utf-8")
    (folder / "loop").symlink_to(folder / "loop")  # a symlink to itself
    (folder / "a_folder").mkdir()
    before = digests(folder)
    yield folder
    assert digests(folder) == before, "a command changed a corpus file"


@pytest.fixture()
def out(tmp_path):
    return tmp_path


def run(capsys, argv: list[str], expected: Fails | Runs) -> None:
    """Run one command and hold it to ``expected``: its exit code and what it says."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse usage errors exit 2 by themselves
        code = exc.code
    except BaseException as exc:  # noqa: BLE001 - exactly what must never happen
        pytest.fail(f"termlock {' '.join(argv)} raised {type(exc).__name__}: {exc}")
    out, err = capsys.readouterr()
    assert "Traceback" not in err + out, argv
    if isinstance(expected, Fails):
        errors = [line for line in err.splitlines() if ": error: " in line]
        assert (code, len(errors)) == (2, 1), (argv, code, out, err)
        for text in expected.says:
            assert text in errors[0], (argv, errors[0])
        return
    assert code == expected.code, (argv, code, err)
    lines = [re.sub(" +", " ", line.strip()) for line in (out + err).splitlines()]
    for text in expected.says:
        assert any(text in line for line in lines), (argv, text, out, err)


@pytest.mark.parametrize("name", [*ALL, "missing.zh", "loop", "a_folder"])
def test_check_with_a_hostile_source_or_target(corpus, out, capsys, name):
    path = str(corpus / name)
    both, as_target, as_source = CHECK_SEGMENTS[name]
    reports = ["--json", str(out / "r.json"), "--csv", str(out / "r.csv"), "--html", str(out / "r.html")]
    run(capsys, ["check", "--source", path, "--target", path, *reports], both)
    if isinstance(both, Runs):  # a check that ran wrote every report
        assert sorted(p.name for p in out.iterdir()) == ["r.csv", "r.html", "r.json"]
    else:  # a refused one wrote none
        assert not any(out.iterdir())
    run(capsys, ["check", "--source", str(corpus / "plain.zh"), "--target", path, "--min-term-success", "1"], as_target)
    run(capsys, ["check", "--source", path, "--target", str(corpus / "plain.en")], as_source)


def test_every_hostile_file_has_its_expected_outcomes():
    assert set(CHECK_SEGMENTS) == {*ALL, "missing.zh", "loop", "a_folder"}
    assert set(TRANSLATE) == {*_TRANSLATABLE, *BILINGUAL, "missing.zh", "a_folder"}


@pytest.mark.parametrize("name", list(CHECK_BILINGUAL))
def test_check_bilingual_with_hostile_files(corpus, out, capsys, name):
    path = str(corpus / name)
    checked_file, with_notes = CHECK_BILINGUAL[name]
    run(capsys, ["check", "--bilingual", path, "--json", str(out / "r.json"), "--html", str(out / "r.html")], checked_file)
    run(capsys, ["check", "--bilingual", path, "--xliff-notes", str(out / "notes.xlf")], with_notes)


@pytest.mark.parametrize("name", list(GLOSSARY))
def test_every_glossary_command_with_hostile_glossaries(corpus, out, capsys, name):
    path = str(corpus / name)
    expected = GLOSSARY[name]
    run(capsys, ["check", "--glossary", path, "--source", str(corpus / "plain.zh"), "--target", str(corpus / "plain.en")],
        expected["check"])
    run(capsys, ["glossary", "validate", path], expected["validate"])
    run(capsys, ["glossary", "show", path], expected.get("show", expected.get("other")))
    run(capsys, ["glossary", "import", path, "-o", str(out / "g.yaml")], expected.get("import", expected.get("other")))
    for ext in ("tbx", "csv", "xlsx"):
        run(capsys, ["glossary", "export", path, "-o", str(out / f"g.{ext}")], expected.get("export", expected.get("other")))


#: the 120,000-character line is decoded piece by piece (minutes on a CPU); check covers it
_TRANSLATABLE = [name for name in TEXTS if name != "long_line.zh"]


@pytest.mark.parametrize("name", list(TRANSLATE))
def test_translate_with_hostile_inputs(corpus, out, capsys, tiny_model_dir, name):
    output = out / ("o" + Path(name).suffix)
    argv = ["translate", "-i", str(corpus / name), "-o", str(output),
            "--model", str(tiny_model_dir), "--beam", "1", "--max-length", "8", "--glossary", "bundled"]  # fmt: skip
    run(capsys, argv, TRANSLATE[name])
    assert output.exists() == isinstance(TRANSLATE[name], Runs)  # a refused input leaves no output behind
    if name in TEXTS and output.exists():  # N lines in, N lines out, line ends kept
        source = (corpus / name).read_bytes().removeprefix(b"\xef\xbb\xbf")
        assert output.read_bytes().count(b"\n") == source.count(b"\n")
        assert output.read_bytes().count(b"\r\n") == source.count(b"\r\n")


@pytest.mark.parametrize("name", ["laughs.yaml", "pyobj.yaml", "garbage.tbx"])
def test_translate_with_a_hostile_glossary_fails_before_loading_a_model(corpus, out, capsys, name):
    argv = ["translate", "-i", str(corpus / "plain.zh"), "-o", str(out / "o.en"),
            "--glossary", str(corpus / name), "--model", str(out / "no-model-needed")]  # fmt: skip
    run(capsys, argv, GLOSSARY[name]["other"])


# --------------------------------------------------------------- closed pipes, full disks (real processes)


def termlock(*argv: str, stdout=subprocess.PIPE, shell_tail: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "termlock", *argv]
    if shell_tail is not None:
        line = " ".join(f"'{c}'" for c in command) + f" {shell_tail}; exit ${{PIPESTATUS[0]}}"
        return subprocess.run(["bash", "-c", line], capture_output=True, text=True, env=env, timeout=120)
    return subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, text=True, env=env, timeout=120)


CHECK = ["check", "--glossary", str(DATA / "check" / "glossary.yaml"), "--source", str(DATA / "check" / "source.zh"),
         "--target", str(DATA / "check" / "flawed.en")]  # fmt: skip


def test_check_into_head_is_quiet_and_keeps_its_exit_code():
    done = termlock(*CHECK, "--min-term-success", "1", shell_tail="| head -1")
    assert done.returncode == 1  # the gate's verdict, not a crash
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
    assert len(done.stdout.splitlines()) == 1


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize(
    "argv",
    [CHECK, ["glossary", "show", str(DATA / "check" / "glossary.yaml")], ["glossary", "--help"],
     ["glossary", "validate", str(DATA / "formats" / "okapi12.xlf")]],
    ids=["check", "glossary show", "help", "glossary validate"],
)
def test_stdout_on_a_full_disk_is_one_error_line(argv):
    with open("/dev/full", "w") as full:
        done = termlock(*argv, stdout=full)
    assert "Traceback" not in done.stderr
    if argv[-1] == "--help":  # argparse prints help itself; only require no traceback
        return
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].endswith(
        "cannot write to standard output: No space left on device (fix: free disk space where standard output goes)"
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_translate_to_stdout_on_a_full_disk_is_one_error_line(tiny_model_dir, tmp_path):
    source = tmp_path / "s.zh"
    source.write_text("双核\n", encoding="utf-8")
    with open("/dev/full", "w") as full:
        done = termlock("translate", "-i", str(source), "-o", "-", "--model", str(tiny_model_dir),
                        "--beam", "1", "--max-length", "8", "--glossary", "bundled", stdout=full)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "cannot write to standard output: No space left on device" in done.stderr


# --------------------------------------------------------------- prompt templates and model weights (issue 24)

#: hostile --prompt-template files: (content, the one error line's expected text); the model named with them
#: does not exist, so each refusal also shows the template is read before any model file. (NUL bytes,
#: impossible dates and deep nesting in templates: test_hostile_round2.py.)
TEMPLATES: dict[str, tuple[bytes, str]] = {
    "src.yaml": (b'prompt: "Translate into English: {src}\\n{source}"\n',
                 "unknown placeholder {src} in `prompt` (fix: did you mean {source}?"),
    "target_language.yaml": (b'prompt: "Into {target_language}:\\n{source}"\n',
                             "unknown placeholder {target_language} in `prompt` (fix: did you mean {target_lang}?"),
    "hints_in_prompt.yaml": (b'prompt: "{hints}\\n{source}"\n', "{hints} is not filled in `prompt` (fix: it belongs in `prompt_with_hints`"),
}


def refusal(capsys, argv: list[str]) -> str:
    """The single ``error:`` line of a refused command (exit 2, no traceback)."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and code == 2, (argv, code, err)
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert len(errors) == 1, err
    return errors[0]


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_a_hostile_prompt_template_is_one_line_before_any_model_file(corpus, out, capsys, name):
    path = out / name
    path.write_bytes(TEMPLATES[name][0])
    argv = ["translate", "-i", str(corpus / "plain.zh"), "-o", str(out / "o.en"), "--model", str(out / "no-such-model"),
            "--prompt-template", str(path)]  # fmt: skip
    line = refusal(capsys, argv)
    assert TEMPLATES[name][1] in line and "no-such-model" not in line, line
    assert not (out / "o.en").exists()


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("", "--prompt-template is empty (fix: pass a built-in name"),
        ("missing.yaml", "missing.yaml: no such prompt template file"),
        ("hymt", "unknown prompt template 'hymt' (fix: did you mean hy-mt?"),
        ("a_folder", "a_folder: is a directory, not a prompt template"),
    ],
)
def test_a_missing_or_empty_prompt_template_is_named_before_the_model(corpus, out, capsys, spec, expected):
    template = str(corpus / spec) if spec in ("a_folder", "missing.yaml") else spec
    argv = ["translate", "-i", str(corpus / "plain.zh"), "-o", str(out / "o.en"), "--model", str(out / "no-such-model"),
            "--prompt-template", template]  # fmt: skip
    line = refusal(capsys, argv)
    assert expected in line and "Is a directory" not in line and "no-such-model" not in line, line


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_truncated_or_corrupt_safetensors_is_one_line_naming_the_file(corpus, out, capsys, tiny_model_dir, damage):
    """An interrupted download: safetensors' SafetensorError became a traceback with exit 1."""
    import shutil

    model = out / "model"
    shutil.copytree(tiny_model_dir, model)
    weights = model / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"\x00" * 64)
    argv = ["translate", "-i", str(corpus / "plain.zh"), "-o", str(out / "o.en"), "--model", str(model), "--glossary", "bundled"]
    line = refusal(capsys, argv)
    assert f"{weights}: the model weights are truncated or corrupt" in line, line
    assert "download the model again" in line and not (out / "o.en").exists()


# --------------------------------------------------------------- issue 24: files that are not text, journals, glossaries


def _zip(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, data in members.items():
            package.writestr(zipfile.ZipInfo(name), data)
    return buffer.getvalue()


_PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 200
_ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document-content/>"})
_ODS = _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"})
#: name -> (bytes, the message every command gives, the fix it offers)
NOT_TEXT: dict[str, tuple[bytes, str, str]] = {
    "report.pdf": (_PDF, "a PDF document, not text", "pdftotext -layout FILE FILE.txt"),
    "pdf_named.txt": (_PDF, "a PDF document, not text", "pdftotext"),
    "old.doc": (_OLE, "an old binary Word .doc, not a .docx", "soffice --headless --convert-to docx FILE"),
    "ole_named.zh": (_OLE, "an old binary Office file (or a password-protected one), not text", "without a password"),
    "report.odt": (_ODT, "an OpenDocument text (.odt), not a .docx", "soffice --headless --convert-to docx FILE"),
    "odt_named.txt": (_ODT, "an OpenDocument text (.odt), not a .docx", "save it as .docx"),
    "sheet.ods.txt": (_ODS, "an OpenDocument spreadsheet or presentation, not text", "export its text as UTF-8"),
    "report.rtf": (b"{\\rtf1\\ansi\\deff0 {\\fonttbl{\\f0 SimSun;}}\\f0 \\u21452?\\u26680?}", "an RTF document, not text", "save it as .docx"),
    "notepad.txt": ("双核驱动\n".encode("utf-16"), "UTF-16 text, not UTF-8", "iconv -f UTF-16 -t UTF-8 FILE"),
    "packed.txt": (b"\x1f\x8b\x08\x00" + b"\0" * 40, "a gzip-compressed file, not text", "gunzip -k FILE"),
    "archive.txt": (_zip({"a.txt": b"x"}), "a ZIP package (a Word, Excel or OpenDocument file, or an archive), not text",
                    "needs the .docx extension"),
}  # fmt: skip


@pytest.fixture(scope="module")
def not_text(tmp_path_factory):
    folder = tmp_path_factory.mktemp("not-text")
    for name, (data, _, _) in NOT_TEXT.items():
        (folder / name).write_bytes(data)
    (folder / "plain.en").write_text("dual cores drive\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("name", NOT_TEXT)
def test_a_file_that_is_not_text_is_named_by_every_command(not_text, out, capsys, name):
    """A PDF, .doc, .odt, RTF or UTF-16 file was told to run iconv -f GB18030; now it is named, with the fix."""
    _, message, fix = NOT_TEXT[name]
    path = str(not_text / name)
    for argv, option in (
        (["translate", "-i", path, "-o", str(out / "o.txt"), "--glossary", "bundled", "--model", str(out / "none")], ""),
        (["check", "--source", path, "--target", str(not_text / "plain.en")], "--source: "),
        (["check", "--source", str(not_text / "plain.en"), "--target", path], "--target: "),
        (["check", "--granularity", "document", "--source", path, "--target", str(not_text / "plain.en")], ""),
    ):
        line = refusal(capsys, argv)
        assert f"{path}: {option}{message} (fix: " in line and fix in line, line
        assert "GB18030" not in line
    assert not (out / "o.txt").exists()


class _Killed(BaseException):
    """Stands for a kill after the first batch was saved (not an error the CLI would turn into a message)."""


@pytest.mark.parametrize(
    "edit, problem",
    [
        (lambda u: u.update(target=7), "unit 0's target is 7, not a string"),
        (lambda u: u.update(index="0"), 'a saved unit\'s index is "0", not a whole number'),
        (lambda u: u["report"].update(required="dual-cores"), "unit 0's report: 'required' is not a list of strings"),
        (lambda u: u["report"].update(sentences={}), "unit 0's report: 'sentences' is not a list"),
        (lambda u: u["report"]["sentences"][0].update(constrained="yes"),
         "unit 0's report: sentence 1: 'constrained' is not true or false"),
        (lambda u: u["report"].update(occurrences={"dual-cores": "1"}),
         "unit 0's report: 'occurrences' is not an object of whole numbers"),
        (lambda u: u["report"].update(unmet=["dual-cores"]), "unit 0's report: 'unmet' is not a list of objects"),
    ],
    ids=["target", "index", "required", "sentences", "sentence-flag", "occurrences", "unmet"],
)
def test_a_hand_edited_journal_with_wrong_types_is_one_line_and_keeps_the_saved_work(tmp_path, capsys, monkeypatch,
                                                                                     tiny_model_dir, edit, problem):  # fmt: skip
    import json

    from termlock.translate.batch.journal import journal_path_for
    from termlock.translate.translator import Translator

    source = tmp_path / "s.zh"
    source.write_text("双核驱动。\n卡脖子。\n", encoding="utf-8")
    out = tmp_path / "o.en"
    argv = ["translate", "-i", str(source), "-o", str(out), "--glossary", "bundled", "--model", str(tiny_model_dir),
            "--beam", "1", "--max-length", "8", "--batch-size", "1", "--constraints", "always"]  # fmt: skip
    original, batches = Translator.translate_segments, []

    def killed_after_one(self, lines, glossaries=None):
        if batches:
            raise _Killed
        batches.append(lines)
        return original(self, lines, glossaries)

    monkeypatch.setattr(Translator, "translate_segments", killed_after_one)
    with pytest.raises(_Killed):
        main(argv)
    monkeypatch.undo()
    journal = journal_path_for(out)
    header, line = journal.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    edit(record["units"][0])
    edited_line = json.dumps(record, ensure_ascii=False)
    journal.write_text(f"{header}\n{edited_line}\n", encoding="utf-8")
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"termlock translate: error: {journal}:2: the resume journal is damaged: {problem} (fix: undo the edit "
                   f"of that line to resume, or delete {journal} (or pass --restart) to start the job over)")  # fmt: skip
    assert journal.read_text(encoding="utf-8") == f"{header}\n{edited_line}\n" and not out.exists()


# --------------------------------------------------------------- real CAT files (issue 24): the format by content

#: a Wordfast Pro TXML file: XML, but no XLIFF
TXML = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<txml locale="zh-CN" targetlocale="en-US" version="1.0" createdby="WF2">\n'
    b'<translatable blockId="1"><segment segmentId="0"><source>\xe5\x8f\x8c\xe6\xa0\xb8\xe9\xa9\xb1\xe5\x8a\xa8</source>'
    b"</segment></translatable>\n</txml>\n"
)
HUGE_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE xliff [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    b'<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file original="a" source-language="zh" '
    b'target-language="en" datatype="plaintext"><header><internal-file form="base64">' + b"QUJD" * 2_900_000
    + b"</internal-file></header><body><trans-unit id=\"1\"><source>&b;</source></trans-unit></body></file></xliff>"
)

CAT_FILES: dict[str, bytes] = {
    "wordfast.txml": TXML,
    "wordfast_named.txt": TXML,  # the name says text, the content says otherwise
    "job.txlf": (DATA / "formats" / "okapi12.xlf").read_bytes(),  # Wordfast's XLIFF: XLIFF whatever the name
    "memory_named.xlf": (DATA / "formats" / "omegat.tmx").read_bytes(),  # a TMX named .xlf is read as the TMX it is
    "drawing.xml": b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><text>\xe5\x8f\x8c\xe6\xa0\xb8</text></svg>\n',
    "huge_laughs.sdlxliff": HUGE_LAUGHS,
    # a memory saved by a Windows tool: UTF-16 with a BOM and CRLF, translated and written back as such
    "windows_utf16.tmx": b"\xff\xfe" + (
        '<?xml version="1.0" encoding="UTF-16"?>\r\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\r\n<tmx version="1.4">\r\n'
        '<header creationtool="X" creationtoolversion="1" segtype="sentence" o-tmf="X" adminlang="en" srclang="zh-CN" '
        'datatype="plaintext"/>\r\n<body>\r\n<tu><tuv xml:lang="zh-CN"><seg>推动双核联动</seg></tuv></tu>\r\n</body>\r\n</tmx>\r\n'
    ).encode("utf-16-le"),
}

WORDFAST = "a Wordfast Pro TXML file (not XLIFF), which termlock does not read (fix: open it in Wordfast Pro and export it as XLIFF (.txlf)"
OTHER_XML = "an XML file with root element <svg>, not a format termlock reads (fix: pass XLIFF or TMX"
HUGE = "a text node over 10 MB that also declares entities"

#: name -> what `translate -i F`, `check --bilingual F` and `check --source F --target plain.en` must do
CAT_EXPECTED: dict[str, tuple] = {
    "wordfast.txml": (Fails(WORDFAST),) * 3,
    "wordfast_named.txt": (Fails(WORDFAST),) * 3,
    "job.txlf": (translated(3), checked(2, 2, 2), Fails("job.txlf: an XLIFF file holds both sides")),
    "memory_named.xlf": (Fails("OUT's extension means xliff, but the input is read as tmx"), checked(3, 3, 2),
                         Fails("memory_named.xlf: a TMX file holds both sides")),
    "drawing.xml": (Fails(OTHER_XML),) * 3,
    "huge_laughs.sdlxliff": (Fails(HUGE),) * 2 + (Fails("huge_laughs.sdlxliff: an XLIFF file holds both sides"),),
    "windows_utf16.tmx": (translated(1), checked(0, 0, 0), Fails("windows_utf16.tmx: a TMX file holds both sides")),
}


@pytest.fixture(scope="module")
def cat_corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cat")
    for name, data in CAT_FILES.items():
        (folder / name).write_bytes(data)
    (folder / "plain.en").write_text("dual cores drive\n", encoding="utf-8")
    before = digests(folder)
    yield folder
    assert digests(folder) == before, "a command changed a CAT file"


def test_every_cat_file_has_its_expected_outcomes():
    assert set(CAT_EXPECTED) == set(CAT_FILES)


@pytest.mark.parametrize("name", sorted(CAT_FILES))
def test_cat_files_are_read_by_their_content_in_every_command(cat_corpus, out, capsys, tiny_model_dir, name):
    path = str(cat_corpus / name)
    as_input, as_bilingual, as_source = CAT_EXPECTED[name]
    output = out / ("o" + Path(name).suffix)
    glossary = ["--glossary", str(DATA / "check" / "glossary.yaml")]
    run(capsys, ["translate", "-i", path, "-o", str(output), "--model", str(tiny_model_dir), "--beam", "1",
                 "--max-length", "8", *glossary], as_input)  # fmt: skip
    assert output.exists() == isinstance(as_input, Runs)  # a refused input leaves no output behind
    if output.exists() and name.endswith(".txlf"):  # written back as the XLIFF it is, not line by line
        from termlock.documents.xliff import XliffStore

        assert XliffStore.parse(output.read_bytes(), "o.txlf").units
    if output.exists() and name.endswith(".tmx"):  # its own encoding, line ends and prolog
        written = output.read_bytes()
        assert written.startswith(b"\xff\xfe" + '<?xml version="1.0" encoding="UTF-16"?>\r\n<!DOCTYPE'.encode("utf-16-le"))
        text = written[2:].decode("utf-16-le")
        assert text.count("\n") == text.count("\r\n") and text.endswith("</tmx>\r\n") and "creationtool=\"termlock\"" in text
    run(capsys, ["check", "--bilingual", path, *glossary], as_bilingual)
    run(capsys, ["check", "--source", path, "--target", str(cat_corpus / "plain.en"), *glossary], as_source)
