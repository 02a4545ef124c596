"""Load on the production stack: gunicorn on loopback under wrk, on SQLite and on PostgreSQL.

Run: `.venv/bin/python bench/load.py` (or `make bench-load`); `--help` lists the options. Needs wrk (Debian: `apt-get
install wrk`) and, for PostgreSQL, `--postgres URL` of a database whose tables may be dropped (`. .ci/postgres.sh`
starts a throwaway one and sets SIP_TEST_POSTGRES_URL, which is used when no URL is given).

For each database it prepares the real plan with the demo reports (`flask sip setup --demo`, as `make run` does)
and a reader account, starts gunicorn exactly as in production (`gunicorn -c python:sip.gunicorn_config app:app`,
SIP_ENV=production), then measures:

- reads: wrk on GET /plan (anonymous, gzip accepted as a browser does), throughput, latency percentiles, errors;
- a read/write mix: one request in ten a profile save (POST /account with its CSRF token, a write with its audit
  entry), the others GET /plan, all signed in;
- the peak memory (VmHWM) of each gunicorn worker after the runs;
- what a visit downloads, on the wire: the main pages with every script, style sheet and icon they load (first
  visit), then the page alone (repeat visit: the static files are addressed by version and kept for a year).

The figures go into bench/RESULTS.md between `<!-- load:begin -->` and `<!-- load:end -->`.
"""
from __future__ import annotations

import argparse
import gzip
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess  # nosec B404: starting gunicorn and wrk is what this script is for
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
RESULTS = ROOT / "bench" / "RESULTS.md"
BEGIN, END = "<!-- load:begin -->", "<!-- load:end -->"
READER = ("bench.visitor@example.org", "tired sparrows hum over violet quarries")
TRANSFER_PAGES = ("/", "/plan", "/dashboards/sag")
BUDGET_RPS = 300
CSRF_FIELD = re.compile(r'name="profile-csrf_token" type="hidden" value="([^"]+)"')
ASSET = re.compile(r'(?:src|href)="(/(?:static|assets)/[^"]+)"')

MIX_SCRIPT = """
cookie = os.getenv("SIP_LOAD_COOKIE")
body = os.getenv("SIP_LOAD_BODY")
local n = 0
request = function()
  n = n + 1
  if n % 10 == 0 then
    return wrk.format("POST", "/account", {["Content-Type"] = "application/x-www-form-urlencoded",
                      ["Cookie"] = cookie, ["Accept-Encoding"] = "gzip"}, body)
  end
  return wrk.format("GET", "/plan", {["Cookie"] = cookie, ["Accept-Encoding"] = "gzip"})
end
"""


@dataclass
class Run:
    """One wrk run's figures."""

    label: str
    database: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int


def parse_args(argv):
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="length of each wrk run (default 20)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("SIP_TEST_POSTGRES_URL"),
                        help="also run on this PostgreSQL database (its tables are dropped)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="Markdown file to write the section into")
    return parser.parse_args(argv)


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(url: str, **extra) -> dict:
    """The environment of the app's commands and servers for this database."""
    env = {**os.environ, "SIP_DATABASE_URL": url, "FLASK_DEBUG": "0", **extra}
    env.pop("SIP_ENV", None)
    env.update(extra)
    return env


def flask(url: str, *args: str, stdin: str | None = None) -> None:
    """Run a `flask --app app sip …` command on the database, failing loudly."""
    subprocess.run([str(PY), "-m", "flask", "--app", "app", "sip", *args], cwd=ROOT, env=environment(url),  # nosec B603
                   input=stdin, text=True, check=True, capture_output=True)


