"""Tests of the deck builder (builder/builders/deck)."""
