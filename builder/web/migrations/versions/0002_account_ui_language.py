"""each account's staff-page language

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL: not chosen yet; the browser's Accept-Language decides until the account picks one
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('ui_lang', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_column('ui_lang')
