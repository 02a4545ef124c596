"""the GLM pack: highlights per GLM, names in both languages, files built ahead

Revision ID: 0011_pack
Revises: 0010_api_privacy
Create Date: 2026-12-02 20:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0011_pack'
down_revision = '0010_api_privacy'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
