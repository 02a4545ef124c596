"""The HXL core schema's hashtags and attributes, to check every HXL export against (and a helper that does it).

Source: the HXL core schema of the HXL Standard 1.1 dictionary (https://hxlstandard.org/standard/dictionary/), as
published by the HXL Standard on HDX, "HXL core schemas" (https://data.humdata.org/dataset/hxl-core-schemas): its
hashtag sheet (#valid_tag) and attribute sheet (#valid_attribute). Taken here: every entry whose #status is Released
or Beta (or blank); Deprecated (the old language attributes +en, +fr …, +label), Proposed (+returnees, +tier) and
Rejected (#delivery) entries are left out. HXL 1.1 also defines two families of attributes by prefix rather than by
name: language (+i_ and an ISO 639-1 code, e.g. +i_fr) and vocabulary (+v_…); the language family is accepted.
"""
import io
import re

import hxl

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
LANGUAGE = re.compile(r"^i_[a-z]{2}$")


def parse_hxl(content: bytes):
    """An HXL CSV export read by libhxl (the HXL reference library): (columns, rows)."""
    text = content.decode("utf-8-sig")
    source = hxl.data(hxl.input.make_input(io.BytesIO(text.encode("utf-8")), hxl.InputOptions(allow_local=True)))
    rows = [row.values for row in source]
    return source.columns, rows


def non_core(columns) -> list[str]:
    """The hashtags and attributes of these libhxl columns that the HXL core schema does not define."""
    found = []
    for column in columns:
        if column.tag is None:
            continue
        if column.tag.lstrip("#") not in CORE_HASHTAGS:
            found.append(column.tag)
        found += [f"{column.tag}+{a}" for a in column.attributes if a not in CORE_ATTRIBUTES and not LANGUAGE.match(a)]
    return found
