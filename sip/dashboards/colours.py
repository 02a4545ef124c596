"""The dashboards' colours: one colour per status and per reporting state, the same in every chart.

Status colours are the Okabe–Ito palette of `static/css/sip.css` (its custom properties `--planned` …), so a
badge on a page and a bar in a chart agree; a test keeps the two in step. Every chart also writes the label,
so colour is never the only cue. No Flask and no database here: charts import this module alone. The delivery
states are sip.reporting.delivery's DELIVERY_STATES, the one vocabulary of the reports pages, the dashboards and the
pack, in the same order (a test keeps them in step).
"""

# The statuses in the order of `sip.plan.models.STATUSES` (a test checks they agree).
STATUS_ORDER = ("planned", "on_track", "at_risk", "delayed", "completed", "discontinued")

STATUS_COLOURS = {
    "planned": "#6b7785",
    "on_track": "#009e73",
    "at_risk": "#e69f00",
    "delayed": "#d55e00",
    "completed": "#0072b2",
    "discontinued": "#4d4d4d",
}

# The same hues as the pages' badges carry them (`static/css/sip.css`): where white text sits on a colour, a darker
# variant of it that keeps 4.5:1 (the green, the vermilion and the grey); a test keeps the two in step.
BADGE_COLOURS = {**STATUS_COLOURS, "planned": "#5f6b79", "on_track": "#00785a", "delayed": "#b34f00"}

# A body's report for a quarter, from the best state to "nothing expected yet" (sip.reporting.delivery's order).
COMPLIANCE_STATES = ("on_time", "late", "overdue", "missing", "pending", "not_open")

COMPLIANCE_COLOURS = {
    "on_time": "#009e73",   # bluish green, as "on track" and an accepted report
    "late": "#e69f00",      # orange: delivered, after the due date
    "overdue": "#cc79a7",   # reddish purple: past the due date, not delivered yet (the period still open)
    "missing": "#d55e00",   # vermillion: the period closed without a report
    "pending": "#56b4e9",   # sky blue: open, not due yet
    "not_open": "#e4e8ec",  # pale grey: the period has not opened
}

# Inner rings of the plan picture (pillars, outcomes, outputs): neutral, so that only activities carry colour.
NEUTRAL = "#d9dee4"
INK = "#1d232b"
MUTED = "#5a6470"
GRID = "#e4e8ec"
FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
