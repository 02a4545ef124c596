"""partner register, focal points, join requests and commitment acknowledgements

Existing data: organisations get an empty list of countries of operation; the country typed before (a name in
French or English, or a code) becomes its ISO 3166-1 alpha-2 code, the headquarters country; a value that is not
recognisable as a country is kept as typed, so nothing is lost, and the register shows it as it is.

Revision ID: 0008_partners
Revises: 0007_mail_security_inbox
Create Date: 2026-12-02 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_partners'
down_revision = '0007_mail_security_inbox'
branch_labels = None
depends_on = None


def _country_codes() -> None:
    """Turn each organisation's country name into its code (Babel knows the names in both languages)."""
    from sip.partners.countries import resolve

    organisation = sa.table('organisation', sa.column('id', sa.Integer), sa.column('country', sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(organisation.c.id, organisation.c.country)
                              .where(organisation.c.country.is_not(None))).all()
    for row_id, typed in rows:
        code = resolve(typed)
        if code is not None and code != typed:
            connection.execute(organisation.update().where(organisation.c.id == row_id).values(country=code))


def upgrade():
    op.create_table('commitment_acknowledgement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('strategy_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_commitment_acknowledgement_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['strategy_id'], ['strategy.id'], name=op.f('fk_commitment_acknowledgement_strategy_id_strategy')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_commitment_acknowledgement_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_acknowledgement')),
    sa.UniqueConstraint('organisation_id', 'strategy_id', name=op.f('uq_commitment_acknowledgement_organisation_id'))
    )
    with op.batch_alter_table('commitment_acknowledgement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_acknowledgement_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitment_acknowledgement_strategy_id'), ['strategy_id'], unique=False)

    op.create_table('join_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('acronym', sa.String(length=40), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_join_request_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_join_request_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_join_request_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_join_request'))
    )
    with op.batch_alter_table('join_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_join_request_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_join_request_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_join_request_state'), ['state'], unique=False)

    op.create_table('focal_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=True),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], name=op.f('fk_focal_point_body_id_body')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_focal_point_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_focal_point_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_focal_point'))
    )
    with op.batch_alter_table('focal_point', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_focal_point_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_focal_point_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_focal_point_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('countries', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('website', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('joined_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('left_on', sa.Date(), nullable=True))
    op.execute("UPDATE organisation SET countries = '[]'")
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.alter_column('countries', existing_type=sa.JSON(), nullable=False)
    _country_codes()


def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('left_on')
        batch_op.drop_column('joined_on')
        batch_op.drop_column('website')
        batch_op.drop_column('countries')

    with op.batch_alter_table('focal_point', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_focal_point_user_id'))
        batch_op.drop_index(batch_op.f('ix_focal_point_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_focal_point_body_id'))
    op.drop_table('focal_point')

    with op.batch_alter_table('join_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_join_request_state'))
        batch_op.drop_index(batch_op.f('ix_join_request_requested_by_id'))
        batch_op.drop_index(batch_op.f('ix_join_request_organisation_id'))
    op.drop_table('join_request')

    with op.batch_alter_table('commitment_acknowledgement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_acknowledgement_strategy_id'))
        batch_op.drop_index(batch_op.f('ix_commitment_acknowledgement_organisation_id'))
    op.drop_table('commitment_acknowledgement')
