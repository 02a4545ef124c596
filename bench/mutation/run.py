"""Plant bugs and count how many the tests catch: mutmut over the rules, writes and figures (`make mutants`).

    .venv/bin/python bench/mutation/run.py                       # every configured module
    .venv/bin/python bench/mutation/run.py sip/bodies/permissions.py sip/plan/permissions.py

The project is copied into .mutation/work (tracked files and the compiled catalogues), with setup.cfg from this
folder beside it; mutmut keeps its results there, so a second run only tests again the functions that changed.
The score of each module, killed / (mutants - equivalent), is written into bench/RESULTS.md between its markers,
and the survivors that are not written down in EQUIVALENT.md are listed: each is a bug no test would catch.
"""
import fnmatch
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from configparser import ConfigParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
WORK = ROOT / ".mutation" / "work"
RESULTS = ROOT / "bench" / "RESULTS.md"
START, END = "<!-- mutants:start -->", "<!-- mutants:end -->"
MUTMUT = str(Path(sys.executable).with_name("mutmut"))


def configured_modules() -> list[str]:
    """The files setup.cfg asks mutmut to mutate, expanded from its patterns."""
    parser = ConfigParser()
    parser.read(HERE / "setup.cfg")
    patterns = parser["mutmut"]["only_mutate"].split()
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "sip").rglob("*.py"))
    return [f for f in files if any(fnmatch.fnmatch(f, pattern) for pattern in patterns)]


def sync_work_copy() -> None:
    """Copy the tracked files (and the compiled catalogues) into the work folder, keeping mutmut's results."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    WORK.mkdir(parents=True, exist_ok=True)
    for name in tracked.decode().split("\0"):
        if not name or name.startswith(".ci/") or not (ROOT / name).is_file():
            continue
        target = WORK / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    for compiled in (ROOT / "sip" / "translations").rglob("*.mo"):
        target = WORK / compiled.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(compiled, target)
    shutil.copy2(HERE / "setup.cfg", WORK / "setup.cfg")


def module_name(path: str) -> str:
    """sip/bodies/permissions.py → sip.bodies.permissions"""
    return path.removesuffix(".py").replace("/", ".")


def equivalent_mutants() -> set[str]:
    """The mutants written down in EQUIVALENT.md as unable to change behaviour (`name` in backquotes, first column)."""
    text = (HERE / "EQUIVALENT.md").read_text()
    return set(re.findall(r"^\| `([\w.]+__mutmut_\d+)`", text, flags=re.MULTILINE))


def results() -> dict[str, str]:
    """Every mutant's state as mutmut reports it (killed, survived, timeout, no tests, …)."""
    out = subprocess.run([MUTMUT, "results", "--all", "true"], cwd=WORK, check=True,
                         capture_output=True, text=True).stdout
    return {name: state.strip() for name, state in re.findall(r"^\s*([\w.]+__mutmut_\d+): (.+)$", out, re.MULTILINE)}


def score_table(states: dict[str, str], modules: list[str], equivalent: set[str]) -> tuple[str, list[str]]:
    """A markdown table of the score by module, and the survivors nobody has explained."""
    by_module: dict[str, Counter] = defaultdict(Counter)
    unexplained = []
    for name, state in states.items():
        module = next((m for m in map(module_name, modules) if name.startswith(m + ".")), None)
        if module is None or state == "not checked":  # a module this run did not ask for
            continue
        if name in equivalent:
            by_module[module]["equivalent"] += 1
            continue
        caught = state in ("killed", "timeout", "segfault")  # a mutant that hangs or crashes the tests is caught
        by_module[module]["killed" if caught else "survived"] += 1
        if not caught:
            unexplained.append(f"{name}: {state}")
    lines = ["| module | mutants | killed | equivalent | survived | score |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for module in sorted(by_module):
        c = by_module[module]
        total = c["killed"] + c["survived"] + c["equivalent"]
        score = c["killed"] / (total - c["equivalent"]) if total > c["equivalent"] else 1.0
        lines.append(f"| `{module}` | {total} | {c['killed']} | {c['equivalent']} | {c['survived']} | {score:.0%} |")
    return "\n".join(lines), sorted(unexplained)


def write_results(table: str) -> None:
    """Replace the score table in bench/RESULTS.md (between its markers)."""
    text = RESULTS.read_text()
    if START in text:
        head, rest = text.split(START, 1)
        text = head + START + "\n" + table + "\n" + END + rest.split(END, 1)[1]
    else:
        text += f"\n{START}\n{table}\n{END}\n"
    RESULTS.write_text(text)


def main(argv: list[str]) -> int:
    modules = argv or configured_modules()
    sync_work_copy()
    names = [f"{module_name(m)}.*" for m in modules]
    subprocess.run([MUTMUT, "run", *names], cwd=WORK, check=False)
    table, unexplained = score_table(results(), configured_modules(), equivalent_mutants())
    write_results(table)
    print(table)
    if unexplained:
        print(f"\n{len(unexplained)} survivors are neither killed nor written down in EQUIVALENT.md:")
        print("\n".join(unexplained))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
