"""merge the search and corpora branches

Revision ID: 5f6071829304
Revises: 3d4e5f607182, 4e5f60718293
Create Date: 2025-11-11 10:00:00.000000

"""
revision = '5f6071829304'
down_revision = ('3d4e5f607182', '4e5f60718293')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