def drop_postgres_tables(url: str) -> None:
    """Empty a PostgreSQL database (the set-up then builds it from the migrations)."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def prepare(url: str) -> None:
    """The real plan, the demo reports and the reader, as `make run` leaves them."""
    if not url.startswith("sqlite"):
        drop_postgres_tables(url)
    flask(url, "setup", "--demo")
    flask(url, "create-user", READER[0], "--name", "Bench Visitor", "--password-stdin", stdin=READER[1] + "\n")


class Server:
    """gunicorn serving the app in production mode on a loopback port."""

    def __init__(self, url: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = environment(url, SIP_ENV="production", SECRET_KEY=secrets.token_urlsafe(48),
                          SIP_BIND=f"127.0.0.1:{self.port}", SIP_BASE_URL=self.base,
                          SIP_SMTP_URL="smtp://127.0.0.1:25")  # production requires one; nothing is sent here
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen([str(GUNICORN), "-c", "python:sip.gunicorn_config", "app:app"],  # nosec B603
                                        cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_ready()

    def wait_ready(self, seconds: float = 30) -> None:
        """Wait for /healthz to answer 200."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as answer:  # nosec B310
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("gunicorn did not answer /healthz within 30 s")

    def workers(self) -> list[int]:
        """The pids of the master's worker processes."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def peak_memory_mb(self) -> list[float]:
        """Each worker's peak resident memory (VmHWM) in MB."""
        peaks = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
        return sorted(peaks)

    def stop(self) -> None:
        """Stop gunicorn gracefully."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def http(method: str, url: str, data: bytes | None = None, headers: dict | None = None):
    """One request without redirects or decompression: (status, headers, body bytes)."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect())
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with opener.open(request, timeout=30) as answer:  # nosec B310: loopback only
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def sign_in(server: Server) -> tuple[str, str]:
    """The reader's session cookie and the profile form's CSRF token (read by hand: the cookie is Secure)."""
    status, headers, _ = http("GET", server.base + "/login")
    cookie = "; ".join(c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or [])
    status, page_headers, body = http("GET", server.base + "/login", headers={"Cookie": cookie})
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body.decode()).group(1)
    form = urllib.parse.urlencode({"email": READER[0], "password": READER[1], "csrf_token": token}).encode()
    status, headers, _ = http("POST", server.base + "/login", form,
                              {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    if status != 302:
        raise SystemExit(f"signing in answered {status}")
    cookie = "; ".join(c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or [])
    status, headers, body = http("GET", server.base + "/account", headers={"Cookie": cookie})
    # The page's CSRF token is kept in the session it sends back (signing in started a fresh session).
    cookie = "; ".join(c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or []) or cookie
    return cookie, unescape(CSRF_FIELD.search(body.decode()).group(1))


def wrk(server: Server, label: str, database: str, options, script: str | None = None, env: dict | None = None,
        path: str = "/plan") -> Run:
    """Run wrk against a path (or with a Lua script) and read its figures."""
    command = ["wrk", "-t", "1", "-c", str(options.connections), "-d", f"{options.seconds}s", "--latency",
               "-H", "Accept-Encoding: gzip"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        if script:
            lua.write(script)
    if script:
        command += ["-s", lua.name]
    result = subprocess.run(command + [server.base + path], capture_output=True, text=True, check=True,  # nosec B603
                            env={**os.environ, **(env or {})})
    os.unlink(lua.name)
    out = result.stdout
    latency = {p: _ms(v, u) for p, v, u in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)}
    if len(latency) != 3:
        raise SystemExit(f"could not read wrk's latency distribution:\n{out}")
    total = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", out).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    errors += int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return Run(label, database, total, options.seconds, float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
               latency["50"], latency["90"], latency["99"], errors)


def _ms(value: str, unit: str) -> float:
    """A wrk duration in milliseconds."""
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def transferred(server: Server, cookie: str) -> list[tuple[str, int, int]]:
    """For each main page: bytes on the wire for a first visit (page and every asset it loads) and a repeat one."""
    rows = []
    for page in TRANSFER_PAGES:
        headers = {"Accept-Encoding": "gzip", "Cookie": cookie}
        status, page_headers, body = http("GET", server.base + page, headers=headers)
        if status != 200:
            raise SystemExit(f"{page} answered {status}")
        page_bytes = len(body) + len(str(page_headers))
        html = (gzip.decompress(body) if page_headers.get("Content-Encoding") == "gzip" else body).decode()
        assets = sorted(set(ASSET.findall(html)))
        asset_bytes = 0
        for asset in assets:
            _, asset_headers, asset_body = http("GET", server.base + unescape(asset), headers=headers)
            asset_bytes += len(asset_body) + len(str(asset_headers))
        rows.append((page, page_bytes + asset_bytes, page_bytes))
    return rows


def measure(url: str, database: str, options) -> tuple[list[Run], list[float], list]:
    """Prepare the database, start gunicorn and measure reads, the mix, memory and transfer."""
    prepare(url)
    server = Server(url)
    try:
        for _ in range(20):  # warm each worker's caches
            http("GET", server.base + "/plan", headers={"Accept-Encoding": "gzip"})
        reads = wrk(server, "GET /plan, anonymous", database, options)
        cookie, token = sign_in(server)
        body = urllib.parse.urlencode({"profile-name": "Bench Visitor", "profile-language": "en",
                                       "profile-csrf_token": token})
        mix = wrk(server, "90 % GET /plan, 10 % POST /account, signed in", database, options, MIX_SCRIPT,
                  {"SIP_LOAD_COOKIE": cookie, "SIP_LOAD_BODY": body})
        transfer = transferred(server, cookie)
        memory = server.peak_memory_mb()
    finally:
        server.stop()
    return [reads, mix], memory, transfer


def section(results: list, options) -> str:
    """The Markdown section for RESULTS.md."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [BEGIN, "## Under load: gunicorn on loopback", "",
             f"Measured on {now} with `bench/load.py --seconds {options.seconds} --connections {options.connections}`"
             f" on {os.cpu_count()} cores ({_load()}). gunicorn as in production (`sip/gunicorn_config.py`: "
             f"{len(os.sched_getaffinity(0))} workers × 4 threads, SIP_ENV=production), wrk with 1 thread and "
             f"{options.connections} connections on the same machine, gzip accepted. Errors are socket errors and "
             f"answers other than 2xx/3xx. The budget is ≥ {BUDGET_RPS} requests/s on the plan page with 0 errors.",
             "", "| run | database | requests/s | p50 ms | p90 ms | p99 ms | requests | errors |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for runs, _, _ in results:
        for r in runs:
            lines.append(f"| {r.label} | {r.database} | {r.rps:.0f} | {r.p50_ms:.1f} | {r.p90_ms:.1f} | "
                         f"{r.p99_ms:.1f} | {r.requests} | {r.errors} |")
    lines += ["", "Peak memory (VmHWM) of each gunicorn worker after the runs: " + "; ".join(
        f"{runs[0].database}: " + ", ".join(f"{mb:.0f} MB" for mb in memory) for runs, memory, _ in results) + ".",
        "", "Bytes on the wire (gzip, headers included), signed in:", "",
        "| page | database | first visit (page + assets) | repeat visit (page only) |", "| --- | --- | ---: | ---: |"]
    for runs, _, transfer in results:
        for page, first, repeat in transfer:
            lines.append(f"| `{page}` | {runs[0].database} | {first / 1024:.1f} KB | {repeat / 1024:.1f} KB |")
    lines += ["", END]
    return "\n".join(lines)


def _load() -> str:
    """The load average when the run ended."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f}"


def write_section(path: Path, text: str) -> None:
    """Replace the section between the markers in the results file (append it when absent)."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    new = pattern.sub(lambda _: text, old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(new, encoding="utf-8")


def main(argv=None) -> int:
    """Measure on SQLite (and PostgreSQL when given), print and record the figures."""
    options = parse_args(sys.argv[1:] if argv is None else argv)
    if shutil.which("wrk") is None:
        raise SystemExit("bench/load.py needs wrk (Debian: apt-get install wrk)")
    results = []
    with tempfile.TemporaryDirectory(prefix="sip-load-") as tmp:
        results.append(measure(f"sqlite:///{tmp}/load.sqlite", "SQLite", options))
    if options.postgres:
        results.append(measure(options.postgres, "PostgreSQL", options))
    text = section(results, options)
    write_section(options.output, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
