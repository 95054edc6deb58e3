"""Tests of the web app (builder/web)."""
