"""Classes: 🔗 share links (from /decks), /start <code> and ✅ Join, /class and removing a learner.

Leaving a class is a /decks button (🚪), handled with the other /decks buttons in deck_choice.
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ChatAction

from bot import classes
from bot.classes import Closed, Invitation, LinkClosed, Standing
from bot.demos import DemoError, DemoKind, DemoRequest
from bot.telegram import keyboards, render
from bot.telegram.callback_data import (
    ConfirmRemoveMember,
    JoinClass,
    ListMembers,
    RemoveMember,
    RevokeLink,
    ShareDeck,
    ShowClass,
    decode,
)
from bot.telegram.context import BotContext

log = logging.getLogger(__name__)


def link_url(bot_username: str, code: str) -> str:
    """Telegram's deep link: opening it sends `/start <code>` from the learner's chat."""
    return f"https://t.me/{bot_username}?start={code}"


def _invitation(found: Invitation | LinkClosed) -> render.Reply:
    if isinstance(found, LinkClosed):
        return (render.link_unknown() if found.why is Closed.UNKNOWN
                else render.link_revoked_for_learner())
    match found.standing:
        case Standing.OUTSIDE:
            return render.invitation(found.title, found.cards, found.owner_name,
                                     keyboards.join_class(found.code))
        case Standing.MEMBER:
            note = render.invitation_member()
        case Standing.OWNER:
            note = render.invitation_owner()
        case Standing.FULL:
            note = render.invitation_full(classes.MAX_CLASSES_JOINED)
    return render.invitation(found.title, found.cards, found.owner_name, None, note=note)


async def open_link(update: Update, context: BotContext, code: str) -> None:
    """Show the deck a share link opens: its title, size and owner, with ✅ Join."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    found = await context.run_db(classes.invitation, telegram_id=user.id, code=code)
    reply = _invitation(found)
    await message.reply_text(reply.text, reply_markup=reply.keyboard)


async def join_button(update: Update, context: BotContext) -> None:
    """Join the class of the link; a link revoked since the preview says so instead."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    payload = decode(query.data)
    assert isinstance(payload, JoinClass)
    found = await context.run_db(classes.join_class, telegram_id=user.id, code=payload.code,
                                 now=context.state.clock())
    if isinstance(found, Invitation) and found.standing is Standing.MEMBER:
        await query.answer("Joined")
        reply = render.invitation(found.title, found.cards, found.owner_name, None,
                                  note=render.joined_class(found.title, found.cards,
                                                           found.owner_name))
    else:
        await query.answer()
        reply = _invitation(found)
    if isinstance(query.message, Message):
        await query.edit_message_text(reply.text, reply_markup=reply.keyboard)


async def share_button(update: Update, context: BotContext) -> None:
    """Send the join link of the pressed own deck (drawing a new one after a revoke)."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    payload = decode(query.data)
    assert isinstance(payload, ShareDeck)
    link = await context.run_db(classes.share_deck, telegram_id=user.id,
                                deck_id=payload.deck_id, now=context.state.clock())
    if link is None:
        await query.answer(render.stale_button())
        return
    await query.answer()
    reply = render.share_link(link.title, link.cards, link.members,
                              link_url(context.bot.username, link.code),
                              keyboards.share_link(link.deck_id))
    if isinstance(query.message, Message):
        await query.message.reply_text(reply.text, reply_markup=reply.keyboard)


