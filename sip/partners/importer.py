"""Reading the register from a spreadsheet (XLSX or CSV): a preview with each row's errors, written only once the
secretariat confirms it.

Columns are found by their HXL hashtag (the row under the headings, as the export writes it) or by their heading in
English or French. A type or kind may be a code ("NNGO") or its name in either language; countries are ISO codes
or names. The preview is carried to the confirmation as a signed, timed token (nothing is kept on the server and
nothing is written before), and the confirmation checks every row again.
"""
import csv
import io
import unicodedata
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from openpyxl import load_workbook

from sip.accounts.models import ORGANISATION_KINDS, ORGANISATION_TYPES
from sip.partners import queries
from sip.partners.countries import split_codes
from sip.partners.exporter import HXL_TAGS
from sip.partners.services import OrganisationData, problems

MAX_ROWS = 5000
TOKEN_AGE = 3600  # seconds a preview may wait for its confirmation
FIELDS = ("name", "acronym", "kind", "type", "country", "countries", "website", "joined_on", "left_on")
# headings people type (folded: lower case, no accents), each to its field
HEADINGS = {
    "name": "name", "nom": "name", "organisation": "name", "organization": "name",
    "acronym": "acronym", "acronyme": "acronym", "sigle": "acronym",
    "kind": "kind", "partner or stakeholder": "kind", "partenaire ou partie prenante": "kind", "statut": "kind",
    "type": "type", "type (code)": "type",
    "country": "country", "pays": "country", "headquarters country": "country", "headquarters country (iso code)":
    "country", "pays du siege": "country", "pays du siege (code iso)": "country", "siege": "country",
    "countries": "countries", "countries where it operates": "countries",
    "countries where it operates (iso codes)": "countries", "pays d'intervention": "countries",
    "pays d'intervention (codes iso)": "countries", "pays ou elle intervient": "countries",
    "pays ou elle intervient (codes iso)": "countries",
    "website": "website", "site web": "website", "site internet": "website",
    "joined on": "joined_on", "joined": "joined_on", "membre depuis": "joined_on", "adhesion": "joined_on",
    "left on": "left_on", "left": "left_on", "depart": "left_on", "parti le": "left_on",
}
TAGS = {tag: name for name, tag in HXL_TAGS.items() if name in FIELDS}


class UnreadableFile(ValueError):
    """The file is not a spreadsheet the import can read, or has no name column."""


@dataclass
class PreviewRow:
    """A row of the file as it would be written: new or an update, and its errors (row numbers as in the file)."""

    number: int
    data: OrganisationData
    action: str = "new"  # new | update
    errors: list[str] = field(default_factory=list)


@dataclass
class Preview:
    """What the file would do: every row, and whether it may be written (no row has an error)."""

    rows: list[PreviewRow]
    filename: str

    @property
    def errors(self) -> list[PreviewRow]:
        """Rows with errors."""
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        """True when every row may be written and there is at least one."""
        return bool(self.rows) and not self.errors

    def count(self, action: str) -> int:
        """How many rows would be new or updates."""
        return sum(1 for row in self.rows if row.action == action)


def _folded(text) -> str:
    text = "" if text is None else str(text)
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold().replace("\u2019", "'"))
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def _labels(mapping: dict) -> dict[str, str]:
    """Codes and their names in both languages, folded, to the code."""
    found = {_folded(code): code for code in mapping}
    for lang in ("en", "fr"):
        with force_locale(lang):
            found.update({_folded(str(label)): code for code, label in mapping.items()})
    return found


