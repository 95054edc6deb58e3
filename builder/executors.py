"""Where documents render: in this process, in a pool of local processes, or on a Dask cluster.

Every executor runs the pure function the build hands it (`builder.build.render_job(inputs, job,
verify)`), and hands back what it returned (bytes and facts) or the `BuilderError` it raised. The
build keeps the rest on the client: skipping unchanged outputs, the progress bar, atomic writes,
the manifest. This module imports nothing of the build: the build uses it, not the other way.
"""

from __future__ import annotations

import io
import multiprocessing
import pickle
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from builder.errors import BuilderError, ConfigError, RenderError

if TYPE_CHECKING:
    from builder.build import Inputs, Job, Result

Outcome = tuple["Job", "Result | BuilderError"]
RenderJob = Callable[["Inputs", "Job", bool], "Result"]  # a module-level function: it is pickled
# Seconds to wait for a Dask scheduler that does not answer before giving up.
CONNECT_TIMEOUT = 5


class Executor(Protocol):
    def run(self, inputs: Inputs, jobs: list[Job], verify: bool) -> Iterator[Outcome]:
        """Render every job; yield each job with its result or its failure, as they finish."""
        ...


def _render(render: RenderJob, inputs: Inputs, job: Job, verify: bool) -> Result | BuilderError:
    try:
        return render(inputs, job, verify)
    except BuilderError as exc:
        return exc


@dataclass
class Serial:
    """One job after the other, in this process."""

    render: RenderJob

    def run(self, inputs: Inputs, jobs: list[Job], verify: bool) -> Iterator[Outcome]:
        for job in jobs:
            yield job, _render(self.render, inputs, job, verify)


# -- local processes -------------------------------------------------------------------------

_worker: dict[str, Any] = {}  # in a pool worker: the render function and inputs it started with


def _pool_init(render: RenderJob, inputs: Inputs) -> None:
    _worker["render"], _worker["inputs"] = render, inputs


def _pool_render(job: Job, verify: bool) -> Result | BuilderError:
    return _render(_worker["render"], _worker["inputs"], job, verify)


@dataclass
class Pool:
    """A pool of local worker processes; each gets the checked inputs once, when it starts."""

    render: RenderJob
    workers: int

    def run(self, inputs: Inputs, jobs: list[Job], verify: bool) -> Iterator[Outcome]:
        # Forked workers inherit the inputs without pickling; elsewhere they are pickled once.
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        with ProcessPoolExecutor(max_workers=self.workers, initializer=_pool_init,
                                 initargs=(self.render, inputs), mp_context=context) as pool:
            futures = {pool.submit(_pool_render, job, verify): job for job in jobs}
            for future in as_completed(futures):
                yield futures[future], future.result()


# -- a Dask cluster --------------------------------------------------------------------------

PLUGIN_NAME = "handout-inputs"


def pack_inputs(inputs: Inputs) -> bytes:
    """The checked inputs and the files they name, as one archive a worker unpacks once.

    Travels: the loaded content, catalogs and clinic profile (already checked), the templates,
    content images, the clinic's logo and deck template, and the pre-subset fonts. Does not
    travel: the system fonts (a worker needs the same Debian font packages), the output folder.
    """
    root = inputs.project.root
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
        for folder, name in ((inputs.ctx.templates, "templates"), (inputs.lib.root, "content"),
                             (inputs.ctx.cache / "fonts", ".cache/fonts")):
            if folder.is_dir():
                tar.add(folder, arcname=name, filter=_plain_file)
        for key, path in _clinic_files(inputs).items():
            tar.add(path, arcname=_arcname(root, key, path), filter=_plain_file)
        state = pickle.dumps((str(root), inputs), protocol=pickle.HIGHEST_PROTOCOL)
        info = tarfile.TarInfo("inputs.pickle")
        info.size = len(state)
        tar.addfile(info, io.BytesIO(state))
    return buffer.getvalue()


