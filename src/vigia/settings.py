"""Where things live: the store under VIGIA_HOME (else the user data directory)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

STORE_FILE = "vigia.duckdb"


def vigia_home() -> Path:
    """The folder that holds the user's store; created on demand."""
    env = os.environ.get("VIGIA_HOME")
    home = Path(env).expanduser() if env else Path(user_data_dir("vigia", appauthor=False))
    home.mkdir(parents=True, exist_ok=True)
    return home


def store_path() -> Path:
    return vigia_home() / STORE_FILE
