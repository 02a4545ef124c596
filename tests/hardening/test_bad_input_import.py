"""The plan text importer with hostile documents: the reader never raises, `sip import-text --dry-run` never ends in a
traceback (exit 0 for a readable plan, 1 with its errors listed), and reading never writes to the database.

There is no upload of plan documents or spreadsheets in the application yet (imports go through the CLI; amendments
go through forms); when one is added, give it a property test here.
"""
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from sip.plan.reader import Plan, body_aliases, read_plan
from seed import load_json
from tests.hardening.conftest import changed_tables, examples, fingerprint_of
from tests.hardening.strategies import NASTY, text

SOURCE = Path(__file__).resolve().parents[2] / "seed" / "source" / "sip-2023-11.fr.txt"
SOURCE_LINES = SOURCE.read_text(encoding="utf-8").splitlines()
ALIASES = body_aliases(load_json("bodies"))

PLAN_LINES = st.one_of(
    st.sampled_from(SOURCE_LINES),
    st.builds(lambda n, t: f"Pilier {n} : {t}", st.integers(-5, 10**12), text),
    st.builds(lambda c, t: f"Réalisation {c} : {t}", st.sampled_from(["1.1", "9.9.9", "1", "0.0", "1." * 50]), text),
    st.builds(lambda c, t: f"Produit {c}{t}", st.sampled_from(["1.1.1", "1.1", "2.3.3", "1.1.1.1.1"]), text),
    st.builds(lambda c, t, r: f"{c} {t}\t{r}", st.sampled_from(["1.1.1.1", "2.3.2.1", "9.9.9.9", "1.1.1.10"]), text,
              st.sampled_from(["GCSM", "TERMINÉ", "Inconnu (organise)", "GCSM (participe) et", "(", ")", ""])),
    st.builds(lambda m, t: f"{m} {t}", st.sampled_from(["¹", "²³", "⁰⁰⁰"]), text),
    st.sampled_from(["Annexe I", "Glossaire", "1. Un engagement", "1. Un autre", "https://example.org/x y",
                     "|---|---|", "\t\t\t", "<u></u>", "<i>" * 50, "\ufeff", "\r", "But : sans pilier"]),
    st.sampled_from(NASTY), text,
)


@st.composite
def documents(draw):
    """The real document with lines removed, moved, repeated or replaced, or a document made of plan-like lines."""
    if draw(st.booleans()):
        lines = list(SOURCE_LINES)
        for _ in range(draw(st.integers(1, 12))):
            where = draw(st.integers(0, len(lines)))
            action = draw(st.sampled_from(["delete", "insert", "replace", "duplicate"]))
            if action == "delete" and lines:
                del lines[min(where, len(lines) - 1)]
            elif action == "insert":
                lines.insert(where, draw(PLAN_LINES))
            elif action == "replace" and lines:
                lines[min(where, len(lines) - 1)] = draw(PLAN_LINES)
            elif lines:
                lines.insert(where, lines[min(where, len(lines) - 1)])
        return "\n".join(lines)
    return draw(st.sampled_from(["\n", "\r\n", "\r"])).join(draw(st.lists(PLAN_LINES, max_size=40)))


def _consistent(plan: Plan) -> None:
    """What any read plan must satisfy."""
    assert isinstance(plan, Plan)
    counts = plan.counts()
    assert all(value >= 0 for value in counts.values())
    for issue in plan.warnings + plan.errors:
        assert isinstance(issue.message, str) and issue.message
    if not plan.pillars:
        assert plan.errors, "an empty plan must say so"


@examples(800)
@given(document=documents())
def test_reader_never_raises_on_a_mangled_plan(document):
    _consistent(read_plan(document, ALIASES))


@examples(120)
@given(data=st.one_of(st.binary(max_size=2000), documents().map(lambda d: d.encode("utf-8")),
                      documents().map(lambda d: d.encode("cp1252", "replace")),
                      documents().map(lambda d: d.encode("utf-16"))))
def test_import_text_dry_run_never_ends_in_a_traceback_and_writes_nothing(app, tmp_path, data):
    path = tmp_path / "plan.txt"
    path.write_bytes(data)
    before = fingerprint_of(app)
    result = app.test_cli_runner().invoke(args=["sip", "import-text", str(path), "--dry-run"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1), result.output[-2000:]
    if result.exit_code == 1:
        assert "error:" in result.output
    assert changed_tables(before, fingerprint_of(app)) == []


@examples(80)
@given(data=st.one_of(documents().map(lambda d: d.encode("utf-8")), st.binary(max_size=3000),
                      documents().map(lambda d: d.encode("utf-16")), st.just(SOURCE.read_bytes() * 8),
                      st.just(b"\x00" * 5000)),
       action=st.sampled_from(["preview", "preview", "create", ""]), rationale=st.sampled_from(["", "New revision."]),
       filename=st.sampled_from(["plan.txt", "", "../../etc/passwd", "plan\x00.txt", "é" * 300]))
def test_plan_document_upload(app, world, data, action, rationale, filename):
    import io

    import pytest

    from tests.hardening.conftest import shows_a_message, signed_in
    from tests.hardening.strategies import post

    if "governance.import_revision" not in app.view_functions:
        pytest.skip("no plan document upload in this version")
    client = signed_in(app, world["secretariat"])
    before = fingerprint_of(app)
    pairs = [("document", (io.BytesIO(data), filename)), ("action", action), ("rationale", rationale)]
    response = post(client, "/amendments/import", pairs, "multipart")
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    if response.status_code >= 400:
        assert shows_a_message(response), response.status_code
    if response.status_code >= 400 or action != "create":  # refused, or only previewed: nothing written
        assert changed_tables(before, fingerprint_of(app)) == []
