"""learner.decks_version: a counter of the learner's personal-deck changes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 10:40:00

Each instance loads a learner's personal cards when that learner needs them and keeps a
bounded cache; the counter, read with the learner under their lock, tells an instance that
an import or a deletion on another instance made its cached copy stale.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("learner", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decks_version", sa.Integer(), nullable=False,
                                      server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("learner", schema=None) as batch_op:
        batch_op.drop_column("decks_version")
