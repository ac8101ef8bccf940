"""``termlock serve``: the glossary lock over HTTP, for CAT tools and pipelines.

    termlock serve --model M [--glossary GLOSSARY ...] [--host 127.0.0.1] [--port 5000]
                   [--api-keys keys.yaml] [--data-dir DIR] [every translation flag of translate]

Thin: flags -> :class:`~termlock.server.settings.ServerSettings` (its
translation part built by the same code as ``translate``'s) -> run, locally
with uvicorn or on Ray Serve (``--engine ray --replicas N``).
"""

from __future__ import annotations

import argparse
import sys

from termlock.commands.argtypes import count, input_path, non_negative, output_path, port, positive_int
from termlock.commands.helptext import DOCS_PAGES, GLOSSARY_FORMATS, GLOSSARY_METAVAR, HelpFormatter, epilog
from termlock.commands.translator_flags import add_translator_arguments, translator_settings
from termlock.web.launcher import DEFAULT_HOST, require_server_libraries


EXAMPLES = (
    "termlock serve --glossary terms.yaml",
    "termlock serve --model Helsinki-NLP/opus-mt-zh-en --glossary terms.tbx --port 5000 --api-keys keys.yaml",
    "termlock serve --glossary terms.yaml --host 0.0.0.0 --api-keys keys.yaml --dtype int8",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the glossary lock over HTTP (LibreTranslate, DeepL, OpenAI-compatible APIs) for CAT tools",
        description="Serve glossary-locked translation over HTTP: LibreTranslate-compatible /translate, a DeepL v2 "
        "subset under /v2 (glossaries kept in --data-dir), OpenAI-compatible /v1/chat/completions and /v1/models, "
        "and termlock's own /termlock/v1/translate and /termlock/v1/check. One model serves every route; requests "
        "are decoded together. Binds 127.0.0.1 unless --host says otherwise.\n\n"
        "Needs the server and translate extras: pip install 'termlock[server,translate]'.",
        epilog=epilog(EXAMPLES, DOCS_PAGES["serve"]),
        formatter_class=HelpFormatter,
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    listen = parser.add_argument_group("listening")
    listen.add_argument("--host", default=DEFAULT_HOST, metavar="ADDR",
                        help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0 for every interface)")
    listen.add_argument("--port", type=port, default=5000, metavar="N", help="port (default 5000)")
    listen.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="a further Host name to serve on a loopback address, e.g. the public name a reverse proxy "
                        "forwards (repeatable; default: loopback names only, against DNS rebinding)")
    listen.add_argument("--api-keys", type=input_path, metavar="keys.yaml",
                        help="require an API key on every route but /health (YAML: key -> name, optional glossary and quota)")
    listen.add_argument("--data-dir", type=output_path, metavar="DIR",
                        help="where stored glossaries and key usage live (SQLite; default ~/.local/share/termlock)")
    listen.add_argument("--log-level", choices=("critical", "error", "warning", "info", "debug"), default="info",
                        help="server log level (default info)")

    terms = parser.add_argument_group("glossary")
    terms.add_argument("--glossary", type=input_path, metavar=GLOSSARY_METAVAR, action="append",
                       help=f"default glossary of every request ({GLOSSARY_FORMATS}; 'bundled' names the bundled "
                       "glossary of Liaoning political terms); required, as for translate; repeat to merge "
                       "several; a request's own terms are merged over it")
    add_translator_arguments(parser, terms)

    batching = parser.add_argument_group("batching and limits")
    batching.add_argument("--max-batch-size", type=positive_int, default=32, metavar="N",
                          help="segments of concurrent requests decoded together at most (default 32)")
    batching.add_argument("--max-wait-ms", type=non_negative, default=2.0, metavar="MS",
                          help="how long the decoder waits for more segments once one is queued (default 2)")
    batching.add_argument("--max-queue", type=positive_int, default=1024, metavar="N",
                          help="segments waiting at most; beyond, requests get 429 with Retry-After (default 1024)")
    batching.add_argument("--cache-size", type=count, default=10000, metavar="N",
                          help="translations remembered, keyed on settings, glossary and text (default 10000; 0: off)")
    batching.add_argument("--max-body-bytes", type=positive_int, default=1 << 20, metavar="N",
                          help="largest request body (default 1048576); larger gets 413")
    batching.add_argument("--max-texts", type=positive_int, default=50, metavar="N",
                          help="texts per request at most (default 50, as DeepL); more gets 413")
    batching.add_argument("--max-chars", type=positive_int, default=10000, metavar="N",
                          help="characters per text at most (default 10000); more gets 413")

    scale = parser.add_argument_group("scaling out (Ray Serve)")
    scale.add_argument("--engine", choices=("local", "ray"), default="local",
                       help="local: this process (default); ray: Ray Serve, --replicas copies of the model")
    scale.add_argument("--replicas", type=positive_int, default=1, metavar="N", help="Ray Serve replicas (default 1)")
    scale.add_argument("--address", metavar="ADDR",
                       help="Ray cluster to join (auto, ray://HOST:10001); default: start a local Ray instance")


def settings_from_args(args: argparse.Namespace):
    from termlock.server.settings import ServerSettings, default_data_dir

    return ServerSettings(
        translator=translator_settings(args),
        glossaries=tuple(args.glossary or ()),
        exact=args.exact,
        host=args.host,
        allowed_host_names=tuple(args.allow_host),
        port=args.port,
        api_keys=args.api_keys,
        data_dir=args.data_dir or default_data_dir(),
        max_batch_size=args.max_batch_size,
        max_wait_ms=args.max_wait_ms,
        max_queue=args.max_queue,
        cache_size=args.cache_size,
        max_body_bytes=args.max_body_bytes,
        max_texts=args.max_texts,
        max_chars=args.max_chars,
        engine=args.engine,
        replicas=args.replicas,
        address=args.address,
    )


def run(args: argparse.Namespace) -> int:
    from termlock.errors import TermlockError

    settings = settings_from_args(args)
    settings.validate()  # no output over an input, before anything is loaded or started
    if not settings.glossaries:
        from termlock.jobs.glossaries import BUNDLED_GLOSSARY

        raise TermlockError(
            "no glossary: serve locks the terms of a glossary you name",
            fix=f"pass --glossary FILE (repeatable), or --glossary {BUNDLED_GLOSSARY} for the bundled glossary of "
            "Liaoning political terms; requests may add their own glossaries over it",
        )
    if settings.engine != "ray" and (settings.replicas != 1 or settings.address):
        raise TermlockError("--replicas and --address need --engine ray", fix="add --engine ray, or drop them")
    require_server_libraries("serve")
    from termlock.extras import require

    require("translate", "termlock serve")  # the model loads in the background: say it now, not in /ready
    if settings.engine == "ray":
        from termlock.server.ray_serve import serve_on_ray

        return serve_on_ray(settings, log_level=args.log_level)
    from termlock.server.run import serve_locally

    return serve_locally(settings, log_level=args.log_level, announce=lambda line: print(line, file=sys.stderr))
