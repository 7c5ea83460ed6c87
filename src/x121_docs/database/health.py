"""Health check and the `db status` facts: which server, which version, which extensions."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..config import Settings
from .connect import connect, resolve


@dataclass
class ServerStatus:
    url: str  # password masked
    embedded: bool
    server_version: str
    database: str
    health_ms: float
    extensions: dict[str, str] = field(default_factory=dict)  # installed in the database
    available: dict[str, str] = field(default_factory=dict)  # offered by the server (default versions)
    pool: dict[str, float | int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "url": self.url,
            "embedded": self.embedded,
            "server_version": self.server_version,
            "database": self.database,
            "health_ms": round(self.health_ms, 2),
            "extensions": dict(sorted(self.extensions.items())),
            "available_extensions": dict(sorted(self.available.items())),
            "pool": self.pool,
        }


def health_check(settings: Settings) -> float:
    """Connect and run `SELECT 1`; return the round trip in milliseconds."""
    with connect(settings, read_only=True) as conn:
        start = time.perf_counter()
        conn.execute("SELECT 1").fetchone()
        return (time.perf_counter() - start) * 1000


def server_status(settings: Settings) -> ServerStatus:
    settings = resolve(settings)
    with connect(settings, read_only=True) as conn:
        start = time.perf_counter()
        conn.execute("SELECT 1").fetchone()
        health_ms = (time.perf_counter() - start) * 1000
        version = conn.execute("SHOW server_version").fetchone()[0]
        extensions = dict(conn.execute("SELECT extname, extversion FROM pg_extension ORDER BY extname").fetchall())
        available = dict(conn.execute(
            "SELECT name, coalesce(default_version, '') FROM pg_available_extensions ORDER BY name").fetchall())
    return ServerStatus(
        url=settings.url(),
        embedded=settings.embedded,
        server_version=version,
        database=settings.name,
        health_ms=health_ms,
        extensions=extensions,
        available=available,
        pool={
            "min_size": settings.pool_min,
            "max_size": settings.pool_max,
            "idle_timeout_s": settings.pool_idle_timeout,
            "max_lifetime_s": settings.pool_max_lifetime,
            "connect_timeout_s": settings.connect_timeout,
        },
    )
