"""``termlock check --engine ray`` on sharded bilingual data, on a local Ray instance.

The bundled corpus (source, flawed translation, reference) cut into uneven
shards must give exactly the single-machine summary, term table, JSON and
CSV, document-level consistency included. Skipped without Ray.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'termlock[ray]')")
pytest.importorskip("ray.data")

from termlock.cli import main  # noqa: E402
from termlock.corpora import bundled_corpus  # noqa: E402

pytestmark = [
    pytest.mark.ray,
    pytest.mark.usefixtures("local_ray"),
    pytest.mark.filterwarnings(r"ignore::DeprecationWarning:ray\..*"),
]

CUTS = (0, 50, 51, 130, 199)  # uneven shards, one of a single segment


@pytest.fixture(scope="module")
def corpus():
    c = bundled_corpus()
    data = {"source": c.sources(), "target": c.flawed(), "reference": c.references()}
    assert len(data["source"]) == CUTS[-1]
    return data


def write_shards(root: Path, lines: list[str]) -> Path:
    root.mkdir(parents=True)
    for k, (a, b) in enumerate(zip(CUTS, CUTS[1:])):
        (root / f"part-{k:02d}.txt").write_text("".join(f"{line}\n" for line in lines[a:b]), encoding="utf-8")
    return root


def check_cli(capsys, tmp_path: Path, name: str, *argv: str) -> tuple[int, str, bytes, bytes]:
    json_path, csv_path = tmp_path / f"{name}.json", tmp_path / f"{name}.csv"
    code = main(["check", *argv, "--json", str(json_path), "--csv", str(csv_path), "--min-term-success", "0.95"])
    out = capsys.readouterr().out
    summary = "".join(line + "\n" for line in out.splitlines() if not line.startswith("wrote "))
    return code, summary, json_path.read_bytes(), csv_path.read_bytes()


def test_sharded_check_on_ray_equals_the_single_machine_check(tmp_path, corpus, capsys):
    c = bundled_corpus()
    local = check_cli(capsys, tmp_path, "local", "--source", str(c.source_path), "--target", str(c.flawed_path),
                      "--reference", str(c.reference_path))  # fmt: skip
    dirs = {role: str(write_shards(tmp_path / role, lines)) for role, lines in corpus.items()}
    sharded = check_cli(capsys, tmp_path, "ray", "--engine", "ray", "--num-workers", "2", "--shard-size", "32",
                        "--source", dirs["source"], "--target", dirs["target"], "--reference", dirs["reference"])  # fmt: skip
    assert local[0] == 1  # the flawed translation fails the gate, on both engines
    assert sharded == local
    assert '"inconsistent_terms": 0,' not in local[2].decode("utf-8")  # consistency is part of what matched


def test_parquet_shards_with_all_three_columns_check_the_same(tmp_path, corpus, capsys):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    c = bundled_corpus()
    local = check_cli(capsys, tmp_path, "local", "--source", str(c.source_path), "--target", str(c.flawed_path),
                      "--reference", str(c.reference_path))  # fmt: skip
    root = tmp_path / "pq"
    root.mkdir()
    for k, (a, b) in enumerate(zip(CUTS, CUTS[1:])):
        table = pa.table({role: lines[a:b] for role, lines in corpus.items()})
        pq.write_table(table, root / f"part-{k}.parquet")
    sharded = check_cli(capsys, tmp_path, "pq", "--engine", "ray", "--num-workers", "2",
                        "--source", str(root), "--target", str(root), "--reference", str(root))  # fmt: skip
    assert sharded == local


def test_misaligned_shards_are_reported_by_name(tmp_path, corpus, capsys):
    src = write_shards(tmp_path / "src", corpus["source"])
    hyp = write_shards(tmp_path / "hyp", corpus["target"])
    (hyp / "part-02.txt").write_text("only one line\n", encoding="utf-8")
    code = main(["check", "--engine", "ray", "--source", str(src), "--target", str(hyp)])
    assert code == 2
    assert "line counts differ in shard part-02.txt" in capsys.readouterr().err
