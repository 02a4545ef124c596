"""The demo's meetings: GLMs with endorsed minutes and a verification by vote, SAG and group meetings, action points
open, done and overdue; built once."""
from sqlalchemy import func, select

from seed.demo_home import create_demo_home
from seed.demo_meetings import create_demo_meetings
from sip.extensions import db
from sip.meetings.models import ActionPoint, Decision, Meeting, Minutes
from tests.reporting.test_demo import DEMO_TODAY, build_demo


def test_the_demo_has_meetings_of_every_kind_with_minutes_decisions_and_action_points(app):
    with app.app_context():
        build_demo()
        create_demo_home(DEMO_TODAY)
        created = create_demo_meetings(DEMO_TODAY)
        kinds = dict(db.session.execute(select(Meeting.kind, func.count()).group_by(Meeting.kind)).all())
        assert created == sum(kinds.values()) and {"glm", "sag", "wg"} <= set(kinds)
        assert db.session.scalar(select(func.count(Minutes.id)).where(Minutes.state == "endorsed")) >= 3
        vote = db.session.scalars(select(Decision).where(Decision.method == "vote")).one()
        assert vote.outcome == "verified" and vote.amendment.version.effective_on == vote.meeting.local_date
        points = db.session.scalars(select(ActionPoint)).all()
        assert {p.status for p in points} == {"open", "done"}
        assert any(p.is_overdue(DEMO_TODAY) for p in points)
        assert any(not m.minutes and m.is_past() for m in db.session.scalars(select(Meeting)))  # minutes missing
        assert create_demo_meetings(DEMO_TODAY) == 0
