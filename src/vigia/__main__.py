"""`python -m vigia` = the `vigia` command."""

from vigia.cli import app

if __name__ == "__main__":
    app()
