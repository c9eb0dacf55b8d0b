"""fsrs parameters per learner, demo use log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("learner") as batch:
        batch.add_column(sa.Column("fsrs_parameters", sa.String(), nullable=True))
        batch.add_column(sa.Column("fsrs_parameters_proposed", sa.String(), nullable=True))
        batch.add_column(sa.Column("fsrs_fitted_at", bot.store.models.TZDateTime(timezone=True),
                                   nullable=True))
    op.create_table(
        "demo_use",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("requested_at", bot.store.models.TZDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_demo_use_learner_time", "demo_use", ["learner_id", "requested_at"])


def downgrade() -> None:
    op.drop_index("ix_demo_use_learner_time", table_name="demo_use")
    op.drop_table("demo_use")
    with op.batch_alter_table("learner") as batch:
        batch.drop_column("fsrs_fitted_at")
        batch.drop_column("fsrs_parameters_proposed")
        batch.drop_column("fsrs_parameters")
