"""Memory of the production processes while the pack's PDFs are made: a 2-worker gunicorn server and the worker.

Before (SIP_QUEUE_URL=off, as every web server was until issue 22): each gunicorn worker that makes a PDF starts its
own headless Chromium and keeps it. After (a queue, as production runs): web workers start no browser; the one
worker process keeps one Chromium for the whole server. Each run sets up a fresh SQLite demo database, signs a SAG
member in, asks for the French and the English PDF four times at once, and reads the proportional set size (PSS,
which counts memory shared between processes once) of every process of each tree from /proc/<pid>/smaps_rollup.

`.venv/bin/python bench/memory.py` prints a Markdown table and writes it into bench/RESULTS.md (between its markers).
"""
from __future__ import annotations

import os
import re
import secrets
import subprocess  # nosec B404: starting gunicorn and the worker is what this script is for
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # bench/load.py: the production stack's helpers

ROOT = load.ROOT
BEGIN, END = "<!-- memory:begin -->", "<!-- memory:end -->"
EXPORTER = ("bench.sag@example.org", "purple otter, quiet lantern 2718")


def descendants(root: int) -> list[int]:
    """The process and every process below it."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


def pss_mb(pids: list[int]) -> float:
    """The processes' proportional set size, in MB."""
    total = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        total += int(re.search(r"^Pss:\s+(\d+) kB", text, re.M).group(1))
    return total / 1024


def chromiums(pids: list[int]) -> int:
    """How many of the processes are a Chromium's main process (not its helpers)."""
    count = 0
    for pid in pids:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if command and b"chrom" in Path(command[0].decode(errors="replace")).name.encode() and not any(
                part.startswith(b"--type=") for part in command):
            count += 1
    return count


def sign_in(base: str) -> str:
    """The exporter's session cookie."""
    status, headers, _ = load.http("GET", base + "/login")
    cookie = "; ".join(c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or [])
    status, _headers, body = load.http("GET", base + "/login", headers={"Cookie": cookie})
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body.decode()).group(1)
    form = urllib.parse.urlencode({"email": EXPORTER[0], "password": EXPORTER[1], "csrf_token": token}).encode()
    status, headers, _ = load.http("POST", base + "/login", form,
                                   {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    if status != 302:
        raise SystemExit(f"signing in answered {status}")
    return "; ".join(c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or [])


def get(url: str, cookie: str) -> int:
    """The status of a GET (a PDF made on a busy machine may take a minute)."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=300) as answer:  # nosec B310: loopback only
            answer.read()
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def fetch_pdf(base: str, cookie: str, lang: str, timings: list[float]) -> None:
    """Ask for a PDF until it comes (202 while the worker builds it)."""
    started = time.perf_counter()
    for _ in range(300):
        status = get(f"{base}/exports/glm.pdf?lang={lang}", cookie)
        if status == 200:
            timings.append(time.perf_counter() - started)
            return
        if status != 202:
            timings.append(f"the PDF answered {status}")
            return
        time.sleep(1)
    timings.append("the PDF did not come within five minutes")


def run(label: str, queue: bool, folder: Path) -> dict:
    """One configuration: set up, serve, make the PDFs, measure."""
    url = f"sqlite:///{folder / (label + '.sqlite')}"
    instance = folder / f"instance-{label}"
    instance.mkdir()
    extra = {"SIP_QUEUE_URL": f"sqlite:///{folder / (label + '-queue.sqlite')}" if queue else "off",
             "SIP_INSTANCE_PATH": str(instance)}
    os.environ.update(extra)
    load.flask(url, "setup", "--demo")
    load.flask(url, "create-user", EXPORTER[0], "--name", "Bench SAG member", "--body", "sag", "--password-stdin",
               stdin=EXPORTER[1] + "\n")
    port = load.free_port()
    base = f"http://127.0.0.1:{port}"
    env = load.environment(url, SIP_ENV="production", SECRET_KEY=secrets.token_urlsafe(48),
                           SIP_BIND=f"127.0.0.1:{port}", SIP_BASE_URL=base, SIP_SMTP_URL="smtp://127.0.0.1:25",
                           SIP_WORKERS="2", SIP_TIMEOUT="600", **extra)
    log = tempfile.TemporaryFile()
    server = subprocess.Popen([str(load.GUNICORN), "-c", "python:sip.gunicorn_config", "--workers", "2", "app:app"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # nosec B603
    worker = None
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if load.http("GET", base + "/healthz")[0] in (200, 503):
                    break
            except OSError:
                pass  # not listening yet
            if time.monotonic() > deadline or server.poll() is not None:
                log.seek(0)
                raise SystemExit("gunicorn did not start:\n" + log.read().decode(errors="replace")[-3000:])
            time.sleep(0.3)
        if queue:
            worker = subprocess.Popen([str(load.PY), "-m", "flask", "--app", "app", "sip", "worker"], cwd=ROOT,
                                      env=env, stdout=log, stderr=subprocess.STDOUT)  # nosec B603
        idle = {"web": pss_mb(descendants(server.pid)), "worker": pss_mb(descendants(worker.pid)) if worker else 0.0}
        cookie = sign_in(base)
        timings: list[float] = []
        threads = [threading.Thread(target=fetch_pdf, args=(base, cookie, lang, timings))
                   for lang in ("fr", "en", "fr", "en")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        problems = [t for t in timings if isinstance(t, str)]
        if problems:
            log.seek(0)
            raise SystemExit(f"{problems}\n" + log.read().decode(errors="replace")[-4000:])
        web = descendants(server.pid)
        background = descendants(worker.pid) if worker else []
        return {"label": label, "web idle": idle["web"], "web": pss_mb(web), "web chromiums": chromiums(web),
                "worker idle": idle["worker"], "worker": pss_mb(background),
                "worker chromiums": chromiums(background), "slowest pdf s": max(timings)}
    finally:
        for process in (worker, server):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


def table(rows: list[dict]) -> str:
    lines = ["| configuration | web server (2 workers), idle MB | web server after the PDFs, MB | Chromiums in the web "
             "server | worker, idle MB | worker after the PDFs, MB | Chromiums in the worker | slowest of 4 PDFs, s |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {r['label']} | {r['web idle']:.0f} | {r['web']:.0f} | {r['web chromiums']} | {r['worker idle']:.0f} "
              f"| {r['worker']:.0f} | {r['worker chromiums']} | {r['slowest pdf s']:.1f} |" for r in rows]
    return "\n".join(lines)


def write_section(path: Path, rows: list[dict]) -> None:
    """Replace the memory section of the results file (appended when absent)."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = "\n".join([
        BEGIN, "## Memory: Chromium only in the worker", "",
        f"Measured on {now} with `bench/memory.py` (load average {os.getloadavg()[0]:.2f}): a 2-worker gunicorn "
        "server (SIP_ENV=production) on a fresh SQLite demo database, and `flask --app app sip worker` when there is "
        "a queue; four PDFs asked for at once (French and English, twice). Proportional set size (PSS) of each process "
        "tree, Chromium's processes included. Before: no queue, each web worker draws the charts with a browser of "
        "its own and keeps it. After: the web workers hand the PDF to the worker, which keeps one Chromium for the "
        "whole server (profile under the instance folder).", "", table(rows), "", END])
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    new = pattern.sub(lambda _: text, old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(new, encoding="utf-8")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="sip-bench-memory-") as tmp:
        rows = [run("before", False, Path(tmp)), run("after", True, Path(tmp))]
    print(table(rows))
    write_section(Path(__file__).resolve().parent / "RESULTS.md", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
