"""indexes for the push tick: learners by zone and push time, open push claims

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN_PUSH = "status IN ('claimed', 'sending', 'retry')"


def upgrade() -> None:
    op.create_index(
        "ix_learner_push_schedule", "learner", ["timezone", "push_time"],
        postgresql_where=sa.text("active AND NOT reminders_paused"),
        sqlite_where=sa.text("active = 1 AND reminders_paused = 0"),
    )
    op.create_index(
        "ix_push_claim_open", "push_claim", ["status", "local_date"],
        postgresql_where=sa.text(_OPEN_PUSH), sqlite_where=sa.text(_OPEN_PUSH),
    )


def downgrade() -> None:
    op.drop_index("ix_push_claim_open", table_name="push_claim")
    op.drop_index("ix_learner_push_schedule", table_name="learner")
