"""index rag_chunks.chunk_index without blocking writes

Revision ID: 3d4e5f607182
Revises: 2c3d4e5f6071
Create Date: 2025-11-10 08:00:00.000000

"""
from alembic import op

revision = '3d4e5f607182'
down_revision = '2c3d4e5f6071'
branch_labels = ('search',)
depends_on = None


def upgrade() -> None:
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction
    with op.get_context().autocommit_block():
        op.create_index('ix_rag_chunks_chunk_index', 'rag_chunks', ['chunk_index'],
                        postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index('ix_rag_chunks_chunk_index', table_name='rag_chunks',
                      postgresql_concurrently=True)
