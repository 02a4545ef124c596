"""activity search text: the folded code and texts that /plan?q= searches in SQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 03:48:58.595741

"""
import json
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _fold(text):
    """Lower-case text without accents (a copy of sip.plan.models.fold, frozen with this migration)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def upgrade():
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=True))
    connection = op.get_bind()
    activity = sa.table('activity', sa.column('id'), sa.column('code'), sa.column('text', sa.JSON), sa.column('search_text'))
    for row in connection.execute(sa.select(activity.c.id, activity.c.code, activity.c.text)).all():
        text = row.text if isinstance(row.text, dict) else json.loads(row.text or "{}")
        folded = _fold(" ".join([row.code or "", *text.values()]))
        connection.execute(activity.update().where(activity.c.id == row.id).values(search_text=folded))
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.alter_column('search_text', existing_type=sa.Text(), nullable=False)


def downgrade():
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_column('search_text')
