"""Files of the pack built ahead and kept on disk, so that a click on a ready file is served at once.

A file is stored under SIP_EXPORTS_DIR (default `<instance>/exports`) in a folder named after the strategy and a
fingerprint of what the pack shows (`sip.core.parts.data_version`, which the exports extend with the highlights
and the amendments, the periods, the day): when an accepted report, an amendment or saved highlights change the
data, the fingerprint changes and the old files are simply not found any more (and pruned).

Building ahead: after a commit that accepted a report, moved an amendment or saved highlights, the worker is asked
(`exports.build`) to build the upcoming GLM's pack in both languages; a periodic job does the same each few minutes,
so that nothing is lost while the worker is down. The PDF draws its charts with Chromium, which runs only in the
worker when there is a queue: a web server asked for a PDF that is not ready hands the build to the worker and
shows its progress. With the queue off (development without a worker, the tests) every file is built in the
request, synchronously.
"""
import hashlib
import io
import logging
import os
import time
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from sip.core import queue
from sip.core.parts import data_version, periods_key
from sip.exports.services import FORMATS, Choice, Export, build_file, choose, pack_filename
from sip.plan.models import Strategy

log = logging.getLogger(__name__)

STALE_BUILD_SECONDS = 600  # a build marker older than this is from a build that died
LANGUAGE_ORDER = ("fr", "en")
_PENDING = "sip_exports_build_ahead"


def store_dir() -> Path:
    """Where built files are kept."""
    return Path(current_app.config["SIP_EXPORTS_DIR"])


def fingerprint(choice: Choice, today: date | None = None) -> str:
    """What the files of this choice show, as a short hash: the data, the periods, the day (a report not due
    yesterday may be overdue today)."""
    key = repr((data_version(), periods_key(choice.periods.all), (today or date.today()).isoformat()))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def folder(strategy: Strategy, choice: Choice, today: date | None = None) -> Path:
    """The folder of the files of this strategy and fingerprint."""
    return store_dir() / f"{strategy.id}-{fingerprint(choice, today)}"


def _path(strategy: Strategy, choice: Choice, name: str, fp_folder: Path | None = None,
          today: date | None = None) -> Path:
    return (fp_folder or folder(strategy, choice, today)) / FORMATS[name].filename(choice.code, choice.lang)


@dataclass
class FileState:
    """A file of the pack: ready (its size), being built, or not built yet."""

    name: str
    state: str  # ready | building | missing
    size: int = 0


def state_of(strategy: Strategy, choice: Choice, name: str, fp_folder: Path | None = None) -> FileState:
    """Whether a file is ready, being built or not built yet."""
    path = _path(strategy, choice, name, fp_folder)
    if path.is_file():
        return FileState(name, "ready", path.stat().st_size)
    marker = path.with_name(path.name + ".building")
    if marker.is_file() and time.time() - marker.stat().st_mtime < STALE_BUILD_SECONDS:
        return FileState(name, "building")
    return FileState(name, "missing")


def states(strategy: Strategy, choice: Choice) -> dict[str, FileState]:
    """Every file's state for the choice (one fingerprint)."""
    here = folder(strategy, choice)
    return {name: state_of(strategy, choice, name, here) for name in FORMATS}


def ready(strategy: Strategy, choice: Choice, name: str, today: date | None = None) -> Export | None:
    """The stored file, when it is ready."""
    path = _path(strategy, choice, name, today=today)
    if not path.is_file():
        return None
    fmt = FORMATS[name]
    return Export(path.read_bytes(), fmt.filename(choice.code, choice.lang), fmt.mimetype)


def build_and_keep(name: str, strategy: Strategy, choice: Choice, today: date | None = None) -> Export:
    """Build one file and keep it (written whole, then renamed: a reader never sees half a file)."""
    path = _path(strategy, choice, name, today=today)
    path.parent.mkdir(parents=True, exist_ok=True)
    marker = path.with_name(path.name + ".building")
    marker.touch()
    try:
        built = build_file(name, strategy, choice, today=today)
        partial = path.with_name(f"{path.name}.{os.getpid()}.part")
        partial.write_bytes(built.content)
        partial.replace(path)
        return built
    finally:
        marker.unlink(missing_ok=True)


def needs_worker(name: str) -> bool:
    """True when this file is built by the worker only: the PDF (Chromium draws its charts) when there is a queue."""
    return FORMATS[name].slow and queue.get_queue() is not None


def get(name: str, strategy: Strategy, choice: Choice, today: date | None = None) -> Export | None:
    """The file: the stored one, else built now; None when the worker was asked to build it (the page then shows
    its progress)."""
    found = ready(strategy, choice, name, today)
    if found is not None:
        return found
    if needs_worker(name):
        if state_of(strategy, choice, name, folder(strategy, choice, today)).state != "building":
            queue.enqueue("exports.build", strategy.id, choice.code, [choice.lang], [name])
        return None
    return build_and_keep(name, strategy, choice, today)


# --- the whole pack ---------------------------------------------------------------------------------------------

