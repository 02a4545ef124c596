"""bench/api.py runs end to end at tiny sizes, and the activities endpoint's queries per request do not grow with the
plan (it never looks at timings)."""
import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def bench_api():
    """bench/api.py imported as a module (with bench/run.py beside it importable as `run`)."""
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("bench_api", BENCH / "api.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)
    sys.path.remove(str(BENCH))


def rows(markdown: str) -> dict[str, list[str]]:
    """The section's table rows by request."""
    found = {}
    for line in markdown.splitlines():
        if line.startswith("| ") and not line.startswith(("| request", "| ---")):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            found[cells[0].strip("`")] = cells
    return found


def test_the_api_bench_writes_its_section_with_constant_queries(bench_api, tmp_path):
    tables = {}
    for scale in (1, 3):
        output = tmp_path / f"results-{scale}.md"
        output.write_text("# Benchmark results\n\nother sections stay\n", encoding="utf-8")
        assert bench_api.main(["--scale", str(scale), "--requests", "2", "--warmup", "1", "--output", str(output)]) == 0
        text = output.read_text(encoding="utf-8")
        assert "other sections stay" in text and bench_api.BEGIN in text and bench_api.END in text
        tables[scale] = rows(text)
    small, large = tables[1], tables[3]
    for request in ("/healthz", "/api/v1/activities", bench_api.BUILT, bench_api.TOKEN_PAGE, bench_api.NOT_MODIFIED):
        assert small[request][5] == large[request][5], request  # queries per request, whatever the plan's size
    assert large["/api/v1/activities"][6] == "50 of 150"