def read_table(filename: str, content: bytes) -> list[list]:
    """The file's rows as lists of cells (XLSX: the first sheet; CSV: UTF-8 or Windows-1252, comma or
    semicolon)."""
    if not content:
        raise UnreadableFile(_("The file is empty."))
    if filename.lower().endswith(".xlsx") or content[:2] == b"PK":
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise UnreadableFile(_("This is not an Excel workbook (.xlsx) that can be read.")) from error
        sheet = book.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 3)]
        book.close()
        return rows
    if not filename.lower().endswith((".csv", ".txt")):
        raise UnreadableFile(_("Give an Excel workbook (.xlsx) or a CSV file."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _columns(rows: list[list]) -> tuple[dict[str, int], int]:
    """{field: column index} from the HXL row (if the second row is one) or the headings; and the first data row."""
    if not rows:
        raise UnreadableFile(_("The file is empty."))
    header = [_folded(cell) for cell in rows[0]]
    hashtags = rows[1] if len(rows) > 1 else []
    is_hxl = any(str(cell or "").strip().startswith("#") for cell in hashtags)
    found: dict[str, int] = {}
    if is_hxl:
        for index, cell in enumerate(hashtags):
            tag = "".join(str(cell or "").lower().split())
            if tag in TAGS and TAGS[tag] not in found:
                found[TAGS[tag]] = index
    for index, heading in enumerate(header):
        name = HEADINGS.get(heading)
        if name and name not in found and index not in found.values():
            found[name] = index
    if "name" not in found:
        raise UnreadableFile(_("The file has no column of names: its first row must hold the headings (Name, "
                               "Acronym, Type, Country …) or the second the HXL hashtags (#org+name …)."))
    return found, 2 if is_hxl else 1


def _text(value) -> str | None:
    """A cell as trimmed text (None when empty)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]  # a formula neutralised by our own export
    return text or None


def _date(value, errors: list[str], label: str) -> date | None:
    """A cell as a date: a spreadsheet date, or YYYY-MM-DD text."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        errors.append(_("%(column)s: “%(value)s” is not a date (YYYY-MM-DD).", column=label, value=value))
        return None


def preview(filename: str, content: bytes) -> Preview:
    """What importing the file would do, row by row, without writing anything."""
    table = read_table(filename, content)
    columns, start = _columns(table)
    kinds, types = _labels(ORGANISATION_KINDS), _labels(ORGANISATION_TYPES)
    existing = queries.names_in_use()
    seen: dict[str, int] = {}
    rows: list[PreviewRow] = []
    body = table[start:]
    if sum(1 for row in body if any(_text(cell) for cell in row)) > MAX_ROWS:
        raise UnreadableFile(_("The file has more than %(count)d rows; split it.", count=MAX_ROWS))
    for offset, cells in enumerate(body):
        number = start + offset + 1
        if not any(_text(cell) for cell in cells):
            continue

        def cell(name, cells=cells):
            index = columns.get(name)
            return cells[index] if index is not None and index < len(cells) else None

        errors: list[str] = []
        kind_text, type_text = _text(cell("kind")), _text(cell("type"))
        kind = kinds.get(_folded(kind_text)) if kind_text else "partner"
        if kind is None:
            errors.append(_("Unknown kind “%(value)s”: partner or stakeholder.", value=kind_text))
        type_ = types.get(_folded(type_text)) if type_text else None
        if type_text and type_ is None:
            errors.append(_("Unknown type “%(value)s”.", value=type_text))
        data = OrganisationData(
            name=_text(cell("name")) or "", acronym=_text(cell("acronym")), kind=kind or "partner", type=type_,
            country=_text(cell("country")), countries=split_codes(_text(cell("countries"))),
            website=_text(cell("website")), joined_on=_date(cell("joined_on"), errors, _("Joined on")),
            left_on=_date(cell("left_on"), errors, _("Left on")))
        errors += [e for e in problems(data) if e not in errors]
        folded = data.name.casefold()
        if data.name and folded in seen:
            errors.append(_("Duplicate name: “%(name)s” is also on row %(row)d.", name=data.name, row=seen[folded]))
        seen.setdefault(folded, number)
        rows.append(PreviewRow(number, data, "update" if folded in existing else "new", errors))
    return Preview(rows, filename)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="sip.partners.import")


def _plain(data: OrganisationData) -> dict:
    values = asdict(data)
    for name in ("joined_on", "left_on"):
        values[name] = values[name].isoformat() if values[name] else None
    return values


def token_for(result: Preview) -> str:
    """The checked rows as a signed token for the confirmation form."""
    return _serializer().dumps([_plain(row.data) for row in result.rows])


def rows_from_token(token: str) -> list[OrganisationData]:
    """The rows a preview signed (refused when altered or older than an hour), checked again."""
    try:
        values = _serializer().loads(token, max_age=TOKEN_AGE)
    except BadSignature as error:
        raise UnreadableFile(_("This preview has expired or was altered: upload the file again.")) from error
    rows = []
    for item in values:
        for name in ("joined_on", "left_on"):
            item[name] = date.fromisoformat(item[name]) if item[name] else None
        data = OrganisationData(**item)
        found = problems(data)
        if found:
            raise UnreadableFile(" ".join(found))
        rows.append(data)
    if not rows:
        raise UnreadableFile(_("The file has no organisation to import."))
    return rows
