"""The GLM deck as PowerPoint (python-pptx): title, key figures, the trend, one slide per pillar, risks, compliance.

Charts are native PowerPoint charts (their figures live in the deck, so they can still be edited in the room),
coloured like the dashboards. Each chart draws every status, in the order of the statuses, with zeros where no
activity is in it, so that a bar always sums to the activities it counts and the colours never shift from one
chart to the next; counts have integer ticks only. Statuses are the pack's (the status table's rows of its
quarter); reporting is said in the words of /reports. Every label is in the pack's language (build it inside
`force_locale`).
"""
import io
import math
import zipfile
from datetime import datetime, time, timezone

from flask_babel import gettext as _
from flask_babel import ngettext
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from sip.dashboards.colours import COMPLIANCE_COLOURS, STATUS_COLOURS, STATUS_ORDER
from babel.dates import format_date

from sip.exports.content import Pack, PillarItem, delivery_label, delivery_note, status_label
from sip.exports.sections import Written, action_points_title, extra_sections, written

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)  # 16:9
MARGIN = Inches(0.6)
ACCENT = RGBColor(0x00, 0x55, 0x7F)
INK = RGBColor(0x1D, 0x23, 0x2B)
MUTED = RGBColor(0x5A, 0x64, 0x70)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
PALE = RGBColor(0xD9, 0xE8, 0xF0)
TITLE_SLIDE, TITLE_ONLY = 0, 5  # layouts of python-pptx's default template
ACHIEVEMENTS = 5
LARGE_PLAN_ROWS = 40  # rows of a table listed on slides when the plan is summarised by output (×100)
MAX_TICKS = 10  # a count axis has at most this many steps, each a whole number of activities


def _labelled(label: str, value) -> str:
    """ "Label: value", as each language writes it (French puts a space before the colon)."""
    return _("%(label)s: %(value)s", label=label, value=value)


def _rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#").upper())


def shorten(text: str, limit: int) -> str:
    """Text cut at a word before `limit` characters, with an ellipsis when cut."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


# --- pieces -----------------------------------------------------------------------------------------------------


def _title(slide, text: str) -> None:
    """The slide's title in its placeholder (so that outlines and screen readers find it), placed for 16:9."""
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = MARGIN, Inches(0.35), WIDTH - 2 * MARGIN, Inches(0.9)
    title.text = text
    frame = title.text_frame
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    frame.word_wrap = True
    size = 28 if len(text) <= 55 else 24 if len(text) <= 70 else 20  # long titles (French ones) stay on one line
    for paragraph in frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT
        for run in paragraph.runs:
            run.font.size, run.font.bold, run.font.color.rgb = Pt(size), True, ACCENT


def _text(slide, left, top, width, height, lines: list[tuple[str, int, bool, RGBColor]], bullets: bool = False):
    """A text box of (text, size, bold, colour) paragraphs, wrapped."""
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, (text, size, bold, colour) in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = ("• " if bullets else "") + text
        run.font.size, run.font.bold, run.font.color.rgb = Pt(size), bold, colour
        paragraph.space_after = Pt(6)
    return box


def _footer(slide, pack: Pack, number: int) -> None:
    """Plan, quarter and slide number at the foot of the slide."""
    text = " · ".join(part for part in (pack.strategy_title, pack.glm_name, pack.quarter, str(number)) if part)
    _text(slide, MARGIN, HEIGHT - Inches(0.5), WIDTH - 2 * MARGIN, Inches(0.3), [(text, 10, False, MUTED)])


def tick_step(largest: int) -> int:
    """The step between the ticks of a count axis up to `largest`: 1, 2, 5, 10, 20, 50… so that there are at most
    MAX_TICKS steps, never a fraction of an activity."""
    step = 1
    while math.ceil(largest / step) > MAX_TICKS:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2  # 1 → 2 → 5 → 10 → 20 → 50 …
    return step


def status_series(counts_of) -> list[tuple[str, str, list[int]]]:
    """(status, label, values) for every status in STATUS_ORDER, `counts_of(status)` giving its values (zeros
    included): a chart then always has the same six series, in the same order and colours."""
    return [(status, status_label(status), [int(v) for v in counts_of(status)]) for status in STATUS_ORDER]


