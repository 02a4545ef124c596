"""The exports page's choices (GET, so no CSRF token) and the highlights of a GLM (POST, with one)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from sip.core.forms import choices, strip
from sip.exports.highlights import MAX_LENGTH


class ExportForm(Form):
    """The quarter (a GLM's or any other) and the language the files are written in."""

    period = SelectField(_l("Quarter"))
    lang = SelectField(_l("Language of the files"))

    def set_choices(self, periods: list[tuple[str, str]], period: str, languages: list[tuple[str, str]],
                    lang: str) -> None:
        """Fill the lists and select the given quarter and language."""
        self.period.choices = choices(periods)
        self.lang.choices = choices(languages)
        self.period.data, self.lang.data = period, lang


class HighlightsForm(FlaskForm):
    """A GLM's executive summary and name, each in both languages (posted, with a CSRF token)."""

    glm_name_fr = StringField(_l("Name of the GLM in French"), filters=[strip], validators=[Length(max=120)])
    glm_name_en = StringField(_l("Name of the GLM in English"), filters=[strip], validators=[Length(max=120)])
    summary_fr = TextAreaField(_l("Executive summary in French"), filters=[strip], validators=[Length(max=MAX_LENGTH)])
    summary_en = TextAreaField(_l("Executive summary in English"), filters=[strip],
                               validators=[Length(max=MAX_LENGTH)])
