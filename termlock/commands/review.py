"""``termlock review``: the reviewer's workbench in the browser, and ``termlock review export``.

Takes the inputs of ``termlock check`` (the same flags, the same
:class:`~termlock.jobs.CheckJob`), opens or resumes the review's state file,
binds 127.0.0.1 (elsewhere only with a token, printed here, as Jupyter
does) and serves the page until Ctrl-C. Everything the page shows and does
lives in :mod:`termlock.review`; this module only parses flags and prints.
"""

from __future__ import annotations

import argparse
import sys

from termlock.commands.argtypes import input_path, output_path, port
from termlock.commands.check import add_input_arguments, input_fields
from termlock.commands.helptext import DOCS_PAGES, HelpFormatter, epilog
from termlock.web.launcher import DEFAULT_HOST
from termlock.wording import noun

#: ports tried in turn when --port is not given
DEFAULT_PORTS = tuple(range(8765, 8785))


EXAMPLES = (
    "termlock review --glossary terms.yaml --source report.zh --target report.en",
    "termlock review --glossary terms.yaml --bilingual job.sdlxliff --accept accepted.yaml --open",
)
EXPORT_EXAMPLES = (
    "termlock review export report.en.termlock-review.sqlite -o report.reviewed.en --accepted accepted.yaml "
    "--html report.html",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "review",
        help="review findings in the browser: accept with a reason, edit and re-check, propose variants, export",
        description="Start a local web page to review a translation's findings: the check's figures, the findings "
        "table with filters, accept a finding with a reason, edit a target (re-checked at once by the same judge), "
        "propose a glossary variant, the whole-document inconsistency view; every action is saved in a state file "
        "at once. Takes the same inputs as termlock check. 'termlock review export STATE -o OUT' writes the "
        "corrected target, accepted.yaml and the reports.\n\n"
        "Needs the server extra: pip install 'termlock[server]'.",
        epilog=epilog(EXAMPLES, DOCS_PAGES["review"]),
        formatter_class=HelpFormatter,
    )
    add_input_arguments(parser)
    web = parser.add_argument_group("web page")
    web.add_argument("--host", default=DEFAULT_HOST,
                     help="address to listen on (default 127.0.0.1: this machine only; any other needs the printed token)")
    web.add_argument("--port", type=port, metavar="N",
                     help=f"port (default: the first free one from {DEFAULT_PORTS[0]}; 0 lets the system pick)")
    web.add_argument("--state", type=output_path, metavar="FILE",
                     help="the review's SQLite state (default: beside the target, TARGET.termlock-review.sqlite); "
                     "an existing one is resumed")
    web.add_argument("--additions", type=output_path, metavar="FILE.yaml",
                     help="where proposed glossary variants go (default: beside the state, STATE.glossary-additions.yaml); "
                     "never the input glossary")
    web.add_argument("--reviewer", metavar="NAME", help="the name the page starts with (default: $TERMLOCK_REVIEWER, else the login name)")
    web.add_argument("--open", action="store_true", help="open the page in the default browser")
    parser.set_defaults(func=run)

    actions = parser.add_subparsers(dest="review_action", metavar="ACTION")
    export = actions.add_parser(
        "export",
        help="write the corrected target, accepted.yaml and reports from a review state",
        description="Write what a review produced, from its state file alone: the corrected target in its own format "
        "(text lines; XLIFF, SDLXLIFF, memoQ with edited units marked as each tool expects and the remaining findings "
        "as notes; TMX), the accepted findings in exactly the --accept format, and the JSON/HTML/CSV reports that "
        "termlock check --accept gives on the exported target. No output may be an input or the state.",
        epilog=epilog(EXPORT_EXAMPLES, DOCS_PAGES["review"]),
        formatter_class=HelpFormatter,
    )
    export.add_argument("state", type=input_path, metavar="STATE", help="the review's state file")
    export.add_argument("-o", "--output", type=output_path, metavar="OUT", help="the corrected target (the target's own format)")
    export.add_argument("--accepted", type=output_path, metavar="OUT.yaml", help="the accepted findings (the --accept format)")
    export.add_argument("--json", type=output_path, metavar="OUT.json", help="the JSON report of the exported target")
    export.add_argument("--html", type=output_path, metavar="OUT.html", help="the HTML report of the exported target")
    export.add_argument("--csv", type=output_path, metavar="OUT.csv", help="the CSV report (one row per problem)")
    export.add_argument("--additions", type=output_path, metavar="OUT.yaml",
                        help="the proposed glossary variants (a glossary file)")
    export.set_defaults(func=run_export)


def run(args: argparse.Namespace) -> int:
    from termlock.jobs import CheckJob
    from termlock.jobs.check_inputs import default_reviewer
    from termlock.review.app import create_app
    from termlock.review.opening import open_session
    from termlock.review.setup import open_state, review_paths
    from termlock.web.keys import new_token
    from termlock.web.launcher import bind, require_server_libraries, serve, url_of
    from termlock.web.security import allowed_hosts

    require_server_libraries("review")
    job = CheckJob(**input_fields(args))
    paths = review_paths(job, args.state, args.additions)  # open_state refuses clobbering, then validates the job
    allowed = allowed_hosts(args.host)
    token = None if allowed is not None else new_token()  # off the loopback: the token guards every request
    state, resumed = open_state(job, paths)
    try:
        session = open_session(state, paths)
        overview = session.overview()
        ports = DEFAULT_PORTS if args.port is None else (args.port,)
        sock = bind(args.host, ports)
        app = create_app(session, token=token, allowed_hosts=allowed, reviewer=args.reviewer or default_reviewer())
        url = url_of(sock, args.host, "/" if token is None else f"/?token={token}")
        summary = overview["summary"]
        problems = overview["counts"]["missing"] + overview["counts"]["forbidden"]
        print(f"termlock review: {summary['segments']:,} {noun(summary['segments'], 'segment')}, "
              f"{problems:,} {noun(problems, 'open finding')}; state "
              f"{'resumed' if resumed else 'started'}: {paths.state}", flush=True)
        if token is not None:
            print(f"termlock review: listening on {args.host}, so the token in the URL below is required by every request "
                  "(anyone with it can read and edit this review)", flush=True)
        print(f"termlock review: open {url}", flush=True)
        print("termlock review: Ctrl-C stops the server; every action is already saved", flush=True)
        if args.open:
            _open_later(url)
        serve(app, sock)
        print(f"termlock review: stopped; every action is saved in {paths.state}", flush=True)
    finally:
        state.close()
    return 0


def _open_later(url: str) -> None:
    """Open the page in the default browser once the server is accepting (a second later)."""
    import threading
    import webbrowser

    timer = threading.Timer(1.0, webbrowser.open, args=(url,))
    timer.daemon = True
    timer.start()


def run_export(args: argparse.Namespace) -> int:
    from termlock.outputs import refuse_clobbering
    from termlock.review.export import ExportOutputs, export
    from termlock.review.opening import open_for_export

    outputs = ExportOutputs(target=args.output, accepted=args.accepted, json=args.json, html=args.html,
                            csv=args.csv, additions=args.additions)
    refuse_clobbering([("STATE", args.state)], outputs.named())  # before the state is opened; its inputs: in export()
    session = open_for_export(args.state)
    try:
        lines = export(session, outputs)
    finally:
        session.state.close()
    sys.stdout.write("".join(line + "\n" for line in lines))
    return 0
