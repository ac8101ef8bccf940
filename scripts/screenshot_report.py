#!/usr/bin/env python3
"""Render a termlock HTML report in headless Chromium and save a screenshot.

A developer tool, not part of the package or CI (CI has no browser): after
changing the report's markup, run this and look at the PNG, because a page
can pass every string test and still look broken.

    python scripts/screenshot_report.py out/report.html out/report.png
    python scripts/screenshot_report.py --demo out/demo.png   # check the bundled corpus first
    python scripts/screenshot_report.py report.html shot.png --dump-dom > dom.html

``--dump-dom`` also prints the DOM after the page's script has run (the
filters un-hidden), which the optional browser test inspects. Chromium runs
with a throw-away profile and everything that could reach the network
switched off; the report itself loads nothing external.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    raise SystemExit("no Chromium found: apt-get install -y chromium (or set PATH)")


def chromium_command(browser: str, profile: str, width: int, height: int) -> list[str]:
    return [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        "--virtual-time-budget=3000",  # let the filter script run before capturing
    ]


def demo_report(directory: Path) -> Path:
    """Check the bundled flawed translation and return the HTML report's path."""
    from termlock.cli import main
    from termlock.corpora import bundled_corpus

    corpus = bundled_corpus()
    html = directory / "demo.html"
    main(
        [
            "check",
            "--source", str(corpus.source_path),
            "--target", str(corpus.flawed_path),
            "--reference", str(corpus.reference_path),
            "--html", str(html),
        ]
    )  # fmt: skip
    return html


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", nargs="?", help="the HTML report to render (omit with --demo)")
    parser.add_argument("png", help="where to write the screenshot")
    parser.add_argument("--demo", action="store_true", help="first check the bundled corpus and render that report")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2000)
    parser.add_argument("--dump-dom", action="store_true", help="print the DOM after scripts ran to stdout")
    args = parser.parse_args(argv)
    if args.demo == (args.report is not None):
        parser.error("give either a REPORT.html or --demo")

    browser = find_browser()
    with tempfile.TemporaryDirectory(prefix="termlock-shot-") as tmp:
        tmp_dir = Path(tmp)
        report = demo_report(tmp_dir) if args.demo else Path(args.report)
        if not report.is_file():
            parser.error(f"no such report: {report}")
        url = report.resolve().as_uri()
        png = Path(args.png).resolve()
        png.parent.mkdir(parents=True, exist_ok=True)
        base = chromium_command(browser, str(tmp_dir / "profile"), args.width, args.height)
        shot = subprocess.run(
            [*base, f"--screenshot={png}", url], capture_output=True, text=True, timeout=120, cwd=tmp_dir
        )
        if shot.returncode != 0 or not png.is_file():
            sys.stderr.write(shot.stderr)
            return 1
        print(f"screenshot: {png}", file=sys.stderr)
        if args.dump_dom:
            dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=120, cwd=tmp_dir)
            if dom.returncode != 0:
                sys.stderr.write(dom.stderr)
                return 1
            sys.stdout.write(dom.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
