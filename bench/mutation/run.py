"""Plant bugs and count how many the tests catch: mutmut over the rules, writes and figures (`make mutants`).

    .venv/bin/python bench/mutation/run.py                       # every configured module
    .venv/bin/python bench/mutation/run.py sip/bodies/permissions.py sip/plan/permissions.py
    .venv/bin/python bench/mutation/run.py sip/bodies/permissions.py --tests tests/test_access*.py tests/bodies
    .venv/bin/python bench/mutation/run.py sip/bodies/permissions.py --score-only

The last commit is written into .mutation/work (with the compiled catalogues, and the test files not yet committed
that the selection names: a test written to kill a survivor is measured before it is committed), with setup.cfg
from this folder beside it; mutmut keeps its results there. Changes not committed are not measured.

Before it tests any mutant, mutmut runs the whole test selection once to learn which tests reach which function;
with every test selected that takes over twenty minutes on a small machine. `--tests PATH…` narrows the selection
for this run to the files or folders named (globs are expanded; setup.cfg's `--ignore`/`--deselect` lines are kept),
written into the work copy's setup.cfg. Name the tests that exercise the module: tests/test_access*.py for a
permissions module, plus the domain's test folder. Name folders rather than files, so that a test added there later
joins the selection: mutmut forgets every result and learns the tests again whenever the selection changes.
`--deselect NODEID` (repeatable) leaves out a test that fails with no mutant planted, since mutmut stops when the
unmutated code fails a test.

The score of each module, killed / (mutants - equivalent), is written into bench/RESULTS.md between its markers,
with the test selection it was measured against (`all`, or a name listed under the table with its paths); rows of modules this run did not ask for are kept as they were.
`--score-only` writes the table again from mutmut's last results without running anything (after a row was added
to EQUIVALENT.md).

mutmut runs the tests on SQLite, where a row lock is not a thing: a mutant that drops one survives there. Such a
mutant is written down in POSTGRESQL.md with the test of the PostgreSQL pass that kills it, and counts as killed.
`--verify-postgresql URL` plants each of them in a copy of the last commit and runs its test against that server:
every one must fail (and pass unmutated), or the command says which did not. The survivors that are not written down in EQUIVALENT.md are listed: each is a bug no test
would catch.
"""
import argparse
import fnmatch
import glob
import hashlib
import io
import re
import shutil
import subprocess
import sys
import tarfile
from collections import Counter
from configparser import ConfigParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
WORK = ROOT / ".mutation" / "work"
RESULTS = ROOT / "bench" / "RESULTS.md"
START, END = "<!-- mutants:start -->", "<!-- mutants:end -->"
MUTMUT = str(Path(sys.executable).with_name("mutmut"))
SELECTION_KEY = "pytest_add_cli_args_test_selection"


def configured_modules() -> list[str]:
    """The files setup.cfg asks mutmut to mutate, expanded from its patterns."""
    parser = ConfigParser()
    parser.read(HERE / "setup.cfg")
    patterns = parser["mutmut"]["only_mutate"].split()
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "sip").rglob("*.py"))
    return [f for f in files if any(fnmatch.fnmatch(f, pattern) for pattern in patterns)]


def default_selection() -> list[str]:
    """The test selection setup.cfg names (every test but the browser, server and catalogue ones)."""
    parser = ConfigParser()
    parser.read(HERE / "setup.cfg")
    return [line for line in parser["mutmut"][SELECTION_KEY].split("\n") if line]


def narrowed_selection(tests: list[str]) -> list[str]:
    """The paths given (globs expanded, in order) followed by setup.cfg's --ignore/--deselect options."""
    paths = []
    for pattern in tests:
        matches = sorted(glob.glob(pattern, root_dir=ROOT)) if glob.has_magic(pattern) else [pattern]
        if not matches or not all((ROOT / m.split("::")[0]).exists() for m in matches):
            raise SystemExit(f"--tests {pattern}: no such test file or folder")
        paths += [m for m in matches if m not in paths]
    return paths + [line for line in default_selection() if line.startswith("--")]


def selection_label(selection: list[str]) -> tuple[str, str]:
    """How the scores table names a selection: `all` for setup.cfg's own, else a short name (`tests-1a2b3c`) and
    the paths it stands for, listed under the table."""
    if selection == default_selection():
        return "all", ""
    paths = " ".join(f"`{p}`" for p in selection if not p.startswith("--"))
    left_out = " ".join(f"`{p.split('=', 1)[1]}`" for p in selection
                        if p.startswith("--deselect=") and p not in default_selection())
    name = "tests-" + hashlib.sha256("\n".join(selection).encode()).hexdigest()[:6]
    return name, paths + (f"; left out: {left_out}" if left_out else "")


def new_test_files(selection: list[str]) -> list[str]:
    """Test files not yet committed that lie in the selection (a test written to kill a survivor)."""
    untracked = subprocess.run(["git", "ls-files", "-z", "--others", "--exclude-standard", "--", "tests/"],
                               cwd=ROOT, check=True, capture_output=True).stdout.decode().split("\0")
    paths = [p.rstrip("/") for p in selection if not p.startswith("--")]
    return [name for name in untracked
            if name and any(name == p or name.startswith(p + "/") for p in paths)]


