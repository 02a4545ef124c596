"""Unit tests of the SIP text-format reader on small hand-written snippets."""
import random

import pytest

from sip.plan.reader import (
    Issue,
    Plan,
    Responsibility,
    UnknownBodyError,
    normalise,
    parse_responsible,
    read_plan,
)

ALIASES = {
    "Groupe sectoriel Logistique mondial": "glc",
    "GCSM": "sag",
    "GCS(M)": "sag",
    "Groupes de travail": "working-groups",
    "Équipe du Groupe sectoriel Logistique à Rome": "rome-support-team",
    "Équipes du Groupe sectoriel Logistique dans le monde": "country-support-teams",
}

HEAD = (
    "Pilier 1 : Titre\n\nBut : Le but.\n\n"
    "Réalisation 1.1 : Une réalisation.\t\nProduit 1.1.1 : Un produit.\tRéalisé par\n"
)


def read(text: str) -> Plan:
    """Read a snippet with the test aliases."""
    return read_plan(text, ALIASES)


def only_activity(plan: Plan):
    """Return the single activity of a plan."""
    (activity,) = plan.activities()
    return activity


def messages(issues: list[Issue]) -> list[str]:
    """Return the messages of a list of issues."""
    return [issue.message for issue in issues]


def test_normalise_strips_tags_footnote_markers_and_extra_whitespace():
    assert normalise("  les <i>Engagements</i>  ²  et\tle <u>reste</u>.¹ ") == "les Engagements et le reste."


def test_reads_pillar_goal_outcome_output_and_activity_with_line_numbers():
    plan = read(HEAD + "1.1.1.1 Faire quelque chose.\tGCSM\n")
    pillar = plan.pillars[0]
    outcome = pillar.outcomes[0]
    output = outcome.outputs[0]
    activity = output.activities[0]
    assert (pillar.number, pillar.title, pillar.goal, pillar.line) == (1, "Titre", "Le but.", 1)
    assert (outcome.code, outcome.text, outcome.line) == ("1.1", "Une réalisation.", 5)
    assert (output.code, output.text, output.line) == ("1.1.1", "Un produit.", 6)
    assert (activity.code, activity.text, activity.line) == ("1.1.1.1", "Faire quelque chose.", 7)
    assert activity.responsibilities == [Responsibility("sag", "lead", None)]
    assert (plan.warnings, plan.errors) == ([], [])


def test_outcome_text_wrapped_onto_the_next_line_is_attached_to_the_outcome():
    plan = read("Pilier 1 : T\nRéalisation 1.1 :\t\nLe texte sur la ligne suivante.\t\n"
                "Produit 1.1.1 : P\tRéalisé par\n1.1.1.1 A\tGCSM\n")
    assert plan.pillars[0].outcomes[0].text == "Le texte sur la ligne suivante."
    assert (plan.warnings, plan.errors) == ([], [])


def test_underlined_labels_and_cells_are_read_without_markup():
    plan = read("Pilier 1 : T\nRéalisation 1.1 : R\t\n<u>Produit 1.1.1</u> : Le <i>produit</i>.\tRéalisé par\n"
                "1.1.1.1 A\t<u>TERMINÉ</u>\n")
    output = plan.pillars[0].outcomes[0].outputs[0]
    assert (output.code, output.text) == ("1.1.1", "Le produit.")
    assert output.activities[0].status == "completed"
    assert plan.errors == []


def test_label_without_colon_is_read_with_a_warning():
    plan = read("Pilier 1 : T\nRéalisation 1.1 : R\t\nProduit 1.1.1 Agir ensemble.\tRéalisé par\n1.1.1.1 A\tGCSM\n")
    output = plan.pillars[0].outcomes[0].outputs[0]
    assert (output.code, output.text) == ("1.1.1", "Agir ensemble.")
    assert [(w.line, w.code) for w in plan.warnings] == [(3, "1.1.1")]
    assert "no colon" in plan.warnings[0].message
    assert plan.errors == []


