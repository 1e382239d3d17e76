"""`vigia serve`: registered, documented, refuses a busy port with a message instead of a traceback."""

from __future__ import annotations

import socket

from typer.testing import CliRunner

from vigia.cli import app


def test_serve_help():
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output and "127.0.0.1" in result.output


def test_serve_refuses_a_busy_port():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--port", str(port), "--no-warm"])
    assert result.exit_code == 2
    assert "in use" in result.output and "Traceback" not in result.output
