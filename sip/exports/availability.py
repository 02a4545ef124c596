"""Which export formats this server can produce, and what to install for the others.

Each format needs parts outside Python's standard library: the PDF needs WeasyPrint and the pango libraries
(and a Chromium for its chart images), the slides python-pptx (and XlsxWriter for editable charts), the
workbook openpyxl. Checking never raises: a missing part is reported with what to install, the format that
needs it is refused (503) and the other formats keep working. A Chromium missing only takes the charts out
of the PDF, which then says so on its pages (its figures are still there as tables).
"""
import importlib.util
import os
import shutil
from dataclasses import dataclass, field

from flask import current_app, has_app_context
from flask_babel import gettext as _

DEFAULT_CHROMIUM = "/usr/bin/chromium"

# The formats of the report pack, in the order the exports page lists them.
FORMATS = ("pdf", "pptx", "xlsx", "activities_csv", "updates_csv", "activities_semicolon", "updates_semicolon")

_weasyprint_error: list = []  # [None] once WeasyPrint imported, [message] once it failed: an import is tried once


@dataclass(frozen=True)
class Missing:
    """A part this server lacks: what it is, what goes wrong, and what to install."""

    part: str
    problem: str
    install: str

    def __str__(self) -> str:
        return f"{self.problem} {self.install}"


@dataclass
class FormatState:
    """Whether a format can be produced: missing parts make it unavailable, optional ones only degrade it."""

    name: str
    missing: list[Missing] = field(default_factory=list)
    degraded: list[Missing] = field(default_factory=list)

    @property
    def available(self) -> bool:
        """True when nothing the format needs is missing."""
        return not self.missing


def chromium_path() -> str:
    """The Chrome or Chromium that draws the PDF's charts: SIP_CHROMIUM (config or environment), else
    BROWSER_PATH, else /usr/bin/chromium."""
    configured = current_app.config.get("SIP_CHROMIUM") if has_app_context() else None
    return configured or os.environ.get("SIP_CHROMIUM") or os.environ.get("BROWSER_PATH") or DEFAULT_CHROMIUM


def chromium_executable() -> str | None:
    """The Chromium's full path when it exists and can be run, else None."""
    path = chromium_path()
    found = path if os.path.isabs(path) else shutil.which(path)
    if found and os.path.isfile(found) and os.access(found, os.X_OK):
        return found
    return None


def chromium_problem() -> Missing | None:
    """What is wrong with the Chromium that draws the charts, or None."""
    if chromium_executable():
        return None
    return Missing(
        "chromium",
        _("No Chromium at %(path)s, so the PDF has no chart images (their figures are still given as tables).",
          path=chromium_path()),
        _("Install Chromium (Debian or Ubuntu: apt-get install chromium) or set SIP_CHROMIUM to the path of a "
          "Chrome or Chromium."),
    )


def weasyprint_problem() -> Missing | None:
    """What stops WeasyPrint from working (usually the pango libraries), or None. Imports it once."""
    if not _weasyprint_error:
        try:
            import weasyprint  # noqa: F401  (loads pango through cffi: an OSError when the libraries are missing)
            _weasyprint_error.append(None)
        except (OSError, ImportError) as error:
            _weasyprint_error.append(f"{type(error).__name__}: {error}".splitlines()[0][:300])
    error = _weasyprint_error[0]
    if error is None:
        return None
    return Missing(
        "pango",
        _("WeasyPrint cannot start (%(error)s), so no PDF can be made.", error=error),
        _("Install the pango libraries (Debian or Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0) and "
          "the Python package weasyprint (pip install -r requirements.txt), then restart the server."),
    )


def package_problem(module: str, package: str, needed_for: str) -> Missing | None:
    """A Python package that cannot be imported, or None (checked without importing it)."""
    if importlib.util.find_spec(module) is not None:
        return None
    return Missing(
        package,
        _("The Python package %(package)s is missing, so no %(format)s can be made.", package=package,
          format=needed_for),
        _("Install it in the server's environment: pip install -r requirements.txt, then restart the server."),
    )


def _present(*problems: Missing | None) -> list[Missing]:
    return [problem for problem in problems if problem is not None]


def check() -> dict[str, FormatState]:
    """Every format's state on this server, in FORMATS order."""
    pptx = _("PowerPoint deck")
    return {
        "pdf": FormatState("pdf", _present(weasyprint_problem()), _present(chromium_problem())),
        "pptx": FormatState("pptx", _present(package_problem("pptx", "python-pptx", pptx),
                                             package_problem("xlsxwriter", "XlsxWriter", pptx))),
        "xlsx": FormatState("xlsx", _present(package_problem("xlsxwriter", "XlsxWriter", _("Excel workbook")))),
        "activities_csv": FormatState("activities_csv"),
        "updates_csv": FormatState("updates_csv"),
        "activities_semicolon": FormatState("activities_semicolon"),
        "updates_semicolon": FormatState("updates_semicolon"),
    }
