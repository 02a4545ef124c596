"""Localisation and participation figures: the frames, their titled tables for the GLM pack, and the SAG
dashboard's section with its CSV downloads."""
import csv
import io

import pytest

from sip.extensions import db
from sip.partners import figures
from tests.helpers import page_text
from tests.partners.conftest import client_as


@pytest.fixture
def ctx(seeded, register):
    with seeded.app_context():
        yield register
        db.session.remove()


def test_partners_by_type_counts_current_partners_and_lists_every_type(ctx):
    frame = figures.partners_by_type()
    counts = dict(zip(frame["type"], frame["partners"], strict=True))
    # the university is a stakeholder, Ancien Partenaire has left
    assert counts == {"UN": 1, "INGO": 0, "NNGO": 1, "CBO": 1, "RCRC": 0, "government": 0, "private": 0,
                      "academia": 0}


def test_the_local_share_is_counted_among_partners_and_in_each_working_groups_membership(ctx):
    frame = figures.local_share().set_index("scope")
    assert frame.loc["partners", ["organisations", "local", "share"]].tolist() == [3, 2, 67]
    assert frame.loc["wg-partnerships", ["organisations", "local", "share"]].tolist() == [1, 1, 100]  # the CBO
    assert frame.loc["wg-training", ["organisations", "local", "share"]].tolist() == [1, 0, 0]  # WFP only
    assert frame.loc["working-groups", "organisations"] == 0 and frame.loc["working-groups", "share"] is None


def test_a_member_who_left_a_group_or_an_organisation_that_left_no_longer_counts(ctx):
    from datetime import date, timedelta

    from tests.partners.conftest import organisation
    organisation("Sahel Communautés").left_on = date.today() - timedelta(days=1)
    db.session.commit()
    frame = figures.local_share().set_index("scope")
    assert frame.loc["partners", ["organisations", "local"]].tolist() == [2, 1]
    assert frame.loc["wg-partnerships", "organisations"] == 0


def test_organisations_per_group_splits_partners_and_stakeholders(ctx):
    from tests.partners.conftest import organisation, user
    user(ctx["target"]).organisation_id = organisation("Université de Logistique").id
    from sip.accounts.models import Membership
    from sip.bodies.queries import find_body
    db.session.add(Membership(user_id=ctx["target"], body=find_body("wg-training"), role="member"))
    db.session.commit()
    frame = figures.organisations_per_group().set_index("body")
    assert frame.loc["wg-training", ["partners", "stakeholders", "total"]].tolist() == [1, 1, 2]
    assert frame.loc["wg-partnerships", ["partners", "stakeholders", "total"]].tolist() == [1, 0, 1]


def test_the_glm_pack_gets_three_titled_tables_in_the_language_asked(ctx):
    tables = figures.participation_tables("en")
    assert [title for title, _frame in tables] == [
        "Partners by type",
        "Share of national NGOs and community-based organisations, among partners and in each working group's "
        "membership",
        "Organisations in each working group"]
    by_type = tables[0][1]
    assert list(by_type.columns) == ["Type", "Partners"]
    assert by_type.set_index("Type").loc["National NGO", "Partners"] == 1
    local = tables[1][1]
    assert local.iloc[0].tolist() == ["All partners", 3, 2, "67 %"]
    assert "Partnerships WG" in local.iloc[:, 0].tolist()
    assert "GT Partenariats" in figures.participation_tables("fr")[1][1].iloc[:, 0].tolist()


def test_the_sag_dashboard_has_the_section_with_tables_and_csv_links(seeded, register):
    from sip.plan.queries import current_strategy
    from sip.reporting.services import ensure_periods
    with seeded.app_context():
        ensure_periods(current_strategy())
        db.session.commit()
    html = page_text(client_as(seeded, register, "sag").get("/dashboards/sag?lang=en"))
    assert 'id="participation"' in html and "Localisation and participation" in html
    for name in figures.NAMES:
        assert f'href="/partners/figures/{name}.csv"' in html
    assert "Partnerships WG" in html


def test_a_figures_csv_has_the_tables_rows(seeded, register):
    response = client_as(seeded, register, "sag").get("/partners/figures/local-share.csv?lang=en")
    assert response.headers["Content-Disposition"] == 'attachment; filename="sip-local-share.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Among", "Organisations", "National NGOs and community-based organisations", "Share"]
    assert rows[1] == ["All partners", "3", "2", "67 %"]


def test_an_unknown_figure_is_404(seeded, register):
    assert client_as(seeded, register, "sag").get("/partners/figures/nothing.csv").status_code == 404
