"""People, organisations, memberships of bodies, and login attempts."""
import secrets
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sip.core.models import utcnow
from sip.extensions import db

ORGANISATION_KINDS = {"partner": _l("Partner"), "stakeholder": _l("Stakeholder")}
ORGANISATION_TYPES = {
    "UN": _l("UN agency"),
    "INGO": _l("International NGO"),
    "NNGO": _l("National NGO"),
    "CBO": _l("Community-based organisation"),
    "RCRC": _l("Red Cross / Red Crescent"),
    "government": _l("Government"),
    "private": _l("Private sector"),
    "academia": _l("Academia"),
}
MEMBERSHIP_ROLES = {"lead": _l("Lead"), "co_lead": _l("Co-lead"), "member": _l("Member")}
USER_LANGUAGES = ("fr", "en")


def new_session_token() -> str:
    """A random token; changing it ends every session of the user."""
    return secrets.token_urlsafe(24)


class Organisation(db.Model):
    """A partner or stakeholder organisation; only partners vote."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    acronym: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20), default="partner")
    type: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(80))

    users = relationship("User", back_populates="organisation")


class User(UserMixin, db.Model):
    """A person who signs in: their identity, language and whether they may still sign in."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    language: Mapped[str | None] = mapped_column(String(2))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organisation = relationship("Organisation", back_populates="users")
    memberships = relationship("Membership", back_populates="user", order_by="Membership.id")

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session: user id and session token together."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        """Only active users may sign in."""
        return bool(self.active)

    def current_memberships(self, on: date | None = None) -> list["Membership"]:
        """Memberships in force on a day (today by default)."""
        return [m for m in self.memberships if m.in_force(on)]


class Membership(db.Model):
    """A person's place in a body: lead, co-lead or member, from `since` until `until`."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "body_id", "since"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    role: Mapped[str] = mapped_column(String(10), default="member")
    since: Mapped[date] = mapped_column(Date, default=date.today)
    until: Mapped[date | None] = mapped_column(Date)

    user = relationship("User", back_populates="memberships")
    body = relationship("Body")

    def in_force(self, on: date | None = None) -> bool:
        """True when the membership holds on that day."""
        day = on or date.today()
        return self.since <= day and (self.until is None or day <= self.until)


class LoginAttempt(db.Model):
    """A failed or successful login, counted per account and per client address for throttling."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip: Mapped[str | None] = mapped_column(String(45), index=True)
    success: Mapped[bool] = mapped_column(Boolean, default=False)
    user_id: Mapped[int | None] = mapped_column(Integer)
