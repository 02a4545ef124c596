"""What each format needs on the server, checked without crashing, and the `sip formats` command that says so."""
import os
import sys

import pytest

from sip.exports import availability
from sip.exports.availability import Missing


@pytest.fixture
def no_weasyprint(monkeypatch):
    """WeasyPrint that cannot be imported (as when the pango libraries are missing), tried afresh."""
    monkeypatch.setattr(availability, "_weasyprint_error", [])
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # importing it now raises ImportError


def test_every_format_is_available_on_this_server(app):
    if not os.path.exists(availability.DEFAULT_CHROMIUM) and os.environ.get("SIP_REQUIRE_BROWSER") != "1":
        pytest.skip("no Chromium here (apt-get install chromium); CI sets SIP_REQUIRE_BROWSER=1 and installs it")
    with app.app_context():
        states = availability.check()
    assert list(states) == list(availability.FORMATS)
    assert all(state.available and not state.degraded for state in states.values()), states


def test_a_weasyprint_that_cannot_load_makes_the_pdf_unavailable_without_raising(app, no_weasyprint):
    with app.app_context():
        states = availability.check()
    assert not states["pdf"].available
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in states["pdf"].missing[0].install
    assert all(states[name].available for name in ("pptx", "xlsx", "activities_csv", "updates_csv"))


def test_chromium_is_looked_for_in_the_config_then_the_environment(app, monkeypatch, tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("SIP_CHROMIUM", str(fake))
    with app.app_context():
        assert availability.chromium_executable() == str(fake)
        app.config["SIP_CHROMIUM"] = str(tmp_path / "missing")
        assert availability.chromium_executable() is None
        assert "No Chromium at" in availability.chromium_problem().problem


def test_a_chromium_that_cannot_be_run_only_takes_the_charts_out_of_the_pdf(app, tmp_path):
    not_executable = tmp_path / "chromium"
    not_executable.write_text("")
    os.chmod(not_executable, 0o644)
    app.config["SIP_CHROMIUM"] = str(not_executable)
    with app.app_context():
        pdf = availability.check()["pdf"]
    assert pdf.available and [part.part for part in pdf.degraded] == ["chromium"]


def test_formats_command_says_every_format_is_available(app, monkeypatch):
    monkeypatch.setattr(availability, "chromium_problem", lambda: None)  # whatever this machine has
    result = app.test_cli_runner().invoke(args=["sip", "formats"])
    assert result.exit_code == 0
    assert "PDF report (/exports/glm.pdf): available" in result.output
    assert "Updates CSV (/exports/updates.csv): available" in result.output
    assert result.output.strip().endswith("All formats are available.")


def test_formats_command_names_what_to_install_and_strict_fails(app, monkeypatch):
    monkeypatch.setattr(availability, "weasyprint_problem",
                        lambda: Missing("pango", "WeasyPrint cannot start.", "Install the pango libraries."))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sip", "formats"])
    assert result.exit_code == 0  # `make run` goes on: the other formats work
    assert "PDF report (/exports/glm.pdf): unavailable" in result.output
    assert "  - WeasyPrint cannot start. Install the pango libraries." in result.output
    assert "Excel workbook (/exports/sip.xlsx): available" in result.output
    assert runner.invoke(args=["sip", "formats", "--strict"]).exit_code == 1
