"""`handout proof`: the first pages of chosen outputs as PNG images, to look at before printing."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from builder.build import Options, load_inputs, plan, render_job
from builder.content import load_library
from builder.errors import ConfigError
from builder.project import Project


def make_proofs(project: Project, topics: list[str], bundles: list[str], langs: list[str],  # noqa: PLR0913, PLR0917 - one per option of `handout proof`
                levels: list[str], formats: list[str], pages: int, dpi: int, out: Path,
                clinic: Path | None, paper: str | None, large_print: bool) -> list[Path]:
    if shutil.which("pdftoppm") is None:
        raise ConfigError("pdftoppm not found: install poppler-utils (make demo does this)")
    options = Options(project=project, topics=topics, bundles=bundles,
                      all=not topics and not bundles, langs=langs, levels=levels,
                      formats=formats, clinic=clinic, paper=paper, large_print=large_print)
    jobs = plan(load_library(project.content), options)
    inputs = load_inputs(options, sorted({j.lang for j in jobs}))
    written: list[Path] = []
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for job in jobs:
            data = render_job(inputs, job, verify=False).data
            source = Path(tmp) / f"{job.id}.{job.fmt}"
            source.write_bytes(data)
            if job.fmt == "pptx":
                source = _deck_to_pdf(source, Path(tmp))
            stem = out / f"{job.lang}-{job.level}-{job.id}-{job.fmt}"
            subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", str(pages),
                            str(source), str(stem)], check=True)
            written += sorted(out.glob(f"{stem.name}-*.png"))
    return written


def _deck_to_pdf(deck: Path, tmp: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise ConfigError("soffice not found: install libreoffice-impress (make demo does this)")
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/lo-profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp), str(deck)], check=True,
                   capture_output=True, timeout=300)
    return deck.with_suffix(".pdf")
