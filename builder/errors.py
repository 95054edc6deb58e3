"""One exception base whose message reads `path:line: message`, and the exit codes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

# Exit codes, documented in README.md ("Exit codes").
EXIT_OK = 0
EXIT_BUILD_FAILED = 1  # rendering failed, or the "nothing lost" verification found a missing block
EXIT_USAGE = 2  # bad command line (unknown option, unknown topic/lang/level/format)
EXIT_CONTENT = 3  # content files are invalid
EXIT_TRANSLATION = 4  # a PO catalog is broken, or --strict and a translation is missing/stale
EXIT_CONFIG = 5  # clinic profile, template or environment (fonts, SOURCE_DATE_EPOCH) is wrong
EXIT_OUTPUT = 6  # output could not be written (permissions, full disk)


@dataclass(frozen=True)
class Where:
    """A place in an input: a file as the user sees it, and the line (column, context) when known.

    The one location type: content blocks, catalog entries, errors and warnings all carry it,
    and it is printed as `path:line` (just `path` without a line). Never split the string back.
    """

    path: str
    line: int | None = None
    column: int | None = None
    context: str | None = None  # what sits there, e.g. a catalog entry's msgctxt

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True, init=False)
class Problem:
    """One thing wrong with one input, at a `Where` as precise as we know (path "" = no file).

    Made from a file and a line, `Problem(path, line, message)`, or from a place already
    known, `Problem(where, None, message)`.
    """

    where: Where
    message: str

    def __init__(self, path: str | Where, line: int | None, message: str) -> None:
        if isinstance(path, Where):
            if line is not None:
                raise TypeError("give the line in the Where, not beside it")
            where = path
        else:
            where = Where(path, line)
        object.__setattr__(self, "where", where)
        object.__setattr__(self, "message", message)

    @property
    def path(self) -> str:
        return self.where.path

    @property
    def line(self) -> int | None:
        return self.where.line

    def __str__(self) -> str:
        if not self.path:
            return self.message
        return f"{self.where}: {self.message}"


class BuilderError(Exception):
    """Base of every error caused by the user's input or environment, never by a bug."""

    exit_code = EXIT_BUILD_FAILED

    def __init__(self, problems: Iterable[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem("", None, line) for line in problems.splitlines() or [problems]]
        self.problems: list[Problem] = list(problems)
        # Set by a build that fails: the outputs that failed, and its build.Summary.
        self.failed: list[str] = []
        self.summary: Any = None
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, path: str | Path, line: int | None, message: str) -> Self:
        return cls([Problem(display_path(path), line, message)])


class UsageError(BuilderError):
    exit_code = EXIT_USAGE


class ContentError(BuilderError):
    exit_code = EXIT_CONTENT


class TranslationError(BuilderError):
    exit_code = EXIT_TRANSLATION


class ConfigError(BuilderError):
    exit_code = EXIT_CONFIG


class RenderError(BuilderError):
    exit_code = EXIT_BUILD_FAILED


class OutputError(BuilderError):
    exit_code = EXIT_OUTPUT


def display_path(path: str | Path) -> str:
    """A path as the user should see it: relative to the working directory when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(p)
