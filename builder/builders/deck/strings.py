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
# A support-group session (issue #18): the presenter's slides and the facilitator's script.
WELCOME = N_("Welcome")
GROUND_RULES = (
    N_("What is said in the group stays in the group."),
    N_("We share experiences. We don't give medical advice: ask your own care team."),
    N_("Everyone may speak, and no one has to."),
    N_("Listen without interrupting, and be kind."),
    N_("Take a break whenever you need one."),
)
# Translators: minutes on the agenda of a support-group session, e.g. "15 min".
MINUTES = N_("%(minutes)s min")
BREAK = N_("Break")
BREAK_TEXT = N_("Stretch, have a drink, and come back when you are ready.")
RECAP = N_("What we talked about")
THANKS = N_("Thank you for coming")
# Translators: followed by a line the facilitator fills in by hand or on the slide.
NEXT_MEETING = N_("Our next meeting:")
LOCAL = N_("Local information")
LOCAL_HINT = N_("Add local information here: where we meet, transport, local services.")
# Speaker notes: the facilitator's script, then the full text for reference.
REFERENCE = N_("Full text, for reference:")
SCRIPT_WELCOME = N_("Welcome everyone and say your name. Read the ground rules aloud and ask if "
                    "anyone wants to add one. Show where the quiet corner and the toilets are.")
SCRIPT_AGENDA = N_("Go through the plan and the times. Say that people can leave the room at "
                   "any time.")
SCRIPT_DISCUSSION = N_("Read each question aloud and give people a moment to think. Invite, do "
                       "not push: anyone may pass. Share experiences, not medical advice.")
SCRIPT_QUESTIONS = N_("Invite people to tick the questions they want to ask and to add their "
                      "own. The answers come from their own care team.")
SCRIPT_UPSET = N_("If someone is upset: pause, say that this is hard, and offer a break or the "
                  "quiet corner. Suggest they talk to their care team.")
# Translators: followed by helplines the clinic profile names, e.g. "Infoline +1 555 0100".
SCRIPT_HELPLINES = N_("Helplines you can name:")
SCRIPT_BREAK = N_("Say when you will start again. Check on anyone who seems upset.")
SCRIPT_RECAP = N_("Go over what we talked about. Ask if anyone would like to share one thing "
                  "they take away.")
SCRIPT_LOCAL = N_("Before the session, write local information on this slide, or delete it.")
SCRIPT_CLOSING = N_("Thank everyone for coming. Say when and where the next meeting is.")
# The audience handout (--format handout): its two headings.
HANDOUT_QUESTIONS = N_("Questions to ask your care team: tick the ones you want to ask")
HANDOUT_SLIDES = N_("The slides, with room for your notes")
# Alt text of the pictograms on slides, read out by screen readers.
ICON_ALTS = {
    "people-fill": N_("Pictogram: a group of people"),
    "list-check": N_("Pictogram: a list"),
    "question-circle-fill": N_("Pictogram: a question mark"),
    "chat-dots-fill": N_("Pictogram: speech bubbles"),
    "cup-hot-fill": N_("Pictogram: a hot drink"),
    "arrow-repeat": N_("Pictogram: circular arrows"),
    "heart-pulse-fill": N_("Pictogram: a heart"),
    "hourglass-split": N_("Pictogram: an hourglass"),
    "info-circle-fill": N_("Pictogram: an information sign"),
    "geo-alt-fill": N_("Pictogram: a map pin"),
    "journal-check": N_("Pictogram: a notebook"),
}
LEVEL_LABELS = {"easy": N_("Easy read"), "standard": N_("Standard"), "detailed": N_("Detailed")}

MESSAGES = (CONTINUED, AGENDA, QUESTIONS, DISCUSSION, GLOSSARY, CONTACT, PHONE, EMAIL, SCAN, QR_ALT,
            NOT_YET, SOME_ENGLISH, DRAFT, TRANSLATED_REVIEWED, TRANSLATED_REVIEWED_BY,
            TRANSLATED_DRAFT, DISCLAIMER, KEYWORDS, URGENT, URGENT_LINE, URGENT_CALL,
            URGENT_EMERGENCY, URGENT_DEFAULT, *LEVEL_LABELS.values(), WELCOME, *GROUND_RULES,
            MINUTES, BREAK, BREAK_TEXT, RECAP, THANKS, NEXT_MEETING, LOCAL, LOCAL_HINT, REFERENCE,
            SCRIPT_WELCOME, SCRIPT_AGENDA, SCRIPT_DISCUSSION, SCRIPT_QUESTIONS, SCRIPT_UPSET,
            SCRIPT_HELPLINES, SCRIPT_BREAK, SCRIPT_RECAP, SCRIPT_LOCAL, SCRIPT_CLOSING,
            HANDOUT_QUESTIONS, HANDOUT_SLIDES, *ICON_ALTS.values())
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