def sync_work_copy(selection: list[str]) -> None:
    """Write the committed project (and the compiled catalogues) into the work folder, keeping mutmut's results.

    The last commit, not the working tree: changes in progress beside the run (half a feature, a file not yet
    added) would fail the unmutated tests and stop mutmut. New test files in the selection are the exception."""
    archive = subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    WORK.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        members = [m for m in tar.getmembers() if m.isfile() and not m.name.startswith(".ci/")]
        for member in members:
            target = WORK / member.name
            content = tar.extractfile(member).read()
            if target.is_file() and target.read_bytes() == content:
                continue  # unchanged: leave it (and its time) alone
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    for name in new_test_files(selection):
        target = WORK / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    for compiled in (ROOT / "sip" / "translations").rglob("*.mo"):
        target = WORK / compiled.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(compiled, target)
    write_setup_cfg(selection)


def write_setup_cfg(selection: list[str]) -> None:
    """setup.cfg into the work copy, its test selection replaced by this run's."""
    lines = (HERE / "setup.cfg").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(SELECTION_KEY))
    end = start + 1
    while end < len(lines) and lines[end].startswith((" ", "\t")):
        end += 1
    lines[start:end] = [f"{SELECTION_KEY} ="] + [f"    {arg}" for arg in selection]
    (WORK / "setup.cfg").write_text("\n".join(lines) + "\n")


def work_selection() -> list[str]:
    """The test selection mutmut's last results in the work copy were measured against."""
    parser = ConfigParser()
    parser.read(WORK / "setup.cfg")
    return [line for line in parser["mutmut"][SELECTION_KEY].split("\n") if line]


def module_name(path: str) -> str:
    """sip/bodies/permissions.py → sip.bodies.permissions"""
    return path.removesuffix(".py").replace("/", ".")


def equivalent_mutants() -> set[str]:
    """The mutants written down in EQUIVALENT.md as unable to change behaviour (`name` in backquotes, first column)."""
    text = (HERE / "EQUIVALENT.md").read_text()
    return set(re.findall(r"^\| `([\w.]+__mutmut_\d+)`", text, flags=re.MULTILINE))


def postgresql_rows() -> list[dict[str, str]]:
    """The mutants POSTGRESQL.md lists as killed by a test of the PostgreSQL pass: name, file, the line as written
    and as mutated (each in backquotes), the test's node id."""
    rows = []
    for line in (HERE / "POSTGRESQL.md").read_text().splitlines():
        cells = re.findall(r"`([^`]+)`", line)
        if line.startswith("| `") and len(cells) == 5:
            rows.append(dict(zip(("name", "file", "written", "mutated", "test"), cells, strict=True)))
    return rows


def verify_postgresql(url: str) -> int:
    """Plant each mutant of POSTGRESQL.md in a copy of the last commit and run its test on PostgreSQL at `url`;
    0 when every test passes unmutated and fails with its mutant planted."""
    import os
    import tempfile

    env = {**os.environ, "SIP_TEST_DATABASE_URL": url}
    failures = []
    with tempfile.TemporaryDirectory(prefix="sip-pg-mutants-") as folder:
        archive = subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        for compiled in (ROOT / "sip" / "translations").rglob("*.mo"):
            shutil.copy2(compiled, Path(folder) / compiled.relative_to(ROOT))

        def passes(test: str) -> bool:
            return subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", test],
                                  cwd=folder, env=env, capture_output=True).returncode == 0

        for test in sorted({row["test"] for row in postgresql_rows()}):
            if not passes(test):
                failures.append(f"{test} fails with no mutant planted")
        for row in postgresql_rows():
            source = Path(folder) / row["file"]
            original = source.read_text()
            if original.count(row["written"]) != 1:
                failures.append(f"{row['name']}: the line is not in {row['file']} exactly once")
                continue
            source.write_text(original.replace(row["written"], row["mutated"]))
            try:
                survived = passes(row["test"])
            finally:
                source.write_text(original)
            print(f"{row['name']}: {'SURVIVED' if survived else 'killed'}")
            if survived:
                failures.append(f"{row['name']} survives {row['test']}")
    print("\n".join(failures) or "every mutant of POSTGRESQL.md is killed on PostgreSQL")
    return 1 if failures else 0


def results() -> dict[str, str]:
    """Every mutant's state as mutmut reports it (killed, survived, timeout, no tests, …)."""
    out = subprocess.run([MUTMUT, "results", "--all", "true"], cwd=WORK, check=True,
                         capture_output=True, text=True).stdout
    return {name: state.strip() for name, state in re.findall(r"^\s*([\w.]+__mutmut_\d+): (.+)$", out, re.MULTILINE)}


