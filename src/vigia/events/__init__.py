"""Curated, sourced timeline of security-policy events, and the loader that validates such files."""

from vigia.events.loader import load_events, parse_events
from vigia.events.query import events_between, filter_geo, nearest_events
from vigia.events.schema import KINDS

__all__ = ["KINDS", "events_between", "filter_geo", "load_events", "nearest_events", "parse_events"]
