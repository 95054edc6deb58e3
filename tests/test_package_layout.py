"""Where things are, for the next engineer: tests mirror the package, and the README's
"How it works" table names every module of builder/ on a line of its own."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "builder"
TESTS = REPO / "tests"
END_TO_END = TESTS / "end_to_end"  # tests that cross the whole tool, not one module
# Alembic revisions are steps of the database's history, not modules a reader looks for: the
# table names their folder.
REVISIONS = PACKAGE / "web" / "migrations" / "versions"


def misplaced_tests(tests: Path, package: Path) -> list[str]:
    """`path: message` for every test file not at the path of a folder of the package."""
    problems = []
    for test in sorted(tests.rglob("test_*.py")):
        folder = test.parent.relative_to(tests)
        if folder.parts[:1] == ("fixtures",):
            continue  # fixture projects, never collected as tests
        if test.parent != END_TO_END and not (package / folder).is_dir():
            problems.append(f"{test.relative_to(tests.parent)}: no folder builder/{folder.as_posix()}; "
                            f"a test goes in tests/<folder of the module it tests>/, or in "
                            f"tests/end_to_end/ when it crosses the whole tool")
        elif folder == Path(".") and (elsewhere := module_elsewhere(package, test.stem[5:])):
            home = elsewhere if (package.parent / elsewhere).is_dir() else Path(elsewhere).parent
            problems.append(f"{test.relative_to(tests.parent)}: tests of {elsewhere} go in "
                            f"tests/{Path(home).relative_to('builder').as_posix()}/")
        elif test.parent != tests and not (test.parent / "__init__.py").is_file():
            problems.append(f"{test.relative_to(tests.parent)}: its folder has no __init__.py, so a "
                            f"test file of the same name elsewhere would clash")
    return problems


def module_elsewhere(package: Path, name: str) -> str | None:
    """`builder/…/name.py` (or the subpackage `name/`) below the package's top, when there is no
    `builder/name.py`: a test named after it belongs in that module's folder."""
    if (package / f"{name}.py").exists():
        return None
    found = [p for p in [package / name, *sorted(package.rglob(f"{name}.py")),
                         *sorted(package.rglob(name))] if p.is_dir() or p.suffix == ".py"]
    return found[0].relative_to(package.parent).as_posix() if found else None


def test_every_test_sits_at_the_path_of_the_module_it_tests() -> None:
    problems = misplaced_tests(TESTS, PACKAGE)
    assert not problems, "\n".join(problems)


def how_it_works_table() -> list[tuple[int, list[str]]]:
    """(README line, the names in its first cell) for each row of the table."""
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("## How it works")
    rows = []
    for number, line in enumerate(lines[start + 1:], start + 2):
        if line.startswith("## "):
            break
        if line.startswith("| `"):
            rows.append((number, re.findall(r"`([^`]*)`", line.split(" | ")[0])))
    return rows


def test_the_readme_table_names_every_module_once_and_only_modules_that_exist() -> None:
    modules = {p.relative_to(REPO).as_posix() for p in PACKAGE.rglob("*.py")
               if p.name != "__init__.py" and p.parent != REVISIONS}
    problems, named = [], set()
    for line, names in how_it_works_table():
        if len(names) != 1:
            problems.append(f"README.md:{line}: one module a line, not {names}")
        for name in names:
            if not (REPO / name).is_file() and REPO / name != REVISIONS:
                problems.append(f"README.md:{line}: {name} is not a module of builder/")
            named.add(name)
    problems += [f"{module}: not in README.md's \"How it works\" table"
                 for module in sorted(modules - named)]
    assert not problems, "\n".join(problems)
