"""Permission problems are found early and said precisely, as a non-root user."""

from __future__ import annotations

import os

from as_other_user import run_as_nobody, shared_tmp

from termlock.translate.batch.output_lock import OutputLock
from termlock.translate.models.loading import _check_local_dir


def test_unreadable_weights_file_is_named_not_reported_missing(tmp_path):
    model = shared_tmp(tmp_path) / "model"
    model.mkdir()
    os.chmod(model, 0o755)
    (model / "config.json").write_text("{}")
    os.chmod(model / "config.json", 0o644)
    (model / "model.safetensors").write_bytes(b"\0" * 16)
    os.chmod(model / "model.safetensors", 0o600)  # the owner (root) only
    outcome = run_as_nobody(lambda: _check_local_dir(model, str(model)))
    assert outcome[0] == "error", outcome
    assert "cannot read model.safetensors: Permission denied" in outcome[2]
    assert "No such file" not in outcome[2]


def test_an_unwritable_output_folder_is_refused_before_any_work(tmp_path):
    folder = shared_tmp(tmp_path) / "readonly"
    folder.mkdir()
    os.chmod(folder, 0o555)
    outcome = run_as_nobody(lambda: OutputLock(folder / "out.txt").acquire() and None)
    assert outcome[0] == "error", outcome
    assert "cannot create files beside the output: Permission denied" in outcome[2]
