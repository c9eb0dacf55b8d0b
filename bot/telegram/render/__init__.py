"""What the bot says, one module per feature; handlers use it as `render.NAME`.

Every text is HTML (Telegram's subset) built from escaped parts, and every message stays within
Telegram's limits however long the deck's text is (bot.telegram.text_limits).
"""

from bot.telegram.render.classes import (
    SHOWN_LEARNERS as SHOWN_LEARNERS,
)
from bot.telegram.render.classes import (
    class_choice as class_choice,
)
from bot.telegram.render.classes import (
    class_report as class_report,
)
from bot.telegram.render.classes import (
    invitation as invitation,
)
from bot.telegram.render.classes import (
    invitation_full as invitation_full,
)
from bot.telegram.render.classes import (
    invitation_member as invitation_member,
)
from bot.telegram.render.classes import (
    invitation_owner as invitation_owner,
)
from bot.telegram.render.classes import (
    joined_class as joined_class,
)
from bot.telegram.render.classes import (
    leave_confirm as leave_confirm,
)
from bot.telegram.render.classes import (
    left_class_note as left_class_note,
)
from bot.telegram.render.classes import (
    link_revoked as link_revoked,
)
from bot.telegram.render.classes import (
    link_revoked_for_learner as link_revoked_for_learner,
)
from bot.telegram.render.classes import (
    link_unknown as link_unknown,
)
from bot.telegram.render.classes import (
    no_class as no_class,
)
from bot.telegram.render.classes import (
    remove_confirm as remove_confirm,
)
from bot.telegram.render.classes import (
    remove_whom as remove_whom,
)
from bot.telegram.render.classes import (
    removed_member as removed_member,
)
from bot.telegram.render.classes import (
    share_link as share_link,
)
from bot.telegram.render.common import (
    COMMANDS as COMMANDS,
)
from bot.telegram.render.common import (
    Reply as Reply,
)
from bot.telegram.render.common import (
    database_unavailable as database_unavailable,
)
from bot.telegram.render.common import (
    help_text as help_text,
)
from bot.telegram.render.common import (
    internal_error as internal_error,
)
from bot.telegram.render.common import (
    not_text as not_text,
)
from bot.telegram.render.common import (
    private_only as private_only,
)
from bot.telegram.render.common import (
    stale_button as stale_button,
)
from bot.telegram.render.common import (
    unknown_command as unknown_command,
)
from bot.telegram.render.common import (
    welcome as welcome,
)
from bot.telegram.render.common import (
    with_note as with_note,
)
from bot.telegram.render.decks import (
    IMPORT_FORMAT as IMPORT_FORMAT,
)
from bot.telegram.render.decks import (
    LOOSE_SHOWN as LOOSE_SHOWN,
)
from bot.telegram.render.decks import (
    SHOWN_PROBLEMS as SHOWN_PROBLEMS,
)
from bot.telegram.render.decks import (
    deck_deleted_note as deck_deleted_note,
)
from bot.telegram.render.decks import (
    deck_page_moved as deck_page_moved,
)
from bot.telegram.render.decks import (
    decks as decks,
)
from bot.telegram.render.decks import (
    delete_deck_confirm as delete_deck_confirm,
)
from bot.telegram.render.decks import (
    import_done as import_done,
)
from bot.telegram.render.decks import (
    import_download_failed as import_download_failed,
)
from bot.telegram.render.decks import (
    import_refused as import_refused,
)
from bot.telegram.render.decks import (
    import_spreadsheet as import_spreadsheet,
)
from bot.telegram.render.decks import (
    import_started as import_started,
)
from bot.telegram.render.decks import (
    import_too_large as import_too_large,
)
from bot.telegram.render.decks import (
    import_too_many_decks as import_too_many_decks,
)
from bot.telegram.render.decks import (
    left_out as left_out,
)
from bot.telegram.render.demos import (
    demo_busy as demo_busy,
)
from bot.telegram.render.demos import (
    demo_cancelled as demo_cancelled,
)
from bot.telegram.render.demos import (
    demo_caption as demo_caption,
)
from bot.telegram.render.demos import (
    demo_done as demo_done,
)
from bot.telegram.render.demos import (
    demo_failed as demo_failed,
)
from bot.telegram.render.demos import (
    demo_list as demo_list,
)
from bot.telegram.render.demos import (
    demo_problem as demo_problem,
)
from bot.telegram.render.demos import (
    demo_queued as demo_queued,
)
from bot.telegram.render.demos import (
    demo_status as demo_status,
)
from bot.telegram.render.demos import (
    demos_off as demos_off,
)
from bot.telegram.render.demos import (
    demos_unavailable as demos_unavailable,
)
from bot.telegram.render.demos import (
    demos_unavailable_short as demos_unavailable_short,
)
from bot.telegram.render.demos import (
    image_too_large as image_too_large,
)
from bot.telegram.render.demos import (
    photo_hint as photo_hint,
)
from bot.telegram.render.export_stats import (
    export_caption as export_caption,
)
from bot.telegram.render.export_stats import (
    export_empty as export_empty,
)
from bot.telegram.render.export_stats import (
    stats_text as stats_text,
)
from bot.telegram.render.fitting import (
    fit_accepted as fit_accepted,
)
from bot.telegram.render.fitting import (
    fit_already_default as fit_already_default,
)
from bot.telegram.render.fitting import (
    fit_already_used as fit_already_used,
)
from bot.telegram.render.fitting import (
    fit_busy as fit_busy,
)
from bot.telegram.render.fitting import (
    fit_failed as fit_failed,
)
from bot.telegram.render.fitting import (
    fit_kept as fit_kept,
)
from bot.telegram.render.fitting import (
    fit_needs_reviews as fit_needs_reviews,
)
from bot.telegram.render.fitting import (
    fit_reset as fit_reset,
)
from bot.telegram.render.fitting import (
    fit_result as fit_result,
)
from bot.telegram.render.fitting import (
    fit_setting_line as fit_setting_line,
)
from bot.telegram.render.fitting import (
    fit_stale as fit_stale,
)
from bot.telegram.render.fitting import (
    fit_too_few_spaced as fit_too_few_spaced,
)
from bot.telegram.render.fitting import (
    fit_unavailable as fit_unavailable,
)
from bot.telegram.render.limits import (
    demo_quota_reached as demo_quota_reached,
)
from bot.telegram.render.limits import (
    flood_notice as flood_notice,
)
from bot.telegram.render.limits import (
    flood_toast as flood_toast,
)
from bot.telegram.render.pushes import (
    push_button_stale as push_button_stale,
)
from bot.telegram.render.pushes import (
    push_checkin as push_checkin,
)
from bot.telegram.render.pushes import (
    push_paused as push_paused,
)
from bot.telegram.render.pushes import (
    push_question as push_question,
)
from bot.telegram.render.pushes import (
    push_question_text as push_question_text,
)
from bot.telegram.render.pushes import (
    push_reminder as push_reminder,
)
from bot.telegram.render.pushes import (
    push_snooze_choices as push_snooze_choices,
)
from bot.telegram.render.pushes import (
    push_snoozed as push_snoozed,
)
from bot.telegram.render.pushes import (
    push_snoozed_tomorrow as push_snoozed_tomorrow,
)
from bot.telegram.render.settings import (
    SETTINGS_USAGE as SETTINGS_USAGE,
)
from bot.telegram.render.settings import (
    invalid_setting as invalid_setting,
)
from bot.telegram.render.settings import (
    setting_choices as setting_choices,
)
from bot.telegram.render.settings import (
    settings as settings,
)
from bot.telegram.render.study import (
    already_rated as already_rated,
)
from bot.telegram.render.study import (
    already_set_aside as already_set_aside,
)
from bot.telegram.render.study import (
    card_set_aside as card_set_aside,
)
from bot.telegram.render.study import (
    dispute_already_noted as dispute_already_noted,
)
from bot.telegram.render.study import (
    dispute_claims as dispute_claims,
)
from bot.telegram.render.study import (
    dispute_noted as dispute_noted,
)
from bot.telegram.render.study import (
    empty_answer as empty_answer,
)
from bot.telegram.render.study import (
    graded as graded,
)
from bot.telegram.render.study import (
    leech as leech,
)
from bot.telegram.render.study import (
    no_open_card as no_open_card,
)
from bot.telegram.render.study import (
    nothing_due as nothing_due,
)
from bot.telegram.render.study import (
    nothing_to_undo as nothing_to_undo,
)
from bot.telegram.render.study import (
    question as question,
)
from bot.telegram.render.study import (
    rated_note as rated_note,
)
from bot.telegram.render.study import (
    skipped as skipped,
)
from bot.telegram.render.study import (
    stopped as stopped,
)
from bot.telegram.render.study import (
    undone as undone,
)
from bot.telegram.text_limits import clip as clip
from bot.telegram.text_limits import visible_text as visible_text
