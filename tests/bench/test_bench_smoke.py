"""The benchmark script runs end to end, and the plan page's query count does not grow with the plan."""
import importlib.util
import os
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "run.py"
SMALL_SCALE = 1  # 50 activities
# 600 activities: more than 500 parents at one level, the batch size of SQLAlchemy's selectinload.
LARGE_SCALE = 12
# When `make test` runs its PostgreSQL pass, the benchmark runs there too (after SQLite).
SERVER_URL = os.environ.get("SIP_TEST_DATABASE_URL")


@pytest.fixture(scope="module")
def bench():
    """bench/run.py imported as a module."""
    spec = importlib.util.spec_from_file_location("bench_run", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def run_bench(bench, tmp_path, scale: int) -> dict[tuple[str, str], list[str]]:
    """Run the script cheaply at a synthetic scale; return its table's rows keyed by (page, data set)."""
    output = tmp_path / f"results-{scale}.md"
    argv = ["--warmup", "2", "--requests", "3", "--scale", str(scale), "--output", str(output)]
    if SERVER_URL:
        argv += ["--postgres", SERVER_URL]
    assert bench.main(argv) == 0
    rows = {}
    for line in output.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("| `"):
            rows[(cells[0].strip("`"), cells[1])] = cells
    return rows


def plan_queries(rows: dict) -> dict[str, str]:
    """The queries/request cell of /plan on the synthetic plan, by database."""
    return {
        dataset.rsplit(", ", 1)[1]: cells[4]
        for (page, dataset), cells in rows.items()
        if page == "/plan" and dataset.startswith("synthetic")
    }


def test_bench_writes_a_row_per_page_and_data_set(bench, tmp_path):
    rows = run_bench(bench, tmp_path, SMALL_SCALE)
    pages = {page for page, _ in rows}
    assert set(bench.REAL_PAGES) <= pages
    real = [key for key in rows if key[1].startswith("real")]
    synthetic = [key for key in rows if key[1].startswith("synthetic")]
    databases = 2 if SERVER_URL else 1
    assert len(real) == len(bench.REAL_PAGES) * databases
    assert {page.split("?")[0] for page, _ in synthetic} >= {"/healthz", "/plan", "/bodies"}
    assert any(page.startswith("/plan?q=") for page, _ in synthetic)
    assert any(page.startswith("/plan/activities/") for page, _ in synthetic)


def test_plan_page_issues_the_same_number_of_queries_whatever_the_plan_size(bench, tmp_path):
    small = plan_queries(run_bench(bench, tmp_path, SMALL_SCALE))
    large = plan_queries(run_bench(bench, tmp_path, LARGE_SCALE))
    assert small and all("–" not in value for value in [*small.values(), *large.values()])  # same on every request
    assert small == large, f"/plan queries per request: {small} at {SMALL_SCALE * 50} activities, {large} at {LARGE_SCALE * 50}"
