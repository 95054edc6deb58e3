"""Tests of translation (builder/i18n): catalogs, the translators' workflow, pseudo-locales."""
