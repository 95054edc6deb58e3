"""One on-disk cache of checked inputs (library, catalogs), keyed on what made them valid.

A cached object was checked by *this* code: the key holds the tool's version and a digest of the
package's own source (the rules), so after an upgrade or a changed rule nothing checked by the old
rules is used. Only a cache that cannot be read or written is tolerated (it is only slower);
any other error is a bug and propagates.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from builder import __version__

T = TypeVar("T")  # what the cache holds
V = TypeVar("V")  # what compute() returns: T, or T | None when nothing is worth keeping
# Errors that mean "no usable cache entry": a missing or truncated file, an object pickled by
# other code. Anything else is not swallowed.
_READ_ERRORS = (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
                ModuleNotFoundError, IndexError, TypeError, ValueError)
_WRITE_ERRORS = (OSError, pickle.PicklingError)


@lru_cache(maxsize=1)
def rules_digest() -> str:
    """The tool's version and a digest of every module of the package: the rules in force."""
    digest = hashlib.sha256(f"handout={__version__}".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def cache_key(recipe: str, *parts: bytes | str) -> str:
    """A key for `recipe` (what is cached and how) over `parts` (the inputs), under the rules."""
    digest = hashlib.sha256(f"{rules_digest()}|{recipe}".encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()[:32]


def cached(folder: Path, name: str, key: str, kind: type[T], compute: Callable[[], V],
           keep: Callable[[V], bool] = lambda _value: True) -> T | V:
    """`compute()`, or the object cached under `folder/name-key.pickle` by an earlier run.

    Only values for which `keep` is true are stored (e.g. catalogs that passed QA); older
    entries of the same `name` are removed when a new one is written.
    """
    target = folder / f"{name}-{key}.pickle"
    try:
        with target.open("rb") as handle:
            value = pickle.load(handle)
        if isinstance(value, kind):
            return value
    except _READ_ERRORS:
        pass
    value = compute()
    if keep(value):
        from builder.errors import OutputError
        from builder.output import atomic_write

        try:
            atomic_write(target, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
            for old in folder.glob(f"{name}-*.pickle"):
                if old != target:
                    old.unlink(missing_ok=True)
        except (*_WRITE_ERRORS, OutputError):  # atomic_write reports OSError as OutputError
            pass  # a cache that cannot be written only makes the next run slower
    return value
