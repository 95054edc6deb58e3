"""Tests that cross the whole tool, not one module: the corpus of bad inputs, exit codes and
messages, every script drawn by three PDF engines, what leaflets and decks claim about themselves,
addresses that come out whole, and the medical content a clinical reviewer signs off.

Every other test sits under tests/ at the path of the module it tests (builder/i18n/pseudo.py ->
tests/i18n/test_pseudo.py); tests/test_package_layout.py keeps it so.
"""
