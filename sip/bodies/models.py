"""Bodies: the teams, groups and clusters that the plan makes responsible for activities."""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sip.extensions import db

BODY_KINDS = {
    "working_group": _l("Working group"),
    "support_team": _l("Support team"),
    "country_teams": _l("Country teams"),
    "cluster": _l("Cluster"),
    "advisory_group": _l("Advisory group"),
}

# Bodies whose members file their own report; the others report through a focal point.
PEOPLE_KINDS = ("working_group", "advisory_group", "support_team")


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
    # Bodies that are not a group of people (the cluster, the country teams) report through a focal point named
    # by the secretariat: a person, or the secretariat itself on their behalf.
    focal_point_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reported_by_secretariat: Mapped[bool] = mapped_column(Boolean, default=False)

    responsibilities = relationship("Responsibility", back_populates="body",
                                    foreign_keys="Responsibility.body_id")
    focal_point = relationship("User", foreign_keys=[focal_point_id])

    @property
    def is_group_of_people(self) -> bool:
        """True for bodies whose own members file the report (working groups, the SAG, the support team)."""
        return self.kind in PEOPLE_KINDS

    @property
    def is_active(self) -> bool:
        """True while the body has not been dissolved."""
        return self.dissolved_on is None or self.dissolved_on > date.today()

    @property
    def mandate_expired(self) -> bool:
        """True when the mandate's end date has passed and the body has not been dissolved yet."""
        return self.is_active and self.mandate_ends_on is not None and self.mandate_ends_on < date.today()