def test_wrapped_activity_joins_text_and_responsibility_cell_with_a_warning():
    plan = read(HEAD + "1.1.1.1 Mettre en relation les partenaires\t"
                "Groupe sectoriel Logistique mondial, GCS(M) et Groupes\n"
                "\n"
                "avec des forums appropriés.\tde travail\n"
                "---\t------------\n")
    activity = only_activity(plan)
    assert activity.text == "Mettre en relation les partenaires avec des forums appropriés."
    assert activity.responsible_text == "Groupe sectoriel Logistique mondial, GCS(M) et Groupes de travail"
    assert [r.body for r in activity.responsibilities] == ["glc", "sag", "working-groups"]
    assert [(w.line, w.code) for w in plan.warnings] == [(9, "1.1.1.1")]
    assert "continuation" in plan.warnings[0].message
    assert plan.errors == []


def test_activity_code_outside_its_output_is_kept_with_a_warning():
    plan = read(HEAD + "1.2.1.1 A\tGCSM\n")
    assert only_activity(plan).code == "1.2.1.1"
    assert messages(plan.warnings) == ["activity 1.2.1.1 does not start with the code of its output 1.1.1"]
    assert plan.errors == []


def test_several_bodies_with_organiser_and_participant_roles():
    status, found = parse_responsible(
        "Équipe du Groupe sectoriel Logistique à Rome (organise) Groupe sectoriel Logistique mondial (participe)",
        ALIASES,
    )
    assert status == "planned"
    assert found == [Responsibility("rome-support-team", "organiser"), Responsibility("glc", "participant")]


def test_aegis_qualifier_makes_the_sag_a_contributor_with_a_note():
    _, found = parse_responsible("Groupe sectoriel Logistique mondial, sous l'égide du GCSM", ALIASES)
    assert found == [
        Responsibility("glc", "lead"),
        Responsibility("sag", "contributor", {"fr": "sous l'égide du GCSM", "en": "under the aegis of the SAG"}),
    ]


def test_trailing_parenthetical_becomes_a_note_on_the_body_it_follows():
    _, found = parse_responsible(
        "Équipes du Groupe sectoriel Logistique dans le monde et Groupe sectoriel Logistique mondial "
        "(selon les lignes directrices de l'organisation)",
        ALIASES,
    )
    note = {"fr": "selon les lignes directrices de l'organisation", "en": "in line with the organisation's guidelines"}
    assert found == [Responsibility("country-support-teams", "lead"), Responsibility("glc", "lead", note)]


def test_alias_with_parentheses_is_not_taken_for_a_qualifier():
    assert parse_responsible("GCS(M)", ALIASES) == ("planned", [Responsibility("sag", "lead")])


def test_body_names_are_matched_case_insensitively_after_normalising():
    assert parse_responsible("  gcsm ", ALIASES) == ("planned", [Responsibility("sag", "lead")])


@pytest.mark.parametrize("cell", ["TERMINÉ", "<u>TERMINÉ</u>", " Terminé "])
def test_termine_means_completed_without_responsibilities(cell):
    assert parse_responsible(cell, ALIASES) == ("completed", [])


def test_completed_activity_has_an_empty_responsible_text():
    activity = only_activity(read(HEAD + "1.1.1.1 A\t<u>TERMINÉ</u>\n"))
    assert (activity.status, activity.responsible_text, activity.responsibilities) == ("completed", "", [])


def test_parse_responsible_raises_on_unknown_bodies():
    with pytest.raises(UnknownBodyError) as caught:
        parse_responsible("GCSM, Comité inconnu", ALIASES)
    assert caught.value.names == ["Comité inconnu"]


def test_unknown_body_is_an_error_with_line_and_code():
    plan = read(HEAD + "1.1.1.1 A\tGCSM, Comité inconnu\n")
    assert only_activity(plan).responsibilities == [Responsibility("sag", "lead")]
    assert [(e.line, e.code) for e in plan.errors] == [(7, "1.1.1.1")]
    assert "Comité inconnu" in plan.errors[0].message


def test_activity_without_responsible_body_is_an_error():
    plan = read(HEAD + "1.1.1.1 A\n")
    assert [(e.line, e.code) for e in plan.errors] == [(7, "1.1.1.1")]


def test_duplicate_code_is_an_error():
    plan = read(HEAD + "1.1.1.1 A\tGCSM\n1.1.1.1 B\tGCSM\n")
    assert len(list(plan.activities())) == 2
    assert [(e.line, e.code) for e in plan.errors] == [(8, "1.1.1.1")]
    assert "duplicate" in plan.errors[0].message