def _stacked_chart(slide, left, top, width, height, categories: list[str], series: list[tuple[str, str, list[int]]],
                   horizontal: bool):
    """A native stacked bar (or column) chart: one series per status, coloured as the dashboards colour it, its
    count axis from 0 in whole numbers."""
    chart_data = CategoryChartData()
    chart_data.categories = categories
    for _status, name, values in series:
        chart_data.add_series(name, values)
    kind = XL_CHART_TYPE.BAR_STACKED if horizontal else XL_CHART_TYPE.COLUMN_STACKED
    chart = slide.shapes.add_chart(kind, left, top, width, height, chart_data).chart
    chart.has_title = False
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.TOP
    chart.legend.include_in_layout = False
    chart.legend.font.size = Pt(11)
    plot = chart.plots[0]
    plot.gap_width, plot.overlap = 50, 100
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format, labels.number_format_is_linked = '0;-0;;@', False  # zeros are not written
    labels.font.size, labels.font.color.rgb = Pt(10), WHITE
    for chart_series, (status, _name, _values) in zip(chart.series, series, strict=False):
        chart_series.format.fill.solid()
        chart_series.format.fill.fore_color.rgb = _rgb(STATUS_COLOURS[status])
    chart.category_axis.tick_labels.font.size = Pt(11)
    axis = chart.value_axis
    axis.tick_labels.font.size = Pt(10)
    axis.tick_labels.number_format, axis.tick_labels.number_format_is_linked = "0", False
    largest = max([sum(values) for values in zip(*(v for _s, _n, v in series), strict=True)] or [0]) or 1
    step = tick_step(largest)
    axis.minimum_scale, axis.maximum_scale, axis.major_unit = 0, math.ceil(largest / step) * step, step
    chart.value_axis.has_major_gridlines = True
    chart.value_axis.major_gridlines.format.line.color.rgb = RGBColor(0xE4, 0xE8, 0xEC)
    if horizontal:
        chart.category_axis.reverse_order = True  # the first category on top, as read
    return chart


def _table(slide, left, top, width, rows: list[list[str]], widths: list[float], size: int = 11):
    """A native table, the first row as its header; returns the table."""
    row_height = Inches(0.4 if size >= 12 else 0.3)  # smaller text, lower rows: a long table stays on its slide
    shape = slide.shapes.add_table(len(rows), len(rows[0]), left, top, width, row_height * len(rows))
    table = shape.table
    total = sum(widths)
    for i, share in enumerate(widths):
        table.columns[i].width = Emu(int(width * share / total))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            cell.text = value
            cell.margin_left = cell.margin_right = Inches(0.06)
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size, run.font.bold = Pt(size), r == 0
    return table


# --- slides -----------------------------------------------------------------------------------------------------


def title_slide(deck, pack: Pack) -> None:
    """The report's title, the plan, the quarter and where the figures come from."""
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_SLIDE])
    slide.background.fill.solid()
    slide.background.fill.fore_color.rgb = ACCENT  # as the PDF's cover
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    title.left, title.top, title.width, title.height = MARGIN, Inches(2.0), WIDTH - 2 * MARGIN, Inches(1.6)
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = MARGIN, Inches(3.8), WIDTH - 2 * MARGIN, Inches(2.2)
    title.text = pack.title
    for paragraph in title.text_frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT
        for run in paragraph.runs:
            run.font.size, run.font.bold, run.font.color.rgb = Pt(40), True, WHITE
    lines = [pack.strategy_title,
             _("Quarter %(period)s · exported on %(date)s", period=pack.quarter,
               date=format_date(pack.generated_on, "long", locale=pack.lang)),
             _("Accepted reports only: drafts and reports under review are not counted.")]
    if not pack.accepted:
        lines.append(_("No report for %(period)s has been accepted yet: the statuses are those of the latest accepted "
                       "reports before it.", period=pack.quarter))
    frame = subtitle.text_frame
    frame.text = lines[0]
    for line in lines[1:]:
        frame.add_paragraph().text = line
    for i, paragraph in enumerate(frame.paragraphs):
        paragraph.alignment = PP_ALIGN.LEFT
        for run in paragraph.runs:
            run.font.size, run.font.color.rgb = Pt(20 if i == 0 else 16), WHITE if i == 0 else PALE


