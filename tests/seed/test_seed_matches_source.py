"""The seed data must be a faithful transcription of the source document (the SIP, Nov. 2023, in French)."""
import os
from pathlib import Path

import pytest

from seed import SEED_DIR, SOURCE_DOCUMENT, load_json
from sip.plan.reader import normalise, read_plan_file

EXPECTED_COUNTS = {"pillars": 4, "outcomes": 11, "outputs": 20, "activities": 50, "commitments": 12}
EXPECTED_WARNINGS = {
    ("2.2.1", "no colon"),
    ("2.3.2.1", "does not start with the code of its output 2.2.2"),
    ("2.3.2.2", "does not start with the code of its output 2.2.2"),
    ("2.3.2.3", "does not start with the code of its output 2.2.2"),
    ("2.3.2.4", "does not start with the code of its output 2.2.2"),
    ("2.3.3", "does not start with the code of its outcome 2.2"),
    ("4.2.3.1", "wraps onto a continuation line"),
}
BODY_KINDS = {
    "rome-support-team": "support_team",
    "country-support-teams": "country_teams",
    "glc": "cluster",
    "sag": "advisory_group",
    "wg-partnerships": "working_group",
    "wg-training": "working_group",
    "working-groups": "working_group",
}

SOURCE = read_plan_file(SOURCE_DOCUMENT)
SOURCE_LINES = {normalise(line) for line in SOURCE_DOCUMENT.read_text(encoding="utf-8").split("\n")}
PLAN = load_json("plan")
BODIES = load_json("bodies")
COMMITMENTS = load_json("commitments")
GLOSSARY = load_json("glossary")


def shared_document() -> Path:
    """Return the shared source document: $SIP_SOURCE_DOCUMENT, else ../shared/seeds next to the repo."""
    configured = os.environ.get("SIP_SOURCE_DOCUMENT")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "shared/seeds/002_b7fb176d4c28d299.txt"


def source_nodes():
    """Yield (level, code, French texts, activity or None) for the tree read from the source."""
    for pillar in SOURCE.pillars:
        yield "pillar", str(pillar.number), (pillar.title, pillar.goal), None
        for outcome in pillar.outcomes:
            yield "outcome", outcome.code, (outcome.text,), None
            for output in outcome.outputs:
                yield "output", output.code, (output.text,), None
                for activity in output.activities:
                    yield "activity", activity.code, (activity.text,), activity


def seed_nodes():
    """Yield (level, code, French texts, activity dict or None) for the seed tree."""
    for pillar in PLAN["pillars"]:
        yield "pillar", str(pillar["number"]), (pillar["title"]["fr"], pillar["goal"]["fr"]), None
        for outcome in pillar["outcomes"]:
            yield "outcome", outcome["code"], (outcome["text"]["fr"],), None
            for output in outcome["outputs"]:
                yield "output", output["code"], (output["text"]["fr"],), None
                for activity in output["activities"]:
                    yield "activity", activity["code"], (activity["text"]["fr"],), activity


def seed_activities() -> list[dict]:
    """Return the seed activities in document order."""
    return [activity for level, _, _, activity in seed_nodes() if level == "activity"]


