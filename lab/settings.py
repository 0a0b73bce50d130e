"""Settings: read once from the environment (``LAB_`` prefix), frozen, passed in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_SECRET = "dev-insecure-secret-change-me"
DEFAULT_MODEL = "multilingual-e5-small"
SEARCH_BACKENDS = ("embedded", "meilisearch")
EMBEDDING_BACKENDS = ("onnx", "torch")


class SettingsError(ValueError):
    """A setting is missing or invalid; the message says which."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str = DEFAULT_SECRET
    mode: str = "development"  # development | production
    search_backend: str = "embedded"
    meili_url: str | None = None
    meili_key: str | None = None
    meili_index_prefix: str = "lab"
    embedding_model: str = DEFAULT_MODEL
    embedding_backend: str = "onnx"  # onnx (int8, exported at first use) | torch (sentence-transformers fp32)
    model_dir: Path | None = None  # where converted models live; default data_dir/models
    run_worker_in_process: bool = True
    warm_up: bool = True  # warm what start-up can before answering (LAB_WARM_UP; see matchmaking.routes)
    max_json_bytes: int = 1024 * 1024
    max_upload_bytes: int = 20 * 1024 * 1024
    smtp_url: str | None = None  # smtp://host:port (smtps:// for TLS); unset: mail goes to data_dir/mail as .eml
    smtp_from: str = "Scenario Lab <noreply@scenario-lab.local>"
    base_url: str = "http://127.0.0.1:8000"  # absolute links in mail (unsubscribe, items)
    fit_alert_threshold: float = 0.90  # see matchmaking/alerts.py FIT_ALERT_THRESHOLD
    relevance_floor: float = 0.15  # calibrated 匹配度 below which search/matches leave out non-lexical hits
    rate_limit: tuple[int, int] = (30, 60)  # expensive reads (matches, similar, search, exports): n per seconds
    model_deadline: float = 8.0  # seconds a request may wait for the model / an expensive read
    expensive_concurrency: int = 4  # expensive reads running at once in one process
    signin_per_client: int = 5  # sign-in attempts per (email, address) per window
    signin_per_address: int = 30  # sign-in attempts per address across emails per window
    index_check_seconds: float = 60.0  # how often the worker compares the index with the database
    worker_lease: float = 30.0  # seconds a claimed outbox row stays hidden; renewed while the batch runs
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def models_path(self) -> Path:
        return self.model_dir or (self.data_dir / "models")

    @property
    def files_path(self) -> Path:
        return self.data_dir / "files"

    @property
    def search_path(self) -> Path:
        return self.data_dir / "search"

    @property
    def mail_path(self) -> Path:
        return self.data_dir / "mail"

    @property
    def is_development(self) -> bool:
        return self.mode == "development"

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _floor(value: str) -> float:
    try:
        floor = float(value)
    except ValueError:
        raise SettingsError(f"LAB_RELEVANCE_FLOOR must be a number between 0 and 1, not {value!r}") from None
    if not 0.0 <= floor < 1.0:
        raise SettingsError(f"LAB_RELEVANCE_FLOOR must be between 0 and 1 (0 turns the floor off), not {value!r}")
    return floor


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name} must be a positive integer, not {raw!r}")
    return int(raw)