def key_figures_slide(deck, pack: Pack) -> None:
    """How many activities are in each status, what changed since the last GLM, who reported."""
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_ONLY])
    _title(slide, _("Key figures, %(period)s", period=pack.quarter))
    box_width = (WIDTH - 2 * MARGIN - Inches(0.2) * 5) / 6
    for i, (status, count) in enumerate(pack.figures):
        left = MARGIN + i * (box_width + Inches(0.2))
        shape = slide.shapes.add_shape(1, left, Inches(1.5), box_width, Inches(1.4))  # 1: rectangle
        shape.fill.solid()
        shape.fill.fore_color.rgb = _rgb(STATUS_COLOURS[status])
        shape.line.fill.background()
        frame = shape.text_frame
        frame.text = str(count)
        frame.add_paragraph().text = status_label(status)
        dark = status == "at_risk"  # black on orange reads better, as on the badges
        for i_paragraph, paragraph in enumerate(frame.paragraphs):
            paragraph.alignment = PP_ALIGN.CENTER
            for run in paragraph.runs:
                run.font.size, run.font.bold = Pt(36 if i_paragraph == 0 else 14), i_paragraph == 0
                run.font.color.rgb = INK if dark else WHITE
    since = (_("Since %(previous)s", previous=pack.q(pack.previous.code)) if pack.previous
             else _("Since the start of the plan"))
    changes = " · ".join(_labelled(label, count) for _kind, label, count in pack.change_counts())
    delivery = " · ".join(_labelled(label, count) for _state, label, count in pack.delivery())
    reports = (ngettext("%(num)d report expected", "%(num)d reports expected", pack.groups())
               + (f" · {delivery}" if delivery else ""))
    risks = ngettext("%(num)d activity", "%(num)d activities", len(pack.at_risk))
    lines = [
        (_("%(total)s activities in the plan", total=pack.total), 20, True, INK),
        (_labelled(since, changes), 16, False, INK),
        (_labelled(_("Reports for %(period)s", period=pack.quarter), reports), 16, False, INK),
        (_labelled(_("At risk or delayed"), risks), 16, False, INK),
        (ngettext("%(num)d activity has never been reported on: its status is still the plan's own.",
                  "%(num)d activities have never been reported on: their status is still the plan's own.",
                  pack.never_reported), 16, False, INK),
    ]
    _text(slide, MARGIN, Inches(3.3), Inches(6.2), Inches(3.2), lines)
    if pack.total:
        pillars = [_("Pillar %(number)s", number=p.number) for p in pack.pillars]
        series = status_series(lambda s: [dict(p.counts).get(s, 0) for p in pack.pillars])
        _stacked_chart(slide, Inches(7.0), Inches(3.1), WIDTH - Inches(7.0) - MARGIN, Inches(3.7), pillars, series,
                       horizontal=True)
    _footer(slide, pack, len(deck.slides))


def trend_slide(deck, pack: Pack) -> None:
    """Statuses quarter by quarter over the window, as a native stacked column chart: every status in every
    quarter (zeros included), so each column sums to the activities in the plan at that quarter."""
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_ONLY])
    window = pack.window
    _title(slide, _("Statuses over the quarters, %(first)s to %(last)s", first=pack.q(window[0]),
                    last=pack.q(window[-1])))
    rows = pack.trend_rows()
    series = status_series(lambda s: [counts[STATUS_ORDER.index(s)] for _period, counts in rows])
    _stacked_chart(slide, MARGIN, Inches(1.4), WIDTH - 2 * MARGIN, Inches(5.4), [pack.q(p) for p, _c in rows], series,
                   horizontal=False)
    _footer(slide, pack, len(deck.slides))


def pillar_slide(deck, pack: Pack, pillar: PillarItem) -> None:
    """One pillar: its statuses by outcome as a native chart, and its main achievements of the quarter."""
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_ONLY])
    _title(slide, f"{_('Pillar %(number)s', number=pillar.number)} · {pillar.title}")
    counts = ", ".join(f"{status_label(s)} {c}" for s, c in pillar.counts if c)
    _text(slide, MARGIN, Inches(1.25), WIDTH - 2 * MARGIN, Inches(0.5),
          [(_labelled(ngettext("%(num)d activity", "%(num)d activities", pillar.total), counts), 14, False, MUTED)])
    outcomes = [outcome.code for outcome in pillar.outcomes]
    series = status_series(lambda status: [  # each activity's status as of the quarter (the status table's)
        sum(1 for output in outcome.outputs for a in output.activities if a.status == status)
        for outcome in pillar.outcomes])
    _stacked_chart(slide, MARGIN, Inches(1.8), Inches(5.6), Inches(5.0),
                   [_("Outcome %(code)s", code=code) for code in outcomes], series, horizontal=True)
    achieved = pack.achievements(pillar, ACHIEVEMENTS)
    heading = (_("Main achievements in %(period)s", period=pack.quarter), 18, True, ACCENT)
    if achieved:
        items = [(f"{code}  {_marked(shorten(text, 170), pack.lang)}", 13, False, INK) for code, text in achieved]
    else:
        items = [(_("No achievement reported for this pillar in %(period)s.", period=pack.quarter), 14, False, MUTED)]
    box = _text(slide, Inches(6.6), Inches(1.8), WIDTH - Inches(6.6) - MARGIN, Inches(5.0), [heading])
    frame = box.text_frame
    for text, size, bold, colour in items:
        paragraph = frame.add_paragraph()
        run = paragraph.add_run()
        run.text = ("• " if achieved else "") + text
        run.font.size, run.font.bold, run.font.color.rgb = Pt(size), bold, colour
        paragraph.space_after = Pt(8)
    _footer(slide, pack, len(deck.slides))


