"""add user authentication fields

Revision ID: 1b2c3d4e5f60
Revises: 0a1b2c3d4e5f
Create Date: 2025-11-05 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = '1b2c3d4e5f60'
down_revision = '0a1b2c3d4e5f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # 1. nullable columns, 2. backfill, 3. NOT NULL, 4. constraints
    op.add_column('users', sa.Column('user_id', sa.String(36), nullable=True))
    op.add_column('users', sa.Column('email', sa.String(255), nullable=True))
    op.add_column('users', sa.Column('hashed_password', sa.String(255), nullable=True))
    op.add_column('users', sa.Column('full_name', sa.String(255), nullable=True))
    op.add_column('users', sa.Column('is_active', sa.Boolean(),
                                     server_default=sa.text('true'), nullable=False))
    op.execute("UPDATE users SET user_id = gen_random_uuid()::text, "
               "email = username || '+' || id || '@example.invalid'")
    op.alter_column('users', 'user_id', nullable=False)
    op.alter_column('users', 'email', nullable=False)
    op.create_unique_constraint('uq_users_user_id', 'users', ['user_id'])
    op.create_unique_constraint('uq_users_email', 'users', ['email'])
    op.create_index('ix_users_username', 'users', ['username'])


def downgrade() -> None:
    op.drop_index('ix_users_username', table_name='users')
    op.drop_constraint('uq_users_email', 'users', type_='unique')
    op.drop_constraint('uq_users_user_id', 'users', type_='unique')
    op.drop_column('users', 'is_active')
    op.drop_column('users', 'full_name')
    op.drop_column('users', 'hashed_password')
    op.drop_column('users', 'email')
    op.drop_column('users', 'user_id')
