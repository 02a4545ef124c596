"""meetings, minutes, decisions and action points

Existing data: every GLM verification (or rejection) recorded before meetings were kept becomes a decision of a GLM
plenary created for it, one meeting per GLM period and date, held by the cluster on that day (09:00 in Rome, so that
its date is the one recorded). Those decisions have no count: their method is "unrecorded".

Revision ID: 0009_meetings
Revises: 0008_partners
Create Date: 2026-12-02 20:10:00

"""
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_meetings'
down_revision = '0008_partners'
branch_labels = None
depends_on = None

MIGRATED_ZONE = "Europe/Rome"


def upgrade():
    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], name=op.f('fk_meeting_body_id_body')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_meeting_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['period_id'], ['reporting_period.id'], name=op.f('fk_meeting_period_id_reporting_period')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_body_starts', ['body_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_starts_at'), ['starts_at'], unique=False)

    op.create_table('action_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.JSON(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('status_note', sa.Text(), nullable=True),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_action_point_activity_id_activity')),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], name=op.f('fk_action_point_body_id_body')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_action_point_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_action_point_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_action_point_owner_id_user_account')),
    sa.ForeignKeyConstraint(['report_id'], ['group_report.id'], name=op.f('fk_action_point_report_id_group_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_point'))
    )
    with op.batch_alter_table('action_point', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_point_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_point_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_point_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_point_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_action_point_status_due', ['status', 'due_on'], unique=False)

    op.create_table('meeting_agenda_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('amendment_id', sa.Integer(), nullable=True),
    sa.Column('action_point_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['action_point_id'], ['action_point.id'], name=op.f('fk_meeting_agenda_item_action_point_id_action_point')),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_meeting_agenda_item_activity_id_activity')),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendment.id'], name=op.f('fk_meeting_agenda_item_amendment_id_amendment')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_agenda_item_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['group_report.id'], name=op.f('fk_meeting_agenda_item_report_id_group_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_agenda_item'))
    )
    with op.batch_alter_table('meeting_agenda_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_agenda_item_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('voting', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_attendance_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_meeting_attendance_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_meeting_attendance_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendance')),
    sa.UniqueConstraint('meeting_id', 'user_id', name='uq_attendance_person')
    )
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_attendance_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_attendance_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('meeting_minutes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('written_by_id', sa.Integer(), nullable=True),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('circulated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('endorsed_by_id', sa.Integer(), nullable=True),
    sa.Column('endorsed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('correction_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['endorsed_by_id'], ['user_account.id'], name=op.f('fk_meeting_minutes_endorsed_by_id_user_account')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_minutes_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['written_by_id'], ['user_account.id'], name=op.f('fk_meeting_minutes_written_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_minutes')),
    sa.UniqueConstraint('meeting_id', 'revision', name='uq_minutes_revision')
    )
    with op.batch_alter_table('meeting_minutes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_minutes_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.JSON(), nullable=False),
    sa.Column('amendment_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.Column('method', sa.String(length=12), nullable=False),
    sa.Column('votes_for', sa.Integer(), nullable=True),
    sa.Column('votes_against', sa.Integer(), nullable=True),
    sa.Column('votes_abstaining', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendment.id'], name=op.f('fk_meeting_decision_amendment_id_amendment')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_decision_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_meeting_decision_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_decision')),
    sa.UniqueConstraint('amendment_id', name=op.f('uq_meeting_decision_amendment_id'))
    )
    with op.batch_alter_table('meeting_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_decision_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('calendar_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_kind', sa.String(length=10), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.Column('renewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_key')),
    sa.UniqueConstraint('owner_kind', 'owner_id', name='uq_calendar_key_owner')
    )

    _meetings_for_recorded_verifications()