def lines_needed(text: str, width_inches: float, size: int) -> int:
    """About how many lines a text takes in a box this wide at this size (an average character is half the size
    wide)."""
    per_line = max(8, int(width_inches * 72 / (size * 0.5)))
    return sum(max(1, math.ceil(len(part) / per_line)) for part in (text or "").split("\n"))


def paged_rows(rows: list[list[str]], widths: list[float], total_width: float, size: int,
               budget: int) -> list[list[list[str]]]:
    """Rows split into slides, whole rows only, so that each slide's rows fit `budget` lines of text."""
    share = [total_width * w / sum(widths) for w in widths]
    pages, page, used = [], [], 0
    for row in rows:
        height = max(lines_needed(value, width - 0.12, size) for value, width in zip(row, share, strict=True))
        if page and used + height > budget:
            pages.append(page)
            page, used = [], 0
        page.append(row)
        used += height
    if page or not pages:
        pages.append(page)
    return pages


def table_slides(deck, pack: Pack, title: str, header: list[str], rows: list[list[str]], widths: list[float],
                 empty: str, intro: str = "", size: int = 12, fills=None) -> None:
    """A table over as many slides as its rows need, whole rows on each ("(continued)" in the title after the
    first): no text is cut off. `fills(row) -> {column: (fill colour, dark text)}` colours cells."""
    if pack.summarised and len(rows) > LARGE_PLAN_ROWS:  # a plan of thousands: the deck stays a deck
        more = len(rows) - LARGE_PLAN_ROWS
        rows = rows[:LARGE_PLAN_ROWS] + [[ngettext("And %(num)d more: the workbook lists every one.",
                                                   "And %(num)d more: the workbook lists them all.", more)]
                                         + [""] * (len(header) - 1)]
    width_inches = (WIDTH - 2 * MARGIN) / 914400
    top = Inches(1.45 + (0.5 if intro else 0))
    budget = int(((HEIGHT - top - Inches(0.9)) / 914400) * 72 / (size * 1.35)) - 2  # header row and margins
    pages = paged_rows(rows, widths, width_inches, size, budget) if rows else [[]]
    for number, page in enumerate(pages):
        slide = deck.slides.add_slide(deck.slide_layouts[TITLE_ONLY])
        _title(slide, title if number == 0 else _("%(title)s (continued)", title=title))
        if intro and number == 0:
            _text(slide, MARGIN, Inches(1.3), WIDTH - 2 * MARGIN, Inches(0.5), [(intro, 13, False, MUTED)])
        if not page:
            _text(slide, MARGIN, top, WIDTH - 2 * MARGIN, Inches(1), [(empty, 18, False, MUTED)])
        else:
            table = _table(slide, MARGIN, top, WIDTH - 2 * MARGIN, [header, *page], widths, size=size)
            for r, row in enumerate(page, start=1):
                for c, (colour, dark) in (fills(row) if fills else {}).items():
                    cell = table.cell(r, c)
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = _rgb(colour)
                    for run in cell.text_frame.paragraphs[0].runs:
                        run.font.color.rgb = INK if dark else WHITE
        _footer(slide, pack, len(deck.slides))


def _marked(text, lang: str) -> str:
    """Text the bodies wrote, with "(original in English)" when it is not in the pack's language."""
    found = written(text, lang) if not isinstance(text, Written) else text
    return f"{found.text} {found.mark}" if found.original else found.text


