"""governance: amendments, plan versions, activity revisions; a working group's mandate end

The data step records the plan already in the database as the first version ("November 2023 revision"),
with one revision per activity, so that an existing installation gets the same history as a new one.

Revision ID: 0005_governance
Revises: 0004
Create Date: 2026-11-22 06:33:59.941464

"""
import json
import unicodedata
from datetime import date, datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = '0005_governance'
down_revision = '0004'
branch_labels = None
depends_on = None

# Frozen with this migration (copies of sip.governance.history and sip.plan.models as they were).
BASELINE_TAG = "2023-11"
BASELINE_NAME = {"fr": "Révision de novembre 2023", "en": "November 2023 revision"}
BASELINE_EFFECTIVE_ON = date(2023, 11, 1)
CLOSED_STATUSES = ("completed", "discontinued")


def _fold(text):
    """Lower-case text without accents."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _json(value):
    """A JSON column's value as Python (SQLite may hand back text)."""
    return json.loads(value) if isinstance(value, str) else value


def _plan_state(status, retired_on, has_bodies):
    """active, completed or discontinued, as the plan itself states it."""
    if retired_on is not None:
        return status if status in CLOSED_STATUSES else "completed"
    if status in CLOSED_STATUSES and not has_bodies:
        return status
    return "active"


