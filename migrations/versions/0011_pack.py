"""the GLM pack: highlights per GLM, GLM names in both languages

Existing data: each period's single-language `glm_name` becomes `glm_names` {"fr": …, "en": …}; a name written
"GLM June 2026" gets its French twin "GLM juin 2026" (English month names are translated), any other name is
kept as it is in both languages, for the secretariat to translate on the pack's highlights page.

Revision ID: 0011_pack
Revises: 0010_api_privacy
Create Date: 2026-12-02 20:10:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_pack'
down_revision = '0010_api_privacy'
branch_labels = None
depends_on = None

MONTHS = {"January": "janvier", "February": "février", "March": "mars", "April": "avril", "May": "mai",
          "June": "juin", "July": "juillet", "August": "août", "September": "septembre", "October": "octobre",
          "November": "novembre", "December": "décembre"}
MONTH = re.compile(r"\b(" + "|".join(MONTHS) + r")\b")

period = sa.table("reporting_period", sa.column("id", sa.Integer), sa.column("glm_name", sa.String),
                  sa.column("glm_names", sa.JSON))


def names_of(name):
    """{"fr": …, "en": …} of a single-language GLM name."""
    if not name:
        return None
    return {"fr": MONTH.sub(lambda m: MONTHS[m.group(1)], name), "en": name}


def upgrade():
    op.create_table('glm_highlights',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['period_id'], ['reporting_period.id'], name=op.f('fk_glm_highlights_period_id_reporting_period'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_glm_highlights_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_glm_highlights')),
    sa.UniqueConstraint('period_id', name=op.f('uq_glm_highlights_period_id'))
    )
    with op.batch_alter_table('reporting_period', schema=None) as batch_op:
        batch_op.add_column(sa.Column('glm_names', sa.JSON(), nullable=True))
    bind = op.get_bind()
    for row in bind.execute(sa.select(period.c.id, period.c.glm_name).where(period.c.glm_name.is_not(None))).all():
        bind.execute(period.update().where(period.c.id == row.id).values(glm_names=names_of(row.glm_name)))
    with op.batch_alter_table('reporting_period', schema=None) as batch_op:
        batch_op.drop_column('glm_name')


def downgrade():
    with op.batch_alter_table('reporting_period', schema=None) as batch_op:
        batch_op.add_column(sa.Column('glm_name', sa.String(length=120), nullable=True))
    bind = op.get_bind()
    for row in bind.execute(sa.select(period.c.id, period.c.glm_names).where(period.c.glm_names.is_not(None))).all():
        names = row.glm_names or {}
        bind.execute(period.update().where(period.c.id == row.id)
                     .values(glm_name=(names.get("en") or names.get("fr") or None)))
    with op.batch_alter_table('reporting_period', schema=None) as batch_op:
        batch_op.drop_column('glm_names')
    op.drop_table('glm_highlights')
