"""grading disputes: a learner's "I was right" / "I was wrong" on a graded answer

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "grading_dispute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("claim", sa.String(length=8), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("disputed_at", bot.store.models.TZDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["card.id"]),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"]),
        sa.ForeignKeyConstraint(["prompt_id"], ["study_prompt.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("prompt_id"),
    )
    op.create_index("ix_grading_dispute_card_id", "grading_dispute", ["card_id"])
    op.create_index("ix_grading_dispute_learner_id", "grading_dispute", ["learner_id"])


def downgrade() -> None:
    op.drop_index("ix_grading_dispute_learner_id", table_name="grading_dispute")
    op.drop_index("ix_grading_dispute_card_id", table_name="grading_dispute")
    op.drop_table("grading_dispute")
