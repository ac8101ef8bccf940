"""Command-line entry point: ``termlock <command> ...``.

Each command lives in its own module under ``termlock.commands`` and only
registers its arguments here; heavy libraries (torch, transformers) are
imported inside the command that needs them, so ``termlock check`` starts fast
and works without them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from termlock import __version__, stdout_guard
from termlock.errors import DEBUG_VARIABLE, TermlockError
from termlock.extras import missing_extra_error

#: Subcommand modules, in the order ``termlock --help`` lists them.
COMMAND_MODULES = (
    "termlock.commands.check",
    "termlock.commands.translate",
    "termlock.commands.glossary",
    "termlock.commands.serve",
    "termlock.commands.review",
)

#: the first lines a newcomer runs (``termlock --help``)
EXAMPLES = (
    "termlock check --glossary bundled --source report.zh --target report.en --html report.html",
    "termlock glossary import termbase.tbx -o terms.yaml",
    "termlock translate -i report.zh -o report.en --glossary terms.yaml",
)

EXIT_OK = 0
EXIT_FAILED_GATE = 1
EXIT_BAD_INPUT = 2
#: termlock itself failed (a bug): never 1, which a pipeline reads as "the gate failed", nor 2 ("fix your
#: input"); 70 is EX_SOFTWARE of sysexits.h, "an internal software error"
EXIT_CRASH = 70


def build_parser() -> argparse.ArgumentParser:
    from termlock.commands.helptext import DOCS_PAGES, HelpFormatter, epilog

    parser = argparse.ArgumentParser(
        prog="termlock",
        description="Glossary-locked machine translation and terminology QA. "
        "'termlock COMMAND --help' shows each command's options, grouped, with examples.",
        epilog=epilog(EXAMPLES, DOCS_PAGES["termlock"]),
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"termlock {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # command not built yet in this checkout
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    original, guarded = stdout_guard.install()
    notes = _print_import_notices(args.command)
    try:
        code = int(args.func(args) or EXIT_OK)
        guarded.flush()  # a full disk behind stdout is an error of this run, not of the exit flush
        return code
    except TermlockError as exc:
        print(f"termlock {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        # an operating-system failure no layer anticipated: still one line naming the file
        print(f"termlock {args.command}: error: {describe_os_error(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ModuleNotFoundError as exc:
        # a library of an optional extra that no command asked for up front: how to install it, not a crash
        missing = missing_extra_error(exc, f"termlock {args.command}")
        if missing is None:
            return _report_crash(args.command, exc)
        print(f"termlock {args.command}: error: {missing}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"termlock {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last net: a bug must not look like a failed gate
        return _report_crash(args.command, exc)
    finally:
        sys.stdout = original
        notes.__exit__(None, None, None)


def _report_crash(command: str, exc: BaseException) -> int:
    """One line for an exception no layer anticipated (a bug), and :data:`EXIT_CRASH`.

    Python would print a traceback and exit 1, the code of a failed gate, so
    a CI pipeline would read a crash as "the translation is below the bar".
    The traceback is shown with ``TERMLOCK_DEBUG=1``.
    """
    import os
    import traceback

    if os.environ.get(DEBUG_VARIABLE):
        traceback.print_exception(exc, file=sys.stderr)
    detail = " ".join(str(exc).split())[:300]
    print(
        f"termlock {command}: internal error: {type(exc).__name__}{': ' + detail if detail else ''} "
        f"(fix: this is a bug in termlock, not in your input; rerun with {DEBUG_VARIABLE}=1 for the traceback "
        "and report it)",
        file=sys.stderr,
    )
    return EXIT_CRASH


def _print_import_notices(command: str):
    """Print each :class:`ImportNotice` as one ``note:`` line on stderr while the command runs."""
    import warnings

    from termlock.glossary.formats.notices import ImportNotice

    context = warnings.catch_warnings()
    context.__enter__()
    warnings.simplefilter("always", ImportNotice)
    previous = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001 - warnings' signature
        if issubclass(category, ImportNotice):
            print(f"termlock {command}: note: {message}", file=sys.stderr)
        else:
            previous(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    return context


def describe_os_error(exc: OSError) -> str:
    """``PATH: reason (fix: ...)`` for an OSError that escaped the layers below."""
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc} (fix: check the path, its permissions and free disk space)"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
