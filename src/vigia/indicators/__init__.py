"""Indicators: a reviewed catalogue (catalog.toml + crosswalk.csv) and their computation."""
