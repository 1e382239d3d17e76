"""Typed errors, by level (file → header → row → cell), in the spirit of frictionless.

Every error names the file and, where it applies, the line and column, plus what was expected.
The CLI turns any ``VigiaError`` into a one-paragraph message and a non-zero exit code.
"""

from __future__ import annotations


class VigiaError(Exception):
    """Base class of every error Vigía raises on purpose."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(VigiaError):
    """Bad input data: carries the file, line, column and what was expected."""

    level = "file"

    def __init__(
        self,
        file: str,
        problem: str,
        *,
        line: int | None = None,
        column: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.expected = expected
        self.problem = problem
        where = file
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column '{column}'"
        text = f"{where}: {problem}"
        if expected:
            text += f" Expected: {expected}."
        super().__init__(text)


class FileError(InputError):
    """The file as a whole is unusable (empty, not a CSV/XLSX, unknown layout)."""

    level = "file"


class HeaderError(InputError):
    """Missing, extra or renamed columns."""

    level = "header"


class RowError(InputError):
    """A row is malformed: too few or too many fields, a duplicate key."""

    level = "row"


class CellError(InputError):
    """A single cell holds a value of the wrong kind or outside its domain."""

    level = "cell"


class ConflictError(VigiaError):
    """A release contradicts one already stored under the same vintage."""


class QueryError(VigiaError):
    """A query asked for something that does not exist (unknown indicator, state, period…)."""

    def __init__(self, parameter: str, problem: str, choices: list[str] | None = None) -> None:
        self.parameter = parameter
        self.choices = list(choices or [])
        text = f"{parameter}: {problem}"
        if self.choices:
            shown = ", ".join(self.choices[:40])
            more = f" (and {len(self.choices) - 40} more)" if len(self.choices) > 40 else ""
            text += f" Valid choices: {shown}{more}."
        super().__init__(text)


class DownloadError(VigiaError):
    """A download failed or returned something other than the expected file."""
