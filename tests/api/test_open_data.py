"""Open data: the IATI 2.03 activity file validated against the IATI XML Schema, and every HXL export read by
libhxl with only core-schema hashtags and attributes."""
from pathlib import Path

import pytest
from flask_babel import force_locale
from lxml import etree

from sip.api.iati import activity_file
from sip.exports import hxl as hxl_exports
from sip.exports.content import build_pack
from sip.extensions import db
from sip.plan.queries import current_strategy
from sip.reporting.services import find_period
from tests.api.conftest import api_world  # noqa: F401
from tests.api.hxl_core_schema import non_core, parse_hxl

SCHEMA = Path(__file__).parent / "iati-2.03" / "iati-activities-schema.xsd"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@pytest.fixture(scope="module")
def iati(api_world):
    """The IATI file as served, parsed."""
    response = api_world["app"].test_client().get("/api/v1/iati.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    return etree.fromstring(response.get_data())


def test_the_iati_file_is_valid_against_the_iati_2_03_schema(iati):
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    assert schema.validate(iati), schema.error_log
    assert iati.get("version") == "2.03"


def test_the_strategy_is_one_activity_with_narratives_in_french_and_english(iati):
    activities = iati.findall("iati-activity")
    assert len(activities) == 1
    title = activities[0].find("title")
    assert {n.get(XML_LANG) for n in title.findall("narrative")} == {"fr", "en"}
    assert activities[0].find("reporting-org").get("ref")


def test_every_output_and_activity_is_a_result(iati):
    results = iati.find("iati-activity").findall("result")
    assert sum(r.get("type") == "1" for r in results) == 20  # the outputs
    assert sum(r.get("type") == "9" for r in results) == 50  # the activities


def test_an_activitys_result_has_status_and_progress_per_quarter(api_world, iati):
    result = next(r for r in iati.find("iati-activity").findall("result")
                  if r.get("type") == "9" and r.find("title/narrative").text.startswith("1.1.1.2 "))
    status, progress = result.findall("indicator")
    assert status.get("measure") == "5" and progress.get("measure") == "2"
    quarters = [p.find("period-start").get("iso-date") for p in status.findall("period")]
    assert quarters == sorted(quarters) and "2026-10-01" in quarters
    with api_world["app"].app_context():
        from sip.plan.queries import find_activity, standing

        current = standing(find_activity(current_strategy(), "1.1.1.2")).current
    last = status.findall("period")[-1]
    words = {n.get(XML_LANG): n.text for n in last.findall("actual/comment/narrative")}
    assert set(words) == {"fr", "en"} and words["en"].lower().replace(" ", "_") == current.status
    values = [p.find("actual").get("value") for p in progress.findall("period")]
    assert all(0 <= int(v) <= 100 for v in values)


def test_the_iati_file_costs_the_same_queries_whatever_the_plan(api_world):
    from tests.conftest import counting_queries

    with api_world["app"].app_context():
        strategy = current_strategy()
        with counting_queries(api_world["app"]) as count:
            activity_file(strategy)
    assert count() <= 10


# --- HXL ----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["fr", "en"])
def packs(api_world, request):
    """The HXL exports of 2026-Q3 in one language: {name: bytes}."""
    with api_world["app"].app_context(), force_locale(request.param):
        strategy = current_strategy()
        pack = build_pack(strategy, find_period(strategy, "2026-Q3"), request.param)
        files = {"activities": hxl_exports.activities_csv(pack), "updates": hxl_exports.updates_csv(pack)}
        db.session.remove()
    return files


@pytest.mark.parametrize("name", ["activities", "updates"])
def test_every_hxl_export_parses_with_libhxl(packs, name):
    columns, rows = parse_hxl(packs[name])
    assert columns and rows
    assert all(column.tag for column in columns)  # every column has its hashtag


@pytest.mark.parametrize("name", ["activities", "updates"])
def test_every_hxl_hashtag_and_attribute_is_in_the_core_schema(packs, name):
    columns, _rows = parse_hxl(packs[name])
    assert non_core(columns) == []


def test_the_plans_levels_are_said_with_the_cores_hierarchy():
    assert hxl_exports.core_tag("#activity+pillar+code") == "#activity+programme+code"
    assert hxl_exports.core_tag("#activity+outcome+name+i_fr") == "#activity+project+name+i_fr"
    assert hxl_exports.core_tag("#activity+output+code") == "#output+code"
    assert hxl_exports.core_tag("#activity+code") == "#activity+activity+code"
    assert hxl_exports.core_tag("#indicator+progress+pct") == "#indicator+pct"
    assert hxl_exports.core_tag("#description+achievements") == "#description"
    assert hxl_exports.core_tag("#partner+name") == "#meta+name"