def _meetings_for_recorded_verifications():
    """One GLM meeting per (GLM period, date) of the verifications recorded so far, each amendment's verdict a
    decision of it."""
    bind = op.get_bind()
    amendment = sa.table('amendment', sa.column('id', sa.Integer), sa.column('state', sa.String),
                         sa.column('activity_id', sa.Integer), sa.column('proposed_code', sa.String),
                         sa.column('glm_recorded_by_id', sa.Integer), sa.column('glm_recorded_at', sa.DateTime),
                         sa.column('glm_period_id', sa.Integer), sa.column('glm_name', sa.String),
                         sa.column('glm_on', sa.Date))
    rows = bind.execute(sa.select(amendment).where(amendment.c.glm_recorded_at.is_not(None),
                                                   amendment.c.glm_on.is_not(None))
                        .order_by(amendment.c.glm_on, amendment.c.id)).mappings().all()
    if not rows:
        return
    body = sa.table('body', sa.column('id', sa.Integer), sa.column('kind', sa.String))
    body_id = (bind.execute(sa.select(body.c.id).where(body.c.kind == 'cluster').order_by(body.c.id)).scalar()
               or bind.execute(sa.select(body.c.id).order_by(body.c.id)).scalar())
    if body_id is None:
        return
    activity = sa.table('activity', sa.column('id', sa.Integer), sa.column('code', sa.String))
    codes = dict(bind.execute(sa.select(activity.c.id, activity.c.code)).all())
    meeting = sa.table('meeting', sa.column('id', sa.Integer), sa.column('body_id', sa.Integer),
                       sa.column('kind', sa.String), sa.column('title', sa.JSON), sa.column('starts_at', sa.DateTime),
                       sa.column('duration_minutes', sa.Integer), sa.column('timezone', sa.String),
                       sa.column('languages', sa.JSON), sa.column('period_id', sa.Integer),
                       sa.column('created_by_id', sa.Integer), sa.column('created_at', sa.DateTime))
    decision = sa.table('meeting_decision', sa.column('meeting_id', sa.Integer), sa.column('text', sa.JSON),
                        sa.column('amendment_id', sa.Integer), sa.column('outcome', sa.String),
                        sa.column('method', sa.String), sa.column('recorded_by_id', sa.Integer),
                        sa.column('recorded_at', sa.DateTime))
    meetings: dict = {}
    now = datetime.now(timezone.utc)
    for row in rows:
        key = (row['glm_period_id'], row['glm_on'])
        if key not in meetings:
            name = row['glm_name'] or 'GLM'
            starts = datetime.combine(row['glm_on'], time(9), tzinfo=ZoneInfo(MIGRATED_ZONE)).astimezone(timezone.utc)
            meetings[key] = bind.execute(meeting.insert().values(
                body_id=body_id, kind='glm', title={'fr': name, 'en': name}, starts_at=starts, duration_minutes=480,
                timezone=MIGRATED_ZONE, languages=['fr', 'en'], period_id=row['glm_period_id'],
                created_by_id=row['glm_recorded_by_id'], created_at=now).returning(meeting.c.id)).scalar_one()
        code = codes.get(row['activity_id']) or row['proposed_code'] or ''
        verified = row['state'] == 'applied'
        text = ({'en': f"Amendment {row['id']} ({code}) verified.", 'fr': f"Amendement {row['id']} ({code}) vérifié."}
                if verified else
                {'en': f"Amendment {row['id']} ({code}) rejected.", 'fr': f"Amendement {row['id']} ({code}) rejeté."})
        bind.execute(decision.insert().values(
            meeting_id=meetings[key], text=text, amendment_id=row['id'], outcome='verified' if verified else 'rejected',
            method='unrecorded', recorded_by_id=row['glm_recorded_by_id'], recorded_at=row['glm_recorded_at']))


def downgrade():
    op.drop_table('calendar_key')
    with op.batch_alter_table('meeting_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_decision_meeting_id'))
    op.drop_table('meeting_decision')
    with op.batch_alter_table('meeting_minutes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_minutes_meeting_id'))
    op.drop_table('meeting_minutes')
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_attendance_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_attendance_meeting_id'))
    op.drop_table('meeting_attendance')
    with op.batch_alter_table('meeting_agenda_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_agenda_item_meeting_id'))
    op.drop_table('meeting_agenda_item')
    with op.batch_alter_table('action_point', schema=None) as batch_op:
        batch_op.drop_index('ix_action_point_status_due')
        batch_op.drop_index(batch_op.f('ix_action_point_owner_id'))
        batch_op.drop_index(batch_op.f('ix_action_point_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_action_point_body_id'))
        batch_op.drop_index(batch_op.f('ix_action_point_activity_id'))
    op.drop_table('action_point')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_starts_at'))
        batch_op.drop_index('ix_meeting_body_starts')
    op.drop_table('meeting')
