"""The staff pages' own gettext domain stays out of the documents' catalogs, and is complete."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from builder.web import i18n


def test_document_catalogs_do_not_take_the_web_apps_strings(project: Path, handout) -> None:  # type: ignore[no-untyped-def]
    assert handout("i18n", "extract").code == 0
    with (project / "locales" / "ui.pot").open("rb") as handle:
        ui = [m for m in read_po(handle) if m.id]
    assert not {"Print log", "No such kit.", "Choose at least one topic."} & {m.id for m in ui}
    assert not [loc for m in ui for loc in m.locations if loc[0].startswith("builder/web/")]
    status = handout("i18n", "status", "--lang", "es")
    assert status.code == 0 and " web " not in status.out


def test_web_catalogs_translate_every_string_of_the_template() -> None:
    with (i18n.LOCALES / "web.pot").open("rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    for lang in i18n.UI_LANGS[1:]:
        singular, plural, _rule = i18n._catalog(lang)
        missing = wanted - set(singular) - set(plural)
        assert not missing, (lang, sorted(missing))


def test_the_template_is_up_to_date_with_the_code(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(i18n, "LOCALES", tmp_path)
    fresh = i18n.extract()
    with fresh.open("rb") as new, (Path(i18n.__file__).parent / "locales" / "web.pot").open("rb") as old:
        assert {m.id for m in read_po(new)} == {m.id for m in read_po(old)}, \
            "run: python -m builder.web.i18n extract && python -m builder.web.i18n update"


def test_the_staff_pages_colours_pass_wcag_aa() -> None:
    import re

    from builder.clinic import contrast

    css = (Path(i18n.__file__).parent / "static" / "style.css").read_text()
    var = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", css.split("}")[0]))
    pairs = [("text", "bg"), ("text", "soft"), ("muted", "bg"), ("muted", "soft"), ("brand", "bg"),
             ("brand", "soft"), ("brand-dark", "soft"), ("ok", "ok-bg"), ("warn", "warn-bg")]
    for fg, bg in pairs:
        assert contrast(var[fg], var[bg]) >= 4.5, (fg, bg)
    assert contrast("#ffffff", var["brand"]) >= 4.5  # button text, current page in the menu
    for fg, bg in (("#4a2e00", "warn-bg"), ("#12421f", "ok-bg")):  # text in the grid's cells
        assert contrast(fg, var[bg]) >= 4.5