async def revoke_button(update: Update, context: BotContext) -> None:
    """Revoke the deck's link in place of the message that showed it."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    payload = decode(query.data)
    assert isinstance(payload, RevokeLink)
    revoked = await context.run_db(classes.revoke_link, telegram_id=user.id,
                                   deck_id=payload.deck_id, now=context.state.clock())
    if revoked is None:
        await query.answer(render.stale_button())
        return
    await query.answer("Revoked")
    reply = render.link_revoked(revoked.title, revoked.members)
    if isinstance(query.message, Message):
        await query.edit_message_text(reply.text)


async def class_command(update: Update, context: BotContext) -> None:
    """Show the owner's class (or ask which one, for several shared decks)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    decks = await context.run_db(classes.class_decks, telegram_id=user.id)
    if not decks:
        reply = render.no_class()
    elif len(decks) > 1:
        reply = render.class_choice(keyboards.class_choice(decks))
    else:
        await _send_class(update, context, message, decks[0][0])
        return
    await message.reply_text(reply.text, reply_markup=reply.keyboard)


async def show_class_button(update: Update, context: BotContext) -> None:
    """Send the class view of the pressed deck."""
    query = update.callback_query
    assert query is not None
    payload = decode(query.data)
    assert isinstance(payload, ShowClass)
    if not isinstance(query.message, Message):
        await query.answer(render.stale_button())
        return
    shown = await _send_class(update, context, query.message, payload.deck_id)
    await query.answer(None if shown else render.stale_button())


async def _send_class(update: Update, context: BotContext, message: Message, deck_id: int
                      ) -> bool:
    """The class report as text at once, then its picture from a demo worker."""
    user = update.effective_user
    assert user is not None
    report = await context.run_db(classes.class_report, telegram_id=user.id, deck_id=deck_id,
                                  now=context.state.clock())
    if report is None:
        return False
    reply = render.class_report(report, keyboards.class_view(
        deck_id, link_open=report.link_open, members=len(report.learners)))
    await message.reply_text(reply.text, reply_markup=reply.keyboard)
    runner = context.state.demos
    if runner is None or runner.queue_position(user.id) is not None:
        return True  # no workers, or a demo is running: the text stands on its own
    chat_id = message.chat_id

    async def draw() -> None:
        await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_PHOTO)
        request = DemoRequest(DemoKind.CLASS, (classes.chart_payload(report),))
        try:
            result = await runner.submit(request, owner=user.id)
        except DemoError as exc:
            log.warning("class chart failed: %s", type(exc).__name__)
            return
        await context.bot.send_photo(chat_id, result.png,
                                     caption=render.demo_caption(result.caption))

    context.application.create_task(draw(), update=update, name=f"class-{user.id}")
    return True


async def remove_button(update: Update, context: BotContext) -> None:
    """List the members to remove, ask about the pressed one, then remove them."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    payload = decode(query.data)
    assert isinstance(payload, ListMembers | RemoveMember | ConfirmRemoveMember)
    if not isinstance(query.message, Message):
        await query.answer(render.stale_button())
        return
    if isinstance(payload, ConfirmRemoveMember):
        removed = await context.run_db(classes.remove_member, telegram_id=user.id,
                                       deck_id=payload.deck_id, learner_id=payload.learner_id)
        if removed is None:
            await query.answer(render.stale_button())
            return
        await query.answer("Removed")
        reply = render.removed_member(removed.name, removed.title)
        await query.edit_message_text(reply.text)
        return
    found = await context.run_db(classes.class_members, telegram_id=user.id,
                                 deck_id=payload.deck_id)
    if found is None:
        await query.answer(render.stale_button())
        return
    title, members = found
    if isinstance(payload, ListMembers):
        await query.answer()
        shown = members[:keyboards.MAX_MEMBER_BUTTONS]
        reply = render.remove_whom(title, keyboards.member_list(
            payload.deck_id, [(m.learner_id, m.name) for m in shown]))
        await query.message.reply_text(reply.text, reply_markup=reply.keyboard)
        return
    member = next((m for m in members if m.learner_id == payload.learner_id), None)
    if member is None:
        await query.answer(render.stale_button())
        return
    await query.answer()
    reply = render.remove_confirm(member.name, title,
                                  keyboards.confirm_remove(payload.deck_id, member.learner_id))
    await query.edit_message_text(reply.text, reply_markup=reply.keyboard)