def highlights_slides(deck, pack: Pack) -> None:
    """The executive summary, a paragraph a line, continued on a new slide when long."""
    paragraphs = [p.strip() for p in pack.highlights.text.split("\n\n") if p.strip()]
    if pack.highlights.original:
        paragraphs.append(pack.highlights.mark)
    table_slides(deck, pack, _("Highlights"), [_("Executive summary")], [[p] for p in paragraphs], [1],
                 _("No highlights written."), size=16)


def changes_slides(deck, pack: Pack) -> None:
    """What changed since the last GLM: every completed activity, every new risk, every other change, before →
    after."""
    since = pack.q(pack.previous.code) if pack.previous is not None else _("the start of the plan")
    rows = []
    for kind, label, _count in pack.change_counts():
        for change in pack.changes_of(kind):
            rows.append([label, change["code"], change["text"],
                         f"{status_label(change['before'])} → {status_label(change['after'])}"])
    table_slides(deck, pack, _("What changed since the last GLM"),
                 [_("Change"), _("Code"), _("Activity"), _("Before → after")], rows, [2.2, 1.1, 6.0, 2.8],
                 _("No status has changed since %(since)s.", since=since),
                 intro=_("Since %(since)s: ", since=since) + " · ".join(
                     _labelled(label, count) for _kind, label, count in pack.change_counts()), size=11)


def amendments_slides(deck, pack: Pack) -> None:
    """The amendments for verification at this GLM (the plenary's decision item), and those applied since the
    last GLM."""
    def rows_of(items):
        return [[str(item.number), item.kind, item.code, item.text, _marked(item.rationale, pack.lang)]
                for item in items]

    header = [_("No."), _("Change"), _("Code"), _("Activity"), _("Rationale")]
    widths = [0.7, 1.8, 1.1, 4.6, 4.0]
    table_slides(deck, pack, _("Amendments for verification at this GLM"), header, rows_of(pack.pending_amendments),
                 widths, _("None pending: no amendment endorsed by the SAG waits for the plenary."), size=11)
    table_slides(deck, pack, _("Amendments applied since the last GLM"), header, rows_of(pack.applied_amendments),
                 widths, _("None."), size=11)


def risks_slide(deck, pack: Pack) -> None:
    """The activities at risk or delayed, with the support requested from the SAG: every one, over as many slides
    as they need."""
    risks = pack.risks()
    rows = [[risk["code"], risk["text"], status_label(risk["status"]), risk["bodies"],
             _marked(risk["support"], pack.lang) or "—"] for risk in risks]
    status_of = {status_label(s): s for s in STATUS_COLOURS}

    def fills(row):
        status = status_of.get(row[2])
        return {2: (STATUS_COLOURS[status], status == "at_risk")} if status else {}

    table_slides(deck, pack, _("Risks and delays, with the support asked of the SAG"),
                 [_("Code"), _("Activity"), _("Status"), _("Responsible bodies"), _("Support requested")], rows,
                 [1.1, 4.2, 1.3, 1.8, 4.0], _("No activity is at risk or delayed as of %(period)s.",
                                              period=pack.quarter), size=11, fills=fills)


def compliance_slide(deck, pack: Pack) -> None:
    """Who reported on time, late or not at all over the pack's window, and each body's on-time rate, in the words
    of /reports."""
    periods = pack.window
    body_rows = pack.compliance_rows(periods)
    rates = {name: rate for name, _on_time, _due, rate in pack.on_time_rates()}
    rows = [[name, *(delivery_label(s) for s in states), "—" if rates.get(name) is None else f"{rates[name]} %"]
            for name, states in body_rows]
    labels = {delivery_label(state): state for state in COMPLIANCE_COLOURS}

    def fills(row):
        return {c: (COMPLIANCE_COLOURS[labels[v]], labels[v] not in ("on_time", "missing"))
                for c, v in enumerate(row[1:-1], start=1) if v in labels}

    table_slides(deck, pack, _("Reporting compliance, %(window)s", window=pack.window_label),
                 [_("Body"), *(pack.q(p) for p in periods), _("On-time rate")], rows,
                 [3.2] + [1.3] * len(periods) + [1.3],
                 _("No body has a report to file, so no report is expected."), intro=delivery_note(), size=10,
                 fills=fills)


