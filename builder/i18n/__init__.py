"""Translation: gettext catalogs for content and templates, read strictly and checked before use."""
