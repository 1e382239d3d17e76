"""Load and validate an events file (YAML) into a tidy DataFrame, one row per event.

The YAML is read as a node tree rather than through YAML's type guessing, so every value is the text
the author wrote (``08`` stays ``08``, ``2019-06-30`` is not turned into a date object) and every
problem can name its line. Nothing is returned until the whole file has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from vigia.errors import CellError, FileError, RowError
from vigia.events import schema

PACKAGED_NAME = "events.yaml"
COLUMNS = ["id", "date", "end_date", "kind", "geo", "title_es", "title_en", "summary", "sources", "line"]


@dataclass(frozen=True)
class _Value:
    """A YAML value reduced to text, lists or mappings, keeping the line it started on."""

    data: object
    line: int


def load_events(path: str | Path | None = None) -> pd.DataFrame:
    """Events from ``path`` (default: the curated file shipped with Vigía), sorted by date.

    Columns: id, date (Timestamp), end_date (Timestamp or NaT), kind, geo (tuple of INEGI codes),
    title_es, title_en, summary, sources (tuple of dicts with publisher, title, date, url), line.
    Raises FileError, RowError or CellError naming the line and field of the first problem found.
    """
    if path is None:
        return _packaged().copy()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise FileError(str(path), "file not found.") from exc
    except UnicodeDecodeError as exc:
        raise FileError(str(path), "the file is not valid UTF-8 text.", expected="a UTF-8 YAML file") from exc
    return parse_events(text, str(path))


@lru_cache(maxsize=1)
def _packaged() -> pd.DataFrame:
    text = resources.files("vigia.events").joinpath(PACKAGED_NAME).read_text(encoding="utf-8")
    return parse_events(text, f"vigia/events/{PACKAGED_NAME}")


def parse_events(text: str, file: str = "<events>") -> pd.DataFrame:
    """Parse and validate the text of an events file; ``file`` is only used in error messages."""
    items = _event_nodes(text, file)
    rows: list[dict] = []
    first_line_of: dict[str, int] = {}
    for item in items:
        row = _event_row(item, file)
        if row["id"] in first_line_of:
            raise RowError(file, f"duplicate event id '{row['id']}' (first used on line "
                           f"{first_line_of[row['id']]}).", line=item.line, column="id",
                           expected="a unique id per event")
        first_line_of[row["id"]] = item.line
        rows.append(row)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    frame["end_date"] = pd.to_datetime(frame["end_date"])
    frame = frame.sort_values(["date", "id"], kind="stable").reset_index(drop=True)
    frame.attrs["source_file"] = file
    return frame


def _event_nodes(text: str, file: str) -> list[_Value]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise FileError(file, f"not valid YAML: {problem}.", line=line) from exc
    if root is None:
        raise FileError(file, "the file is empty.", expected="a list of events, or a mapping with 'events:'")
    value = _plain(root)
    if isinstance(value.data, dict):  # the documented layout: a top-level 'events:' key
        extra = sorted(set(value.data) - {"events", "version"})
        if extra or "events" not in value.data:
            raise FileError(file, f"unexpected top-level keys {extra or list(value.data)}.", line=value.line,
                            expected="'events:' (and optionally 'version:')")
        value = value.data["events"]
    if not isinstance(value.data, list) or not value.data:
        raise FileError(file, "no events found.", line=value.line, expected="a non-empty list of events")
    return value.data


def _plain(node: yaml.Node) -> _Value:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        return _Value(str(node.value), line)
    if isinstance(node, yaml.SequenceNode):
        return _Value([_plain(child) for child in node.value], line)
    mapping: dict[str, _Value] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
        mapping[key] = _plain(value_node)
    return _Value(mapping, line)


def _text(value: _Value | None, file: str, line: int, field: str, *, required: bool = True) -> str | None:
    if value is None:
        if required:
            raise CellError(file, f"missing field '{field}'.", line=line, column=field,
                            expected="a value for every required field: " + ", ".join(schema.REQUIRED_FIELDS))
        return None
    if not isinstance(value.data, str):
        raise CellError(file, f"field '{field}' must be a single value, not a list or mapping.",
                        line=value.line, column=field, expected="text")
    text = value.data.strip()
    if required and not text:
        raise CellError(file, f"field '{field}' is empty.", line=value.line, column=field, expected="text")
    return text


def _event_row(item: _Value, file: str) -> dict:
    if not isinstance(item.data, dict):
        raise RowError(file, "an event must be a mapping of fields (id:, date:, …).", line=item.line,
                       expected="'- id: …' followed by the event's fields")
    fields: dict[str, _Value] = item.data
    for name, value in fields.items():
        if name not in schema.FIELDS:
            raise CellError(file, f"unknown field '{name}'.", line=value.line, column=name,
                            expected="one of " + ", ".join(schema.FIELDS))

    event_id = _text(fields.get("id"), file, item.line, "id")
    if not schema.valid_id(event_id):
        raise CellError(file, f"invalid id '{event_id}'.", line=fields["id"].line, column="id",
                        expected="lower-case letters, digits, '-' or '_' (e.g. 'culiacan-2019')")

    day = _day(fields.get("date"), file, item.line, "date")
    end_day = None
    if fields.get("end_date") is not None and _text(fields["end_date"], file, item.line, "end_date",
                                                      required=False):
        end_day = _day(fields["end_date"], file, item.line, "end_date")
        if end_day < day:
            raise CellError(file, f"end_date {end_day} is before date {day}.", line=fields["end_date"].line,
                            column="end_date", expected="an end_date on or after date")

    kind = _text(fields.get("kind"), file, item.line, "kind")
    if kind not in schema.KINDS:
        raise CellError(file, f"unknown kind '{kind}'.", line=fields["kind"].line, column="kind",
                        expected="one of " + ", ".join(schema.KINDS))

    return {
        "id": event_id,
        "date": day,
        "end_date": end_day,
        "kind": kind,
        "geo": _geo(fields.get("geo"), file, item.line),
        "title_es": _text(fields.get("title_es"), file, item.line, "title_es"),
        "title_en": _text(fields.get("title_en"), file, item.line, "title_en"),
        "summary": " ".join(_text(fields.get("summary"), file, item.line, "summary").split()),
        "sources": _sources(fields.get("sources"), file, item.line),
        "line": item.line,
    }


def _day(value: _Value | None, file: str, line: int, field: str):
    text = _text(value, file, line, field)
    parsed = schema.parse_iso_day(text)
    if parsed is None:
        raise CellError(file, f"'{text}' is not a valid date.", line=value.line, column=field,
                        expected="an ISO date YYYY-MM-DD, e.g. 2019-06-30")
    return parsed


def _geo(value: _Value | None, file: str, line: int) -> tuple[str, ...]:
    if value is None:
        raise CellError(file, "missing field 'geo'.", line=line, column="geo",
                        expected="a list of INEGI codes, e.g. ['25'] or ['00'] for national")
    raw = value.data if isinstance(value.data, list) else [value]
    if not raw:
        raise CellError(file, "field 'geo' is an empty list.", line=value.line, column="geo",
                        expected="at least one INEGI code")
    codes: list[str] = []
    for entry in raw:
        code = schema.normalize_geo_code(entry.data) if isinstance(entry.data, str) else None
        if code is None:
            raise CellError(file, f"invalid geography code '{entry.data}'.", line=entry.line, column="geo",
                            expected="'00' (national) or a state code '01'–'32'")
        if code not in codes:
            codes.append(code)
    if schema.NATIONAL in codes and len(codes) > 1:
        raise CellError(file, "'00' (national) cannot be combined with state codes.", line=value.line,
                        column="geo", expected="either ['00'] or a list of state codes")
    return tuple(codes)


def _sources(value: _Value | None, file: str, line: int) -> tuple[dict, ...]:
    if value is None or not isinstance(value.data, list) or not value.data:
        raise CellError(file, "every event needs at least one source.", line=value.line if value else line,
                        column="sources", expected="a list of {publisher, title, date, url}")
    sources: list[dict] = []
    for entry in value.data:
        if not isinstance(entry.data, dict):
            raise CellError(file, "a source must be a mapping.", line=entry.line, column="sources",
                            expected="publisher:, title:, date:, url:")
        for name, item in entry.data.items():
            if name not in schema.SOURCE_FIELDS:
                raise CellError(file, f"unknown source field '{name}'.", line=item.line,
                                column=f"sources.{name}",
                                expected="one of " + ", ".join(schema.SOURCE_FIELDS))
        record = {name: _text(entry.data.get(name), file, entry.line, f"sources.{name}")
                  for name in schema.SOURCE_REQUIRED}
        when = _text(entry.data.get("date"), file, entry.line, "sources.date", required=False) or None
        if when is not None and not schema.valid_partial_date(when):
            raise CellError(file, f"source date '{when}' is not a valid date.", line=entry.data["date"].line,
                            column="sources.date",
                            expected="YYYY-MM-DD (or YYYY-MM / YYYY when only that is known)")
        if not schema.valid_url(record["url"]):
            raise CellError(file, f"source url '{record['url']}' is not a web address.",
                            line=entry.data["url"].line, column="sources.url", expected="an http(s):// URL")
        sources.append({"publisher": record["publisher"], "title": record["title"], "date": when,
                        "url": record["url"]})
    return tuple(sources)
