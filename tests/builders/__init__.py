"""Tests of the output builders (builder/builders)."""
