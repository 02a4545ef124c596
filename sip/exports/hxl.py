"""The plan and the updates as CSV files with an HXL hashtag row under the header, for other humanitarian systems.

UTF-8 with a byte-order mark (spreadsheets then read the accents), CRLF line ends. A cell that a spreadsheet would
run as a formula (starting with =, +, -, @, a tab or a carriage return) gets a leading apostrophe, as the
dashboards' CSV downloads do.

Every hashtag and attribute written is one the HXL core schema defines (HXL 1.1, https://hxlstandard.org/standard/
dictionary/; the list the tests check against, with its source, is tests/api/hxl_core_schema.py), so that HDX and
libhxl read the files without custom vocabulary. The tables name their columns with the plan's own words
(+pillar, +outcome …); `core_tag` says them in core terms: the plan's levels are the core's hierarchy of activities
(pillar → +programme, outcome → +project, output → #output, activity → +activity), a quarter is a #date (HXL dates
may be written "2026-Q3"), a percentage is +pct, free text is #description, a yes/no mark is #indicator+text.
"""
import csv
import io

from sip.dashboards.downloads import csv_cell
from sip.exports.content import Pack
from sip.exports.tables import Column, plan_columns, plan_rows, update_columns, update_rows

CORE_HASHTAGS = frozenset({
    "access", "activity", "adm1", "adm2", "adm3", "adm4", "adm5", "affected", "beneficiary", "capacity", "cause",
    "channel", "contact", "country", "crisis", "currency", "date", "description", "event", "frequency", "geo", "group",
    "impact", "indicator", "inneed", "item", "loc", "meta", "modality", "need", "operations", "org", "output",
    "population", "reached", "region", "respondee", "sector", "service", "severity", "status", "subsector",
    "targeted", "value",
})
CORE_ATTRIBUTES = frozenset({
    "abducted", "activity", "adolescents", "adults", "approved", "bounds", "budget", "canceled", "children", "cluster",
    "code", "converted", "coord", "dest", "displaced", "elderly", "elevation", "email", "end", "f", "funder", "hh", "i",
    "id", "idps", "impl", "incamp", "ind", "infants", "infected", "injured", "killed", "lat", "lon", "m", "name",
    "noncamp", "num", "occurred", "origin", "pct", "phone", "prog", "programme", "project", "provided", "refugees",
    "reported", "return", "source", "spend", "start", "text", "transfer", "type", "url", "used",
})
# The plan's words for its own columns, said with core hashtags and attributes (the attributes that follow, such as
# +code, +name or a language +i_fr, are kept).
PLAN_WORDS = {
    ("activity", "pillar"): ("activity", ["programme"]),
    ("activity", "outcome"): ("activity", ["project"]),
    ("activity", "output"): ("output", []),
    ("date", "quarter"): ("date", []),
    ("indicator", "progress"): ("indicator", []),
    ("indicator", "no_progress"): ("indicator", ["text"]),
    ("indicator", "contribution"): ("indicator", ["type"]),
}


def _is_language(attribute: str) -> bool:
    """A language attribute of HXL 1.1 (+i_ and an ISO 639-1 code, e.g. +i_fr)."""
    return len(attribute) == 4 and attribute.startswith("i_") and attribute[2:].isalpha() and attribute[2:].islower()


def core_tag(tag: str) -> str:
    """A column's HXL tag said with core hashtags and attributes only (an attribute the core lacks is dropped; a
    plain activity code or name is marked +activity, the level of the core's hierarchy it is)."""
    if not tag:
        return tag
    hashtag, *attributes = tag.lstrip("#").split("+")
    hashtag = hashtag.strip().lower()
    attributes = [a.strip().lower() for a in attributes if a.strip()]
    for (word_tag, word), (new_tag, added) in PLAN_WORDS.items():
        if hashtag == word_tag and word in attributes:
            hashtag, attributes = new_tag, [*added, *(a for a in attributes if a != word)]
            break
    else:
        if hashtag == "activity" and not {"programme", "project", "activity"} & set(attributes):
            attributes = ["activity", *attributes]
    if hashtag not in CORE_HASHTAGS:
        hashtag = "meta"
    kept = []
    for attribute in attributes:
        if (attribute in CORE_ATTRIBUTES or _is_language(attribute)) and attribute not in kept:
            kept.append(attribute)
    return "#" + "+".join([hashtag, *kept])


def write_csv(columns: list[Column], rows: list) -> bytes:
    """A table as HXL-tagged CSV bytes: headings, hashtags (core only), then one line per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(column.header) for column in columns])
    writer.writerow([core_tag(column.hxl) for column in columns])
    for row in rows:
        writer.writerow([csv_cell(column.value(row)) for column in columns])  # csv_cell writes None as ""
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def activities_csv(pack: Pack) -> bytes:
    """The plan's activities with their status as of the quarter."""
    return write_csv(plan_columns(pack), plan_rows(pack))


def updates_csv(pack: Pack) -> bytes:
    """The accepted updates up to the quarter, one line per activity and quarter."""
    return write_csv(update_columns(pack), update_rows(pack))
