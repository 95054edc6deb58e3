"""The clinic profile: who hands the leaflet out, how to reach them, their brand colour and logo."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from babel import Locale, UnknownLocaleError
from pydantic import Field, field_validator, model_validator

from builder.characters import show
from builder.content import image_problem
from builder.errors import ConfigError, Problem, display_path
from builder.markup import check_markup
from builder.model import Strict
from builder.yamlio import line_of, load_yaml, validate

HEX_RE = r"^#[0-9a-fA-F]{6}$"
MIN_CONTRAST = 4.5
TEXT_COLOUR = "#1a1a1a"
BACKGROUND = "#ffffff"
LAYOUT_ROLES = ("title", "section", "content", "two-column", "questions", "closing")
PHONE_PATTERN = r"^[0-9+()\-./ ]{3,40}$"


def N_(message: str) -> str:
    """Mark a UI string for extraction; it is translated where it is used."""
    return message


# The warning signs printed when a profile gives none of its own: a default built from what our
# sources say (infection risk; new or worse pain, tiredness, problems or side effects). The fever
# threshold follows OncoLink "Neutropenic Fever" (Penn Medicine, last reviewed 24 July 2024,
# https://oncolink.org/cancer-treatment/hospital-helpers/oncologic-emergencies/neutropenic-fever).
# These are clinical statements the clinic owns: every leaflet printed with them says they are a
# default the clinic should check and replace with its own.
DEFAULT_URGENT_SIGNS = (
    # Translators: a warning sign in the "When to call us urgently" box. Keep both numbers.
    N_("A temperature of 38 °C (100.4 °F) or higher, or shivering and feeling cold"),
    # Translators: a warning sign in the "When to call us urgently" box.
    N_("Any other sign of an infection, or suddenly feeling very unwell"),
    # Translators: a warning sign in the "When to call us urgently" box.
    N_("New or much worse pain, for example in your bones"),
    # Translators: a warning sign in the "When to call us urgently" box.
    N_("Feeling much more tired or weak than usual"),
    # Translators: a warning sign in the "When to call us urgently" box.
    N_("A new side effect or problem after treatment, or one that gets worse"),
)


class Urgent(Strict):
    """When to call urgently: the clinic's urgent / out-of-hours number and its warning signs."""

    phone: Annotated[str, Field(pattern=PHONE_PATTERN)] | None = None
    # The clinic's own warning signs, in English (translated through the UI catalog where a
    # translation exists); without them the default list above is printed, marked as a default.
    signs: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]],
                     Field(min_length=1, max_length=8)] | None = None
    opt_out: bool = False  # the clinic gives urgent contacts another way: no box is printed

    @field_validator("signs")
    @classmethod
    def _printable(cls, value: list[str] | None) -> list[str] | None:
        for line in value or []:
            problem = check_markup(line.replace("{", "(").replace("}", ")"))
            if problem:
                raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _number(self) -> Urgent:
        if not self.opt_out and not self.phone:
            raise ValueError("no urgent number: give 'phone' (the number patients call urgently, "
                             "day or night), or write 'opt_out: true' if the clinic gives urgent "
                             "contacts another way")
        return self


class Helpline(Strict):
    """A helpline a facilitator may name when someone in a group is upset."""

    name: Annotated[str, Field(min_length=1, max_length=120)]
    phone: Annotated[str, Field(pattern=PHONE_PATTERN)]

    @field_validator("name")
    @classmethod
    def _printable(cls, value: str) -> str:
        problem = check_markup(value.replace("{", "(").replace("}", ")"))
        if problem:
            raise ValueError(problem)
        return value


class DeckSettings(Strict):
    """How the clinic's support-group decks are run."""

    # The clinic hosts the group: its contacts go on the closing slides. A group that meets
    # elsewhere writes `host: false` (or builds with --no-host).
    host: bool = True
    helplines: Annotated[list[Helpline], Field(max_length=4)] = []  # noqa: RUF012 - pydantic copies a default per instance