def test_orphan_activity_before_any_output_is_an_error():
    plan = read("Pilier 1 : T\nRéalisation 1.1 : R\t\n1.1.1.1 A\tGCSM\n")
    assert list(plan.activities()) == []
    assert [(e.line, e.code) for e in plan.errors] == [(3, "1.1.1.1")]
    assert "before any output" in plan.errors[0].message


def test_output_before_any_outcome_is_an_error_and_its_activities_are_orphans():
    plan = read("Pilier 1 : T\nProduit 1.1.1 : P\tRéalisé par\n1.1.1.1 A\tGCSM\n")
    assert plan.counts()["outputs"] == 0
    assert [(e.line, e.code) for e in plan.errors] == [(2, "1.1.1"), (3, "1.1.1.1")]


def test_line_that_cannot_be_attached_is_an_error():
    plan = read(HEAD + "Une ligne égarée sans rattachement.\n1.1.1.1 A\tGCSM\n")
    assert [e.line for e in plan.errors] == [7]
    assert only_activity(plan).text == "A"


def test_footnote_text_and_url_are_attached_to_the_citing_activity():
    plan = read(HEAD + "1.1.1.1 Connaître les <i>Engagements</i> ² et participer.\tGCSM\n\n"
                "² Module de référence, 2015.\n\nhttps://example.org/module.pdf\n")
    activity = only_activity(plan)
    assert activity.text == "Connaître les Engagements et participer."
    assert activity.footnote == "Module de référence, 2015."
    assert activity.footnote_url == "https://example.org/module.pdf"
    assert plan.errors == []


def test_glossary_and_commitments_are_read():
    plan = read("Glossaire\n\nTerme : Sa définition.¹\n\n¹ Une note.\n\n" + HEAD + "1.1.1.1 A\tGCSM\n\n"
                "Annexe I - Les engagements\n\nIntroduction.\n\n1. Premier.\n2. Second\n")
    assert plan.glossary == [("Terme", "Sa définition.")]
    assert [(c.number, c.text) for c in plan.commitments] == [(1, "Premier."), (2, "Second")]


def test_counts_cover_every_level():
    plan = read(HEAD + "1.1.1.1 A\tGCSM\n1.1.1.2 B\tGCSM\n\nAnnexe\n1. Un.\n")
    assert plan.counts() == {"pillars": 1, "outcomes": 1, "outputs": 1, "activities": 2, "commitments": 1}


@pytest.mark.parametrize("text", ["", "\n\n", "   \t  "])
def test_empty_input_gives_an_empty_plan_with_an_error(text):
    plan = read(text)
    assert plan.counts() == {"pillars": 0, "outcomes": 0, "outputs": 0, "activities": 0, "commitments": 0}
    assert messages(plan.errors) == ["no pillar found"]


@pytest.mark.parametrize(
    "text",
    [
        "Lorem ipsum dolor sit amet.\nconsectetur : adipiscing",
        "\x00\x01\ufffd\udcff<<>>\t\t\r\n¹²³\n" * 3,
        "Pilier 99999999999999999999 : X\nPilier : \nRéalisation :\nProduit\n1.1.1.1\n",
        "Produit 1.1.1 :\t\n1.1.1.1\t\t\n² \nhttps://x\n---\n<u></u>\n",
    ],
)
def test_garbage_input_never_raises(text):
    assert isinstance(read(text), Plan)


def test_random_mixtures_of_plan_lines_never_raise():
    pieces = [
        "Pilier 2 : T", "But : B", "Réalisation 2.1 :\t", "Réalisation 9.9 : X",
        "<u>Produit 2.1.1</u> : P\tRéalisé par",
        "Produit 2.1.1 P", "2.1.1.1 A ²\tGCSM", "2.1.1.2 B\t<u>TERMINÉ</u>", "suite\tde travail", "² note",
        "https://example.org", "---\t---", "", "Annexe", "1. Un", "Glossaire", "X : Y", "3.3.3.3\tInconnu (participe)",
    ]
    rng = random.Random(2023)
    for _ in range(300):
        text = "\n".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        plan = read(text)
        assert all(isinstance(issue, Issue) for issue in plan.warnings + plan.errors)
