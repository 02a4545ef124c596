"""A short run of bench/writers.py: concurrent writers through gunicorn lose no update, meet no server error and no
"database is locked", and get 409 for a save made from an out-of-date version. The 30-second figures of
bench/RESULTS.md come from the same script (`python bench/writers.py --db sqlite|postgresql`)."""
import importlib.util
import sys
from pathlib import Path

from tests.conftest import SERVER_URL

WRITERS = Path(__file__).resolve().parents[2] / "bench" / "writers.py"


def load_writers():
    """bench/writers.py as a module (bench/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("bench_writers", WRITERS)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def test_concurrent_writers_lose_nothing_and_meet_no_error(server_database):
    writers = load_writers()
    url = server_database("writers") if SERVER_URL else None
    figures = writers.run("postgresql" if SERVER_URL else "sqlite", writers=6, seconds=5, postgres_url=url)
    assert figures["saves"] >= 5, figures
    assert figures["conflicts"] >= 1, f"no two writers ever met: {figures}"
    assert (figures["lost"], figures["unaudited"], figures["errors"], figures["locked"]) == (0, 0, 0, 0), figures
    assert set(figures["statuses"]) <= {200, 302, 400, 403, 409}, figures["statuses"]


def test_results_block_is_replaced_in_place_and_keeps_the_other_database(tmp_path):
    writers = load_writers()
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\nThe pages table.\n", encoding="utf-8")
    base = {"writers": 8, "seconds": 30.0, "requests": 1, "requests_per_s": 1, "saves": 1, "submits": 0, "returns": 0,
            "conflicts": 0, "under_review": 0, "errors": 0, "lost": 0, "unaudited": 0, "locked": 0, "post_p50_ms": 1,
            "post_p95_ms": 1, "measured": "now"}
    writers.write_results(results, {**base, "database": "SQLite", "version": "SQLite 3"})
    writers.write_results(results, {**base, "database": "PostgreSQL", "version": "PostgreSQL 15"})
    writers.write_results(results, {**base, "database": "SQLite", "version": "SQLite 3", "requests": 42})
    text = results.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark results\n\nThe pages table.\n")
    assert text.count(writers.BEGIN) == 1 and text.count(writers.END) == 1
    assert "| SQLite 3 | 8 × 30.0 | 42 |" in text and "| PostgreSQL 15 |" in text
    assert "| SQLite 3 | 8 × 30.0 | 1 |" not in text
