"""The translators' live preview: one document re-rendered within a second of each save."""
