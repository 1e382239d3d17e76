"""Geography: INEGI codes, official and common names, aliases."""

from vigia.geo.catalog import NATIONAL, STATES, normalize_name, resolve_geo, state_code_for, state_name

__all__ = ["NATIONAL", "STATES", "normalize_name", "resolve_geo", "state_code_for", "state_name"]
