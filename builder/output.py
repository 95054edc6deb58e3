"""The only code that writes to disk: atomic files (temp file + os.replace) and the manifest."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from builder.errors import OutputError, Problem, display_path

MANIFEST = "manifest.json"


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a crash leaves either the old file or the new one, whole."""
    atomic_write_all({path: data})


def atomic_write_all(files: dict[Path, bytes]) -> None:
    """Write several files all-or-nothing: an error leaves every one of them as it was.

    Every temp file is written (and synced) first; each file about to be replaced is kept as a
    hard link; only then are the temp files renamed over the real names. If a rename fails
    (a full disk, a permission error, Ctrl-C), the files already replaced are put back from
    their links and the new ones removed. A crash of the machine or the process (kill -9) in
    the middle of the renames cannot be undone this way: then some files are new and some old, and the
    manifest, written after all of them, no longer matches the new ones, so the next build
    rebuilds them.
    """
    temps: list[tuple[str, Path]] = []
    backups: dict[Path, str] = {}
    done: list[Path] = []
    try:
        for path, data in files.items():
            temps.append((_write_temp(path, data), path))
        for _tmp, path in temps:
            if path.exists():
                backup = _temp_name(path, ".bak.tmp")
                try:
                    os.link(path, backup)
                except OSError as exc:
                    raise _output_error(path, exc) from None
                backups[path] = backup
        for tmp, path in temps:
            try:
                os.replace(tmp, path)
            except BaseException as exc:  # an OS error, or Ctrl-C between two renames
                _roll_back(done, backups)
                if isinstance(exc, OSError):
                    raise _output_error(path, exc) from None
                raise
            done.append(path)
    finally:
        for leftover in [t for t, _ in temps] + list(backups.values()):
            with contextlib.suppress(OSError):
                os.unlink(leftover)


def _temp_name(path: Path, suffix: str) -> str:
    return str(path.parent / f".{path.name}.{secrets.token_hex(4)}{suffix}")


def _write_temp(path: Path, data: bytes) -> str:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _output_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _output_error(path, exc) from None
    return tmp


def _roll_back(done: list[Path], backups: dict[Path, str]) -> None:
    """Undo the renames in `done`: the old file back from its link, or no file where none was."""
    for path in reversed(done):
        with contextlib.suppress(OSError):
            if path in backups:
                os.replace(backups[path], path)
            else:
                os.unlink(path)


def _output_error(path: Path, exc: OSError) -> OutputError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        why = "the disk is full: free some space and build again"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "permission denied: choose a folder you can write to with --out DIR"
    elif exc.errno in (errno.ENOTDIR, errno.EEXIST):
        why = ("a file is in the way where a folder is needed: choose another folder with "
               "--out DIR, or move the file away")
    elif exc.errno == errno.EISDIR:
        why = "a folder is in the way where the file goes: move it away and build again"
    else:
        why = f"cannot write ({exc.strerror or exc}): check the output folder, or use --out DIR"
    return OutputError([Problem(display_path(path), None, why)])


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(root: Path, warn: Callable[[Problem], None] = lambda _problem: None,
                  ) -> dict[str, Any]:
    """The manifest of `root`, or an empty one: then every output is built again.

    A manifest that is there but cannot be used (unreadable, not JSON, not ours) is reported
    through `warn`, with the reason; only a missing one (a first build) is not.
    """
    path = root / MANIFEST
    empty: dict[str, Any] = {"files": {}}
    line = None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return empty
    except OSError as exc:
        why = f"cannot be read ({exc.strerror or exc})"
    except UnicodeDecodeError:
        why = "is not UTF-8 text"
    except json.JSONDecodeError as exc:
        why, line = f"is not valid JSON ({exc.msg}, column {exc.colno})", exc.lineno
    else:
        if isinstance(data, dict) and isinstance(data.get("files"), dict):
            return data
        why = "is not a handout manifest (no \"files\" object)"
    warn(Problem(display_path(path), line, f"the manifest {why}: every output is built again "
                 "and the manifest written anew"))
    return empty


def write_manifest(root: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write(root / MANIFEST, text.encode("utf-8"))


def check_writable(root: Path) -> None:
    """Fail before rendering anything when the output folder cannot be written."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=root, prefix=".probe.", delete=True):
            pass  # created and deleted: the folder takes new files
    except OSError as exc:
        raise _output_error(root, exc) from None
    if not os.access(root, os.W_OK):
        raise OutputError.at(root, None, "permission denied: choose a folder you can write "
                             "to with --out DIR")