class ClinicProfile(Strict):
    name: Annotated[str, Field(min_length=1, max_length=120)]
    phone: Annotated[str, Field(pattern=PHONE_PATTERN)]
    address: list[str] | str
    web: Annotated[str, Field(pattern=r"^https://\S+$")]
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    logo: str | None = None
    accent: Annotated[str, Field(pattern=HEX_RE)] = "#1f5f8b"
    paper: Literal["a4", "letter"] = "a4"
    languages: list[str] = ["en"]  # noqa: RUF012 - pydantic copies a default per instance
    qr: Annotated[str, Field(pattern=r"^https://\S+$")] | None = None
    template: str | None = None  # the clinic's own .pptx/.potx
    layouts: dict[Literal["title", "section", "content", "two-column", "questions", "closing"],
                  str] = {}  # noqa: RUF012 - pydantic copies a default per instance
    urgent: Urgent | None = None  # required: load_clinic refuses a profile without it
    deck: DeckSettings = DeckSettings()

    @field_validator("address")
    @classmethod
    def _lines(cls, value: list[str] | str) -> list[str]:
        return [value] if isinstance(value, str) else value

    @field_validator("name", "address", "email")
    @classmethod
    def _printable(cls, value: object) -> object:
        # Printed on every leaflet and slide: no control characters (python-pptx writes them
        # as visible _x001B_), no markup, no addresses other than https.
        for line in value if isinstance(value, list) else [value]:
            if isinstance(line, str):
                problem = check_markup(line.replace("{", "(").replace("}", ")"))
                if problem:
                    raise ValueError(problem)
        return value

    @field_validator("languages")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        for code in value:
            try:
                Locale.parse(code.replace("-", "_"))
            except (UnknownLocaleError, ValueError, TypeError):
                raise ValueError(f"{show(code)} is not a language code: use codes like en, es, "
                                 "zh_Hans or pt_BR (write no for Norwegian)") from None
        return value


class Clinic:
    """A validated profile with its files resolved."""

    def __init__(self, profile: ClinicProfile, path: Path):
        self.profile = profile
        self.path = path
        self.logo = (path.parent / profile.logo).resolve() if profile.logo else None
        self.template = (path.parent / profile.template).resolve() if profile.template else None

    @property
    def host(self) -> bool:
        """Whether the clinic hosts its support groups (its contacts on the closing slides)."""
        return self.profile.deck.host

    @property
    def urgent(self) -> Urgent | None:
        """The urgent box to print, or None when the clinic opted out."""
        urgent = self.profile.urgent
        return None if urgent is None or urgent.opt_out else urgent

    @property
    def urgent_signs(self) -> tuple[tuple[str, ...], bool]:
        """The English warning signs, and whether they are our default list."""
        urgent = self.urgent
        if urgent is None:
            return (), False
        return (tuple(urgent.signs), False) if urgent.signs else (DEFAULT_URGENT_SIGNS, True)

    @property
    def values(self) -> dict[str, str]:
        """Placeholder values for content text."""
        return {"clinic_name": self.profile.name, "clinic_phone": self.profile.phone,
                "clinic_web": self.profile.web.removeprefix("https://").rstrip("/")}


def load_clinic(path: Path) -> Clinic:
    problems: list[Problem] = []
    shown = display_path(path)
    if not path.is_file():
        raise ConfigError.at(path, None, "clinic profile not found: check the --clinic path "
                             "(the default is templates/clinic/demo.yaml)")
    data = load_yaml(path, problems, max_bytes=100_000)
    profile = validate(ClinicProfile, data, path, problems) if data is not None else None
    if not isinstance(profile, ClinicProfile):
        raise ConfigError(problems or [Problem(shown, None, "invalid clinic profile")])
    if profile.urgent is None:
        problems.append(Problem(shown, 1, "no 'urgent' section: every leaflet prints when to "
                                "call urgently; add 'urgent:' with 'phone:' (the urgent or "
                                "out-of-hours number) and, if you wish, your own 'signs:', or "
                                "'urgent: {opt_out: true}' if the clinic gives urgent contacts "
                                "another way (see README, clinic profile)"))
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
        why = _file_problem(key, str(getattr(profile, key)), target, kinds, shown)
        if why:
            problems.append(Problem(shown, line_of(data, [key]), why))
    if problems:
        raise ConfigError(problems)
    return clinic


def _file_problem(key: str, value: str, target: Path, kinds: set[str], shown: str) -> str | None:
    """What is wrong with the file the profile's `key` names (`value`, found at `target`)."""
    if "://" in value or value.startswith(("file:", "http:", "https:", "data:")):
        return (f"{key} {show(value, 60)} is an address: give "
                f"the path of a file next to {Path(shown).name} (e.g. "
                f"{'logo.svg' if key == 'logo' else 'clinic.pptx'})")
    if not target.is_file():
        return (f"{key} file {show(value, 60)} not found "
                f"(paths are relative to {shown}): check the file name, or "
                f"delete the '{key}' line")
    if target.suffix.lower() not in kinds:
        return (f"{key} must be a "
                f"{' or '.join(sorted(k[1:].upper() for k in kinds))} file, "
                f"not {show(target.name)}: convert it")
    if key == "logo":
        why = image_problem(target)
        if why:
            return f"logo {show(value, 60)}: {why}"
    return None


SRGB_LINEAR_END = 0.04045  # sRGB: below it a channel is linear (WCAG 2 relative luminance)


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= SRGB_LINEAR_END else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def is_colour(value: str) -> bool:
    return re.match(HEX_RE, value) is not None
