"""Typer app; every VigiaError becomes a one-paragraph message and a non-zero exit, never a traceback."""

from __future__ import annotations

import functools
import importlib
import os
import sys

import typer
from rich.console import Console

from vigia.errors import VigiaError

err_console = Console(stderr=True)

app = typer.Typer(
    name="vigia",
    help="Vigía — observatorio de seguridad pública en México / public-security observatory for Mexico.\n\n"
    "Every SESNSP release is kept: ask any figure as published at any vintage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def fail(message: str, code: int = 2) -> None:
    err_console.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def friendly(func):
    """Turn VigiaError (and Ctrl-C) into a message and an exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except VigiaError as exc:
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            fail("interrupted; nothing was written by the operation in progress.", 130)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except BrokenPipeError:  # `vigia … | head`: the reader left; not an error
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(0) from None
        except Exception as exc:  # a bug, not bad input: say so plainly, keep the traceback on request
            if os.environ.get("VIGIA_DEBUG"):
                raise
            fail(f"internal error ({exc.__class__.__name__}: {exc}). Set VIGIA_DEBUG=1 to see the traceback "
                 "and please report it.", 3)

    return wrapper


# Command modules register themselves on import; optional ones (still being built) may be absent.
for _name in ("data", "snapshot", "indicators", "context", "analysis", "claims", "reports", "web", "update"):
    try:
        _mod = importlib.import_module(f"vigia.cli.{_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"vigia.cli.{_name}":
            raise
        continue
    _mod.register(app)


def main() -> None:
    try:
        app()
    except VigiaError as exc:  # pragma: no cover - defensive; commands already catch
        err_console.print(f"Error: {exc}")
        sys.exit(2)
