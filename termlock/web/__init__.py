"""HTTP plumbing both web front doors share: ``termlock serve`` (:mod:`termlock.server`) and ``termlock review``.

Small modules, each one job, none knowing a route of either front door:

* :mod:`~termlock.web.launcher`: bind a socket first (127.0.0.1 unless told
  otherwise, clear errors for a busy port or a foreign address), run the app
  under uvicorn, end normally on Ctrl-C or SIGTERM after a graceful shutdown;
* :mod:`~termlock.web.stack`: the middleware every front door runs behind,
  assembled once (:func:`~termlock.web.stack.front_door`);
* :mod:`~termlock.web.security`: security headers and Content-Security-
  Policies, the Host guard (DNS rebinding), the body-size limit;
* :mod:`~termlock.web.keys`: API keys and tokens compared in constant time;
* :mod:`~termlock.web.errors`: one exception type and handlers that never let
  a traceback reach a response;
* :mod:`~termlock.web.bodies`: a request's parameters as one mapping, however
  the client sent them (query, form, JSON).

Layer: a front door's plumbing (layer 6); it imports no front door
(``commands``, ``server``, ``review``), as ``tests/test_layers.py`` checks.
"""
