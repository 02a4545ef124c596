"""partner register, focal points, join requests and commitment acknowledgements

Revision ID: 0008_partners
Revises: 0007_mail_security_inbox
Create Date: 2026-12-02 20:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0008_partners'
down_revision = '0007_mail_security_inbox'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