def bilingual_texts(value, path="$"):
    """Yield (path, text) for every {"fr", "en"} object anywhere in a JSON value."""
    if isinstance(value, dict):
        if "fr" in value or "en" in value:
            yield path, value
            return
        for key, item in value.items():
            yield from bilingual_texts(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from bilingual_texts(item, f"{path}[{index}]")


def test_source_copy_is_identical_to_the_shared_document():
    shared = shared_document()
    if not shared.exists() and "SIP_SOURCE_DOCUMENT" not in os.environ:
        pytest.skip(f"no shared source document at {shared}")
    assert SOURCE_DOCUMENT.read_bytes() == shared.read_bytes()


def test_source_document_is_read_without_errors():
    assert SOURCE.errors == []


def test_source_document_reports_the_known_numbering_quirks():
    found = {(issue.code, issue.message) for issue in SOURCE.warnings}
    assert len(found) == len(EXPECTED_WARNINGS)
    for code, fragment in EXPECTED_WARNINGS:
        assert any(c == code and fragment in message for c, message in found), (code, fragment)


def test_source_and_seed_have_the_expected_counts():
    assert SOURCE.counts() == EXPECTED_COUNTS
    seed_counts = {level: 0 for level in ("pillar", "outcome", "output", "activity")}
    for level, *_ in seed_nodes():
        seed_counts[level] += 1
    assert list(seed_counts.values()) == [4, 11, 20, 50]
    assert len(COMMITMENTS["items"]) == 12


def test_seed_codes_follow_the_document_order_at_every_level():
    assert [(level, code) for level, code, *_ in seed_nodes()] == [
        (level, code) for level, code, *_ in source_nodes()
    ]


def test_seed_french_texts_match_the_document():
    assert [(code, texts) for _, code, texts, _ in seed_nodes()] == [
        (code, texts) for _, code, texts, _ in source_nodes()
    ]


def test_seed_statuses_match_the_document():
    assert [(a["code"], a["status"]) for a in seed_activities()] == [
        (a.code, a.status) for a in SOURCE.activities()
    ]


def test_seed_responsible_texts_match_the_document():
    assert [(a["code"], a["responsible_text"]) for a in seed_activities()] == [
        (a.code, a.responsible_text) for a in SOURCE.activities()
    ]


def test_seed_bodies_roles_and_notes_match_the_document():
    seed = [(a["code"], [(r["body"], r["role"], r["note"]) for r in a["responsibilities"]]) for a in seed_activities()]
    source = [(a.code, [(r.body, r.role, r.note) for r in a.responsibilities]) for a in SOURCE.activities()]
    assert seed == source


def test_seed_footnotes_match_the_document():
    seed = {a["code"]: (a["footnote"]["fr"], a["footnote_url"]) for a in seed_activities() if "footnote" in a}
    source = {a.code: (a.footnote, a.footnote_url) for a in SOURCE.activities() if a.footnote}
    assert seed == source
    assert list(seed) == ["1.3.1.4"]
    assert all("footnote_url" not in a for a in seed_activities() if a["code"] != "1.3.1.4")


def test_completed_activities_have_no_responsibilities():
    for activity in seed_activities():
        if activity["status"] == "completed":
            assert activity["responsibilities"] == [] and activity["responsible_text"] == ""
        else:
            assert activity["responsibilities"], activity["code"]


def test_seed_commitments_match_the_document():
    assert [(c["number"], c["text"]["fr"]) for c in COMMITMENTS["items"]] == [
        (c.number, c.text) for c in SOURCE.commitments
    ]
    assert [c["number"] for c in COMMITMENTS["items"]] == list(range(1, 13))


def test_seed_commitments_framing_is_printed_in_the_document():
    framing = [COMMITMENTS["title"], COMMITMENTS["lead_in"], *COMMITMENTS["intro"]]
    for text in framing:
        assert text["fr"] in SOURCE_LINES, text["fr"][:60]
    assert any(line.startswith(COMMITMENTS["source_url"] + " ") for line in SOURCE_LINES)


def test_seed_intro_sections_are_printed_in_the_document():
    sections = PLAN["strategy"]["sections"]
    assert [s["heading"]["fr"] for s in sections] == [
        "Objectif du plan de mise en œuvre de la stratégie",
        "Élaboration du SIP",
        "Gestion et rapports du SIP",
        "Examen du SIP",
    ]
    for section in sections:
        assert section["heading"]["fr"] in SOURCE_LINES
        for paragraph in section["paragraphs"]:
            assert paragraph["fr"] in SOURCE_LINES, paragraph["fr"][:60]


def test_seed_glossary_matches_the_document():
    assert [(e["term"]["fr"], e["definition"]["fr"]) for e in GLOSSARY] == SOURCE.glossary
    sources = [e["source"]["fr"] for e in GLOSSARY if e["source"]]
    assert len(sources) == 1 and sources[0] in SOURCE_LINES
    assert GLOSSARY[-1]["term"]["fr"] == "Groupes de travail" and GLOSSARY[-1]["source"]


def test_seed_glossary_links_the_bodies_it_defines():
    assert [e["body"] for e in GLOSSARY] == [
        "glc", "rome-support-team", "country-support-teams", None, None, "sag", "working-groups",
    ]


def test_every_seed_text_is_bilingual():
    for name in ("plan", "bodies", "commitments", "glossary"):
        texts = list(bilingual_texts(load_json(name)))
        assert texts, name
        for path, text in texts:
            assert set(text) == {"fr", "en"}, f"{name}{path}"
            assert all(isinstance(v, str) and v.strip() for v in text.values()), f"{name}{path}"


def test_seed_json_files_are_utf8_without_ascii_escapes():
    for name in ("plan", "bodies", "commitments", "glossary"):
        raw = (SEED_DIR / f"{name}.json").read_text(encoding="utf-8")
        assert "\\u00" not in raw and "é" in raw, name


def test_bodies_are_the_seven_expected_ones():
    assert {body["slug"]: body["kind"] for body in BODIES} == BODY_KINDS
    assert len(BODIES) == len(BODY_KINDS)
    for body in BODIES:
        assert body["aliases"] and body["short_name"] and body["description"], body["slug"]
        assert (body["formed_on"], body["dissolved_on"], body["terms_of_reference_url"]) == (None, None, None)


def test_body_aliases_are_unambiguous():
    aliases = [normalise(alias).casefold() for body in BODIES for alias in body["aliases"]]
    assert len(aliases) == len(set(aliases))


def test_every_responsibility_body_exists():
    slugs = {body["slug"] for body in BODIES}
    used = {r["body"] for a in seed_activities() for r in a["responsibilities"]}
    assert used <= slugs
    assert {e["body"] for e in GLOSSARY if e["body"]} <= slugs


def test_body_descriptions_quote_the_glossary_where_it_defines_them():
    definitions = {e["body"]: e["definition"]["fr"] for e in GLOSSARY if e["body"]}
    for body in BODIES:
        if body["slug"] in definitions:
            definition = definitions[body["slug"]]
            assert body["description"]["fr"] == definition[:1].upper() + definition[1:], body["slug"]
