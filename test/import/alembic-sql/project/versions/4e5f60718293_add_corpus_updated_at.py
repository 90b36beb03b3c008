"""add rag_corpora.updated_at

Revision ID: 4e5f60718293
Revises: 2c3d4e5f6071
Create Date: 2025-11-10 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = '4e5f60718293'
down_revision = '2c3d4e5f6071'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('rag_corpora', sa.Column('updated_at', sa.DateTime(timezone=True),
                                           server_default=sa.text('now()'), nullable=False))


def downgrade() -> None:
    op.drop_column('rag_corpora', 'updated_at')
