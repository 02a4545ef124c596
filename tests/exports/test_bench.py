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
        assert 0 < row["p50 ms"] <= row["p95 ms"] and row["first ms"] > 0 and row["served ms"] > 0
        assert row["bytes"] > 0
    assert rows[0]["bytes"] == len(b"%PDF-1.7 stub")


def test_bench_table_shows_a_dash_where_the_first_build_was_not_measured():
    spec = importlib.util.spec_from_file_location("bench_exports_table", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    row = {"format": "pdf", "data set": "big", "first ms": None, "p50 ms": 2.4, "p95 ms": 3.6, "served ms": 3.2,
           "bytes": 1200}
    assert module.table([row]).splitlines()[-1] == "| pdf | big | – | 2 | 4 | – | 3 | 1,200 |"


def test_bench_table_gives_each_build_as_a_multiple_of_the_activities_csv_of_its_data_set():
    spec = importlib.util.spec_from_file_location("bench_exports_ratio", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = [{"format": name, "data set": data_set, "first ms": None, "p50 ms": p50, "p95 ms": p50, "served ms": 1.0,
             "bytes": 10} for name, data_set, p50 in (("xlsx", "big", 3000.0), ("activities_csv", "big", 600.0),
                                                      ("xlsx", "small", 90.0), ("activities_csv", "small", 30.0))]
    ratios = [line.split(" | ")[5] for line in module.table(rows).splitlines()[2:]]
    assert ratios == ["5.0", "1.0", "3.0", "1.0"]