def next_steps_slides(deck, pack: Pack) -> None:
    """What the bodies plan next, from the quarter's accepted updates."""
    rows = [[code, _marked(step, pack.lang)] for code, step in pack.next_steps()]
    table_slides(deck, pack, _("Next steps"), [_("Code"), _("Next steps")], rows, [1.2, 10.8],
                 _("No next step reported for %(period)s.", period=pack.quarter), size=12)


def action_points_slides(deck, pack: Pack) -> None:
    """The last GLM's action points still open: what, which body (and organisation), due when, overdue or not;
    continued on a new slide when long."""
    last = pack.last_glm
    rows = [[_marked(item.text, pack.lang), item.owner, format_date(item.due_on, "medium", locale=pack.lang),
             item.state] for item in (last.items if last else [])]
    intro = (f"{_labelled(_('Meeting'), last.name)} · {format_date(last.held_on, 'long', locale=pack.lang)}"
             if last else "")
    table_slides(deck, pack, action_points_title(pack), [_("Action point"), _("Owner"), _("Due on"), _("Status")],
                 rows, [6.4, 2.8, 1.5, 1.5], _("No open action point."), intro=intro, size=12)


def extra_slides(deck, pack: Pack) -> None:
    """The sections of the other registers (participation), one table each."""
    for title, frame in extra_sections(pack.lang):
        rows = [[str(value) for value in row] for row in frame.itertuples(index=False)]
        table_slides(deck, pack, title, [str(c) for c in frame.columns], rows, [1] * len(frame.columns),
                     _("None."), size=12)


def describe(properties, pack: Pack) -> None:
    """The deck's document properties: what it is and when; no person's name (the template's author is removed)."""
    moment = datetime.combine(pack.generated_on, time(12), tzinfo=timezone.utc)
    properties.title, properties.subject = pack.title, pack.strategy_title
    properties.author = properties.last_modified_by = _("Global Logistics Cluster")
    properties.keywords, properties.comments, properties.category = f"SIP, GLM, {pack.code}", "", ""
    properties.language, properties.revision = pack.lang, 1
    properties.created = properties.modified = moment.replace(tzinfo=None)


def build_deck(pack: Pack) -> bytes:
    """The deck as .pptx bytes."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    describe(deck.core_properties, pack)
    title_slide(deck, pack)
    highlights_slides(deck, pack)
    key_figures_slide(deck, pack)
    if pack.total:
        trend_slide(deck, pack)
    changes_slides(deck, pack)
    amendments_slides(deck, pack)
    for pillar in pack.pillars:
        pillar_slide(deck, pack, pillar)
    risks_slide(deck, pack)
    compliance_slide(deck, pack)
    next_steps_slides(deck, pack)
    action_points_slides(deck, pack)
    extra_slides(deck, pack)
    tag_language(deck, pack.lang)
    buffer = io.BytesIO()
    deck.save(buffer)
    return retag_parts(buffer.getvalue(), LANGUAGE_TAGS[pack.lang])


LANGUAGE_TAGS = {"fr": "fr-FR", "en": "en-GB"}
MARKS = {"(original in English)": "en", "(original en français)": "fr"}


def _runs(deck):
    """Every text run of the deck's slides: text boxes, placeholders and table cells."""
    for slide in deck.slides:
        for shape in slide.shapes:
            frames = []
            if shape.has_text_frame:
                frames.append(shape.text_frame)
            if getattr(shape, "has_table", False) and shape.has_table:
                frames += [cell.text_frame for row in shape.table.rows for cell in row.cells]
            for frame in frames:
                for paragraph in frame.paragraphs:
                    yield from paragraph.runs


def tag_language(deck, lang: str) -> None:
    """Every run in the pack's language for spelling and screen readers; a text marked as written in the other
    language is tagged with that one."""
    for run in _runs(deck):
        tag = LANGUAGE_TAGS[lang]
        for mark, original in MARKS.items():
            if run.text.endswith(mark):
                tag = LANGUAGE_TAGS[original]
        run._r.get_or_add_rPr().set("lang", tag)


def retag_parts(content: bytes, tag: str) -> bytes:
    """The template's masters, layouts, defaults and charts in the pack's language instead of en-US."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.endswith(".xml") and not item.filename.startswith("ppt/slides/"):
                data = data.replace(b'lang="en-US"', f'lang="{tag}"'.encode()).replace(
                    b'<c:lang val="en-US"/>', f'<c:lang val="{tag}"/>'.encode())
            target.writestr(item, data)
    return buffer.getvalue()
