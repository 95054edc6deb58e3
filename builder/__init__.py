"""handout: one RRMM content base -> localized PDF leaflets and PPTX decks."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("handout")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
