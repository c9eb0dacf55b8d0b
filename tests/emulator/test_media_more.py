"""Other media kinds, albums, editMessageMedia, copy and forward."""

from __future__ import annotations

from telegram import Bot, InputMediaDocument, InputMediaPhoto

from tgemu import BotApiEmulator

from .conftest import make_png


async def test_media_group_uses_attach_uris(emu: BotApiEmulator, bot: Bot) -> None:
    """sendMediaGroup resolves attach:// parts and returns one Message per item."""
    emu.user(7)
    a, b = make_png(10, 10), make_png(20, 10)
    msgs = await bot.send_media_group(7, [InputMediaPhoto(a, caption="first"),
                                          InputMediaPhoto(b)])
    assert len(msgs) == 2 and msgs[0].media_group_id == msgs[1].media_group_id
    assert msgs[0].caption == "first" and msgs[1].photo[-1].width == 20
    assert [m.photo for m in emu.chat(7)] == [a, b]


async def test_edit_message_media(emu: BotApiEmulator, bot: Bot) -> None:
    """editMessageMedia swaps the photo and caption of a bot message."""
    emu.user(7)
    msg = await bot.send_photo(7, make_png(), caption="old")
    new_png = make_png(5, 5)
    edited = await bot.edit_message_media(InputMediaPhoto(new_png, caption="new"), chat_id=7,
                                          message_id=msg.message_id)
    assert not isinstance(edited, bool) and edited.caption == "new"
    shown = emu.message(7, msg.message_id)
    assert shown.photo == new_png and shown.edited
    docs = await bot.send_media_group(7, [InputMediaDocument(b"1", filename="a.txt"),
                                          InputMediaDocument(b"2", filename="b.txt")])
    assert [d.document.file_name for d in docs if d.document] == ["a.txt", "b.txt"]


async def test_video_voice_sticker(emu: BotApiEmulator, bot: Bot) -> None:
    """Other media kinds get their Bot API objects and can be re-sent by file_id."""
    emu.user(7)
    video = await bot.send_video(7, b"\x00" * 10, filename="v.mp4", width=4, height=3,
                                 duration=2)
    assert video.video is not None and video.video.width == 4
    assert video.video.mime_type == "video/mp4"
    again = await bot.send_video(7, video.video.file_id)
    assert again.video is not None and again.video.file_id == video.video.file_id
    voice = await bot.send_voice(7, b"OggS", filename="v.ogg", duration=1)
    assert voice.voice is not None and voice.voice.file_size == 4
    sticker = await bot.send_sticker(7, b"RIFF")
    assert sticker.sticker is not None and sticker.sticker.type == "regular"


async def test_copy_and_forward(emu: BotApiEmulator, bot: Bot) -> None:
    """copyMessage returns a MessageId; forwardMessage records the forward origin."""
    user = emu.user(7, "Ada")
    emu.user(8)
    original = (await emu.send_text(user, "share me"))["message"]
    copied = await bot.copy_message(8, 7, original["message_id"])
    assert emu.message(8, copied.message_id).text == "share me"
    fwd = await bot.forward_message(8, 7, original["message_id"])
    assert fwd.forward_origin is not None and fwd.forward_origin.type == "user"
    assert fwd.text == "share me"
