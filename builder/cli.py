"""The `handout` command: thin; each subcommand calls one library function."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from builder import __version__
from builder.errors import EXIT_BUILD_FAILED, EXIT_OK, EXIT_USAGE, BuilderError
from builder.project import Project

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _project(path: Path | None) -> Project:
    return Project.at(path)


project_option = click.option("--project", type=click.Path(path_type=Path, file_okay=False),
                              default=None, help="Project folder (default: this folder or a parent).")


def _session_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    """--date as a calendar day, YYYY-MM-DD; anything else is a usage error (exit code 2)."""
    if value is None:
        return None
    try:
        if len(value) != len("YYYY-MM-DD"):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value[:40]!r} is not a date: write the day of the meeting "
                                 "as YYYY-MM-DD, e.g. 2026-12-03") from None


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="handout")
def cli() -> None:
    """Build RRMM patient leaflets (PDF) and support-group decks (PPTX) in many languages.

    \b
    Exit codes: 0 ok, 1 build failed, 2 usage error, 3 content error,
    4 translation error, 5 clinic profile/template/environment error, 6 output not writable.
    """


@cli.command(context_settings=CONTEXT)
@click.option("--topic", "topics", multiple=True, metavar="ID", help="A topic to build (repeatable).")
@click.option("--bundle", "bundles", multiple=True, metavar="ID", help="A bundle to build (repeatable).")
@click.option("--all", "all_", is_flag=True, help="Every topic and bundle.")
@click.option("--lang", "langs", multiple=True, metavar="CODE",
              help="Language (repeatable; default: all with a catalog, and en).")
@click.option("--level", "levels", multiple=True, type=click.Choice(["easy", "standard", "detailed"]),
              help="Reading level (repeatable; default: all three).")
@click.option("--format", "formats", multiple=True, metavar="FMT",
              help="pdf, pptx, html, or handout (a support group's printable sheet: "
                   "questions to tick, slides with note lines) (repeatable; default: pdf, pptx "
                   "and html).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Output folder (default: output/).")
@click.option("--clinic", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Clinic profile YAML (default: templates/clinic/demo.yaml).")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default=None,
              help="Paper size (default: the clinic profile's).")
@click.option("--large-print", is_flag=True, help="Body text at 16 pt or more.")
@click.option("--duplex", is_flag=True,
              help="Leaflets for double-sided printing: an even number of pages, with a lined "
                   "'My notes' page where the last would be blank.")
@click.option("--strict", is_flag=True,
              help="Fail instead of printing English where a translation is missing or stale.")
@click.option("--verify/--no-verify", default=None,
              help="Read each output back and fail if any block's text is missing or a "
                   "deck's text overflows its box (default: on when CI is set).")
@click.option("--force", is_flag=True, help="Rebuild even outputs whose inputs did not change.")
@click.option("--date", "session_date", metavar="YYYY-MM-DD", default=None, callback=_session_date,
              help="The day of the support-group meeting: on a deck's title and closing slides "
                   "and its handout (default: none shown).")
@click.option("--host/--no-host", default=None,
              help="Whether the clinic hosts the group: its contacts on the deck's closing "
                   "slides (default: the clinic profile's 'deck: host', else yes).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: number of cores; with --scheduler local, "
                   "Dask workers).")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Render on a Dask cluster: a scheduler address (tcp://HOST:8786), or 'local' "
                   "for a LocalCluster here. Needs: pip install 'handout[dask]'.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
@project_option
def build(topics: tuple[str, ...], bundles: tuple[str, ...], all_: bool, langs: tuple[str, ...],
          levels: tuple[str, ...], formats: tuple[str, ...], out: Path | None,
          clinic: Path | None, paper: str | None, large_print: bool, duplex: bool, strict: bool,
          verify: bool | None, force: bool, session_date: dt.date | None, host: bool | None,
          jobs: int | None, scheduler: str | None, quiet: bool, project: Path | None) -> None:
    """Build leaflets and decks into output/<lang>/<level>/<id>.<ext>, with manifest.json."""
    import os

    from builder.build import Options
    from builder.build import build as run

    options = Options(project=_project(project), topics=list(topics), bundles=list(bundles),
                      all=all_, langs=list(langs), levels=list(levels), formats=list(formats),
                      out=out, clinic=clinic, paper=paper, large_print=large_print,
                      duplex=duplex, strict=strict,
                      verify=bool(os.environ.get("CI")) if verify is None else verify,
                      force=force, jobs=jobs or os.cpu_count() or 1, scheduler=scheduler,
                      progress=not quiet and sys.stderr.isatty(), session_date=session_date,
                      host=host)
    try:
        summary = run(options)
    except BuilderError as exc:
        failed = getattr(exc, "summary", None)
        if failed is not None and not quiet:
            click.echo(f"built 0, skipped {len(failed.skipped)} (unchanged), failed "
                       f"{len(failed.failed)}, in {failed.seconds:.1f} s: nothing written", err=True)
        raise
    for fallback in summary.fallbacks:
        click.echo(f"warning: {fallback}", err=True)
    if not quiet:
        click.echo(f"built {len(summary.built)}, skipped {len(summary.skipped)} (unchanged), "
                   f"failed {len(summary.failed)}, in {summary.seconds:.1f} s"
                   + (f", peak worker memory {summary.peak_rss_mb:.0f} MB"
                      if summary.peak_rss_mb else "")
                   + f" -> {options.out_dir}", err=True)


@cli.command(context_settings=CONTEXT)
@click.option("--lang", "langs", multiple=True, metavar="CODE", help="Only these languages.")
@click.option("--strict", is_flag=True, help="Missing or stale translations are errors.")
@click.option("--json", "as_json", is_flag=True, help="The readability table as JSON.")
@project_option
def check(langs: tuple[str, ...], strict: bool, as_json: bool, project: Path | None) -> None:
    """Validate content and catalogs; print the readability table; list untranslated blocks."""
    from builder.checks import run_check

    report = run_check(_project(project), list(langs), strict)
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(report.text())
    if not report.ok:
        raise SystemExit(report.exit_code)


@cli.command(context_settings=CONTEXT)
@click.option("--topic", "topics", multiple=True, metavar="ID", help="A topic to proof (repeatable).")
@click.option("--bundle", "bundles", multiple=True, metavar="ID",
              help="A bundle to proof (repeatable).")
@click.option("--lang", "langs", multiple=True, metavar="CODE",
              help="Language (repeatable; default: all with a catalog, and en).")
@click.option("--level", "levels", multiple=True, type=click.Choice(["easy", "standard", "detailed"]),
              help="Reading level (repeatable; default: all three).")
@click.option("--format", "formats", multiple=True, type=click.Choice(["pdf", "pptx"]),
              default=("pdf",), show_default=True,
              help="Leaflet (pdf) or deck (pptx, rendered by LibreOffice) (repeatable).")
@click.option("--pages", type=click.IntRange(1, 50), default=2, show_default=True,
              help="How many first pages (or slides) to render.")
@click.option("--dpi", type=click.IntRange(30, 300), default=60, show_default=True,
              help="Resolution of the PNG pictures.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("proof"),
              show_default=True, help="Folder for the PNG pictures.")
@click.option("--clinic", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Clinic profile YAML (default: templates/clinic/demo.yaml).")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default=None,
              help="Paper size (default: the clinic profile's).")
@click.option("--large-print", is_flag=True, help="Body text at 16 pt or more.")
@project_option
def proof(topics: tuple[str, ...], bundles: tuple[str, ...], langs: tuple[str, ...],
          levels: tuple[str, ...], formats: tuple[str, ...], pages: int, dpi: int, out: Path,
          clinic: Path | None, paper: str | None, large_print: bool, project: Path | None) -> None:
    """Render the first pages of chosen leaflets (or decks) to PNG, to look at before printing."""
    from builder.proof import make_proofs

    written = make_proofs(_project(project), list(topics), list(bundles), list(langs),
                          list(levels), list(formats), pages, dpi, out, clinic, paper, large_print)
    for path in written:
        click.echo(str(path))


@cli.group(context_settings=CONTEXT)
def i18n() -> None:
    """Translators' workflow: extract, init, update, compile, status (gettext PO files)."""


