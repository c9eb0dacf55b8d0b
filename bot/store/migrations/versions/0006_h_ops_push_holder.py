"""push claim holders: who claimed a push, and whether that process still runs

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 10:00:00

A restart used to wait out the 10-minute lease before re-taking the claims its dead
predecessor left; with the holder named on each claim and a heartbeat row per process, a
starting process takes over the claims of holders that are gone (bot.liveness).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "push_holder",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("pid_started", sa.BigInteger(), nullable=True),
        sa.Column("started_at", bot.store.models.TZDateTime(timezone=True), nullable=False),
        sa.Column("seen_at", bot.store.models.TZDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("push_claim", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holder", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("push_claim", schema=None) as batch_op:
        batch_op.drop_column("holder")
    op.drop_table("push_holder")
