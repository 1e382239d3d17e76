"""`vigia serve`: the web dashboard and HTTP API (FastAPI + uvicorn), on localhost by default."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import typer

from vigia.cli.app import err_console, fail, friendly


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


@friendly
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (default: this machine only)."),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="TCP port."),
    store: Path = typer.Option(None, "--store", help="A store file to serve (default: your store, else the "
                               "embedded snapshot). Opened read-only.", exists=True, dir_okay=False),
    access_log: bool = typer.Option(False, "--access-log", help="Log every request."),
    warm: bool = typer.Option(True, "--warm/--no-warm", help="Precompute the overview and the map at start."),
) -> None:
    """Serve the dashboard and the read-only HTTP API (OpenAPI at /openapi.json).

    Pages: / (overview), /mapa, /estados, /estado/{geo}, /sexenios, /versiones, /verificador, /api-docs.
    Add ?lang=en for English. Everything is served locally: no CDN, no external request.
    """
    try:
        import uvicorn

        from vigia.web.app import create_app
    except ModuleNotFoundError as exc:
        fail(f"the web dashboard needs the 'web' extra ({exc.name} is missing): pip install 'vigia[web]'.")
    if not _is_loopback(host):
        err_console.print(f"[yellow]Warning:[/] listening on {host}: other machines on the network can reach the "
                          "dashboard (it is read-only, without authentication).", highlight=False)
    if not _port_free(host, port):
        fail(f"cannot listen on {host}:{port}: the address is in use or not available. Try --port {port + 1}.")
    app = create_app(store_path=store, warm=warm)
    from vigia.web.render import short_label

    shown = f"[{host}]" if ":" in host else host
    err_console.print(f"Vigía: http://{shown}:{port}/  ·  API http://{shown}:{port}/openapi.json  ·  "
                      f"store: {short_label(app.state.backend.store.label)}  (Ctrl-C to stop)", highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=access_log)


def register(app: typer.Typer) -> None:
    app.command()(serve)
