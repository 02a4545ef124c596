"""Localisation and participation figures: partners by type, the share of national NGOs and community-based
organisations among partners and in each working group, and the organisations in each working group.

Two aggregated queries hold every figure (partners counted by type; each working group's organisations counted by
kind and type). `partners_by_type`, `local_share` and `organisations_per_group` give them as pandas DataFrames
(codes, not labels); `participation_tables` titles them with headings in a language, for the GLM pack. The SAG
dashboard's section and its CSV downloads are built from the same counts as plain rows: building DataFrames there
cost 25 ms a request, five times the cached dashboard itself. Only organisations that are members today count
(joined, not left); a working group's organisations are those of its current members (active people).
"""
from dataclasses import dataclass
from datetime import date

import pandas as pd
from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from sip.accounts.models import ORGANISATION_TYPES, Membership, Organisation, User
from sip.bodies.models import Body
from sip.core.i18n import pick
from sip.extensions import db

LOCAL_TYPES = ("NNGO", "CBO")  # national NGOs and community-based organisations (activity 1.1.1.2)
NAMES = ("partners-by-type", "local-share", "organisations-per-group")


@dataclass
class GroupCount:
    """A working group's organisations today: partners, stakeholders, and local ones (national NGOs and CBOs)."""

    body: str
    body_name: dict
    partners: int = 0
    stakeholders: int = 0
    local: int = 0

    @property
    def total(self) -> int:
        """Every organisation of the group."""
        return self.partners + self.stakeholders


def _current(today: date):
    return or_(Organisation.left_on.is_(None), Organisation.left_on > today)


def partner_counts(today: date | None = None) -> dict:
    """{type: number of current partners} (one query; the key None counts partners whose type is not given)."""
    today = today or date.today()
    return {type_: int(count) for type_, count in db.session.execute(
        select(Organisation.type, func.count(Organisation.id))
        .where(Organisation.kind == "partner", _current(today)).group_by(Organisation.type)).all()}


def group_counts(today: date | None = None) -> list[GroupCount]:
    """Each active working group (even one with no organisation), in slug order, with its current organisations
    counted by kind and type from its current, active members (one query)."""
    today = today or date.today()
    members = (select(Membership.body_id.label("body_id"), Organisation.id.label("organisation_id"),
                      Organisation.kind.label("kind"), Organisation.type.label("type"))
               .join(User, User.id == Membership.user_id).join(Organisation, Organisation.id == User.organisation_id)
               .where(Membership.since <= today, or_(Membership.until.is_(None), Membership.until >= today),
                      User.active.is_(True), _current(today))
               .distinct().subquery())
    rows = db.session.execute(
        select(Body.id, Body.slug, Body.name, Body.short_name, members.c.kind, members.c.type,
               func.count(members.c.organisation_id))
        .outerjoin(members, members.c.body_id == Body.id)
        .where(Body.kind == "working_group", or_(Body.dissolved_on.is_(None), Body.dissolved_on > today))
        .group_by(Body.id, members.c.kind, members.c.type)  # the body's other columns depend on its id
        .order_by(Body.slug)).all()
    found: dict[str, GroupCount] = {}
    for _id, slug, name, short, kind, type_, count in rows:
        group = found.setdefault(slug, GroupCount(slug, short or name))
        if kind == "partner":
            group.partners += count
        elif kind == "stakeholder":
            group.stakeholders += count
        if type_ in LOCAL_TYPES:
            group.local += count
    return list(found.values())


def _share(local: int, total: int) -> int | None:
    return round(100 * local / total) if total else None


# --- the figures as DataFrames (codes) ----------------------------------------------------------


def partners_by_type(today: date | None = None, counts: dict | None = None) -> pd.DataFrame:
    """Current partners counted by type (columns: type, partners), every type listed, in the list's order."""
    counts = partner_counts(today) if counts is None else counts
    rows = [(code, counts.get(code, 0)) for code in ORGANISATION_TYPES]
    if counts.get(None):
        rows.append((None, counts[None]))
    return pd.DataFrame(rows, columns=["type", "partners"])


