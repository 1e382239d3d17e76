"""`vigia update`: registered from the update package."""

from vigia.update.cli import register  # noqa: F401
