"""HTTP plumbing shared by termlock's web front doors (the server, the review page).

Nothing here knows a route of either front door: a uvicorn launcher that
binds 127.0.0.1 unless told otherwise (:mod:`launcher`), security headers
and a request-size guard (:mod:`security`), a constant-time API-key check
(:mod:`keys`), JSON error handlers that never let a traceback reach a
response (:mod:`errors`), and the request-body reader that turns JSON, form
and query parameters into one mapping (:mod:`bodies`).

Layer: a front door beside ``commands`` (layer 6). It may import the layers
below; it never imports ``termlock.server`` or ``termlock.commands``.
"""
