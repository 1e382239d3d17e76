"""The vintage-aware store (DuckDB): releases, series and ALFRED-style observations."""

from vigia.store.engine import IngestReport, ReleaseMeta
from vigia.store.open import open_store
from vigia.store.store import Store

__all__ = ["IngestReport", "ReleaseMeta", "Store", "open_store"]