@i18n.command(context_settings=CONTEXT)
@project_option
def extract(project: Path | None) -> None:
    """Write locales/*.pot from the content, templates and code."""
    from builder.i18n.extract import write_templates

    for path in write_templates(_project(project)):
        click.echo(f"wrote {path}")


@i18n.command(context_settings=CONTEXT)
@click.argument("lang")
@project_option
def init(lang: str, project: Path | None) -> None:
    """Start catalogs for LANG (e.g. pt_BR) from the templates."""
    from builder.i18n.workflow import init as run

    written = run(_project(project), lang)
    for path in written:
        click.echo(f"created {path}")
    if not written:
        click.echo(f"{lang}: catalogs already exist; use 'handout i18n update'")


@i18n.command(context_settings=CONTEXT)
@click.option("--lang", "langs", multiple=True, metavar="CODE",
              help="Only these languages (repeatable; default: every catalog).")
@project_option
def update(langs: tuple[str, ...], project: Path | None) -> None:
    """Merge the templates into every catalog: changed English becomes fuzzy, with `#|` previous."""
    from builder.i18n.workflow import update as run

    for path in run(_project(project), list(langs) or None,
                    warn=lambda message: click.echo(f"warning: {message}", err=True)):
        click.echo(f"updated {path}")


@i18n.command(context_settings=CONTEXT)
@click.option("--lang", "langs", multiple=True, type=click.Choice(["qps", "qps_rtl"]),
              help="Only this pseudo-locale (repeatable; default: both).")
