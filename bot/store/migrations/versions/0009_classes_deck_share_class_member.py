"""classes: a personal deck's join link (deck_share) and the learners who joined (class_member)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 10:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deck_share",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deck_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("created_at", bot.store.models.TZDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", bot.store.models.TZDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["deck_id"], ["deck.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("deck_id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "class_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deck_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", bot.store.models.TZDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["deck_id"], ["deck.id"]),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("deck_id", "learner_id"),
    )
    op.create_index("ix_class_member_deck_id", "class_member", ["deck_id"])
    op.create_index("ix_class_member_learner_id", "class_member", ["learner_id"])


def downgrade() -> None:
    op.drop_index("ix_class_member_learner_id", table_name="class_member")
    op.drop_index("ix_class_member_deck_id", table_name="class_member")
    op.drop_table("class_member")
    op.drop_table("deck_share")
