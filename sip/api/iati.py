"""The plan's progress as an IATI 2.03 activity file (https://iatistandard.org/en/iati-standard/203/).

The strategy is one iati-activity. Each output is a `result` of type 1 (output) whose indicator counts its completed
activities per quarter; each activity is a `result` of type 9 (other) with two indicators: its status (qualitative,
the status word as the period's comment) and its progress (percentage) per quarter. Narratives are in French and
English. The quarters are those opened or closed so far, read from the one status table (sip.reporting.statuses).
"""
from collections import defaultdict
from datetime import date, datetime, timezone

from flask import current_app
from flask_babel import force_locale
from lxml import etree
from sqlalchemy import select

from sip.extensions import db
from sip.plan import queries
from sip.plan.models import STATUSES, Strategy
from sip.reporting.models import ActivityStatus, ReportingPeriod

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LANGUAGES = ("fr", "en")
ACTIVITY_STATUS_IMPLEMENTATION, ACTIVITY_STATUS_FINALISATION = "2", "3"
RESULT_OUTPUT, RESULT_OTHER = "1", "9"
MEASURE_UNIT, MEASURE_PERCENTAGE, MEASURE_QUALITATIVE = "1", "2", "5"


def _narratives(parent, text: dict | None, tag: str | None = None) -> etree._Element:
    """`parent` (or a new `tag` child of it) with one narrative per language the text has (French first)."""
    element = parent if tag is None else etree.SubElement(parent, tag)
    text = text or {}
    written = False
    for lang in LANGUAGES:
        if text.get(lang):
            narrative = etree.SubElement(element, "narrative")
            narrative.set(XML_LANG, lang)
            narrative.text = text[lang]
            written = True
    if not written:  # the schema wants at least one narrative
        etree.SubElement(element, "narrative").text = "-"
    return element


def _status_words(status: str) -> dict:
    """A status in both languages."""
    words = {}
    for lang in LANGUAGES:
        with force_locale(lang):
            words[lang] = str(STATUSES.get(status, status))
    return words


def _quarters(strategy: Strategy) -> list[ReportingPeriod]:
    """The quarters reported so far (open or closed), in time order."""
    return list(db.session.scalars(
        select(ReportingPeriod).where(ReportingPeriod.strategy_id == strategy.id, ReportingPeriod.state != "upcoming")
        .order_by(ReportingPeriod.year, ReportingPeriod.quarter)))


def _statuses(quarters: list[ReportingPeriod]) -> dict[int, dict[int, ActivityStatus]]:
    """Every activity's status row of these quarters, by activity id then period id (one query)."""
    rows: dict[int, dict[int, ActivityStatus]] = defaultdict(dict)
    if quarters:
        for row in db.session.scalars(select(ActivityStatus).where(
                ActivityStatus.period_id.in_([q.id for q in quarters]))):
            rows[row.activity_id][row.period_id] = row
    return rows


def _period(indicator, quarter: ReportingPeriod, value: str | None = None, comment: dict | None = None) -> None:
    """One quarter of an indicator, with its actual value and comment."""
    period = etree.SubElement(indicator, "period")
    etree.SubElement(period, "period-start").set("iso-date", quarter.starts_on.isoformat())
    etree.SubElement(period, "period-end").set("iso-date", quarter.ends_on.isoformat())
    actual = etree.SubElement(period, "actual")
    if value is not None:
        actual.set("value", value)
    if comment:
        _narratives(actual, comment, "comment")


def _reporting_org(parent, tag: str = "reporting-org") -> etree._Element:
    """The organisation that publishes the file (SIP_IATI_ORG_REF, SIP_IATI_ORG_TYPE, SIP_IATI_ORG_NAME_*)."""
    config = current_app.config
    org = etree.SubElement(parent, tag)
    org.set("ref", config["SIP_IATI_ORG_REF"])
    org.set("type", config["SIP_IATI_ORG_TYPE"])
    if tag == "participating-org":
        org.set("role", "4")  # implementing
    _narratives(org, {"fr": config["SIP_IATI_ORG_NAME_FR"], "en": config["SIP_IATI_ORG_NAME_EN"]})
    return org


