"""The resume core both engines use: fingerprint, the refusal of changed settings, the saved lines."""

from __future__ import annotations

import io

import pytest

from termlock import __version__
from termlock.engines.ray.shards import SavedShards
from termlock.errors import TermlockError
from termlock.translate.batch.journal import Journal
from termlock.translate.batch.resume import SavedWork, progress_bar, refuse_changed_settings, run_fingerprint


def test_a_fingerprint_lists_input_then_settings_then_version():
    assert list(run_fingerprint("abc", {"beam": 5, "model": "m"})) == ["input_sha256", "beam", "model", "termlock"]
    sharded = run_fingerprint("abc", {"beam": 5}, inputs=3)
    assert sharded == {"input_sha256": "abc", "inputs": 3, "beam": 5, "termlock": __version__}
    assert list(sharded) == ["input_sha256", "inputs", "beam", "termlock"]


def test_the_refusal_names_what_changed_and_how_to_go_on():
    saved = {"beam": 5, "model": "a-very-long-model-name-that-gets-shortened", "same": 1}
    current = {"beam": 4, "model": "other", "same": 1, "new": True}
    with pytest.raises(TermlockError) as info:
        refuse_changed_settings(saved, current, what="an unfinished job", path="o.txt.termlock-journal", delete="o.txt.termlock-journal")
    message = str(info.value)
    assert "an unfinished job with different settings is saved here" in message
    assert "beam: was 5, now 4" in message and "new: was null, now true" in message
    assert "model: was a-very-long-…hortened, now other" in message and "same:" not in message
    assert "--restart (or delete o.txt.termlock-journal) to start over" in message
    refuse_changed_settings(saved, dict(saved), what="x", path="p")  # the same settings: nothing to refuse


def test_both_engines_refuse_changed_settings_with_the_one_message(tmp_path):
    journal = Journal.open(tmp_path / "o.txt.termlock-journal", {"beam": 5})
    journal.append([{"index": 0, "target": "a"}])
    with pytest.raises(TermlockError) as local:
        Journal.open(tmp_path / "o.txt.termlock-journal", {"beam": 4})
    state = SavedShards.open(tmp_path / "state", tmp_path / "manifest.json", {"beam": 5})
    state.write_manifest([], complete=True)
    with pytest.raises(TermlockError) as sharded:
        SavedShards.open(tmp_path / "state", tmp_path / "manifest.json", {"beam": 4})
    for info, what in ((local, "an unfinished job"), (sharded, "a sharded job")):
        assert f"{what} with different settings is saved here (beam: was 5, now 4)" in str(info.value)
        assert "run the same command as before to resume it, or pass --restart" in str(info.value)


def test_the_resume_and_stop_lines():
    assert SavedWork(3, 10, "o.txt.termlock-journal").resuming_line() == (
        "resuming: 3 of 10 segments already translated (saved in o.txt.termlock-journal)"
    )
    shards = SavedWork(2, 4, "out/.termlock-shards", "work shards", (64, 120))
    assert shards.resuming_line() == (
        "resuming: 2 of 4 work shards (64 of 120 segments) already translated (saved in out/.termlock-shards)"
    )
    assert shards.stopped_line() == (
        "stopped: 2 of 4 work shards are saved in out/.termlock-shards; run the same command again to continue"
    )


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_is_for_terminals_unless_asked():
    assert progress_bar(None, io.StringIO(), 10, 0) is None
    assert progress_bar(False, _Terminal(), 10, 0) is None
    stream = _Terminal()
    bar = progress_bar(None, stream, 10, 4)
    bar.update(2)
    bar.close()
    assert "6/10" in stream.getvalue()
