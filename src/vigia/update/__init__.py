"""Update from the official sources: download (resumable, conditional, checked), then ingest with origin."""

from vigia.update.content import ContentError, Expected
from vigia.update.download import Download, DownloadConfig, NotFound, Validators, download
from vigia.update.update import STATUS_LABELS, UpdateResult, update

__all__ = [
    "STATUS_LABELS",
    "ContentError",
    "Download",
    "DownloadConfig",
    "Expected",
    "NotFound",
    "UpdateResult",
    "Validators",
    "download",
    "update",
]
