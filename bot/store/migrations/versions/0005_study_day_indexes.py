"""indexes for the study path's "today" lookups: prompts by asked time, states by introduction

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 18:40:00

Picking a card reads the prompts a learner skipped or buried today and counts the cards they
met today. Without these, both read the learner's whole history, which grows for as long as
they keep studying.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_study_prompt_learner_asked", "study_prompt", ["learner_id", "asked_at"])
    # Its leading column makes the single-column index redundant.
    op.drop_index("ix_study_prompt_learner_id", table_name="study_prompt")
    op.create_index("ix_card_state_learner_introduced", "card_state",
                    ["learner_id", "introduced_at"])


def downgrade() -> None:
    op.drop_index("ix_card_state_learner_introduced", table_name="card_state")
    op.create_index("ix_study_prompt_learner_id", "study_prompt", ["learner_id"])
    op.drop_index("ix_study_prompt_learner_asked", table_name="study_prompt")
