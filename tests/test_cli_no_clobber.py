"""Every command refuses an output that names an input or another output, and writes nothing."""

from __future__ import annotations

import hashlib
import shutil
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


# ------------------------------------------------------------------ every input option against every output option
#
# Built from the parser itself: an option whose argparse ``type`` is
# ``input_path`` is a file the command reads, ``output_path`` one it writes.
# Each input is pointed at each output; the run must refuse (exit 2, one
# line naming both options) and leave every file as it was. A new input or
# output option joins this test by its type alone; a new value option that
# is neither must be listed in NOT_PATHS, so none is forgotten.

import argparse  # noqa: E402

from termlock.cli import build_parser  # noqa: E402
from termlock.commands.argtypes import input_path, output_path  # noqa: E402

#: options that take a value that is not a file the command reads or writes
NOT_PATHS = {
    "--format", "--min-term-success", "--granularity", "--engine", "--address", "--num-workers", "--shard-size", "--jobs",
    "--constraints", "--device", "--dtype", "--src-lang", "--tgt-lang", "--beam", "--batch-size", "--max-length",
    "--term-hints", "--gpus-per-worker", "--source-lang", "--target-lang", "--name", "--version", "--help",
    # serve: listening, batching and limits, Ray Serve; review: the page
    "--host", "--port", "--log-level", "--max-batch-size", "--max-wait-ms", "--max-queue", "--cache-size",
    "--max-body-bytes", "--max-texts", "--max-chars", "--replicas", "--reviewer", "--allow-host",
    "--output-format",
}
#: outputs that name a folder -> the file the command writes in it (aimed at an input through a symlink of that name)
FOLDER_OUTPUTS = {"--data-dir": "termlock.sqlite3"}


def commands() -> dict[str, argparse.ArgumentParser]:
    """``"check"``, ``"translate"``, ``"glossary import"``, ... -> its parser."""
    found: dict[str, argparse.ArgumentParser] = {}

    def walk(parser: argparse.ArgumentParser, prefix: tuple[str, ...]) -> None:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs or parser.get_default("func") is not None:  # a command that runs itself (review), or a leaf
            found[" ".join(prefix)] = parser
        for action in subs:
            for name, sub in action.choices.items():
                walk(sub, (*prefix, name))

    walk(build_parser(), ())
    return found


def option(action: argparse.Action) -> str:
    return action.option_strings[-1] if action.option_strings else action.metavar


def roles(parser: argparse.ArgumentParser) -> tuple[list[argparse.Action], list[argparse.Action]]:
    actions = [a for a in parser._actions if a.type in (input_path, output_path)]
    return [a for a in actions if a.type is input_path], [a for a in actions if a.type is output_path]


def test_every_option_with_a_value_is_an_input_an_output_or_known_not_to_be_a_path():
    for name, parser in commands().items():
        for action in parser._actions:
            takes_value = action.nargs != 0 and not isinstance(action, argparse._SubParsersAction)
            if takes_value and action.type not in (input_path, output_path):
                assert set(action.option_strings) & NOT_PATHS, f"termlock {name} {option(action)}: mark it input_path or output_path"


@pytest.fixture()
def files(tmp_path, work):
    (work / "r.en").write_text("dual cores\n", encoding="utf-8")
    (work / "t.jsonl").write_text('[{"src": "双核", "tgt": "dual cores"}]\n', encoding="utf-8")
    (work / "a.yaml").write_text("accepted: []\n", encoding="utf-8")
    (work / "p.yaml").write_text('prompt: "Translate: {source}"\n', encoding="utf-8")
    (work / "p.tsv").write_text("s.zh\tt.en\n", encoding="utf-8")
    (work / "k.yaml").write_text("keys:\n  k3y-for-tests: tests\n", encoding="utf-8")
    (work / "st.sqlite").write_bytes(b"")  # a review state (the refusal comes before it is opened)
    model = work / "model"
    model.mkdir()
    (model / "config.json").write_text('{"model_type": "marian"}\n', encoding="utf-8")
    return work


#: command -> the arguments every run needs (placeholders are files of the fixture)
BASE = {
    "check": ["--source", "{s.zh}", "--target", "{t.en}"],
    "translate": ["-i", "{s.zh}", "-o", "{o.en}", "--model", "{model}"],
    "glossary import": ["{tb.tbx}", "-o", "{new.yaml}"],
    "glossary export": ["{g.yaml}", "-o", "{new.tbx}"],
    "serve": ["--model", "{model}"],
    "review": ["--source", "{s.zh}", "--target", "{t.en}"],
    "review export": ["{st.sqlite}", "-o", "{new.en}"],
}
#: input option -> (its value, the file an output aimed at it names: the value, or a file inside a folder)
INPUTS = {
    "--source": ("{s.zh}", "{s.zh}"), "--target": ("{t.en}", "{t.en}"), "--reference": ("{r.en}", "{r.en}"),
    "--bilingual": ("{r.xlf}", "{r.xlf}"), "--glossary": ("{g.yaml}", "{g.yaml}"), "--terms": ("{t.jsonl}", "{t.jsonl}"),
    "--accept": ("{a.yaml}", "{a.yaml}"), "--input": ("{s.zh}", "{s.zh}"), "--prompt-template": ("{p.yaml}", "{p.yaml}"),
    "--model": ("{model}", "{model/config.json}"), "GLOSSARY": ("{g.yaml}", "{g.yaml}"),
    "--pairs": ("{p.tsv}", "{p.tsv}"), "--api-keys": ("{k.yaml}", "{k.yaml}"), "STATE": ("{st.sqlite}", "{st.sqlite}"),
}


