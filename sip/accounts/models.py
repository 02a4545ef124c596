"""People, organisations, memberships of bodies, and login attempts."""
import secrets
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
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
    # The headquarters country as an ISO 3166-1 alpha-2 code ("ML"); migration 0008 turned the names typed before
    # into codes and kept any it could not recognise as typed (shown as they are until the secretariat fixes them).
    country: Mapped[str | None] = mapped_column(String(80))
    # The register (sip/partners): where it operates (codes), its website, and when it joined and left the cluster
    # (an organisation that leaves keeps its row, focal points and acknowledgements: its history).
    countries: Mapped[list] = mapped_column(JSON, default=list)
    website: Mapped[str | None] = mapped_column(String(300))
    joined_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)

    users = relationship("User", back_populates="organisation")

    @property
    def has_left(self) -> bool:
        """True once the organisation has left the cluster (its left-on day has come)."""
        return self.left_on is not None and self.left_on <= date.today()


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
    # Two-step sign-in (sip/accounts/mfa.py): the TOTP secret (base32) is shown once, at enrolment, and never
    # again, logged or exported; the last time step accepted refuses a code replayed within its window.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    mfa_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

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

    @property
    def has_mfa(self) -> bool:
        """True once the person has confirmed an authenticator app (two-step sign-in is on)."""
        return bool(self.totp_secret and self.mfa_enabled_at)


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
    """One throttled attempt (a password or code check, a reset request, an invitation resend), counted per account
    and per client address by sip/accounts/limiter.py; shared by every process through the database."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_kind_email_at", "kind", "email", "at"),
        Index("ix_login_attempt_kind_ip_at", "kind", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # sign_in | current_password | mfa | reset | invitation (limiter.KINDS)
    kind: Mapped[str] = mapped_column(String(20), default="sign_in", server_default="sign_in")
    email: Mapped[str] = mapped_column(String(254), index=True)  # the account key: a normalised e-mail address
    ip: Mapped[str | None] = mapped_column(String(45), index=True)
    success: Mapped[bool] = mapped_column(Boolean, default=False)
    user_id: Mapped[int | None] = mapped_column(Integer)


class RecoveryCode(db.Model):
    """A single-use code that replaces the authenticator app once; only its keyed hash is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
