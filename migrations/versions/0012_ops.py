"""operations: the worker's heartbeat

Revision ID: 0012_ops
Revises: 0011_pack
Create Date: 2026-12-02 20:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0012_ops'
down_revision = '0011_pack'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
