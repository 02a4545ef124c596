"""The exports page's choices: the quarter and the language of the files (GET, so no CSRF token)."""
from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectField

from sip.core.forms import choices


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
