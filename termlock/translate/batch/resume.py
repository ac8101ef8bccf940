"""What every resumable translation run shares, whichever engine runs it: one resume core.

The local engine's :class:`~termlock.translate.batch.runner.BatchRunner`
saves finished batches in a journal beside OUT; the Ray engine's
``ShardedRunner`` saves finished work shards in a state directory. How they
save differs; what a user sees must not:

* a run is identified by its **fingerprint** (:func:`run_fingerprint`: the
  input's hash, every setting that shapes the output, termlock's version),
  saved with the first finished work;
* resuming with anything different would mix two runs' translations in one
  output, so it is **refused** (:func:`refuse_changed_settings`), naming
  the settings that changed, what they were and what they are now;
* a **progress bar** on a terminal only (:func:`progress_bar`), starting at
  the work already saved;
* the **resume and stop lines** (:class:`SavedWork`): how much is saved and
  where, and that the same command continues.

Plain Python (tqdm only): no torch, no model.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any, Mapping, TextIO

from termlock import __version__
from termlock.errors import TermlockError

#: changed settings named in the refusal (the rest are counted by the user's own diff)
SHOWN_CHANGES = 4


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run_fingerprint(input_sha256: str, settings: Mapping[str, Any], *, inputs: int | None = None) -> dict[str, Any]:
    """What identifies a run: its input's hash (and number of input files), its settings, termlock's version.

    ``settings``: everything that shapes the output (model, glossary hash,
    beam, ...). A resumed run must match all of it.
    """
    head: dict[str, Any] = {"input_sha256": input_sha256}
    if inputs is not None:
        head["inputs"] = inputs
    return {**head, **settings, "termlock": __version__}


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 24 else text[:12] + "…" + text[-8:]


def refuse_changed_settings(
    saved: Mapping[str, Any],
    current: Mapping[str, Any],
    *,
    what: str,
    path: str | os.PathLike[str],
    delete: str | os.PathLike[str] | None = None,
) -> None:
    """Raise :class:`TermlockError` when the saved run's fingerprint is not this run's.

    ``what`` names the saved run ("an unfinished job"); ``path`` is where
    it is saved; ``delete``: a file the user may delete instead of passing
    ``--restart``. The message names up to :data:`SHOWN_CHANGES` changed
    settings, each with its old and new value.
    """
    if dict(saved) == dict(current):
        return
    keys = sorted(set(saved) | set(current))
    changed = [k for k in keys if saved.get(k) != current.get(k)]
    details = ", ".join(f"{k}: was {_short(saved.get(k))}, now {_short(current.get(k))}" for k in changed[:SHOWN_CHANGES])
    alternative = f" (or delete {delete})" if delete is not None else ""
    raise TermlockError(
        f"{what} with different settings is saved here ({details})",
        path=str(path),
        fix=f"run the same command as before to resume it, or pass --restart{alternative} "
        "to start over with the new settings",
    )


def progress_bar(enabled: bool | None, stream: TextIO, total: int, initial: int) -> Any:
    """A tqdm bar over ``total`` segments starting at ``initial`` (None when off).

    ``enabled`` None: on when ``stream`` is a terminal, so logs and pipes
    get no bar.
    """
    if enabled is None:
        enabled = bool(getattr(stream, "isatty", lambda: False)())
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="seg", desc="translating", file=stream, dynamic_ncols=True)


@dataclass(frozen=True)
class SavedWork:
    """How much of a run is saved, and where: the lines said when it resumes and when it stops.

    ``unit``: what ``done``/``total`` count ("segments", "work shards");
    ``segments``: ``(done, total)`` segments when the unit is a group of them.
    """

    done: int
    total: int
    where: str | os.PathLike[str]
    unit: str = "segments"
    segments: tuple[int, int] | None = None

    def resuming_line(self) -> str:
        detail = f" ({self.segments[0]} of {self.segments[1]} segments)" if self.segments is not None else ""
        return f"resuming: {self.done} of {self.total} {self.unit}{detail} already translated (saved in {self.where})"

    def stopped_line(self) -> str:
        return (
            f"stopped: {self.done} of {self.total} {self.unit} are saved in {self.where}; "
            "run the same command again to continue"
        )
