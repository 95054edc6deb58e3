"""The clinic profile: who hands the leaflet out, how to reach them, their brand colour and logo."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator

from builder.errors import ConfigError, Problem, display_path
from builder.model import Strict
from builder.yamlio import line_of, load_yaml, validate

HEX_RE = r"^#[0-9a-fA-F]{6}$"
MIN_CONTRAST = 4.5
TEXT_COLOUR = "#1a1a1a"
BACKGROUND = "#ffffff"
LAYOUT_ROLES = ("title", "section", "content", "two-column", "questions", "closing")


class ClinicProfile(Strict):
    name: Annotated[str, Field(min_length=1, max_length=120)]
    phone: Annotated[str, Field(pattern=r"^[0-9+()\-./ ]{3,40}$")]
    address: list[str] | str
    web: Annotated[str, Field(pattern=r"^https://\S+$")]
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    logo: str | None = None
    accent: Annotated[str, Field(pattern=HEX_RE)] = "#1f5f8b"
    paper: Literal["a4", "letter"] = "a4"
    languages: list[str] = ["en"]
    qr: Annotated[str, Field(pattern=r"^https://\S+$")] | None = None
    template: str | None = None  # the clinic's own .pptx/.potx
    layouts: dict[Literal["title", "section", "content", "two-column", "questions", "closing"],
                  str] = {}

    @field_validator("address")
    @classmethod
    def _lines(cls, value: list[str] | str) -> list[str]:
        return [value] if isinstance(value, str) else value


class Clinic:
    """A validated profile with its files resolved."""

    def __init__(self, profile: ClinicProfile, path: Path):
        self.profile = profile
        self.path = path
        self.logo = (path.parent / profile.logo).resolve() if profile.logo else None
        self.template = (path.parent / profile.template).resolve() if profile.template else None

    @property
    def values(self) -> dict[str, str]:
        """Placeholder values for content text."""
        return {"clinic_name": self.profile.name, "clinic_phone": self.profile.phone,
                "clinic_web": self.profile.web.removeprefix("https://").rstrip("/")}


def load_clinic(path: Path) -> Clinic:
    problems: list[Problem] = []
    shown = display_path(path)
    if not path.is_file():
        raise ConfigError.at(path, None, "clinic profile not found: check the --clinic path")
    data = load_yaml(path, problems, max_bytes=100_000)
    profile = validate(ClinicProfile, data, path, problems) if data is not None else None
    if not isinstance(profile, ClinicProfile):
        raise ConfigError(problems or [Problem(shown, None, "invalid clinic profile")])
    ratio = contrast(profile.accent, BACKGROUND)
    if ratio < MIN_CONTRAST:
        problems.append(Problem(shown, line_of(data, ["accent"]),
                                f"accent colour {profile.accent} has contrast {ratio:.2f}:1 against "
                                f"white; at least {MIN_CONTRAST}:1 is needed (WCAG AA): choose a "
                                "darker colour"))
    clinic = Clinic(profile, path)
    for key, target, kinds in (("logo", clinic.logo, {".svg", ".png"}),
                               ("template", clinic.template, {".pptx", ".potx"})):
        if target is None:
            continue
        if not target.is_file():
            problems.append(Problem(shown, line_of(data, [key]),
                                    f"{key} file '{getattr(profile, key)}' not found (paths are "
                                    f"relative to {shown})"))
        elif target.suffix.lower() not in kinds:
            problems.append(Problem(shown, line_of(data, [key]),
                                    f"{key} must be one of {', '.join(sorted(kinds))}"))
    if problems:
        raise ConfigError(problems)
    return clinic


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def is_colour(value: str) -> bool:
    return re.match(HEX_RE, value) is not None
