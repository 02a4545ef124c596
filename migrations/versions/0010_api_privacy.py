"""API tokens and personal-data retention

Revision ID: 0010_api_privacy
Revises: 0009_meetings
Create Date: 2026-12-02 20:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0010_api_privacy'
down_revision = '0009_meetings'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
