"""Bot-side methods called through a real PTB v22 ``Bot`` over HTTP."""

from __future__ import annotations

import time

import httpx
import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken

from tgemu import BotApiEmulator

from .conftest import make_png

KB = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])


async def test_get_me_fields(emu: BotApiEmulator, bot: Bot) -> None:
    """getMe returns a complete bot User whose id is the number before the token's colon."""
    me = await bot.get_me()
    assert me.id == int(emu.token.split(":")[0])
    assert me.is_bot is True
    assert me.username == emu.bot_username
    assert me.first_name == emu.bot_first_name
    assert me.can_join_groups is True
    assert me.supports_inline_queries is False


async def test_bad_token_is_unauthorized(emu: BotApiEmulator) -> None:
    """A token that does not look like a Telegram token gets 401 Unauthorized."""
    b = Bot("not-a-token", base_url=emu.base_url)
    with pytest.raises(InvalidToken):
        await b.get_me()


@pytest.mark.nonconforming
async def test_unknown_method_is_404(emu: BotApiEmulator, bot: Bot) -> None:
    """Unknown methods answer 404 Not Found in Telegram's error shape."""
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("fooBar")
    assert emu.calls_to("fooBar")[-1].status == 404


async def test_send_message_returns_complete_message(emu: BotApiEmulator, bot: Bot) -> None:
    """sendMessage returns a Message with id, date in seconds, chat, bot sender and entities."""
    user = emu.user(7, "Ada", username="ada")
    msg = await bot.send_message(7, "<b>bold</b> &amp; <i>it</i>", parse_mode="HTML",
                                 reply_markup=KB)
    assert msg.message_id == 1
    assert abs(msg.date.timestamp() - time.time()) < 5
    assert msg.chat.id == 7 and msg.chat.type == "private" and msg.chat.first_name == "Ada"
    assert msg.from_user is not None and msg.from_user.is_bot
    assert msg.text == "bold & it"
    assert [(e.type, e.offset, e.length) for e in msg.entities] == [("bold", 0, 4),
                                                                   ("italic", 7, 2)]
    assert msg.reply_markup == KB
    shown = emu.last_bot_message(user)
    assert shown is not None and shown.text == "bold & it" and shown.buttons == [[("Go", "go")]]


@pytest.mark.nonconforming
async def test_send_message_validation(emu: BotApiEmulator, bot: Bot) -> None:
    """Empty, too long, badly formatted text and unknown chats fail with Telegram's texts."""
    emu.user(7)
    with pytest.raises(BadRequest, match=r"(?i)Message text is empty"):
        await bot.send_message(7, " ")
    with pytest.raises(BadRequest, match=r"(?i)Message is too long"):
        await bot.send_message(7, "x" * 4097)
    await bot.send_message(7, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)Can't parse entities"):
        await bot.send_message(7, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Unsupported start tag"):
        await bot.send_message(7, "<br>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)reserved and must be escaped"):
        await bot.send_message(7, "1. item", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
        await bot.send_message(999, "hi")
    with pytest.raises(BadRequest, match=r"(?i)Button_data_invalid"):
        await bot.send_message(7, "x", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("big", callback_data="x" * 65)]]))
    # The conformance check refused each bad call; the blank text and the unknown chat are
    # Telegram's own checks, not the specification's.
    assert [v.where for v in emu.violations] == ["text"] * 4 + [
        "reply_markup.inline_keyboard[0][0].callback_data"]


async def test_markdown_v2_entities(emu: BotApiEmulator, bot: Bot) -> None:
    """Properly escaped MarkdownV2 is accepted and turned into entities."""
    emu.user(7)
    msg = await bot.send_message(7, r"*Card 1\.* _due_ `x\`y` [link](https://e.x/a\)b)",
                                 parse_mode="MarkdownV2")
    assert msg.text == "Card 1. due x`y link"
    assert [e.type for e in msg.entities] == ["bold", "italic", "code", "text_link"]
    assert msg.entities[-1].url == "https://e.x/a)b"


async def test_blocked_user_is_forbidden(emu: BotApiEmulator, bot: Bot) -> None:
    """Sending to a user who blocked the bot raises Forbidden."""
    emu.block(emu.user(7))
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(7, "hi")


