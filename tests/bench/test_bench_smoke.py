"""The benchmark script runs end to end, and neither the plan page's nor the SAG dashboard's query count grows with
the data."""
import importlib.util
import os
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "run.py"
SMALL_SCALE = 1  # 50 activities, about 1,000 accepted updates
# 600 activities: more than 500 parents at one level, the batch size of SQLAlchemy's selectinload; about 14,000
# accepted updates.
LARGE_SCALE = 12
# When `make test` runs its PostgreSQL pass, the benchmark runs there on PostgreSQL alone (the SQLite pass has run it on
# SQLite).
SERVER_URL = os.environ.get("SIP_TEST_DATABASE_URL")
DASHBOARD_PAGES = ("/dashboards/sag?", "/dashboards/glm?", "/dashboards/bodies/", "/dashboards/sag/compliance.csv?")


@pytest.fixture(scope="module")
def bench():
    """bench/run.py imported as a module."""
    spec = importlib.util.spec_from_file_location("bench_run", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def run_bench(bench, tmp_path_factory):
    """Runs the script cheaply at a synthetic scale (once per scale for the module); returns its table's rows
    keyed by (page, data set)."""
    done: dict[int, dict] = {}

    def run(scale: int) -> dict[tuple[str, str], list[str]]:
        if scale not in done:
            output = tmp_path_factory.mktemp("bench") / f"results-{scale}.md"
            argv = ["--warmup", "1", "--requests", "2", "--scale", str(scale), "--output", str(output)]
            if SERVER_URL:
                argv += ["--postgres", SERVER_URL, "--postgres-only"]
            assert bench.main(argv) == 0
            done[scale] = table_rows(output.read_text(encoding="utf-8"))
        return done[scale]

    return run


def table_rows(markdown: str) -> dict[tuple[str, str], list[str]]:
    """The results table's rows, keyed by (page without backticks, data set)."""
    rows = {}
    for line in markdown.splitlines():
        if not line.startswith("| ") or line.startswith(("| page ", "| --- ")):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows[(cells[0].strip("`"), cells[1])] = cells
    return rows


def synthetic_queries(rows: dict, wanted: str) -> dict[str, str]:
    """The queries/request cell of one page on the synthetic data set, by database."""
    return {
        dataset.rsplit(", ", 1)[1]: cells[5]
        for (page, dataset), cells in rows.items()
        if page == wanted and dataset.startswith("synthetic")
    }


def test_bench_writes_a_row_per_page_and_data_set(bench, run_bench):
    rows = run_bench(SMALL_SCALE)
    pages = {page for page, _ in rows}
    assert set(bench.REAL_PAGES) <= pages
    real = [key for key in rows if key[1].startswith("real")]
    synthetic = [key for key in rows if key[1].startswith("synthetic")]
    # The plan's pages, the dashboards' floor and the four dashboard pages, on the pass's one database.
    assert len(real) == len(bench.REAL_PAGES) + 1 + len(DASHBOARD_PAGES)
    assert {page.split("?")[0] for page, _ in synthetic} >= {"/healthz", "/plan", "/bodies"}
    assert any(page.startswith("/plan?q=") for page, _ in synthetic)
    assert any(page.startswith("/plan/activities/") for page, _ in synthetic)


def test_bench_measures_each_dashboard_beside_the_figures_floor(bench, run_bench):
    rows = run_bench(SMALL_SCALE)
    datasets = {dataset for _, dataset in rows}
    assert len(datasets) == 2  # real and synthetic, on the pass's database
    assert {dataset.rsplit(", ", 1)[1] for dataset in datasets} == {"PostgreSQL" if SERVER_URL else "SQLite"}
    for dataset in datasets:
        pages = [page for page, where in rows if where == dataset]
        for prefix in DASHBOARD_PAGES:
            assert any(page.startswith(prefix) for page in pages), f"no {prefix}… row for {dataset}"
        floor = rows[(bench.FIGURES, dataset)]
        assert floor[5] == "0"  # built from ready DataFrames: no query
        for page in pages:
            cells = rows[(page, dataset)]
            cold, times_figures, cold_times_figures = cells[4], cells[7], cells[8]
            if page.startswith("/dashboards/"):
                float(times_figures)  # a number: the page's p50 as a multiple of the floor
                assert float(cold) > 0  # and the time of the first request after a change
                assert float(cold_times_figures) == pytest.approx(float(cold) / float(floor[2]), rel=0.06, abs=0.06)
            else:
                assert times_figures == "–" and cold == "–" and cold_times_figures == "–"


def test_plan_page_issues_the_same_number_of_queries_whatever_the_plan_size(run_bench):
    small = synthetic_queries(run_bench(SMALL_SCALE), "/plan")
    large = synthetic_queries(run_bench(LARGE_SCALE), "/plan")
    assert small and all("–" not in value for value in [*small.values(), *large.values()])  # same on every request
    assert small == large, f"/plan queries per request: {small} at {SMALL_SCALE * 50} activities, {large} at {LARGE_SCALE * 50}"


def test_sag_dashboard_issues_the_same_number_of_queries_whatever_the_data_size(bench, run_bench):
    page = f"/dashboards/sag?period={bench.DASHBOARD_PERIOD}"
    small = synthetic_queries(run_bench(SMALL_SCALE), page)
    large = synthetic_queries(run_bench(LARGE_SCALE), page)
    assert small and all("–" not in value for value in [*small.values(), *large.values()])  # same on every request
    assert small == large, f"{page} queries per request: {small} at scale {SMALL_SCALE}, {large} at {LARGE_SCALE}"


def test_bench_keeps_the_sections_other_scripts_wrote_into_the_results(bench, tmp_path):
    results = tmp_path / "RESULTS.md"
    results.write_text("# old table\n\n<!-- writers:begin -->\n## Writers\n8 writers\n<!-- writers:end -->\n",
                       encoding="utf-8")
    kept = bench.kept_blocks(results)
    assert kept == "\n<!-- writers:begin -->\n## Writers\n8 writers\n<!-- writers:end -->\n"
    assert bench.kept_blocks(tmp_path / "missing.md") == ""