def _record_baseline():
    """One baseline version per strategy, with a revision of each activity and its responsibilities."""
    connection = op.get_bind()
    meta = sa.MetaData()
    strategy = sa.Table("strategy", meta, sa.Column("id", sa.Integer))
    activity = sa.Table("activity", meta, sa.Column("id", sa.Integer), sa.Column("strategy_id", sa.Integer),
                        sa.Column("output_id", sa.Integer), sa.Column("code", sa.String), sa.Column("text", sa.JSON),
                        sa.Column("status", sa.String), sa.Column("position", sa.Integer),
                        sa.Column("retired_on", sa.Date))
    responsibility = sa.Table("responsibility", meta, sa.Column("id", sa.Integer), sa.Column("activity_id", sa.Integer),
                              sa.Column("body_id", sa.Integer), sa.Column("role", sa.String),
                              sa.Column("note", sa.JSON), sa.Column("position", sa.Integer))
    version = sa.Table("plan_version", meta, sa.Column("id", sa.Integer), sa.Column("strategy_id", sa.Integer),
                       sa.Column("sequence", sa.Integer), sa.Column("tag", sa.String), sa.Column("name", sa.JSON),
                       sa.Column("effective_on", sa.Date), sa.Column("created_at", sa.DateTime(timezone=True)))
    revision_table = sa.Table("activity_revision", meta, sa.Column("id", sa.Integer),
                              sa.Column("activity_id", sa.Integer), sa.Column("version_id", sa.Integer),
                              sa.Column("code", sa.String), sa.Column("text", sa.JSON), sa.Column("output_id", sa.Integer),
                              sa.Column("position", sa.Integer), sa.Column("state", sa.String),
                              sa.Column("search_text", sa.Text))
    revision_bodies = sa.Table("activity_revision_responsibility", meta, sa.Column("revision_id", sa.Integer),
                               sa.Column("body_id", sa.Integer), sa.Column("role", sa.String),
                               sa.Column("note", sa.JSON), sa.Column("position", sa.Integer))
    audit = sa.Table("audit_entry", meta, sa.Column("at", sa.DateTime(timezone=True)), sa.Column("action", sa.String),
                     sa.Column("entity", sa.String), sa.Column("entity_id", sa.String), sa.Column("after", sa.JSON))
    now = datetime.now(timezone.utc)
    for (strategy_id,) in connection.execute(sa.select(strategy.c.id).order_by(strategy.c.id)).all():
        version_id = connection.execute(version.insert().values(
            strategy_id=strategy_id, sequence=1, tag=BASELINE_TAG, name=BASELINE_NAME,
            effective_on=BASELINE_EFFECTIVE_ON, created_at=now).returning(version.c.id)).scalar_one()
        bodies = {}
        for row in connection.execute(
                sa.select(responsibility).join(activity, responsibility.c.activity_id == activity.c.id)
                .where(activity.c.strategy_id == strategy_id)
                .order_by(responsibility.c.activity_id, responsibility.c.position, responsibility.c.id)).all():
            bodies.setdefault(row.activity_id, []).append(row)
        rows = connection.execute(sa.select(activity).where(activity.c.strategy_id == strategy_id)
                                  .order_by(activity.c.position)).all()
        for row in rows:
            text = _json(row.text) or {}
            revision_id = connection.execute(revision_table.insert().values(
                activity_id=row.id, version_id=version_id, code=row.code, text=text, output_id=row.output_id,
                position=row.position, state=_plan_state(row.status, row.retired_on, bool(bodies.get(row.id))),
                search_text=_fold(" ".join([row.code or "", *text.values()]))).returning(revision_table.c.id)).scalar_one()
            for index, r in enumerate(bodies.get(row.id, [])):
                connection.execute(revision_bodies.insert().values(
                    revision_id=revision_id, body_id=r.body_id, role=r.role, note=_json(r.note), position=index))
        connection.execute(audit.insert().values(
            at=now, action="plan_version.created", entity="plan_version", entity_id=str(version_id),
            after={"tag": BASELINE_TAG, "sequence": 1, "activities": len(rows), "by": "migration 0005_governance"}))


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('strategy_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=80), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('glm_period_id', sa.Integer(), nullable=True),
    sa.Column('glm_name', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_plan_version_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['glm_period_id'], ['reporting_period.id'], name=op.f('fk_plan_version_glm_period_id_reporting_period')),
    sa.ForeignKeyConstraint(['strategy_id'], ['strategy.id'], name=op.f('fk_plan_version_strategy_id_strategy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_version')),
    sa.UniqueConstraint('strategy_id', 'sequence', name='uq_plan_version_sequence'),
    sa.UniqueConstraint('strategy_id', 'tag', name='uq_plan_version_tag')
    )
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_version_strategy_id'), ['strategy_id'], unique=False)

    op.create_table('activity_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('text', sa.JSON(), nullable=False),
    sa.Column('output_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_revision_activity_id_activity')),
    sa.ForeignKeyConstraint(['output_id'], ['output.id'], name=op.f('fk_activity_revision_output_id_output')),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['plan_version.id'], name=op.f('fk_activity_revision_superseded_by_id_plan_version')),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_activity_revision_version_id_plan_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_revision')),
    sa.UniqueConstraint('activity_id', 'version_id', name=op.f('uq_activity_revision_activity_id'))
    )
    with op.batch_alter_table('activity_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_revision_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_revision_output_id'), ['output_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_revision_superseded_by_id'), ['superseded_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_revision_version_id'), ['version_id'], unique=False)

    op.create_table('amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('strategy_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('proposed_code', sa.String(length=20), nullable=True),
    sa.Column('proposed_text', sa.JSON(), nullable=True),
    sa.Column('proposed_output_id', sa.Integer(), nullable=True),
    sa.Column('retire_as', sa.String(length=20), nullable=True),
    sa.Column('proposed_responsibilities', sa.JSON(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('origin_note', sa.String(length=200), nullable=True),
    sa.Column('proposing_body_id', sa.Integer(), nullable=True),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sag_by_id', sa.Integer(), nullable=True),
    sa.Column('sag_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sag_note', sa.Text(), nullable=True),
    sa.Column('glm_recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('glm_recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('glm_period_id', sa.Integer(), nullable=True),
    sa.Column('glm_name', sa.String(length=120), nullable=True),
    sa.Column('glm_on', sa.Date(), nullable=True),
    sa.Column('glm_note', sa.Text(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_amendment_activity_id_activity')),
    sa.ForeignKeyConstraint(['glm_period_id'], ['reporting_period.id'], name=op.f('fk_amendment_glm_period_id_reporting_period')),
    sa.ForeignKeyConstraint(['glm_recorded_by_id'], ['user_account.id'], name=op.f('fk_amendment_glm_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user_account.id'], name=op.f('fk_amendment_proposed_by_id_user_account')),
    sa.ForeignKeyConstraint(['proposed_output_id'], ['output.id'], name=op.f('fk_amendment_proposed_output_id_output')),
    sa.ForeignKeyConstraint(['proposing_body_id'], ['body.id'], name=op.f('fk_amendment_proposing_body_id_body')),
    sa.ForeignKeyConstraint(['sag_by_id'], ['user_account.id'], name=op.f('fk_amendment_sag_by_id_user_account')),
    sa.ForeignKeyConstraint(['strategy_id'], ['strategy.id'], name=op.f('fk_amendment_strategy_id_strategy')),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_amendment_version_id_plan_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendment'))
    )
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendment_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_amendment_proposing_body_id'), ['proposing_body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_amendment_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_amendment_strategy_id'), ['strategy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_amendment_version_id'), ['version_id'], unique=False)

    op.create_table('activity_revision_responsibility',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('note', sa.JSON(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], name=op.f('fk_activity_revision_responsibility_body_id_body')),
    sa.ForeignKeyConstraint(['revision_id'], ['activity_revision.id'], name=op.f('fk_activity_revision_responsibility_revision_id_activity_revision'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_revision_responsibility'))
    )
    with op.batch_alter_table('activity_revision_responsibility', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_revision_responsibility_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_revision_responsibility_revision_id'), ['revision_id'], unique=False)

    with op.batch_alter_table('body', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mandate_ends_on', sa.Date(), nullable=True))

    # ### end Alembic commands ###
    _record_baseline()


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    # Not recreated (recreate="never"): recreating `body` would cascade into the tables that refer to it.
    with op.batch_alter_table('body', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('mandate_ends_on')

    with op.batch_alter_table('activity_revision_responsibility', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_revision_responsibility_revision_id'))
        batch_op.drop_index(batch_op.f('ix_activity_revision_responsibility_body_id'))

    op.drop_table('activity_revision_responsibility')
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amendment_version_id'))
        batch_op.drop_index(batch_op.f('ix_amendment_strategy_id'))
        batch_op.drop_index(batch_op.f('ix_amendment_state'))
        batch_op.drop_index(batch_op.f('ix_amendment_proposing_body_id'))
        batch_op.drop_index(batch_op.f('ix_amendment_activity_id'))

    op.drop_table('amendment')
    with op.batch_alter_table('activity_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_revision_version_id'))
        batch_op.drop_index(batch_op.f('ix_activity_revision_superseded_by_id'))
        batch_op.drop_index(batch_op.f('ix_activity_revision_output_id'))
        batch_op.drop_index(batch_op.f('ix_activity_revision_activity_id'))

    op.drop_table('activity_revision')
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_version_strategy_id'))

    op.drop_table('plan_version')
    # ### end Alembic commands ###