async def test_edit_text_markup_caption(emu: BotApiEmulator, bot: Bot) -> None:
    """Edits return the edited Message, reject no-op edits and unknown ids, and show in chat."""
    user = emu.user(7)
    msg = await bot.send_message(7, "one", reply_markup=KB)
    edited = await bot.edit_message_text("two", chat_id=7, message_id=msg.message_id,
                                         reply_markup=KB)
    assert not isinstance(edited, bool)
    assert edited.text == "two" and edited.edit_date is not None
    assert edited.reply_markup == KB
    with pytest.raises(BadRequest, match=r"(?i)Message is not modified"):
        await bot.edit_message_text("two", chat_id=7, message_id=msg.message_id, reply_markup=KB)
    with pytest.raises(BadRequest, match=r"(?i)Message to edit not found"):
        await bot.edit_message_text("x", chat_id=7, message_id=99)
    cleared = await bot.edit_message_reply_markup(chat_id=7, message_id=msg.message_id)
    assert not isinstance(cleared, bool) and cleared.reply_markup is None
    with pytest.raises(BadRequest, match=r"(?i)Message is not modified"):
        await bot.edit_message_reply_markup(chat_id=7, message_id=msg.message_id)
    with pytest.raises(BadRequest, match=r"(?i)There is no caption in the message to edit"):
        await bot.edit_message_caption(chat_id=7, message_id=msg.message_id, caption="c")
    photo = await bot.send_photo(7, make_png(), caption="old")
    recap = await bot.edit_message_caption(chat_id=7, message_id=photo.message_id,
                                           caption="new")
    assert not isinstance(recap, bool) and recap.caption == "new"
    shown = emu.chat(user)
    assert [m.body for m in shown] == ["two", "new"]
    assert shown[0].edited and shown[0].buttons == []


async def test_delete_message(emu: BotApiEmulator, bot: Bot) -> None:
    """deleteMessage hides the message from the chat; deleting twice fails."""
    user = emu.user(7)
    msg = await bot.send_message(7, "bye")
    assert await bot.delete_message(7, msg.message_id) is True
    assert emu.chat(user) == []
    [gone] = emu.chat(user, include_deleted=True)
    assert gone.deleted
    with pytest.raises(BadRequest, match=r"(?i)Message to delete not found"):
        await bot.delete_message(7, msg.message_id)


async def test_answer_callback_query(emu: BotApiEmulator, bot: Bot) -> None:
    """answerCallbackQuery records text/show_alert once; unknown or repeated ids are too old."""
    user = emu.user(7)
    msg = await bot.send_message(7, "pick", reply_markup=KB)
    update = await emu.press(user, msg.message_id, "go")
    cq = update["callback_query"]
    assert cq["chat_instance"] and cq["message"]["message_id"] == msg.message_id
    assert await bot.answer_callback_query(cq["id"], text="done", show_alert=True)
    assert emu.callback_answers[-1].text == "done" and emu.callback_answers[-1].show_alert
    with pytest.raises(BadRequest, match=r"(?i)Query is too old"):
        await bot.answer_callback_query(cq["id"])
    with pytest.raises(BadRequest, match=r"(?i)Query is too old"):
        await bot.answer_callback_query("12345")
    with pytest.raises(ValueError, match=r"(?i)no button"):
        await emu.press(user, msg.message_id, "nope")


@pytest.mark.nonconforming
async def test_send_photo_multipart_and_download(emu: BotApiEmulator, bot: Bot) -> None:
    """A multipart photo upload yields PhotoSizes whose file downloads byte-identical."""
    emu.user(7)
    png = make_png(640, 480)
    msg = await bot.send_photo(7, png, caption="pic")
    sizes = msg.photo
    assert [(s.width, s.height) for s in sizes] == [(90, 68), (320, 240), (640, 480)]
    assert all(s.file_id and s.file_unique_id and s.file_size == len(png) for s in sizes)
    f = await bot.get_file(sizes[-1].file_id)
    assert f.file_path is not None and f.file_path.startswith(emu.file_url)
    assert bytes(await f.download_as_bytearray()) == png
    again = await bot.send_photo(7, sizes[-1].file_id)
    assert [s.file_id for s in again.photo] == [s.file_id for s in sizes]
    with pytest.raises(BadRequest, match=r"(?i)Message caption is too long"):
        await bot.send_photo(7, png, caption="x" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)Wrong file identifier"):
        await bot.send_photo(7, "no-such-file-id")


async def test_attach_uri_upload(emu: BotApiEmulator) -> None:
    """A file referenced as attach://<name> from another multipart part is resolved."""
    emu.user(7)
    png = make_png()
    async with httpx.AsyncClient() as client:
        r = await client.post(f"{emu.base_url}{emu.token}/sendPhoto",
                              data={"chat_id": "7", "photo": "attach://pic"},
                              files={"pic": ("a.png", png, "image/png")})
    body = r.json()
    assert r.status_code == 200 and body["ok"], body
    assert body["result"]["photo"][-1]["width"] == 2
    shown = emu.last_bot_message(7)
    assert shown is not None and shown.photo == png
    assert emu.calls_to("sendPhoto")[-1].params["pic"] == f"<file 'a.png' {len(png)} bytes>"


async def test_send_document(emu: BotApiEmulator, bot: Bot) -> None:
    """sendDocument keeps file name and MIME type and can be re-sent by file_id."""
    emu.user(7)
    msg = await bot.send_document(7, b"a,b\n", filename="deck.csv", caption="deck")
    doc = msg.document
    assert doc is not None and doc.file_name == "deck.csv" and doc.mime_type == "text/csv"
    assert doc.file_size == 4
    f = await bot.get_file(doc.file_id)
    assert bytes(await f.download_as_bytearray()) == b"a,b\n"
    again = await bot.send_document(7, doc.file_id)
    assert again.document is not None and again.document.file_id == doc.file_id
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type"):
        await bot.send_photo(7, doc.file_id)
    assert emu.last_bot_message(7) is not None


