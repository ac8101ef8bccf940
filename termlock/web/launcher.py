"""Run an ASGI app under uvicorn on a socket bound here first: 127.0.0.1 unless told otherwise.

Binding before uvicorn starts lets a command print its URL (with the port
the system chose, for port 0) only once the address is really held, and
turn "address in use" or "permission denied" into one clear line (exit 2)
before anything slow (a model) is loaded, instead of a uvicorn log.

uvicorn stops accepting connections on SIGINT/SIGTERM, lets requests in
flight finish, runs the app's shutdown (where a front door finishes its
queued work or closes its state), then raises the signal again for the
handler it found. :func:`signals_handed_back` makes that handler a no-op,
so the command ends with its own exit code and message instead of a
KeyboardInterrupt or a death by SIGTERM that skips every ``finally``: an
orchestrator asked for the stop and got it. uvicorn's access log is off (a
request line can carry a key or a token); a front door logs method, path
and status itself (:class:`~termlock.web.stack.AccessLog`).
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from termlock.errors import TermlockError
from termlock.extras import require

DEFAULT_HOST = "127.0.0.1"


def require_server_libraries(command: str) -> None:
    """FastAPI and uvicorn come with the ``server`` extra; without them, one line saying how to get them."""
    require("server", f"termlock {command}")


def _family(host: str) -> int:
    try:
        return socket.AF_INET6 if ipaddress.ip_address(host.strip("[]")).version == 6 else socket.AF_INET
    except ValueError:
        return socket.AF_INET


def bind(host: str, ports: Sequence[int]) -> socket.socket:
    """A listening socket on the first of ``ports`` that is free (one port: exactly that one; 0: any)."""
    last: OSError | None = None
    for port in ports:
        sock = socket.socket(_family(host), socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
            sock.listen(2048)
            sock.set_inheritable(True)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
            if exc.errno != errno.EADDRINUSE:
                break
    assert last is not None
    shown = f"{host}:{ports[0]}" if len(ports) == 1 else f"{host}, ports {ports[0]}-{ports[-1]}"
    if last.errno == errno.EADDRINUSE:
        raise TermlockError(f"cannot listen on {shown}: address already in use",
                            fix="give another --port (0 picks a free one), or stop what uses it")
    if last.errno in (errno.EACCES, errno.EPERM):
        raise TermlockError(f"cannot listen on {shown}: permission denied", fix="use a port above 1023")
    if last.errno == errno.EADDRNOTAVAIL or isinstance(last, socket.gaierror):
        raise TermlockError(f"cannot listen on {shown}: no such address on this machine",
                            fix="give --host an address of this machine")
    raise TermlockError(f"cannot listen on {shown}: {last.strerror or last}", fix="check --host and --port")


def bound_port(sock: socket.socket) -> int:
    """The port ``sock`` listens on (the one the system picked for port 0)."""
    return sock.getsockname()[1]


def url_of(sock: socket.socket, host: str, path: str = "/") -> str:
    """The URL a client on this machine opens for ``sock`` (a wildcard address shown as 127.0.0.1)."""
    shown = host.strip("[]")
    if shown in ("0.0.0.0", "::", ""):
        shown = DEFAULT_HOST
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{bound_port(sock)}{path}"


def make_server(app: Any, *, log_level: str = "warning", timeout_keep_alive: int = 30) -> Any:
    """A ``uvicorn.Server`` for ``app`` (not started; give it a socket from :func:`bind`)."""
    import uvicorn

    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        lifespan="on",
        # CAT tools send one segment at a time with pauses between: keep their connection open a while
        timeout_keep_alive=timeout_keep_alive,
    )
    return uvicorn.Server(config)


@contextmanager
def signals_handed_back() -> Iterator[None]:
    """While uvicorn runs in this (main) thread: the SIGINT/SIGTERM it raises again after shutting down does nothing."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _ignore) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def serve(app: Any, sock: socket.socket, *, log_level: str = "warning") -> None:
    """Serve ``app`` on ``sock`` until Ctrl-C or SIGTERM, then return normally (see the module docstring)."""
    server = make_server(app, log_level=log_level)
    with signals_handed_back():
        server.run(sockets=[sock])


def _ignore(signum: int, frame: Any) -> None:
    """The handler uvicorn hands a signal back to once it has shut down: nothing left to do."""