def _rate(env: Mapping[str, str], name: str, default: tuple[int, int]) -> tuple[int, int]:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    count, _, period = raw.partition("/")
    if (
        not (count.isascii() and count.isdigit() and period.isascii() and period.isdigit())
        or int(count) < 1
        or int(period) < 1
    ):
        raise SettingsError(f"{name} must look like 30/60 (requests per seconds), not {raw!r}")
    return int(count), int(period)


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < 3600:
        raise SettingsError(f"{name} must be a number of seconds between 0 and 3600, not {raw!r}")
    return value


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the one settings object from an environment mapping (``os.environ`` by default)."""
    env = dict(os.environ if environ is None else environ)
    data_dir = Path(env.get("LAB_DATA_DIR", "./data")).expanduser().resolve()
    database_url = env.get("LAB_DATABASE_URL") or f"sqlite://{data_dir / 'lab.sqlite3'}"
    mode = env.get("LAB_MODE", "development").strip().lower()
    if mode not in {"development", "production"}:
        raise SettingsError(f"LAB_MODE must be development or production, not {mode!r}")
    secret = env.get("LAB_SECRET_KEY", DEFAULT_SECRET)
    if mode != "development" and (secret == DEFAULT_SECRET or len(secret) < 32):
        raise SettingsError(
            "LAB_SECRET_KEY must be set to a random value of at least 32 characters outside development mode"
        )
    backend = env.get("LAB_SEARCH_BACKEND", "embedded").strip().lower()
    if backend not in SEARCH_BACKENDS:
        raise SettingsError(f"LAB_SEARCH_BACKEND must be one of {', '.join(SEARCH_BACKENDS)}, not {backend!r}")
    meili_url = env.get("LAB_MEILI_URL") or None
    if backend == "meilisearch" and not meili_url:
        raise SettingsError("LAB_SEARCH_BACKEND=meilisearch needs LAB_MEILI_URL")
    model_dir = env.get("LAB_MODEL_DIR")
    smtp_url = env.get("LAB_SMTP_URL") or None
    if smtp_url and not smtp_url.startswith(("smtp://", "smtps://")):
        raise SettingsError(f"LAB_SMTP_URL must look like smtp://host:port, not {smtp_url!r}")
    try:
        fit_threshold = float(env.get("LAB_FIT_ALERT_THRESHOLD", "0.90"))
    except ValueError:
        raise SettingsError("LAB_FIT_ALERT_THRESHOLD must be a number between 0 and 1") from None
    if not 0 <= fit_threshold <= 1:
        raise SettingsError("LAB_FIT_ALERT_THRESHOLD must be a number between 0 and 1")
    embedding_backend = env.get("LAB_EMBEDDING_BACKEND", "onnx").strip().lower()
    if embedding_backend not in EMBEDDING_BACKENDS:
        raise SettingsError(
            f"LAB_EMBEDDING_BACKEND must be one of {', '.join(EMBEDDING_BACKENDS)}, not {embedding_backend!r}"
        )
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=secret,
        mode=mode,
        search_backend=backend,
        meili_url=meili_url,
        meili_key=env.get("LAB_MEILI_KEY") or None,
        meili_index_prefix=env.get("LAB_MEILI_INDEX_PREFIX", "lab"),
        embedding_model=env.get("LAB_EMBEDDING_MODEL", DEFAULT_MODEL),
        embedding_backend=embedding_backend,
        model_dir=Path(model_dir).expanduser().resolve() if model_dir else None,
        run_worker_in_process=_bool(env.get("LAB_INPROCESS_WORKER", "1")),
        smtp_url=smtp_url,
        smtp_from=env.get("LAB_SMTP_FROM") or Settings.smtp_from,
        base_url=(env.get("LAB_BASE_URL") or Settings.base_url).rstrip("/"),
        fit_alert_threshold=fit_threshold,
        rate_limit=_rate(env, "LAB_RATE_LIMIT", (30, 60)),
        model_deadline=_seconds(env, "LAB_MODEL_DEADLINE", 8.0),
        expensive_concurrency=_positive_int(env, "LAB_EXPENSIVE_CONCURRENCY", 4),
        signin_per_client=_positive_int(env, "LAB_SIGNIN_PER_CLIENT", 5),
        signin_per_address=_positive_int(env, "LAB_SIGNIN_PER_ADDRESS", 30),
        index_check_seconds=_seconds(env, "LAB_INDEX_CHECK_SECONDS", 60.0),
        worker_lease=_seconds(env, "LAB_WORKER_LEASE", 30.0),
        warm_up=_bool(env.get("LAB_WARM_UP", "1")),
        relevance_floor=_floor(env.get("LAB_RELEVANCE_FLOOR", "0.15")),
        extra={k: v for k, v in env.items() if k.startswith("LAB_")},
    )