@pytest.mark.nonconforming
async def test_commands_roundtrip(emu: BotApiEmulator, bot: Bot) -> None:
    """setMyCommands/getMyCommands/deleteMyCommands work per scope and language."""
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("review", "Review")])
    await bot.set_my_commands([BotCommand("start", "Anfangen")], language_code="de")
    assert [c.command for c in await bot.get_my_commands()] == ["start", "review"]
    assert emu.commands == [{"command": "start", "description": "Start"},
                            {"command": "review", "description": "Review"}]
    assert [c.description for c in await bot.get_my_commands(language_code="de")] == [
        "Anfangen"]
    with pytest.raises(BadRequest, match=r"(?i)Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


async def test_chat_action_and_misc_settings(emu: BotApiEmulator, bot: Bot) -> None:
    """sendChatAction is recorded; description and menu-button setters return True."""
    user = emu.user(7)
    assert await bot.send_chat_action(7, "typing")
    assert emu.chat_actions(user) == ["typing"]
    with pytest.raises(BadRequest, match=r"(?i)Wrong parameter action"):
        await bot.send_chat_action(7, "dancing")
    assert await bot.set_my_description("desc")
    assert await bot.set_my_short_description("short")
    assert await bot.set_chat_menu_button()
    assert (await bot.get_my_description()).description == "desc"


async def test_reply_keyboard_state(emu: BotApiEmulator, bot: Bot) -> None:
    """Reply keyboards are chat state, shown until ReplyKeyboardRemove."""
    from telegram import ReplyKeyboardMarkup, ReplyKeyboardRemove

    user = emu.user(7)
    await bot.send_message(7, "choose", reply_markup=ReplyKeyboardMarkup([["A", "B"]]))
    assert emu.keyboard(user) == [["A", "B"]]
    await bot.send_message(7, "ok", reply_markup=ReplyKeyboardRemove())
    assert emu.keyboard(user) is None


async def test_user_side_injections(emu: BotApiEmulator, bot: Bot) -> None:
    """Injected user updates carry complete Telegram-shaped messages."""
    user = emu.user(7, "Ada", language_code="de")
    up = await emu.send_text(user, "/start@tutorbot_test_bot now")
    msg = up["message"]
    assert msg["entities"] == [{"type": "bot_command", "offset": 0, "length": 24}]
    assert msg["from"]["language_code"] == "de" and msg["chat"]["id"] == 7
    doc = (await emu.send_document(user, b"xyz", "n.txt", "text/plain"))["message"]["document"]
    assert doc["file_name"] == "n.txt" and doc["file_size"] == 3
    loc = (await emu.send_location(user, 52.5, 13.4))["message"]["location"]
    assert loc == {"latitude": 52.5, "longitude": 13.4}
    edited = await emu.edit_text(user, msg["message_id"], "changed")
    assert edited["edited_message"]["text"] == "changed"
    forged = emu.inject_update({"message": {
        "message_id": 99, "date": 0, "chat": {"id": 5, "type": "private"}, "text": "x"}})
    assert forged["update_id"] > edited["update_id"]
    updates = await bot.get_updates()
    assert [u.update_id for u in updates][-1] == forged["update_id"]
    group = emu.group(title="Study group")
    gm = (await emu.send_text(user, "hi all", chat=group))["message"]
    assert gm["chat"]["type"] == "supergroup" and gm["chat"]["id"] < 0


@pytest.mark.nonconforming
async def test_html_is_parsed_in_captions_and_edits_too(emu: BotApiEmulator, bot: Bot) -> None:
    """A caption, an edited text and an edited caption with bad HTML are refused as a text is;
    escaped markup characters reach the user as written."""
    emu.user(7)
    for bad in ("<b>cut", "a < b", "Tom & <Jerry>"):
        with pytest.raises(BadRequest, match=r"(?i)Can't parse entities"):
            await bot.send_photo(7, make_png(), caption=bad, parse_mode="HTML")
    text = await bot.send_message(7, "a &lt;b&gt; &amp; c", parse_mode="HTML")
    assert text.text == "a <b> & c"
    with pytest.raises(BadRequest, match=r"(?i)Can't parse entities"):
        await bot.edit_message_text("<i>x", chat_id=7, message_id=text.message_id,
                                    parse_mode="HTML")
    photo = await bot.send_photo(7, make_png(), caption="x &amp; <b>y</b>", parse_mode="HTML")
    assert photo.caption == "x & y"
    with pytest.raises(BadRequest, match=r"(?i)Can't parse entities"):
        await bot.edit_message_caption(chat_id=7, message_id=photo.message_id, caption="</b>",
                                       parse_mode="HTML")
    assert emu.message(7, text.message_id).text == "a <b> & c"
