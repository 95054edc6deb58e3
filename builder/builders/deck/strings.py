"""The deck's own UI strings (slide titles, contacts, status lines) and how a deck looks them up."""

from __future__ import annotations

import re
from dataclasses import dataclass

from builder.document import Doc, UiStrings
from builder.errors import Problem


def N_(message: str) -> str:
    """Mark a UI string for extraction; it is translated where it is used."""
    return message


# Translators: the title of a slide that continues the previous one.
CONTINUED = N_("%(title)s (continued)")
AGENDA = N_("What we will talk about")
QUESTIONS = N_("Questions to ask")
DISCUSSION = N_("Let's talk")
GLOSSARY = N_("Medical words explained")
CONTACT = N_("Questions? Contact your care team")
PHONE = N_("Phone:")
EMAIL = N_("Email:")
SCAN = N_("Scan the code or type this address:")
# Translators: alt text of the QR code picture, read out by screen readers.
QR_ALT = N_("QR code that opens %(address)s")
NOT_YET = N_("Not yet available in %(lang)s. Shown in English:")
SOME_ENGLISH = N_("Some parts are not yet available in %(lang)s and are shown in English. "
                  "They are marked.")
DRAFT = N_("Draft: this information has not yet been checked by a clinical reviewer.")
TRANSLATED_REVIEWED = N_("This %(lang)s version was translated from the English original and "
                         "reviewed by a person.")
TRANSLATED_REVIEWED_BY = N_("This %(lang)s version was translated from the English original and "
                            "reviewed by %(reviewer)s.")
TRANSLATED_DRAFT = N_("This %(lang)s version is a draft translation of the English original. It "
                      "has not yet been reviewed by a person.")
DISCLAIMER = N_("These slides give general information. They do not replace the advice of your "
                "doctor or care team, who know your situation.")
KEYWORDS = N_("multiple myeloma")
URGENT = N_("When to call us urgently")
URGENT_LINE = N_("Urgent, day or night:")
URGENT_CALL = N_("Call us straight away, day or night, if you have any of these:")
URGENT_EMERGENCY = N_("If you cannot reach us, or if it is an emergency, call your local "
                      "emergency number.")
URGENT_DEFAULT = N_("This list of warning signs is a default. Your clinic should check it and set "
                    "its own.")
LEVEL_LABELS = {"easy": N_("Easy read"), "standard": N_("Standard"), "detailed": N_("Detailed")}

MESSAGES = (CONTINUED, AGENDA, QUESTIONS, DISCUSSION, GLOSSARY, CONTACT, PHONE, EMAIL, SCAN, QR_ALT,
            NOT_YET, SOME_ENGLISH, DRAFT, TRANSLATED_REVIEWED, TRANSLATED_REVIEWED_BY,
            TRANSLATED_DRAFT, DISCLAIMER, KEYWORDS, URGENT, URGENT_LINE, URGENT_CALL,
            URGENT_EMERGENCY, URGENT_DEFAULT, *LEVEL_LABELS.values())
_NAMED = re.compile(r"%\((\w+)\)")


@dataclass(frozen=True)
class Strings:
    """The UI strings of one deck, in its language; the English where a translation fails."""

    ui: UiStrings
    english: bool  # the deck is in English: nothing in it is "shown in English"

    @classmethod
    def of(cls, doc: Doc) -> Strings:
        return cls(doc.ui, doc.lang.code.startswith("en"))

    def __call__(self, message: str, **values: str) -> str:
        text = self.ui.gettext(message)
        if not values:
            return text
        try:
            return text % values
        except (KeyError, ValueError, TypeError):  # a broken translation: show the English
            return message % values

    def untranslated(self, message: str) -> bool:
        """Whether a UI string is shown in English (so set left to right, marked English)."""
        return not self.english and self.ui.gettext(message) == message

    def problems(self) -> list[Problem]:
        """A warning for each deck string whose translation cannot be filled in (shown in English)."""
        out = []
        for message in MESSAGES:
            names = _NAMED.findall(message)
            text = self.ui.gettext(message)
            if not names or text == message:
                continue
            try:
                text % dict.fromkeys(names, "x")
            except (KeyError, ValueError, TypeError) as error:
                out.append(Problem("", None, f"ui: {message[:60]!r}: the {self.ui.lang} translation "
                                             f"{text[:60]!r} cannot be filled in ({error!r}); "
                                             "decks show the English"))
        return out
