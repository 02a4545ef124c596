"""strategy cycles: a strategy's state (draft, current, closed), its address name, closing notes, and carry-over

Existing data: the first strategy (the only one so far) becomes the current one; every strategy gets its years as
its name in addresses ("2022-2026"), or its code where two share the years.

Revision ID: 0013_strategy_cycles
Revises: 0012_ops
Create Date: 2026-12-03 06:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_strategy_cycles'
down_revision = '0012_ops'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('strategy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slug', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('state', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('closing_notes', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('predecessor_id', sa.Integer(), nullable=True))

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, code, starts_on, ends_on FROM strategy ORDER BY id")).all()
    taken = set()
    for position, (strategy_id, code, starts_on, ends_on) in enumerate(rows):
        starts, ends = str(starts_on)[:4], str(ends_on)[:4]
        slug = f"{starts}-{ends}"
        if slug in taken:
            slug = code[:40]
        taken.add(slug)
        bind.execute(sa.text("UPDATE strategy SET slug = :slug, state = :state WHERE id = :id"),
                     {"slug": slug, "state": "current" if position == 0 else "draft", "id": strategy_id})

    with op.batch_alter_table('strategy', schema=None) as batch_op:
        batch_op.alter_column('slug', existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column('state', existing_type=sa.String(length=12), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_strategy_slug'), ['slug'])
        batch_op.create_foreign_key(batch_op.f('fk_strategy_closed_by_id_user_account'), 'user_account',
                                    ['closed_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_strategy_predecessor_id_strategy'), 'strategy',
                                    ['predecessor_id'], ['id'])
        batch_op.create_index('uq_strategy_one_current', ['state'], unique=True,
                              sqlite_where=sa.text("state = 'current'"),
                              postgresql_where=sa.text("state = 'current'"))

    op.create_table('carry_over',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_activity_id', sa.Integer(), nullable=False),
    sa.Column('to_activity_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.JSON(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_carry_over_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['from_activity_id'], ['activity.id'], name=op.f('fk_carry_over_from_activity_id_activity')),
    sa.ForeignKeyConstraint(['to_activity_id'], ['activity.id'], name=op.f('fk_carry_over_to_activity_id_activity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carry_over')),
    sa.UniqueConstraint('from_activity_id', name=op.f('uq_carry_over_from_activity_id'))
    )
    with op.batch_alter_table('carry_over', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_carry_over_to_activity_id'), ['to_activity_id'], unique=False)


def downgrade():
    with op.batch_alter_table('carry_over', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_carry_over_to_activity_id'))
    op.drop_table('carry_over')

    with op.batch_alter_table('strategy', schema=None) as batch_op:
        batch_op.drop_index('uq_strategy_one_current', sqlite_where=sa.text("state = 'current'"),
                            postgresql_where=sa.text("state = 'current'"))
        batch_op.drop_constraint(batch_op.f('fk_strategy_predecessor_id_strategy'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_strategy_closed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_strategy_slug'), type_='unique')
        batch_op.drop_column('predecessor_id')
        batch_op.drop_column('closing_notes')
        batch_op.drop_column('closed_by_id')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('opened_at')
        batch_op.drop_column('state')
        batch_op.drop_column('slug')
