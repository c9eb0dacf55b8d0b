"""quiz pushes: the prompt a push opened, its kind (quiz or check-in), snoozed pushes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN_BEFORE = "status IN ('claimed', 'sending', 'retry')"
_OPEN_AFTER = "status IN ('claimed', 'sending', 'retry', 'snoozed')"


def _open_index(where: str) -> None:
    op.create_index("ix_push_claim_open", "push_claim", ["status", "local_date"],
                    postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def upgrade() -> None:
    with op.batch_alter_table("push_claim") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=False,
                                   server_default="quiz"))
        batch.add_column(sa.Column("prompt_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("not_before", bot.store.models.TZDateTime(timezone=True),
                                   nullable=True))
        batch.create_foreign_key("fk_push_claim_prompt_id", "study_prompt", ["prompt_id"],
                                 ["id"])
    # Snoozed rows are open: the reclaim finds them through the partial index.
    op.drop_index("ix_push_claim_open", table_name="push_claim")
    _open_index(_OPEN_AFTER)


def downgrade() -> None:
    op.drop_index("ix_push_claim_open", table_name="push_claim")
    op.execute("UPDATE push_claim SET status = 'sent' WHERE status = 'snoozed'")
    _open_index(_OPEN_BEFORE)
    with op.batch_alter_table("push_claim") as batch:
        batch.drop_constraint("fk_push_claim_prompt_id", type_="foreignkey")
        batch.drop_column("not_before")
        batch.drop_column("prompt_id")
        batch.drop_column("kind")
