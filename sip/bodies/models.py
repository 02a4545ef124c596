"""Bodies: the teams, groups and clusters that the plan makes responsible for activities."""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sip.extensions import db

BODY_KINDS = {
    "working_group": _l("Working group"),
    "support_team": _l("Support team"),
    "country_teams": _l("Country teams"),
    "cluster": _l("Cluster"),
    "advisory_group": _l("Advisory group"),
}


class Body(db.Model):
    """A body of the cluster: a working group, a support team, the SAG, the cluster itself."""

    __tablename__ = "body"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[dict] = mapped_column(JSON)
    short_name: Mapped[dict | None] = mapped_column(JSON)
    description: Mapped[dict | None] = mapped_column(JSON)
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    formed_on: Mapped[date | None] = mapped_column(Date)
    dissolved_on: Mapped[date | None] = mapped_column(Date)
    mandate_ends_on: Mapped[date | None] = mapped_column(Date)  # the end of a working group's mandate
    terms_of_reference_url: Mapped[str | None] = mapped_column(String(500))

    responsibilities = relationship("Responsibility", back_populates="body")

    @property
    def is_active(self) -> bool:
        """True while the body has not been dissolved."""
        return self.dissolved_on is None or self.dissolved_on > date.today()

    @property
    def mandate_expired(self) -> bool:
        """True when the mandate's end date has passed and the body has not been dissolved yet."""
        return self.is_active and self.mandate_ends_on is not None and self.mandate_ends_on < date.today()
