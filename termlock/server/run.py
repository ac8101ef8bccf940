"""Run the server in this process: build the app, bind, serve until SIGTERM/SIGINT, then exit 0.

A glossary or key file that cannot be read, or a port that is taken, stops
the start with one line (exit 2) before the model loads; a model that
cannot be loaded is reported the same way as soon as the background load
fails, and the server stops.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

from termlock.errors import TermlockError
from termlock.server.app import create_app
from termlock.server.settings import ServerSettings
from termlock.server.state import ServerState
from termlock.web import launcher


def serve_locally(settings: ServerSettings, *, log_level: str = "info", announce: Callable[[str], None] = print) -> int:
    logging.basicConfig(level=getattr(logging, log_level.upper(), logging.INFO), format="%(levelname)s: %(name)s: %(message)s")
    state = ServerState(settings)  # glossaries, keys, database: errors here are exit 2
    sock = launcher.bind(settings.host, (settings.port,))  # a busy port: exit 2 before the model loads
    app = create_app(settings, state=state)
    server = launcher.make_server(app, log_level=log_level)
    url = launcher.url_of(sock, settings.host, "")

    async def watch_model() -> None:
        await asyncio.get_running_loop().run_in_executor(None, state.service.wait_loaded)
        if state.service.load_error:
            server.should_exit = True
        else:
            announce(f"termlock serve: ready on {url} "
                     f"(model {settings.translator.model}, glossary {state.service.resolver.default.glossary.name!r})")

    async def main() -> None:
        watcher = asyncio.ensure_future(_after_start(server, watch_model))
        try:
            await server.serve(sockets=[sock])
        finally:
            watcher.cancel()

    announce(f"termlock serve: loading {settings.translator.model} ...")
    try:
        with launcher.signals_handed_back():  # SIGTERM/Ctrl-C: requests in flight answered, queue drained, exit 0
            asyncio.run(main())
    finally:
        sock.close()
    if state.service.load_error:
        raise TermlockError(state.service.load_error)
    if not server.started:
        raise TermlockError(f"the server on {url} did not start", fix="see the lines above; check --host and --port")
    return 0


async def _after_start(server, then) -> None:
    while not server.started:
        if server.should_exit:
            return
        await asyncio.sleep(0.05)
    await then()
