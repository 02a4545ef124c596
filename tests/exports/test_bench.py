"""bench/exports.py measures each format through the test client (bench/run.py calls it on its data sets)."""
import importlib.util
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "exports.py"


def test_bench_gives_a_row_per_format_with_its_timings_and_size(quarters, monkeypatch):
    monkeypatch.setattr("sip.exports.pdf.render_pdf", lambda pack: b"%PDF-1.7 stub")  # the timing, not the printing
    spec = importlib.util.spec_from_file_location("bench_exports", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    rows = module.measure(quarters, "hand-made", 2)
    assert [row["format"] for row in rows] == ["pdf", "pptx", "xlsx", "activities_csv", "updates_csv"]
    for row in rows:
        assert row["data set"] == "hand-made"
        assert 0 < row["p50 ms"] <= row["p95 ms"]
        assert row["bytes"] > 0
    assert rows[0]["bytes"] == len(b"%PDF-1.7 stub")