HEADER = ["| module | mutants | killed | equivalent | survived | score | tests |",
          "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]


def score_rows(states: dict[str, str], modules: list[str], equivalent: set[str],
               tests: str) -> tuple[dict[str, str], list[str]]:
    """A table row for each module asked for, keyed by module, and the survivors nobody has explained."""
    by_module: dict[str, Counter] = {module_name(m): Counter() for m in modules}
    postgresql_killed = {row["name"] for row in postgresql_rows()}
    unexplained = []
    for name, state in states.items():
        module = next((m for m in by_module if name.startswith(m + ".")), None)
        if module is None:  # a module this run did not ask for
            continue
        if state == "not checked":  # the run stopped before this mutant
            by_module[module]["not run"] += 1
            continue
        if name in equivalent:
            by_module[module]["equivalent"] += 1
            continue
        # a mutant that hangs or crashes the tests is caught; so is one a test of the PostgreSQL pass kills
        caught = state in ("killed", "timeout", "segfault") or name in postgresql_killed
        by_module[module]["killed" if caught else "survived"] += 1
        if not caught:
            unexplained.append(f"{name}: {state}")
    rows = {}
    for module, c in by_module.items():
        total = c["killed"] + c["survived"] + c["equivalent"]
        if not total:
            continue  # nothing to mutate, or mutmut did not reach it
        score = f"{c['killed'] / (total - c['equivalent']):.0%}" if total > c["equivalent"] else "100%"
        if c["not run"]:  # an interrupted run: the score of the mutants tested so far
            score += f" ({c['not run']} not run)"
        rows[module] = (f"| `{module}` | {total} | {c['killed']} | {c['equivalent']} | {c['survived']} "
                        f"| {score} | {tests} |")
    return rows, sorted(unexplained)


def written_table() -> tuple[dict[str, str], dict[str, str]]:
    """The rows already in bench/RESULTS.md's table, keyed by module (kept when a run does not measure them), and
    the test selections listed under it, keyed by name."""
    text = RESULTS.read_text()
    if START not in text:
        return {}, {}
    table = text.split(START, 1)[1].split(END, 1)[0]
    rows, selections = {}, {}
    for line in table.splitlines():
        found = re.match(r"^\| `([\w.]+)` \|", line)
        if found and line.count("|") == 8:  # a row of the current layout (seven columns)
            rows[found.group(1)] = line
        found = re.match(r"^- `(tests-\w+)`: (.*)$", line)
        if found:
            selections[found.group(1)] = found.group(2)
    return rows, selections


def write_results(rows: dict[str, str], selection: tuple[str, str]) -> str:
    """Merge these rows into the score table in bench/RESULTS.md (between its markers), with the test selections
    its rows name listed under it; returns the table."""
    old_rows, selections = written_table()
    merged = old_rows | rows
    if selection[1]:
        selections[selection[0]] = selection[1]
    named = [name for name in sorted(selections) if any(f"| {name} |" in row for row in merged.values())]
    table = "\n".join(HEADER + [merged[m] for m in sorted(merged)])
    if named:
        table += "\n\nTest selections:\n\n" + "\n".join(f"- `{name}`: {selections[name]}" for name in named)
    text = RESULTS.read_text()
    if START in text:
        head, rest = text.split(START, 1)
        text = head + START + "\n" + table + "\n" + END + rest.split(END, 1)[1]
    else:
        text += f"\n{START}\n{table}\n{END}\n"
    RESULTS.write_text(text)
    return table


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Plant bugs with mutmut and write the scores by module.")
    parser.add_argument("modules", nargs="*", help="files to mutate (default: every configured module)")
    parser.add_argument("--tests", nargs="+", metavar="PATH", help="narrow the test selection to these paths")
    parser.add_argument("--deselect", action="append", default=[], metavar="NODEID",
                        help="leave out a test that fails without any mutant (another change in progress)")
    parser.add_argument("--score-only", action="store_true", help="write the table from the last results, run nothing")
    parser.add_argument("--verify-postgresql", metavar="URL",
                        help="plant the mutants of POSTGRESQL.md and run their tests on this PostgreSQL server")
    args = parser.parse_args(argv)
    if args.verify_postgresql:
        return verify_postgresql(args.verify_postgresql)
    modules = args.modules or configured_modules()
    unknown = [m for m in modules if m not in configured_modules()]
    if unknown:
        raise SystemExit(f"not configured for mutation in setup.cfg: {' '.join(unknown)}")
    if args.score_only:
        selection = work_selection()
    else:
        selection = narrowed_selection(args.tests) if args.tests else default_selection()
        selection += [f"--deselect={nodeid}" for nodeid in args.deselect]
        sync_work_copy(selection)
        names = [f"{module_name(m)}.*" for m in modules]
        if subprocess.run([MUTMUT, "run", *names], cwd=WORK, check=False).returncode:
            raise SystemExit("mutmut stopped before the end; the scores are left as they were")
    label = selection_label(selection)
    rows, unexplained = score_rows(results(), modules, equivalent_mutants(), label[0])
    print(write_results(rows, label))
    if unexplained:
        print(f"\n{len(unexplained)} survivors are neither killed nor written down in EQUIVALENT.md:")
        print("\n".join(unexplained))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
