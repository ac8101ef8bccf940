"""Packaging metadata, CHANGELOG.md, CITATION.cff and the Makefile agree with each other and with the code."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

from termlock import __version__
from termlock.extras import EXTRAS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
#: what a QA machine must never be made to install
HEAVY = {"torch", "transformers", "sentencepiece", "sacremoses", "ray", "ctranslate2", "fastapi", "uvicorn"}


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower() for requirement in requirements}


def test_the_core_install_is_the_qa_tool():
    core = names(PYPROJECT["project"]["dependencies"])
    assert not core & HEAVY, core & HEAVY
    assert {"sacrebleu", "lxml", "pyyaml", "openpyxl"} <= core


def test_each_extra_the_code_names_exists_and_brings_its_libraries():
    extras = PYPROJECT["project"]["optional-dependencies"]
    for extra in EXTRAS.values():
        assert extra.name in extras, f"termlock.extras names '{extra.name}', which pyproject.toml does not define"
    assert {"torch", "transformers", "sentencepiece", "sacremoses"} <= names(extras["translate"])
    assert "ray" in names(extras["ray"]) and "ctranslate2" in names(extras["bench"])
    assert {"pytest", "hypothesis"} <= names(extras["test"])
    everything = extras["all"]
    assert len(everything) == 1 and everything[0].startswith("termlock[")
    bundled = set(everything[0][len("termlock["):-1].split(","))
    assert bundled == set(extras) - {"test", "all", "docs"}, "termlock[all] is every extra a user runs"


def test_the_version_lives_in_one_place():
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "termlock.__version__"}


def test_project_urls():
    urls = PYPROJECT["project"]["urls"]
    assert set(urls) >= {"Homepage", "Documentation", "Changelog", "Issues"}
    assert all(url.startswith("https://") for url in urls.values())


def test_changelog_keeps_a_changelog_with_this_version_as_the_latest_release():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, flags=re.M)
    assert releases[0] == ("Unreleased", "")
    assert releases[1][0] == __version__ and releases[1][1], "the newest release is the package's version, dated"
    assert releases[-1][0] == "0.1.0"
    for version, _ in releases:  # each heading has its link reference at the end
        assert re.search(rf"^\[{re.escape(version)}\]: https://", text, flags=re.M), version
    sections = set(re.findall(r"^### (\w+)$", text, flags=re.M))
    assert sections <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}, sections


def test_citation_file_is_cff_1_2_0_citing_the_project_and_the_papers_the_lock_follows():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors"):  # required by the CFF 1.2.0 schema
        assert citation[key], key
    assert all("name" in author or "family-names" in author for author in citation["authors"])
    assert citation["version"] == __version__
    assert citation["repository-code"] == PYPROJECT["project"]["urls"]["Homepage"]
    papers = {reference["doi"]: reference for reference in citation["references"]}
    assert set(papers) == {"10.18653/v1/N18-1119", "10.18653/v1/N19-1090"}
    assert papers["10.18653/v1/N18-1119"]["title"].startswith("Fast Lexically Constrained Decoding with Dynamic Beam Allocation")
    assert papers["10.18653/v1/N19-1090"]["title"] == "Improved Lexically Constrained Decoding for Translation and Monolingual Rewriting"
    assert [a["family-names"] for a in papers["10.18653/v1/N18-1119"]["authors"]] == ["Post", "Vilar"]
    assert papers["10.18653/v1/N19-1090"]["authors"][0]["family-names"] == "Hu"
    for reference in papers.values():
        assert reference["type"] == "conference-paper" and "NAACL" in reference["conference"]["name"]


def test_make_demo_installs_the_core_only_and_make_test_the_extras():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo: install$", makefile, flags=re.M)
    assert re.search(r"^install: \$\(CORE_STAMP\)$", makefile, flags=re.M)
    core_recipe = re.search(r"^\$\(CORE_STAMP\):.*\n((?:\t.*\n)+)", makefile, flags=re.M).group(1)
    assert "pip install --quiet -e .\n" in core_recipe and "TORCH_SPEC" not in core_recipe
    assert re.search(r"^test: install-extras$", makefile, flags=re.M)
    extras = re.search(r"^EXTRAS \?= (\S+)$", makefile, flags=re.M).group(1).split(",")
    assert {"test", "translate"} <= set(extras) and set(extras) <= set(PYPROJECT["project"]["optional-dependencies"])
    assert re.search(r"^TORCH_SPEC \?= torch==", makefile, flags=re.M)
