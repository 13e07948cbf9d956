"""Serving the mock over HTTP: werkzeug's threaded server with HTTP/1.1 keep-alive, quiet logs."""

from __future__ import annotations

import argparse
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from conformance.mock.app import MockApp


class _Handler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one connection serves a whole run

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class RunningServer:
    def __init__(self, server: BaseWSGIServer, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        self.port = server.server_port

    def shutdown(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_in_thread(app: MockApp, host: str, port: int) -> RunningServer:
    server = make_server(host, port, app, threaded=True, request_handler=_Handler)
    thread = threading.Thread(target=server.serve_forever, name="voipbin-mock", daemon=True)
    thread.start()
    return RunningServer(server, thread)


def serve_forever(args: argparse.Namespace, rate_limit: float | None) -> None:
    from conformance._data import bundled_spec_path
    from conformance.errors import SetupError
    from conformance.profiles import load_profile
    from conformance.spec import load_spec

    spec = load_spec(args.spec or str(bundled_spec_path()))
    app = MockApp(
        spec,
        profile=load_profile(args.profile),
        faults=args.fault,
        seed=args.seed,
        token=args.token,
        accesskey=args.accesskey,
        other_token=args.other_token,
        rate_limit=rate_limit,
        login=(args.username, args.password) if args.username and args.password else None,
    )
    try:
        server = make_server(args.host, args.port, app, threaded=True, request_handler=_Handler)
    except OSError as exc:
        raise SetupError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}", "pick another --port") from None
    customer, other = app.customers
    print(
        f"VoIPBIN mock of {args.spec or 'the bundled spec'} ({len(spec.shape.operations)} operations, "
        f"profile {args.profile}{', faults ' + ', '.join(args.fault) if args.fault else ''})"
    )
    print(f"listening on http://{args.host}:{server.server_port}{spec.base_path}")
    for who in (customer, other):
        print(f"  {who.name}: id={who.id}\n    token={who.token}\n    accesskey={who.accesskey}")
    print("Repros of a run read their credentials from the environment:")
    print(f"  export VOIPBIN_TOKEN={customer.token} VOIPBIN_ACCESSKEY={customer.accesskey}")
    print(f"  export VOIPBIN_OTHER_TOKEN={other.token} VOIPBIN_EXPIRED_TOKEN={app.expired_token()}")
    print("Ctrl-C stops it.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
