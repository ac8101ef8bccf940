"""Run an ASGI app under uvicorn on a socket bound here first: 127.0.0.1 unless told otherwise.

Binding before uvicorn starts lets a command print its URL (with the port
the system chose, for port 0) only once the address is really held, and
turn "address in use" or "permission denied" into one clear line instead
of a uvicorn log. uvicorn's own logging stays at warnings, and its access
log is off (a request line could carry a token).
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from typing import Any, Sequence

from termlock.errors import TermlockError

DEFAULT_HOST = "127.0.0.1"


def _family(host: str) -> int:
    try:
        return socket.AF_INET6 if ipaddress.ip_address(host.strip("[]")).version == 6 else socket.AF_INET
    except ValueError:
        return socket.AF_INET


def bind(host: str, ports: Sequence[int]) -> socket.socket:
    """A listening socket on the first of ``ports`` that is free (one port: exactly that one)."""
    last: OSError | None = None
    for port in ports:
        sock = socket.socket(_family(host), socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
            sock.listen(128)
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
        raise TermlockError(f"cannot listen on {shown}: address already in use", fix="give another --port (0 picks a free one)")
    if last.errno in (errno.EACCES, errno.EPERM):
        raise TermlockError(f"cannot listen on {shown}: permission denied", fix="use a port above 1023")
    if last.errno == errno.EADDRNOTAVAIL or isinstance(last, socket.gaierror):
        raise TermlockError(f"cannot listen on {shown}: no such address on this machine", fix="give --host an address of this machine")
    raise TermlockError(f"cannot listen on {shown}: {last.strerror or last}", fix="check --host and --port")


def url_of(sock: socket.socket, host: str, path: str = "/") -> str:
    """The URL a browser on this machine opens for ``sock`` (a wildcard address shown as 127.0.0.1)."""
    port = sock.getsockname()[1]
    shown = host.strip("[]")
    if shown in ("0.0.0.0", "::", ""):
        shown = "127.0.0.1"
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}{path}"


def serve(app: Any, sock: socket.socket, *, log_level: str = "warning") -> None:
    """Serve ``app`` on ``sock`` until Ctrl-C or SIGTERM, then return normally.

    uvicorn shuts down gracefully on those signals and then raises the
    signal again for the handler it found; here that handler does nothing,
    so the command ends with its own exit code and message instead of a
    KeyboardInterrupt (or a kill by SIGTERM that skips every ``finally``).
    """
    import signal
    import threading

    import uvicorn

    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="off", server_header=False,
                            proxy_headers=False)
    server = uvicorn.Server(config)
    if threading.current_thread() is not threading.main_thread():
        server.run(sockets=[sock])
        return
    quiet = {sig: signal.signal(sig, _ignore) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run(sockets=[sock])
    finally:
        for sig, handler in quiet.items():
            signal.signal(sig, handler)


def _ignore(signum: int, frame: Any) -> None:
    """The handler uvicorn hands a signal back to once it has shut down: nothing left to do."""
