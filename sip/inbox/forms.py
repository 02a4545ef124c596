"""The form of e-mail choices: for each kind of notification, at once, in a daily digest, or never."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import InputRequired

from sip.core.forms import choices
from sip.inbox.events import KINDS
from sip.inbox.models import DELIVERIES

DELIVERY_LABELS = {"instant": _l("At once"), "digest": _l("Daily digest"), "never": _l("Never")}


class SettingsForm(FlaskForm):
    """One choice per kind of notification (fields are added below, one per kind)."""

    def chosen(self) -> dict[str, str]:
        """{kind: delivery} as chosen in the form."""
        return {kind: self[kind].data for kind in KINDS}

    def kind_fields(self) -> list:
        """The form's fields, one per kind, in the order of the kinds."""
        return [self[kind] for kind in KINDS]


for _kind, _spec in KINDS.items():
    setattr(SettingsForm, _kind, RadioField(_spec.label, choices=choices([(d, DELIVERY_LABELS[d]) for d in DELIVERIES]),
                                            validators=[InputRequired()]))
