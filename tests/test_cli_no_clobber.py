"""Every command refuses an output that names an input or another output, and writes nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from termlock.cli import main

DATA = Path(__file__).parent / "data"
GLOSSARY = DATA / "check" / "glossary.yaml"


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture()
def work(tmp_path):
    (tmp_path / "s.zh").write_text("双核\n", encoding="utf-8")
    (tmp_path / "t.en").write_text("dual cores\n", encoding="utf-8")
    (tmp_path / "g.yaml").write_bytes(GLOSSARY.read_bytes())
    (tmp_path / "r.xlf").write_bytes((DATA / "formats" / "okapi12.xlf").read_bytes())
    main(["glossary", "export", str(tmp_path / "g.yaml"), "-o", str(tmp_path / "tb.tbx")])
    return tmp_path


CASES = [
    ("check", "--source", "{s.zh}", "--target", "{t.en}", "--json", "{t.en}"),
    ("check", "--source", "{s.zh}", "--target", "{t.en}", "--csv", "{s.zh}"),
    ("check", "--source", "{s.zh}", "--target", "{t.en}", "--html", "{g.yaml}", "--glossary", "{g.yaml}"),
    ("check", "--source", "{s.zh}", "--target", "{t.en}", "--json", "{new.json}", "--csv", "{new.json}"),
    ("check", "--bilingual", "{r.xlf}", "--xliff-notes", "{r.xlf}"),
    ("check", "--bilingual", "{r.xlf}", "--xliff-notes", "{notes.tmx}"),
    ("translate", "-i", "{s.zh}", "-o", "{s.zh}"),
    ("translate", "-i", "{s.zh}", "-o", "{o.en}", "--report", "{s.zh}"),
    ("translate", "-i", "{r.xlf}", "-o", "{r2.xlf}", "--tmx", "{r2.xlf}"),
    ("translate", "-i", "{s.zh}", "-o", "{g.yaml}", "--glossary", "{g.yaml}"),
    ("glossary", "import", "{tb.tbx}", "-o", "{tb.tbx}"),
    ("glossary", "export", "{g.yaml}", "-o", "{g.yaml}", "--format", "tbx"),
]


@pytest.mark.parametrize("argv", CASES, ids=[" ".join(c[:1] + c[-2:]) for c in CASES])
def test_clobbering_output_is_refused_and_nothing_is_written(work, capsys, argv):
    before = digest(work)
    names = {p: str(work / p) for p in ("s.zh", "t.en", "g.yaml", "r.xlf", "tb.tbx", "new.json", "notes.tmx", "o.en", "r2.xlf")}
    code = main([names[a[1:-1]] if a.startswith("{") else a for a in argv])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "fix:" in err and "Traceback" not in err
    assert digest(work) == before  # nothing changed, nothing new


def test_a_symlink_to_the_input_is_the_input(work, capsys):
    (work / "alias.en").symlink_to(work / "t.en")
    code = main(["check", "--source", str(work / "s.zh"), "--target", str(work / "t.en"), "--json", str(work / "alias.en")])
    assert code == 2 and "would overwrite the input --target" in capsys.readouterr().err
    assert (work / "t.en").read_text(encoding="utf-8") == "dual cores\n"
