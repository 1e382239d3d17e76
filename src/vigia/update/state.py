"""What the updater remembers per URL between runs: validators and what the URL last gave.

A small JSON file next to the store (`update_state.json`). It holds no data, only HTTP validators
(ETag, Last-Modified) for conditional requests and the sha256 of what each URL last delivered, so a
second run can ask "changed since?" and get a cheap 304. Written atomically; a damaged file is ignored
(the next run then simply downloads again and the store's checksum check skips known files).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

STATE_FILE = "update_state.json"
_VERSION = 1


@dataclass
class UrlState:
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None  # of the downloaded file (the zip, for a zip)
    members: list[str] = field(default_factory=list)  # sha256 of every file ingested from it
    file_name: str | None = None
    size: int | None = None
    accessed_at: str | None = None

    def ingested(self) -> list[str]:
        return self.members or ([self.sha256] if self.sha256 else [])


class UpdateState:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.urls: dict[str, UrlState] = {}
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            known = UrlState.__dataclass_fields__
            for url, entry in raw.get("urls", {}).items():
                self.urls[url] = UrlState(**{k: v for k, v in entry.items() if k in known})
        except (OSError, ValueError, TypeError, AttributeError):
            self.urls = {}

    @classmethod
    def in_folder(cls, folder: Path) -> UpdateState:
        return cls(folder / STATE_FILE)

    def get(self, url: str) -> UrlState | None:
        return self.urls.get(url)

    def record(self, url: str, entry: UrlState) -> None:
        self.urls[url] = entry

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"version": _VERSION, "urls": {u: asdict(e) for u, e in sorted(self.urls.items())}}
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".update_state.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(payload, fh, indent=2, ensure_ascii=False)
                fh.write("\n")
            os.replace(tmp, self.path)  # atomic: a crash leaves the old file or the new one
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