def argv_for(command: str, parser: argparse.ArgumentParser, source: argparse.Action, sink: argparse.Action) -> list[str]:
    """A command line of ``command`` whose ``sink`` output names the file its ``source`` input reads."""
    value, aimed = INPUTS[option(source)]
    args = list(BASE[command])
    if command == "check" and "--bilingual" in (option(source),) or option(sink) == "--xliff-notes":
        args = ["--bilingual", "{r.xlf}"] + (["--source", "{s.zh}"] if option(source) == "--source" else [])
        if option(source) == "--target":
            args += ["--target", "{t.en}"]
    flags = set(source.option_strings) | {option(source)}
    for i, arg in enumerate(args):  # the input already in the base line takes the value
        if arg in flags:
            args[i + 1] = value
            break
    else:
        if source.option_strings:
            args += [option(source), value]
        else:  # a positional input: the base line's first word
            args[0] = value
    if option(sink) in FOLDER_OUTPUTS:  # the folder holding a link, named as its output file, to the input
        aimed = "{out-folder}"
    sink_flags = set(sink.option_strings)
    for i, arg in enumerate(args):
        if arg in sink_flags:
            args[i + 1] = aimed
            break
    else:
        args += [option(sink), aimed]
    return command.split() + args


PAIRS = [
    (name, source, sink)
    for name, parser in commands().items()
    for source in roles(parser)[0]
    for sink in roles(parser)[1]
]


def test_every_command_has_inputs_and_outputs_to_pair():
    assert {name for name, _, _ in PAIRS} == set(BASE)
    assert {option(source) for _, source, _ in PAIRS} <= set(INPUTS), "give a new input option a value in INPUTS"


@pytest.mark.parametrize("name, source, sink", PAIRS, ids=[f"{n} {option(s)}->{option(k)}" for n, s, k in PAIRS])
def test_each_input_pointed_at_each_output_is_refused(files, capsys, name, source, sink):
    argv = argv_for(name, commands()[name], source, sink)
    folder = files
    if option(sink) in FOLDER_OUTPUTS:
        (folder / "out-folder").mkdir()
        aimed = INPUTS[option(source)][1][1:-1]
        (folder / "out-folder" / FOLDER_OUTPUTS[option(sink)]).symlink_to(folder / aimed)
    model_before = digest(folder / "model")
    before = digest(folder)
    argv = [str(folder / a[1:-1]) if a.startswith("{") else a for a in argv]
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2, (argv, err)
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    said = {(o, i) for o in sink.option_strings for i in source.option_strings or [source.metavar]}
    assert any(f"{o} would overwrite the input {i} " in err for o, i in said), err
    assert digest(folder) == before and digest(folder / "model") == model_before


@pytest.mark.parametrize(
    "extra",
    [
        ["--terms", "{t.jsonl}", "--report", "{t.jsonl}"],
        ["--terms", "{t.jsonl}", "-o", "{t.jsonl}"],
        ["--prompt-template", "{p.yaml}", "--report", "{p.yaml}"],
        ["-o", "{model/config.json}"],
        ["--tmx", "{model/vocab.json}"],
    ],
    ids=["terms<-report", "terms<-o", "template<-report", "model<-o", "model<-tmx"],
)
def test_translate_never_overwrites_what_it_reads(files, capsys, tiny_model_dir, extra):
    """Issue 24: each of these exited 0 with the file replaced (a model that no longer loads)."""
    model = files / "tiny"
    shutil.copytree(tiny_model_dir, model)
    (files / "model").rename(files / "fake-model")
    (files / "model").symlink_to(model)
    before, model_before = digest(files), digest(model)
    argv = ["translate", "-i", "{s.zh}", "--model", "{model}", "--beam", "1", "--max-length", "8", *extra]
    if "-o" not in extra:
        argv += ["-o", "{o.en}"]
    code = main([str(files / a[1:-1]) if a.startswith("{") else a for a in argv])
    err = capsys.readouterr().err
    assert code == 2 and "would overwrite the input" in err, err
    assert digest(files) == before and digest(model) == model_before


def test_an_output_into_the_hub_cache_of_a_hub_model_is_refused(files, capsys, monkeypatch):
    """A hub id's cached files (snapshots are symlinks to blobs) are what the run loads."""
    cache = files / "hf-cache"
    blobs, snapshot = cache / "models--org--tiny" / "blobs", cache / "models--org--tiny" / "snapshots" / "abc123"
    blobs.mkdir(parents=True)
    snapshot.mkdir(parents=True)
    (blobs / "f00d").write_text('{"model_type": "marian"}\n', encoding="utf-8")
    (snapshot / "config.json").symlink_to(blobs / "f00d")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.chdir(files)
    before = (blobs / "f00d").read_bytes()
    code = main(["translate", "-i", str(files / "s.zh"), "-o", str(snapshot / "config.json"), "--model", "org/tiny"])
    assert code == 2 and "-o would overwrite the input --model" in capsys.readouterr().err
    assert (blobs / "f00d").read_bytes() == before