@project_option
def pseudo(langs: tuple[str, ...], project: Path | None) -> None:
    """Write pseudo-translations from the templates: qps (accented, 40 % longer, [bracketed])
    and qps_rtl (right to left), to see layout problems before any translation exists.

    \b
    Build with --lang qps; they are never part of --all or offered to clinic staff.
    """
    from builder.i18n.workflow import write_pseudo

    for path in write_pseudo(_project(project), list(langs) or None):
        click.echo(f"wrote {path}")


@i18n.command(name="compile", context_settings=CONTEXT)
@click.option("--lang", "langs", multiple=True, metavar="CODE",
              help="Only these languages (repeatable; default: every catalog).")
@project_option
def compile_(langs: tuple[str, ...], project: Path | None) -> None:
    """Check every catalog (QA) and write .mo files; nothing is written if any entry is bad."""
    from builder.i18n.workflow import compile_catalogs

    for path in compile_catalogs(_project(project), list(langs) or None):
        click.echo(f"compiled {path}")


@i18n.command(context_settings=CONTEXT)
@click.option("--lang", "langs", multiple=True, metavar="CODE",
              help="Only these languages (repeatable; default: every catalog).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable.")
@click.option("--stale", is_flag=True, help="List the contexts of stale (fuzzy) entries.")
@project_option
def status(langs: tuple[str, ...], as_json: bool, stale: bool, project: Path | None) -> None:
    """Per language and topic: translated, fuzzy (stale), untranslated, obsolete."""
    from builder.i18n.workflow import status as run

    report = run(_project(project), list(langs) or None)
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    click.echo(f"{'language':<10} {'domain':<30} {'total':>6} {'done':>6} {'fuzzy':>6} "
               f"{'untr.':>6} {'obs.':>5} {'%':>6}")
    for lang, data in report.items():
        for domain, counts in data["domains"].items():  # type: ignore[attr-defined]
            click.echo(f"{lang:<10} {domain:<30} {counts['total']:>6} {counts['translated']:>6} "
                       f"{counts['fuzzy']:>6} {counts['untranslated']:>6} {counts['obsolete']:>5} "
                       f"{counts['percent_translated']:>6}")
        if stale:
            for counts in data["domains"].values():  # type: ignore[attr-defined]
                for context in counts["stale"]:
                    click.echo(f"{lang:<10} stale: {context}")
        click.echo(f"{lang:<10} {'TOTAL':<30} {data['total']:>6} {data['translated']:>6} "
                   f"{data['fuzzy']:>6} {data['untranslated']:>6} {data['obsolete']:>5} "
                   f"{data['percent_translated']:>6}   reviewed: "
                   f"{'yes' if data['reviewed'] else 'no (draft)'}")


@i18n.command(context_settings=CONTEXT)
@click.option("--lang", required=True, metavar="CODE", help="The language of the pictures.")
@click.option("--topic", "topics", multiple=True, metavar="ID",
              help="A topic (repeatable; default: every topic).")
@click.option("--bundle", "bundles", multiple=True, metavar="ID", help="A bundle (repeatable).")
@click.option("--level", "levels", multiple=True, type=click.Choice(["easy", "standard", "detailed"]),
              help="Reading level (repeatable; default: all three).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Folder for the pictures and index.json.")
