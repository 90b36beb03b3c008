"""create RAG metadata tables

Revision ID: 2c3d4e5f6071
Revises: 1b2c3d4e5f60
Create Date: 2025-11-08 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '2c3d4e5f6071'
down_revision = '1b2c3d4e5f60'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rag_corpora',
        sa.Column('corpus_id', sa.BigInteger(), primary_key=True),
        sa.Column('user_id', sa.String(36),
                  sa.ForeignKey('users.user_id', ondelete='CASCADE'), nullable=False),
        sa.Column('corpus_name', sa.String(255), nullable=False),
        sa.Column('collection_name', sa.String(255), nullable=False),
        sa.Column('description', sa.Text()),
        sa.UniqueConstraint('user_id', 'corpus_name', name='uq_rag_corpora_user_id_corpus_name'),
        sa.UniqueConstraint('collection_name', name='uq_rag_corpora_collection_name'),
    )
    op.create_index('ix_rag_corpora_corpus_name', 'rag_corpora', ['corpus_name'])
    op.create_table(
        'rag_documents',
        sa.Column('doc_id', sa.BigInteger(), primary_key=True),
        sa.Column('corpus_id', sa.BigInteger(),
                  sa.ForeignKey('rag_corpora.corpus_id', ondelete='CASCADE'), nullable=False),
        sa.Column('filename', sa.String(512), nullable=False),
        sa.Column('file_hash', sa.String(64), nullable=False),
        sa.Column('file_size', sa.BigInteger(), nullable=False),
        sa.Column('mime_type', sa.String(100)),
        sa.Column('metadata', postgresql.JSONB(), server_default=sa.text("'{}'"), nullable=False),
    )
    op.create_index('ix_rag_documents_corpus_id', 'rag_documents', ['corpus_id'])
    op.create_table(
        'rag_chunks',
        sa.Column('chunk_id', sa.BigInteger(), primary_key=True),
        sa.Column('doc_id', sa.BigInteger(),
                  sa.ForeignKey('rag_documents.doc_id', ondelete='CASCADE'), nullable=False),
        sa.Column('qdrant_point_id', sa.String(64), nullable=False),
        sa.Column('chunk_index', sa.Integer(), nullable=False),
        sa.Column('text_preview', sa.Text()),
        sa.Column('char_count', sa.Integer(), nullable=False),
        sa.UniqueConstraint('qdrant_point_id', name='uq_rag_chunks_qdrant_point_id'),
    )
    op.create_index('ix_rag_chunks_doc_id', 'rag_chunks', ['doc_id'])


def downgrade() -> None:
    op.drop_table('rag_chunks')
    op.drop_table('rag_documents')
    op.drop_table('rag_corpora')
