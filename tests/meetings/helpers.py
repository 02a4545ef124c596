"""Builders shared by the meetings tests and the governance tests that record a GLM's verdict through a meeting."""
from datetime import date, datetime, time

from sqlalchemy import select

from sip.bodies.models import Body
from sip.extensions import db
from sip.meetings import services
from sip.meetings.models import Meeting


def body(slug: str) -> Body:
    """The body with this slug (inside an app context)."""
    return db.session.scalar(select(Body).where(Body.slug == slug))


def glm_meeting(period, on: date, actor, *, at: time = time(9, 30), zone: str = "Europe/Rome",
                title: str = "GLM plenary") -> Meeting:
    """A GLM plenary of the cluster for a GLM period, held on a day (local time in `zone`); inside an app context."""
    data = services.MeetingData(body=body("glc"), kind="glm", title={"en": title, "fr": title},
                                starts=datetime.combine(on, at), timezone=zone, place="Rome", languages=["en", "fr"],
                                period=period)
    return services.create_meeting(data, actor)


def meeting_of(slug: str, kind: str, starts: datetime, actor, *, zone: str = "Europe/Rome",
               title: str = "Meeting") -> Meeting:
    """A meeting of a body (inside an app context)."""
    data = services.MeetingData(body=body(slug), kind=kind, title={"en": title}, starts=starts, timezone=zone,
                                link="https://meet.example.org/room", languages=["en"])
    return services.create_meeting(data, actor)