@click.option("--dpi", type=click.IntRange(50, 300), default=110, show_default=True,
              help="Resolution of the pictures.")
@click.option("--clinic", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Clinic profile YAML (default: templates/clinic/demo.yaml).")
@project_option
def screenshots(lang: str, topics: tuple[str, ...], bundles: tuple[str, ...],
                levels: tuple[str, ...], out: Path, dpi: int, clinic: Path | None,
                project: Path | None) -> None:
    """A PNG per leaflet page with the box of every msgctxt drawn and labelled, and index.json
    (which msgctxt is where), for Weblate's screenshots."""
    from builder.preview.screenshots import make_screenshots

    for path in make_screenshots(_project(project), lang, list(topics), list(bundles),
                                 list(levels), out, clinic, dpi):
        click.echo(f"wrote {path}")


@cli.command(context_settings=CONTEXT)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback needs an admin account first.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="Port to listen on.")
@click.option("--db", "database", metavar="URL", default=None,
              help="Database URL (default: $HANDOUT_DATABASE_URL, else sqlite:///.handout/handout.db).")
@click.option("--workers", type=click.IntRange(1, 32), default=2, show_default=True,
              help="Render worker processes.")
@project_option
def serve(host: str, port: int, database: str | None, workers: int, project: Path | None) -> None:
    """The web app for clinic staff: library, previews, printing, kits, clinic profile, print log."""
    from builder.web.serve import serve as run

    run(_project(project), host, port, database, workers)


@cli.command(context_settings=CONTEXT)
@click.option("--lang", required=True, metavar="CODE", help="The language you translate into.")
@click.option("--topic", metavar="ID", default=None, help="The topic to preview.")
@click.option("--bundle", metavar="ID", default=None, help="The bundle to preview (instead of a topic).")
@click.option("--level", type=click.Choice(["easy", "standard", "detailed"]), default="standard",
              show_default=True, help="Reading level.")
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True,
              help="Port on 127.0.0.1 (the preview is never served to other machines).")
@click.option("--clinic", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Clinic profile YAML (default: templates/clinic/demo.yaml).")
@project_option
def preview(lang: str, topic: str | None, bundle: str | None, level: str, port: int,
            clinic: Path | None, project: Path | None) -> None:
    """Live preview for translators: the leaflet redrawn in the browser on every save.

    Watches content/, locales/, templates/ and the clinic profile; each entry's box on the page
    shows whether it is untranslated, stale, fails QA or overflows, with its .po file and line.
    """
    from builder.preview.server import serve as run

    if topic and bundle:
        raise click.UsageError("give --topic or --bundle, not both")
    run(_project(project), lang, topic, bundle, level, port, clinic)


@cli.group(context_settings=CONTEXT)
def user() -> None:
    """Accounts of the web app."""


@user.command(name="add", context_settings=CONTEXT)
@click.argument("name")
@click.option("--admin", is_flag=True, help="May edit the clinic profile, accounts, export the log.")
@click.option("--translator", is_flag=True,
              help="Sees the translators' pages (/translate) and the library; prints nothing.")
@click.option("--db", "database", metavar="URL", default=None,
              help="Database URL (default: $HANDOUT_DATABASE_URL, else sqlite:///.handout/handout.db).")
@click.password_option(prompt="Password (at least 10 characters)", envvar="HANDOUT_PASSWORD",
                       help="The password (asked for when not given; or $HANDOUT_PASSWORD).")
@project_option
def user_add(name: str, admin: bool, translator: bool, database: str | None, password: str,
             project: Path | None) -> None:
    """Add an account NAME (staff, or --admin, or --translator)."""
    from builder.web.serve import add_account

    add_account(_project(project), database, name, password, admin, translator)
    role = "administrator" if admin else "translator" if translator else "staff"
    click.echo(f"added {role} account {name}")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; a BuilderError prints its `path:line: message` lines and sets the exit code."""
    try:
        cli.main(args=argv, prog_name="handout", standalone_mode=False)
    except BuilderError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE if isinstance(exc, click.UsageError) else EXIT_BUILD_FAILED
    except click.Abort:
        click.echo("aborted", err=True)
        return EXIT_BUILD_FAILED
    except SystemExit as exc:
        return int(exc.code or 0)
    return EXIT_OK