def activity_file(strategy: Strategy, today: date | None = None) -> bytes:
    """The IATI XML of the strategy and its progress (five queries, whatever the plan's size)."""
    today = today or date.today()
    root = etree.Element("iati-activities", version="2.03",
                         **{"generated-datetime": datetime.now(timezone.utc).replace(microsecond=0).isoformat()})
    activity = etree.SubElement(root, "iati-activity", **{XML_LANG: "en", "default-currency": "USD"})
    config = current_app.config
    etree.SubElement(activity, "iati-identifier").text = f"{config['SIP_IATI_ORG_REF']}-SIP-{strategy.code}"
    _reporting_org(activity)
    _narratives(activity, strategy.title, "title")
    description = etree.SubElement(activity, "description", type="1")
    _narratives(description, {"fr": "Plan de mise en œuvre de la stratégie (SIP) du Cluster Logistique mondial : "
                                    "activités, état et avancement par trimestre.",
                              "en": "Strategy Implementation Plan (SIP) of the Global Logistics Cluster: activities, "
                                    "status and progress by quarter."})
    _reporting_org(activity, "participating-org")
    status = ACTIVITY_STATUS_IMPLEMENTATION if strategy.ends_on >= today else ACTIVITY_STATUS_FINALISATION
    etree.SubElement(activity, "activity-status", code=status)
    etree.SubElement(activity, "activity-date", type="1", **{"iso-date": strategy.starts_on.isoformat()})
    etree.SubElement(activity, "activity-date", type="3", **{"iso-date": strategy.ends_on.isoformat()})
    etree.SubElement(activity, "activity-scope", code="1")  # global
    quarters = _quarters(strategy)
    rows = _statuses(quarters)
    for pillar in queries.load_tree(strategy):
        for outcome in pillar.outcomes:
            for output in outcome.outputs:
                _output_result(activity, output, quarters, rows)
                for item in output.activities:
                    _activity_result(activity, item, quarters, rows.get(item.id, {}))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _output_result(parent, output, quarters, rows) -> None:
    """An output as a result: how many of its activities were completed, quarter by quarter."""
    result = etree.SubElement(parent, "result", type=RESULT_OUTPUT, **{"aggregation-status": "0"})
    _narratives(result, {lang: f"{output.code} {text}" for lang, text in (output.text or {}).items() if text}, "title")
    indicator = etree.SubElement(result, "indicator", measure=MEASURE_UNIT, ascending="1")
    _narratives(indicator, {"fr": "Activités terminées", "en": "Activities completed"}, "title")
    etree.SubElement(indicator, "baseline", year=str(quarters[0].year if quarters else date.today().year), value="0")
    for quarter in quarters:
        done = sum(1 for a in output.activities if rows.get(a.id, {}).get(quarter.id) is not None
                   and rows[a.id][quarter.id].status == "completed")
        _period(indicator, quarter, str(done))


def _activity_result(parent, activity, quarters, rows: dict[int, ActivityStatus]) -> None:
    """An activity as a result: its status and its progress, quarter by quarter."""
    result = etree.SubElement(parent, "result", type=RESULT_OTHER, **{"aggregation-status": "0"})
    _narratives(result, {lang: f"{activity.code} {text}" for lang, text in (activity.text or {}).items() if text},
                "title")
    status = etree.SubElement(result, "indicator", measure=MEASURE_QUALITATIVE)
    _narratives(status, {"fr": "État", "en": "Status"}, "title")
    for quarter in quarters:
        row = rows.get(quarter.id)
        if row is not None:
            _period(status, quarter, comment=_status_words(row.status))
    progress = etree.SubElement(result, "indicator", measure=MEASURE_PERCENTAGE, ascending="1")
    _narratives(progress, {"fr": "Avancement (%)", "en": "Progress (%)"}, "title")
    for quarter in quarters:
        row = rows.get(quarter.id)
        if row is not None and row.progress_pct is not None:
            _period(progress, quarter, str(row.progress_pct))
