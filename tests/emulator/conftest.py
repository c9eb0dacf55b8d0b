"""Fixtures: a running emulator and a tiny PTB v22 bot polling it over real HTTP."""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.conftest import assert_conforming
from tgemu import BotApiEmulator


def make_png(width: int = 2, height: int = 3) -> bytes:
    """A valid PNG so the emulator can read real dimensions from its header."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton("Yes", callback_data="yes"),
      InlineKeyboardButton("No", callback_data="no")]]
)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("<b>Hello!</b> Ready?", parse_mode="HTML",
                                              reply_markup=KEYBOARD)


async def on_doc(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_document(b"col1,col2\n1,2\n", filename="deck.csv",
                                                  caption="your deck")


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    msg = update.effective_message
    assert msg is not None and msg.photo
    tg_file = await msg.photo[-1].get_file()
    data = await tg_file.download_as_bytearray()
    await msg.reply_photo(bytes(data), caption=f"got {len(data)} bytes")


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    q = update.callback_query
    assert q is not None
    await q.answer(f"picked {q.data}")
    await q.edit_message_text(f"You chose {q.data}")


def build_app(emu: BotApiEmulator) -> Application:  # type: ignore[type-arg]
    app = (
        ApplicationBuilder()
        .token(emu.token)
        .base_url(emu.base_url)
        .base_file_url(emu.file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(CommandHandler("doc", on_doc))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    app.add_handler(MessageHandler(filters.PHOTO, on_photo))
    app.add_handler(CallbackQueryHandler(on_callback))
    return app


@pytest.fixture
async def emu(request: pytest.FixtureRequest) -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as e:
        yield e
    assert_conforming(e.violations, request)


@pytest.fixture
async def bot_app(emu: BotApiEmulator) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    app = build_app(emu)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    """A bare PTB Bot (no Application) for calling methods directly."""
    b = Bot(emu.token, base_url=emu.base_url, base_file_url=emu.file_url)
    async with b:
        yield b
