"""The word diff beside a stale translation, in the translators' dashboard and the live preview:
what changed in the English reads as whole words and numbers, in any script."""

from __future__ import annotations

from builder.i18n.diff import word_diff


def reads(pieces: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    """The old English (unchanged and removed runs) and the new (unchanged and added runs)."""
    return ("".join(t for op, t in pieces if op != "ins"),
            "".join(t for op, t in pieces if op != "del"))


def test_a_changed_number_shows_as_that_number_replaced() -> None:
    assert word_diff("Take 4 tablets a day.", "Take 3 tablets a day.") == (
        ("same", "Take "), ("del", "4"), ("ins", "3"), ("same", " tablets a day."))
    assert word_diff("Call us at 38 °C or above.", "Call us at 37.5 °C or above.") == (
        ("same", "Call us at "), ("del", "38"), ("ins", "37.5"), ("same", " °C or above."))


def test_whole_words_and_phrases_not_letters() -> None:
    assert word_diff("quiet for a while again.", "quiet for a while.") == (
        ("same", "quiet for a while"), ("del", " again"), ("same", "."))
    # A phrase replaced reads as one change, with the space between its words inside it.
    assert word_diff("improves for some months. When", "improves for a time. When") == (
        ("same", "improves for "), ("del", "some months"), ("ins", "a time"), ("same", ". When"))
    # Punctuation is its own token: the word before a full stop is not shown as changed.
    assert word_diff("No single plan works for everyone.", "No one plan works for every person.") \
        == (("same", "No "), ("del", "single"), ("ins", "one"), ("same", " plan works for "),
            ("del", "everyone"), ("ins", "every person"), ("same", "."))


def test_a_moved_word_is_removed_where_it_was_and_added_where_it_is() -> None:
    old, new = "Take the tablet every day.", "Every day, take the tablet."
    pieces = word_diff(old, new)
    assert reads(pieces) == (old, new)
    assert ("same", " the tablet") in pieces
    assert any(op == "del" and "every day" in t for op, t in pieces)
    assert any(op == "ins" and t.startswith("Every day") for op, t in pieces)


def test_text_without_spaces_shows_the_characters_that_changed() -> None:
    """Chinese and Japanese have no spaces: one changed character is not a whole sentence."""
    assert word_diff("每天服用两片药。", "每天服用三片药。") == (
        ("same", "每天服用"), ("del", "两"), ("ins", "三"), ("same", "片药。"))
    assert word_diff("1日2回飲みます。", "1日3回飲みます。") == (
        ("same", "1日"), ("del", "2"), ("ins", "3"), ("same", "回飲みます。"))
    # A Thai vowel sign and a decomposed accent stay with their letter.
    for old, new in (("กินยาวันละสองเม็ด", "กินยาวันละสามเม็ด"), ("cafe\u0301 noir", "cafe\u0301 au lait")):
        pieces = word_diff(old, new)
        assert reads(pieces) == (old, new)
        assert not any(t[0] in "\u0301\u0e31\u0e34\u0e35\u0e47\u0e48\u0e49" for _op, t in pieces)


def test_nothing_changed_and_all_new() -> None:
    assert word_diff("same", "same") == (("same", "same"),)
    assert word_diff("", "new words") == (("ins", "new words"),)
    assert word_diff("old words", "") == (("del", "old words"),)
