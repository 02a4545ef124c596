"""meetings, minutes, decisions and action points

Revision ID: 0009_meetings
Revises: 0008_partners
Create Date: 2026-12-02 20:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0009_meetings'
down_revision = '0008_partners'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
