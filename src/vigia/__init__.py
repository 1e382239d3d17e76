"""Vigía: Mexico's public-security statistics, every official release kept, with provenance.

    import vigia
    store = vigia.open_store()
    store.series("victims", subtype="Homicidio doloso", freq="year")
"""

from vigia.errors import VigiaError
from vigia.store import IngestReport, Store, open_store

__version__ = "0.1.0"
__all__ = ["IngestReport", "Store", "VigiaError", "open_store", "__version__"]