def _plain_file(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    if info.issym() or info.islnk() or info.name.endswith((".tmp", ".pickle")):
        return None
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _arcname(root: Path, key: str, path: Path) -> str:
    """Where a clinic file goes in the archive: where it is in the project, or under _clinic/."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else f"_clinic/{key}"


def _clinic_files(inputs: Inputs) -> dict[str, Path]:
    """The clinic's files, wherever they are, by a name in the archive."""
    files = {"profile": inputs.clinic.path}
    logo = inputs.clinic.logo
    if logo:
        files["logo" + logo.suffix] = logo
        if logo.with_suffix(".png").is_file():  # decks show the PNG beside an SVG logo
            files["logo.png"] = logo.with_suffix(".png")
    if inputs.clinic.template:
        files["template" + inputs.clinic.template.suffix] = inputs.clinic.template
    return files


def unpack_inputs(archive: bytes, folder: Path) -> Inputs:
    """`pack_inputs` undone in `folder`, with every path pointing into it."""
    from builder.project import Project

    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        state = tar.extractfile("inputs.pickle")
        assert state is not None
        loaded: tuple[str, Inputs] = pickle.loads(state.read())
        old_root, inputs = loaded
        members = [m for m in tar.getmembers() if m.name != "inputs.pickle"]
        tar.extractall(folder, members=members, filter="data")
    old = Path(old_root)
    shipped = {str(path): folder / _arcname(old, key, path)
               for key, path in _clinic_files(inputs).items()}

    def moved(path: Path | None) -> Path | None:
        if path is None:
            return None
        if str(path) in shipped:
            return shipped[str(path)]
        return folder / path.relative_to(old) if path.is_relative_to(old) else path

    clinic = inputs.clinic
    clinic_copy = type(clinic).__new__(type(clinic))
    clinic_copy.__dict__.update(clinic.__dict__, path=moved(clinic.path), logo=moved(clinic.logo),
                                template=moved(clinic.template))
    ctx = replace(inputs.ctx, templates=folder / "templates", content=folder / "content",
                  cache=folder / ".cache", deck_template=moved(inputs.ctx.deck_template),
                  assets=replace(inputs.ctx.assets, roots=tuple(
                      (name, moved(path) or path) for name, path in inputs.ctx.assets.roots)))
    lib = replace(inputs.lib, root=folder / "content")
    return replace(inputs, project=Project(folder), lib=lib, clinic=clinic_copy, ctx=ctx)


def _plugin_class() -> type:
    from distributed import WorkerPlugin

    class InputsPlugin(WorkerPlugin):
        """Unpacks the project's inputs once per worker, into the worker's own folder."""

        name = PLUGIN_NAME

        def __init__(self, archive: bytes):
            self.archive = archive
            self.inputs: Inputs | None = None

        def setup(self, worker: Any) -> None:
            folder = Path(tempfile.mkdtemp(prefix="handout-", dir=worker.local_directory))
            self.inputs = unpack_inputs(self.archive, folder)

    return InputsPlugin


def _dask_render(job: Job, verify: bool, render: RenderJob) -> Result | BuilderError:
    from distributed import get_worker

    plugin = get_worker().plugins[PLUGIN_NAME]
    # distributed types its registry as WorkerPlugin; ours is the InputsPlugin of _plugin_class.
    return _render(render, plugin.inputs, job, verify)  # type: ignore[attr-defined]


@dataclass
class Dask:
    """A Dask distributed cluster: `tcp://host:8786`, or `local` for a LocalCluster here."""

    render: RenderJob
    scheduler: str
    workers: int = 2

    def run(self, inputs: Inputs, jobs: list[Job], verify: bool) -> Iterator[Outcome]:
        try:
            from distributed import Client, LocalCluster, as_completed
        except ImportError:
            raise ConfigError("--scheduler needs Dask: pip install 'handout[dask]'") from None
        cluster = None
        try:
            if self.scheduler == "local":
                cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,  # type: ignore[no-untyped-call]
                                       processes=True, dashboard_address=None)
                client = Client(cluster)  # type: ignore[no-untyped-call]
            else:
                client = _connect(Client, self.scheduler)
            with client:
                client.register_plugin(_plugin_class()(pack_inputs(inputs)), name=PLUGIN_NAME)
                run = uuid.uuid4().hex[:12]  # keys of earlier builds on this cluster never match
                futures = client.map(_dask_render, jobs, verify=verify, render=self.render,
                                     pure=False,
                                     key=[f"handout-{run}-{job.path}" for job in jobs])
                index = {future.key: job for future, job in zip(futures, jobs, strict=True)}
                for future in as_completed(futures):  # type: ignore[no-untyped-call]
                    job = index[future.key]
                    try:
                        yield job, future.result()
                    except BuilderError as exc:
                        yield job, exc
                    except Exception as exc:  # noqa: BLE001 - a worker lost or a task that died
                        yield job, RenderError(f"{job.path}: the cluster could not render it "
                                               f"({type(exc).__name__}: {exc})")
        finally:
            if cluster is not None:
                cluster.close()


def _connect(client_class: Callable[..., Any], address: str) -> Any:
    try:
        return client_class(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(f"--scheduler: cannot reach a Dask scheduler at {address!r} within "
                          f"{CONNECT_TIMEOUT} s ({type(exc).__name__}): start one with "
                          "'dask scheduler' (and workers with 'dask worker ADDRESS'), or use "
                          "--scheduler local") from None


def executor_for(render: RenderJob, jobs: int, scheduler: str | None) -> Executor:
    if scheduler:
        return Dask(render, scheduler, workers=max(jobs, 1))
    return Serial(render) if jobs <= 1 else Pool(render, jobs)
