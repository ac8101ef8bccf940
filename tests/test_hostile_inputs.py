"""Every command over a corpus of hostile files: no traceback, a documented exit code, no input changed.

Issue 13's sweep as a regression test. Each file below is something a
careless or hostile user, a CAT tool or a spreadsheet really produces. For
every command and file: the exit code is 0, 1 or 2 as documented (2 with
exactly one ``error:`` line), no Python traceback reaches the user, and at
the end every corpus file still has the hash it had at the start (outputs
go to a separate folder).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
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


def run(capsys, argv: list[str]) -> int:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse usage errors exit 2 by themselves
        code = exc.code
    except BaseException as exc:  # noqa: BLE001 - exactly what must never happen
        pytest.fail(f"termlock {' '.join(argv)} raised {type(exc).__name__}: {exc}")
    out, err = capsys.readouterr()
    assert "Traceback" not in err + out, argv
    assert code in (0, 1, 2), (argv, code)
    if code == 2:
        errors = [line for line in err.splitlines() if ": error: " in line]
        assert len(errors) == 1, (argv, err)
    return code


PATHS = [*ALL, "missing.zh", "loop", "a_folder"]


@pytest.mark.parametrize("name", PATHS)
def test_check_with_a_hostile_source_or_target(corpus, out, capsys, name):
    path = str(corpus / name)
    reports = ["--json", str(out / "r.json"), "--csv", str(out / "r.csv"), "--html", str(out / "r.html")]
    run(capsys, ["check", "--source", path, "--target", path, *reports])
    run(capsys, ["check", "--source", str(corpus / "plain.zh"), "--target", path, "--min-term-success", "1"])
    run(capsys, ["check", "--source", path, "--target", str(corpus / "plain.en")])


@pytest.mark.parametrize("name", [*BILINGUAL, "zwsp.zh", "binary.bin", "missing.xlf"])
def test_check_bilingual_with_hostile_files(corpus, out, capsys, name):
    path = str(corpus / name)
    run(capsys, ["check", "--bilingual", path, "--json", str(out / "r.json"), "--html", str(out / "r.html")])
    run(capsys, ["check", "--bilingual", path, "--xliff-notes", str(out / "notes.xlf")])


@pytest.mark.parametrize("name", [*GLOSSARIES, "binary.bin", "missing.yaml", "a_folder"])
def test_every_glossary_command_with_hostile_glossaries(corpus, out, capsys, name):
    path = str(corpus / name)
    run(capsys, ["check", "--glossary", path, "--source", str(corpus / "plain.zh"), "--target", str(corpus / "plain.en")])
    run(capsys, ["glossary", "validate", path])
    run(capsys, ["glossary", "show", path])
    run(capsys, ["glossary", "import", path, "-o", str(out / "g.yaml")])
    for ext in ("tbx", "csv", "xlsx"):
        run(capsys, ["glossary", "export", path, "-o", str(out / f"g.{ext}")])


#: the 120,000-character line is decoded piece by piece (minutes on a CPU); check covers it
_TRANSLATABLE = [name for name in TEXTS if name != "long_line.zh"]


@pytest.mark.parametrize("name", [*_TRANSLATABLE, *BILINGUAL, "missing.zh", "a_folder"])
def test_translate_with_hostile_inputs(corpus, out, capsys, tiny_model_dir, name):
    argv = ["translate", "-i", str(corpus / name), "-o", str(out / ("o" + Path(name).suffix)),
            "--model", str(tiny_model_dir), "--beam", "1", "--max-length", "8"]  # fmt: skip
    run(capsys, argv)


@pytest.mark.parametrize("name", ["laughs.yaml", "pyobj.yaml", "garbage.tbx"])
def test_translate_with_a_hostile_glossary_fails_before_loading_a_model(corpus, out, capsys, name):
    argv = ["translate", "-i", str(corpus / "plain.zh"), "-o", str(out / "o.en"),
            "--glossary", str(corpus / name), "--model", str(out / "no-model-needed")]  # fmt: skip
    assert run(capsys, argv) == 2


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
                        "--beam", "1", "--max-length", "8", stdout=full)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "cannot write to standard output: No space left on device" in done.stderr
