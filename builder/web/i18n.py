"""The staff UI's own gettext domain, `web`: English in the code, drafts of the shipped languages.

Catalogs live in builder/web/locales/<lang>/LC_MESSAGES/web.po, apart from the documents'
catalogs, so `handout i18n` and document builds never see them. A signed-in account's pages are
in the language stored on the account; anonymous pages follow the browser's Accept-Language.

    python -m builder.web.i18n extract   # write builder/web/locales/web.pot
    python -m builder.web.i18n update    # merge it into every web.po
"""

from __future__ import annotations

import contextvars
import sys
from functools import lru_cache
from pathlib import Path

from babel import Locale

HERE = Path(__file__).parent
LOCALES = HERE / "locales"
# English and a draft catalog for every language the leaflets ship in
UI_LANGS = ("en", "es", "fr", "de", "pt_BR", "ru", "ar", "hi", "zh_Hans", "zh_Hant", "ko", "vi")
RTL = {"ar", "fa", "he", "ur"}


def N_(message: str) -> str:
    """Marks a string for extraction that is translated later, where it is shown."""
    return message


# shown through `_(name)` in the templates, so extraction cannot see them there
LEVEL_NAMES = (N_("Easy"), N_("Standard"), N_("Detailed"))
current_lang: contextvars.ContextVar[str] = contextvars.ContextVar("ui_lang", default="en")


@lru_cache(maxsize=16)
def _catalog(lang: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]], str]:
    """(singular translations, plural forms by the singular msgid, the Plural-Forms expression)."""
    path = LOCALES / lang / "LC_MESSAGES" / "web.po"
    if not path.is_file():
        return {}, {}, "n != 1"
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, str) and message.string:
            singular[message.id] = str(message.string)
        elif isinstance(message.id, tuple) and isinstance(message.string, (tuple, list)) \
                and all(message.string):
            plural[message.id[0]] = tuple(message.string)
    return singular, plural, catalog.plural_expr


def gettext(message: str) -> str:
    return _catalog(current_lang.get())[0].get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    from builder.document import plural_rule

    _singular, plurals, expression = _catalog(current_lang.get())
    forms = plurals.get(singular)
    if forms:
        index = plural_rule(expression)(n)
        if 0 <= index < len(forms):
            return forms[index]
    return singular if n == 1 else plural


def language_name(lang: str) -> str:
    locale = Locale.parse(lang)
    return (locale.get_display_name(locale) or lang).capitalize()


def html_lang(lang: str) -> str:
    """The BCP 47 tag for `lang="…"`: zh_Hans -> zh-Hans, pt_BR -> pt-BR."""
    return lang.replace("_", "-")


@lru_cache(maxsize=256)
def negotiate(accept_language: str) -> str:
    """The staff-page language an Accept-Language header asks for; English when none matches.

    Region and script variants go to the catalog that serves them (zh-TW -> zh_Hant, pt -> pt_BR,
    es-MX -> es), by the same rules as `--lang`."""
    from builder.build import resolve_lang
    from builder.errors import BuilderError

    wanted = []
    for number, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and quality > 0:
            wanted.append((-quality, number, tag.strip()))
    for _quality, _number, tag in sorted(wanted):
        try:
            lang = resolve_lang(tag, list(UI_LANGS))
        except (BuilderError, ValueError):
            continue
        if lang in UI_LANGS:
            return lang
        same = [known for known in UI_LANGS if known.split("_")[0] == lang.split("_")[0]]
        if same:
            return same[0]
    return "en"


def extract() -> Path:
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import write_po

    catalog = Catalog(project="handout web", charset="utf-8")
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    for filename, lineno, message, comments, context in extract_from_dir(
            HERE, method_map, options_map=options, keywords={"_": None, "gettext": None, "N_": None,
                                                             "ngettext": (1, 2)}):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    target = LOCALES / "web.pot"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, sort_output=True)
    return target


def update() -> list[Path]:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    with (LOCALES / "web.pot").open("rb") as handle:
        template = read_po(handle)
    written = []
    for lang in UI_LANGS[1:]:
        path = LOCALES / lang / "LC_MESSAGES" / "web.po"
        if path.is_file():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=lang)
        else:
            catalog = Catalog(locale=lang)
        catalog.update(template)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, sort_output=True, ignore_obsolete=True)
        written.append(path)
    return written


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "extract":
        print(extract())
    elif command == "update":
        for path in update():
            print(path)
    else:
        sys.exit("usage: python -m builder.web.i18n extract|update")
