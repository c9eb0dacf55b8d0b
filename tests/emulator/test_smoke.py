"""End-to-end: a real PTB v22 Application polling the emulator."""

from __future__ import annotations

from telegram.ext import Application

from tgemu import BotApiEmulator

from .conftest import make_png


async def test_start_echo_callback_photo(emu: BotApiEmulator, bot_app: Application) -> None:  # type: ignore[type-arg]
    """A full conversation: command, echo, button press with edit, photo round trip."""
    user = emu.user(42, "Ada")
    await emu.send_text(user, "/start")
    [reply] = await emu.wait_for_bot_message(user)
    assert reply.text == "Hello! Ready?"
    assert reply.buttons == [[("Yes", "yes"), ("No", "no")]]
    await emu.send_text(user, "hi there")
    [echo] = await emu.wait_for_bot_message(user)
    assert echo.text == "echo: hi there"
    await emu.press(user, reply.message_id, "yes")
    await emu.wait_until(lambda: emu.message(user, reply.message_id).edited)
    assert emu.message(user, reply.message_id).text == "You chose yes"
    assert emu.callback_answers[-1].text == "picked yes"
    png = make_png(400, 300)
    await emu.send_photo(user, png)
    [photo] = await emu.wait_for_bot_message(user)
    assert photo.has_photo and photo.photo == png
    assert photo.caption == f"got {len(png)} bytes"