def readme(strategy: Strategy, code: str, files: list[tuple[str, str]]) -> str:
    """README.txt of the zip: what the pack is and what each file holds, in both languages."""
    lines = []
    for lang in LANGUAGE_ORDER:
        with force_locale(lang):
            lines += [_("The GLM pack for %(period)s", period=code), "",
                      _("Only reports that the Rome support team has accepted are counted. No file holds anyone's "
                        "contact details."), ""]
            lines += [f"{filename}: {FORMATS[name].title} ({dict(fr='français', en='English')[file_lang]})"
                      for name, filename, file_lang in ((n, f, f.rsplit('-', 1)[1].split('.')[0]) for n, f in files)]
            lines.append("")
    return "\r\n".join(lines)


def pack_zip(strategy: Strategy, code: str, default_lang: str, today: date | None = None) -> Export | None:
    """Every file of the pack in both languages and README.txt as one zip; None when the worker still builds some
    (they are then asked for)."""
    gathered: list[tuple[str, Export]] = []
    waiting = False
    for lang in LANGUAGE_ORDER:
        choice = choose(strategy, code, lang, default_lang, today=today)
        for name in FORMATS:
            built = get(name, strategy, choice, today)
            if built is None:
                waiting = True
            else:
                gathered.append((name, built))
    if waiting:
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme(strategy, code, [(n, e.filename) for n, e in gathered]))
        for _name, built in gathered:
            archive.writestr(built.filename, built.content)
    return Export(buffer.getvalue(), pack_filename(code), "application/zip")


def build_everything(strategy: Strategy, code: str, langs=LANGUAGE_ORDER, names=None,
                     today: date | None = None) -> int:
    """Build the missing files of a pack (in this process: the worker's task, or a test); how many were built."""
    built = 0
    for lang in langs:
        choice = choose(strategy, code, lang, lang, today=today)
        for name in names or FORMATS:
            if ready(strategy, choice, name, today) is None:
                build_and_keep(name, strategy, choice, today)
                built += 1
    prune(strategy)
    return built


def prune(strategy: Strategy, keep: int = 4) -> None:
    """Remove the folders of old fingerprints, keeping the `keep` newest (a file being sent is not cut short: a
    reader that opened it keeps reading it)."""
    base = store_dir()
    if not base.is_dir():
        return
    mine = sorted((p for p in base.iterdir() if p.is_dir() and p.name.startswith(f"{strategy.id}-")),
                  key=lambda p: p.stat().st_mtime, reverse=True)
    for old in mine[keep:]:
        for file in old.iterdir():
            file.unlink(missing_ok=True)
        old.rmdir()


# --- building ahead ---------------------------------------------------------------------------------------------

def upcoming_code(strategy: Strategy) -> str | None:
    """The quarter of the GLM whose pack is built ahead (the export page's first proposal)."""
    from sip.exports.content import default_period
    from sip.dashboards.selection import Periods

    period = default_period(Periods.of(strategy), date.today())
    return period.code if period is not None else None


@queue.task("exports.build")
def build_task(strategy_id: int, code: str | None, langs: list[str], names: list[str] | None) -> None:
    """The worker's task: build the pack's missing files (the upcoming GLM's when `code` is None)."""
    from sip.extensions import db

    strategy = db.session.get(Strategy, strategy_id)
    if strategy is None:
        return
    code = code or upcoming_code(strategy)
    if code is None:
        return
    started = time.perf_counter()
    # The files are rendered as for a request (templates, translations and their context processors expect one);
    # the worker has none of its own.
    with current_app.test_request_context("/"):
        built = build_everything(strategy, code, langs, names)
    if built:
        log.info("exports built ahead: %d file(s) of %s in %.1f s", built, code, time.perf_counter() - started)


@queue.periodic("*/5 * * * *", name="exports.build_ahead")
def build_ahead_periodically() -> None:
    """Every five minutes in the worker: build the upcoming GLM's pack if its data changed (nothing when it did
    not: the files are found)."""
    from sip.plan.queries import current_strategy

    strategy = current_strategy()
    if strategy is not None:
        build_task(strategy.id, None, list(LANGUAGE_ORDER), None)


def build_ahead(strategy_id: int) -> None:
    """Ask the worker to build the upcoming GLM's pack once the current transaction commits."""
    from sip.extensions import db

    db.session.info[_PENDING] = strategy_id


@event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session) -> None:
    """Once the change is committed, hand the build to the worker (nothing when there is no queue)."""
    strategy_id = session.info.pop(_PENDING, None)
    if strategy_id is None:
        return
    try:
        queue.enqueue("exports.build", strategy_id, None, list(LANGUAGE_ORDER), None)
    except Exception:  # the change is saved; the periodic job builds the files anyway
        log.warning("could not ask the worker to build the pack ahead; the periodic job will", exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    session.info.pop(_PENDING, None)


def _on_report(report, **_kwargs) -> None:
    build_ahead(report.period.strategy_id)


def _on_amendment(amendment, **_kwargs) -> None:
    build_ahead(amendment.strategy_id)


def connect_signals() -> None:
    """Build ahead after an acceptance, an amendment endorsed, rejected or applied (highlights call it themselves)."""
    from sip.governance import signals as governance
    from sip.reporting import signals as reporting

    reporting.report_accepted.connect(_on_report)
    for signal in (governance.amendment_endorsed, governance.amendment_rejected, governance.amendment_verified):
        signal.connect(_on_amendment)
