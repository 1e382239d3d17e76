"""The `vigia` command line: thin commands over the same functions as the Python API and the web app."""

from vigia.cli.app import app, main

__all__ = ["app", "main"]
