"""The register as an Excel workbook and as HXL-tagged CSV: organisations only, never a person's name or contact.

The columns carry HXL hashtags (the Humanitarian Exchange Language row that other humanitarian systems read) and
are the ones the import reads back, so an exported file, edited, can be imported again.
"""
import csv
import io

from flask_babel import gettext as _
from openpyxl import Workbook

from sip.accounts.models import ORGANISATION_KINDS, ORGANISATION_TYPES
from sip.core.i18n import current_language
from sip.dashboards.downloads import csv_cell
from sip.exports.tables import Column
from sip.exports.workbook import write_table
from sip.partners.countries import country_name

# field -> HXL hashtag; the import reads these back (sip.partners.importer)
HXL_TAGS = {
    "name": "#org+name",
    "acronym": "#org+code",
    "kind": "#status+code",
    "type": "#org+type+code",
    "type_name": "#org+type+name",
    "country": "#country+code",
    "country_name": "#country+name",
    "countries": "#country+code+impl",
    "website": "#meta+url",
    "joined_on": "#date+start",
    "left_on": "#date+end",
}


def columns(lang: str | None = None) -> list[Column]:
    """The register's columns, headings in the reader's language (organisations only: nothing personal)."""
    lang = lang or current_language()
    return [
        Column(_("Name"), HXL_TAGS["name"], 40, lambda o: o.name),
        Column(_("Acronym"), HXL_TAGS["acronym"], 12, lambda o: o.acronym),
        Column(_("Partner or stakeholder"), HXL_TAGS["kind"], 12, lambda o: o.kind),
        Column(_("Type (code)"), HXL_TAGS["type"], 10, lambda o: o.type),
        Column(_("Type"), HXL_TAGS["type_name"], 24,
               lambda o: str(ORGANISATION_TYPES[o.type]) if o.type in ORGANISATION_TYPES else None),
        Column(_("Headquarters country (ISO code)"), HXL_TAGS["country"], 8, lambda o: o.country),
        Column(_("Headquarters country"), HXL_TAGS["country_name"], 20, lambda o: country_name(o.country, lang) or None),
        Column(_("Countries where it operates (ISO codes)"), HXL_TAGS["countries"], 24,
               lambda o: ", ".join(o.countries or []) or None),
        Column(_("Website"), HXL_TAGS["website"], 30, lambda o: o.website),
        Column(_("Joined on"), HXL_TAGS["joined_on"], 12, lambda o: o.joined_on),
        Column(_("Left on"), HXL_TAGS["left_on"], 12, lambda o: o.left_on),
    ]


def _iso(value):
    """Dates as YYYY-MM-DD in CSV."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def register_csv(organisations: list) -> bytes:
    """The register as HXL-tagged CSV bytes: headings, hashtags, one line per organisation (UTF-8 with a byte-order
    mark, CRLF, formulas neutralised, as sip.exports.hxl writes the plan's files).

    Written here rather than with sip.exports.hxl.write_csv, which maps the plan's own tags onto the core: the
    register's tags are core ones already (the acronym is the organisation's +code, partner or stakeholder its
    #status, the countries where it works +impl), and each column keeps a hashtag of its own so the file imports back.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    cols = columns()
    writer.writerow([csv_cell(column.header) for column in cols])
    writer.writerow([column.hxl for column in cols])
    for organisation in organisations:
        writer.writerow([csv_cell("" if (value := _iso(column.value(organisation))) is None else value)
                         for column in cols])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def register_xlsx(organisations: list) -> bytes:
    """The register as an .xlsx workbook: one sheet, its header, the HXL row, a filter and frozen panes."""
    book = Workbook(write_only=True)
    book.properties.title = _("Register of partners and stakeholders")
    book.properties.creator = _("Global Logistics Cluster")
    write_table(book, _("Register"), columns(), organisations, frozen_columns=1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def kind_label(kind: str) -> str:
    """A kind in the reader's language."""
    return str(ORGANISATION_KINDS.get(kind, kind))
