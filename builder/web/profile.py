"""The clinic profile kept in the database: validated by the CLI's own `load_clinic`, logo checked.

The profile is stored as the YAML `handout build --clinic` reads, plus the logo as PNG bytes. To
render, it is written out once per version under the data folder and read back with `load_clinic`.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from builder.clinic import Clinic, load_clinic
from builder.errors import ConfigError, Problem
from builder.project import Project
from builder.web.db import Profile, utcnow

MAX_LOGO_BYTES = 2_000_000
MAX_LOGO_PIXELS = 4000 * 4000
MAX_LOGO_SIDE = 4000
PROFILE_NAME = "clinic.yaml"
FIELDS = ("name", "phone", "address", "web", "email", "accent", "paper", "languages", "qr")


class ProfileError(ConfigError):
    """The profile or logo a staff member sent is not valid; nothing was saved."""


class EditConflict(Exception):
    """Someone else saved the profile since this form was opened."""


def _yaml() -> YAML:
    yaml = YAML()
    yaml.default_flow_style = False
    return yaml


def dump(data: dict[str, Any]) -> str:
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def parse(text: str) -> dict[str, Any]:
    """YAML text as a plain dict (for the form), or ProfileError."""
    try:
        data = YAML(typ="safe").load(text)
    except Exception as exc:  # noqa: BLE001 - ruamel raises many kinds; all are the user's input
        raise ProfileError(f"{PROFILE_NAME}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ProfileError(f"{PROFILE_NAME}: expected keys like 'name: ...', 'phone: ...'")
    return data


def validate(text: str, logo: bytes | None) -> Clinic:
    """Check a profile exactly as `handout build --clinic` does; ProfileError lists every problem."""
    data = parse(text)
    with tempfile.TemporaryDirectory(prefix="handout-profile-") as tmp:
        folder = Path(tmp)
        if logo is not None:
            (folder / "logo.png").write_bytes(logo)
        (folder / PROFILE_NAME).write_text(text, encoding="utf-8")
        if "logo" in data and logo is None:
            raise ProfileError(f"{PROFILE_NAME}: the logo is uploaded on this page, not named in "
                               "the file: delete the 'logo' line, then upload the image")
        try:
            return load_clinic(folder / PROFILE_NAME)
        except ConfigError as exc:
            raise ProfileError([Problem(PROFILE_NAME if p.path else "", p.line, p.message)
                                for p in exc.problems]) from None


def with_logo(text: str, logo: bytes | None) -> str:
    """The YAML as it is written next to the logo: `logo: logo.png` when there is one."""
    data = parse(text)
    data.pop("logo", None)
    if logo is not None:
        data["logo"] = "logo.png"
    return dump(data)


def check_logo(data: bytes, content_type: str | None) -> bytes:
    """An uploaded logo as clean PNG bytes: PNG or JPEG only, size and pixel caps; SVG refused."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_LOGO_BYTES:
        raise ProfileError(f"logo: the file is {len(data) / 1e6:.1f} MB; at most "
                           f"{MAX_LOGO_BYTES / 1e6:.0f} MB: save a smaller image")
    head = data[:512].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype")) or b"<svg" in head:
        raise ProfileError("logo: SVG files are not accepted (they can carry scripts): upload a "
                           "PNG or JPEG")
    Image.MAX_IMAGE_PIXELS = MAX_LOGO_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG"):
                raise ProfileError(f"logo: a {image.format or 'unknown'} image; upload a PNG or JPEG")
            if max(image.size) > MAX_LOGO_SIDE or image.size[0] * image.size[1] > MAX_LOGO_PIXELS:
                raise ProfileError(f"logo: {image.size[0]}×{image.size[1]} pixels; at most "
                                   f"{MAX_LOGO_SIDE} on a side: scale it down")
            image.load()
            clean = image.convert("RGBA")
    except ProfileError:
        raise
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise ProfileError("logo: not a PNG or JPEG image (the file is damaged or of another "
                           "kind, whatever its name says): upload a PNG or JPEG") from None
    out = io.BytesIO()
    clean.save(out, format="PNG")  # re-encoded: nothing of the upload but its pixels is kept
    return out.getvalue()


def current(session: Session, project: Project) -> Profile:
    """The stored profile; on a fresh database, the demo profile and its PNG logo."""
    row = session.scalar(select(Profile).where(Profile.id == 1))
    if row is not None:
        return row
    demo = project.templates / "clinic" / "demo.yaml"
    data = parse(demo.read_text(encoding="utf-8"))
    logo_path = demo.parent / "demo-logo.png"
    logo = logo_path.read_bytes() if logo_path.is_file() else None
    data.pop("logo", None)
    row = Profile(id=1, version=1, yaml=dump(data), logo=logo, updated_by="")
    session.add(row)
    session.commit()
    return row


def save(session: Session, version: int, text: str, logo: bytes | None, who: str) -> Profile:
    """Validate, then store in one transaction if nobody saved since `version`; else EditConflict."""
    validate(with_logo(text, logo), logo)
    result = session.execute(update(Profile).where(Profile.id == 1, Profile.version == version)
                             .values(version=version + 1, yaml=dump(parse(text)), logo=logo,
                                     updated=utcnow(), updated_by=who))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise EditConflict()
    session.commit()
    row = session.get(Profile, 1)
    assert row is not None
    session.refresh(row)
    return row


def materialize(row: Profile, folder: Path) -> Path:
    """The profile as files `load_clinic` reads, one folder per content (written once)."""
    text = with_logo(row.yaml, row.logo)
    digest = hashlib.sha256(text.encode() + (row.logo or b"")).hexdigest()[:16]
    target = folder / digest
    path = target / PROFILE_NAME
    if not path.is_file():
        from builder.output import atomic_write_all

        files = {path: text.encode("utf-8")}
        if row.logo is not None:
            files[target / "logo.png"] = row.logo
        # the logo first: atomic_write_all renames in order, so the YAML never names a missing file
        atomic_write_all(dict(sorted(files.items(), key=lambda kv: kv[0].name != "logo.png")))
    return path


def form_values(text: str) -> dict[str, str]:
    data = parse(text)
    values = {key: data.get(key) for key in FIELDS}
    address = values.get("address")
    values["address"] = "\n".join(address) if isinstance(address, list) else (address or "")
    values["languages"] = ", ".join(values.get("languages") or [])
    return {k: "" if v is None else str(v) for k, v in values.items()}


def from_form(form: dict[str, str], keep: dict[str, Any]) -> str:
    """The YAML for the submitted form fields; keys the form does not show (template) are kept."""
    data: dict[str, Any] = {k: v for k, v in keep.items() if k not in FIELDS and k != "logo"}
    for key in FIELDS:
        value = (form.get(key) or "").strip()
        if key == "address":
            lines = [line.strip() for line in value.splitlines() if line.strip()]
            if lines:
                data[key] = lines
        elif key == "languages":
            codes = [c.strip() for c in value.replace(";", ",").split(",") if c.strip()]
            if codes:
                data[key] = codes
        elif value:
            data[key] = value
    return dump(data)