def local_share(today: date | None = None, counts: dict | None = None,
                groups: list[GroupCount] | None = None) -> pd.DataFrame:
    """The share of national NGOs and community-based organisations: among all current partners (scope "partners")
    and among the organisations in each working group (scope a body slug). Columns: scope, body_name (a {fr, en}
    dict or None), organisations, local, share (percent, None when there are none)."""
    counts = partner_counts(today) if counts is None else counts
    groups = group_counts(today) if groups is None else groups
    total, local = sum(counts.values()), sum(counts.get(code, 0) for code in LOCAL_TYPES)
    rows = [("partners", None, total, local, _share(local, total))]
    rows += [(g.body, g.body_name, g.total, g.local, _share(g.local, g.total)) for g in groups]
    frame = pd.DataFrame(rows, columns=["scope", "body_name", "organisations", "local", "share"])
    frame["share"] = pd.Series([row[4] for row in rows], dtype=object)  # None stays None (not NaN)
    return frame


def organisations_per_group(today: date | None = None, groups: list[GroupCount] | None = None) -> pd.DataFrame:
    """Each active working group with how many current partner and stakeholder organisations its members come from.
    Columns: body, body_name, partners, stakeholders, total."""
    groups = group_counts(today) if groups is None else groups
    return pd.DataFrame([(g.body, g.body_name, g.partners, g.stakeholders, g.total) for g in groups],
                        columns=["body", "body_name", "partners", "stakeholders", "total"])


# --- the figures titled, in a language ----------------------------------------------------------


def _type_name(code) -> str:
    return str(ORGANISATION_TYPES[code]) if code in ORGANISATION_TYPES else _("Not given")


def _percent(value) -> str:
    return "—" if value is None else f"{int(value)} %"


def titled_rows(lang: str, today: date | None = None) -> list[tuple[str, str, list[str], list[list]]]:
    """(name, title, headings, rows) of each figure, labels in `lang`, from the two queries."""
    today = today or date.today()
    counts, groups = partner_counts(today), group_counts(today)
    total, local = sum(counts.values()), sum(counts.get(code, 0) for code in LOCAL_TYPES)
    with force_locale(lang):
        by_type = [[_type_name(code), counts.get(code, 0)] for code in ORGANISATION_TYPES]
        if counts.get(None):
            by_type.append([_type_name(None), counts[None]])
        shares = [[_("All partners"), total, local, _percent(_share(local, total))]]
        shares += [[pick(g.body_name, lang), g.total, g.local, _percent(_share(g.local, g.total))] for g in groups]
        per_group = [[pick(g.body_name, lang), g.partners, g.stakeholders, g.total] for g in groups]
        return [
            ("partners-by-type", _("Partners by type"), [_("Type"), _("Partners")], by_type),
            ("local-share", _("Share of national NGOs and community-based organisations, among partners and in each "
                              "working group's membership"),
             [_("Among"), _("Organisations"), _("National NGOs and community-based organisations"), _("Share")],
             shares),
            ("organisations-per-group", _("Organisations in each working group"),
             [_("Working group"), _("Partners"), _("Stakeholders"), _("Total")], per_group),
        ]


def participation_tables(lang: str) -> list[tuple[str, "pd.DataFrame"]]:
    """For the GLM pack: (title, table) of each localisation and participation figure, in `lang`."""
    return [(title, pd.DataFrame(rows, columns=headings)) for _name, title, headings, rows in titled_rows(lang)]


def dashboard_charts(lang: str) -> list:
    """The SAG dashboard's section: a sip.dashboards.tables.Chart per figure (a table, no drawing) with its CSV
    address."""
    from sip.dashboards.tables import Chart, Table

    return [Chart(name, title, None, Table(name, title, headings, rows), url_for("partners.figures_csv", name=name))
            for name, title, headings, rows in titled_rows(lang)]


def figure_table(name: str, lang: str):
    """One figure as a sip.dashboards.tables.Table, for its CSV download."""
    for chart in dashboard_charts(lang):
        if chart.name == name:
            return chart.table
    raise KeyError(name)
