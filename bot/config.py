"""Settings: the one object built from the environment (and an env file).

Built once in the CLI and passed down; nothing reads the environment anywhere else. The env
file is `--env-file PATH`, else $TUTORBOT_ENV_FILE, else `.env` in the working directory if
there is one; variables set in the environment win over the file's.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_PLACEHOLDERS = {"changeme", "change-me", "your-token-here", "token", "xxx", "secret"}
_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]{30,}$")


def _default_data_dir() -> Path:
    return Path.cwd() / "data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_file_url: str = "https://api.telegram.org/file/bot"
    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    redis_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0:8443"
    cards_dir: Path = Path("cards")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Demos
    demo_device: Literal["auto", "cpu", "cuda"] = "auto"
    demo_workers: int = Field(default=1, ge=0, le=16)
    demo_timeout_s: float = Field(default=60.0, gt=0)
    # Redis queue name (and key prefix) for demo jobs, so deployments can share one Redis.
    demo_queue: str = "tutorbot:demos"
    # Demo requests a learner may start per window (0 = unlimited); demos cost real compute.
    demo_quota: int = Field(default=20, ge=0)
    demo_quota_window_s: float = Field(default=3600.0, gt=0)
    # Per-chat flood throttle: at most this many updates per window, then a polite notice.
    flood_limit: int = Field(default=20, ge=1)
    flood_window_s: float = Field(default=10.0, gt=0)
    # Decks: how often CARDS_DIR is checked for edited or new files (0 = only at start-up).
    deck_reload_s: float = Field(default=30.0, ge=0)
    # Personal (CSV/TSV) decks: the largest file and row count accepted.
    import_max_rows: int = Field(default=2000, ge=1)
    # Learners' personal cards kept in memory per process (least recently used go first);
    # the rest are read from the database when their learner needs them.
    personal_cache_cards: int = Field(default=50_000, ge=0)
    # FSRS parameter fitting needs this many of the learner's reviews first.
    fsrs_fit_min_reviews: int = Field(default=200, ge=1)
    # Telegram's limits (about 30 msg/s overall, 1/s per chat); off only against an emulator.
    telegram_rate_limit: bool = True
    # Pushes
    push_catchup_hours: float = Field(default=3.0, ge=0)
    # Fuzzing spreads reviews in production; tests switch it off for determinism.
    fsrs_fuzzing: bool = True

    @field_validator("telegram_bot_token", "webhook_secret", mode="before")
    @classmethod
    def _reject_placeholders(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return None
            if value.strip().lower() in _PLACEHOLDERS:
                raise ValueError("is a placeholder; set the real value or leave it unset")
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # The message must not echo the value: it would leak a mistyped token into logs.
        if value is not None and not _TOKEN_SHAPE.match(value.get_secret_value()):
            raise ValueError("does not look like a bot token from @BotFather (digits:letters)")
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _listen_shape(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be host:port, e.g. 0.0.0.0:8443")
        return value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'tutorbot.sqlite3'}"

    @property
    def listen_host(self) -> str:
        return self.webhook_listen.rpartition(":")[0]

    @property
    def listen_port(self) -> int:
        return int(self.webhook_listen.rpartition(":")[2])


ENV_FILE_VARIABLE = "TUTORBOT_ENV_FILE"


class EnvFileError(Exception):
    """An env file that was asked for by name but cannot be read; never silently skipped,
    or `tutorbot migrate` would migrate the default SQLite file instead of the real database."""


def load_settings(env_file: str | Path | None = None) -> Settings:
    """Settings from the environment and the chosen env file (see the module docstring)."""
    chosen = env_file or os.environ.get(ENV_FILE_VARIABLE) or None
    if chosen is None:
        return Settings()
    path = Path(chosen).expanduser()
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise EnvFileError(f"cannot read the env file {path}: {exc.strerror or exc}") from None
    if path.is_dir():
        raise EnvFileError(f"the env file {path} is a directory")
    return Settings(_env_file=path)
